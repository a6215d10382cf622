"""Citation support: does each cited sentence share enough content words with its source?

The marker format itself (parsing, renumbering, the References list) is ``core.markers``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from core.markers import cited_ids, code_spans, remove_markers, remove_reference_sections, split_sentences
from core.state import CritiqueIssue, IssueKind, Section
from core.text import content_words

DEFAULT_SUPPORT_THRESHOLD = 0.3


class CitationClaim(BaseModel):
    """One cited sentence checked against one of the sources it cites."""

    sentence: str = Field(description="the citing sentence, markers removed")
    source_id: int
    score: float = Field(description="share of the sentence's content words found in the source, 0..1")
    supported: bool
    source_found: bool = True


class CitationReport(BaseModel):
    """Citation support of one draft."""

    threshold: float
    claims: list[CitationClaim] = Field(default_factory=list)
    rate: float | None = Field(default=None, description="supported claims / claims; None without claims")

    @property
    def weak_claims(self) -> list[CitationClaim]:
        """Claims whose source does not (lexically) support them."""
        return [claim for claim in self.claims if not claim.supported]


def _prose(markdown: str) -> str:
    """The draft's text without References sections and with code blanked out."""
    body = remove_reference_sections(markdown)
    for start, end in sorted(code_spans(body), reverse=True):
        body = body[:start] + " " + body[end:]
    return body


def overlap_score(claim: str, source_text: str, window: int = 3) -> float:
    """Share of the claim's content words found in the best window of ``window`` source sentences."""
    claim_words = content_words(claim)
    if not claim_words:
        return 0.0
    source_sentences = split_sentences(source_text) or [source_text]
    best = 0.0
    for start in range(max(1, len(source_sentences) - window + 1)):
        window_words = content_words(" ".join(source_sentences[start : start + window]))
        best = max(best, len(claim_words & window_words) / len(claim_words))
    return best


def citation_support(
    markdown: str, source_texts: dict[int, str], threshold: float = DEFAULT_SUPPORT_THRESHOLD
) -> CitationReport:
    """Check each cited sentence against the text of each source it cites (lexical overlap).

    Args:
        markdown: The draft, with citation markers numbered as in ``source_texts``.
        source_texts: Source id -> the text the writer saw for it.
        threshold: Minimum overlap score for a claim to count as supported.

    Returns:
        Per-claim scores and the support rate (None when the draft cites nothing).
    """
    claims: list[CitationClaim] = []
    for sentence in split_sentences(_prose(markdown)):
        ids = cited_ids(sentence)
        claim = " ".join(remove_markers(sentence).split())
        if not ids or not content_words(claim):
            continue
        for source_id in ids:
            found = source_id in source_texts
            score = round(overlap_score(claim, source_texts[source_id]), 3) if found else 0.0
            claims.append(
                CitationClaim(
                    sentence=claim,
                    source_id=source_id,
                    score=score,
                    supported=score >= threshold,
                    source_found=found,
                )
            )
    rate = sum(claim.supported for claim in claims) / len(claims) if claims else None
    return CitationReport(threshold=threshold, claims=claims, rate=rate)


def weak_citation_issues(
    report: CitationReport, limit: int = 5, sections: Sequence[Section] = ()
) -> list[CritiqueIssue]:
    """Typed issues for the critic about citations their sources do not support, each naming
    its source and, when found among ``sections``, the section that holds the sentence."""
    issues: list[CritiqueIssue] = []
    for claim in report.weak_claims[:limit]:
        sentence = claim.sentence if len(claim.sentence) <= 120 else claim.sentence[:117] + "..."
        if claim.source_found:
            kind: IssueKind = "weak_citation"
            text = f'weak citation [{claim.source_id}] (overlap {claim.score:.2f}): "{sentence}"'
        else:
            kind, text = "unknown_source", f'citation [{claim.source_id}] points to no source: "{sentence}"'
        holder = section_of(claim.sentence, sections)
        issues.append(
            CritiqueIssue(
                kind=kind,
                text=text,
                section=holder.heading if holder else None,
                section_index=holder.index if holder else None,
                source_id=claim.source_id,
            )
        )
    return issues


def section_of(sentence: str, sections: Sequence[Section]) -> Section | None:
    """The first section whose text holds ``sentence`` (markers aside), or None."""
    for section in sections:
        if sentence in " ".join(remove_markers(section.body).split()):
            return section
    return None
