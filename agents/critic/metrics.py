"""Objective measurements of a draft, and how they adjust the critic's score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import mean
from typing import Any

from agents.text.cleanup import repeated_sentence_ratio
from agents.text.grounding import copied_ngram_ratio, corpus_for, invented
from agents.text.markdown import render_markdown, word_count
from agents.text.readability import flesch_reading_ease, repeated_ngram_ratio
from core.markers import SINGLE_MARKER_RE, split_sentences, strip_citations
from core.policy import run_policy
from core.state import (
    Critique,
    CritiqueIssue,
    DraftMetrics,
    DraftRequest,
    IssueKind,
    Outline,
    Passage,
    RubricScores,
    Section,
    Source,
)
from tools.citations import citation_support, weak_citation_issues
from tools.specifics import coverage, find_specifics, key_specifics


def measure_draft(
    request: DraftRequest,
    outline: Outline,
    sections: list[Section],
    sources: list[Source],
    passages: list[Passage] | None = None,
) -> tuple[DraftMetrics, list[CritiqueIssue]]:
    """Words, sections, repetition, length vs target, citations and their support rate, the
    prose's reading ease and repeated 3-grams, and its grounding: coverage of the evidence the
    outline assigned, invented specifics, and word 8-grams copied from the sources.

    Returns:
        The metrics, and issues naming citations their source text does not support.
    """
    markdown = render_markdown(outline.title, sections)
    words = word_count(sections)
    prose = strip_citations("\n\n".join(section.body for section in sections))
    support = citation_support(markdown, {s.id: s.text for s in sources}) if sources else None
    weak = (
        weak_citation_issues(support, limit=run_policy().critic.weak_citations_shown, sections=sections)
        if support is not None
        else []
    )
    metrics = DraftMetrics(
        words=words,
        sections=sum(1 for s in sections if s.role != "intro"),
        repeated_sentence_ratio=round(repeated_sentence_ratio(markdown), 3),
        length_ratio=round(words / request.words, 3),
        citations=len(SINGLE_MARKER_RE.findall(markdown)),
        citation_support=None if support is None or support.rate is None else round(support.rate, 3),
        reading_ease=flesch_reading_ease(prose),
        repeated_ngram_ratio=repeated_ngram_ratio(prose),
        **grounding_metrics(request, outline, prose, sources, passages or []),
    )
    return metrics, weak


def grounding_metrics(
    request: DraftRequest, outline: Outline, prose: str, sources: list[Source], passages: list[Passage]
) -> dict[str, Any]:
    """Coverage of the outline's evidence, the specifics no source backs, and the copied share."""
    corpus = corpus_for(request, sources)
    found = find_specifics(prose)
    grounded = bool(sources)
    invented_texts = list(
        dict.fromkeys(
            s.text for sentence in split_sentences(prose) for s in invented(sentence, corpus, grounded)
        )
    )
    planned = {*outline.intro_passage_ids, *(i for s in outline.sections for i in s.passage_ids)}
    evidence = key_specifics(p.text for p in passages if p.id in planned)
    copied = copied_ngram_ratio(prose, [s.text for s in sources]) if sources else None
    return {
        "coverage": None if not evidence else round(coverage(prose, evidence) or 0.0, 3),
        "specifics": len(found),
        "unsupported_specifics": invented_texts,
        "copied_ngram_ratio": None if copied is None else round(copied, 3),
    }


@dataclass(frozen=True)
class Penalty:
    """Points the overall score loses for one measured problem, and why (the issue's text)."""

    kind: IssueKind
    points: float
    reason: str


PENALISED: tuple[IssueKind, ...] = (
    "repetition",
    "length",
    "missing_sections",
    "no_citations",
    "low_support",
    "unsupported_specifics",
    "copying",
)


def penalty_points(kind: IssueKind, metrics: DraftMetrics) -> float:
    """The points a measured problem of ``kind`` costs (0 for a kind that costs none)."""
    policy = run_policy().critic
    weights = policy.penalties
    if kind == "repetition":
        return min(weights.repetition_cap, weights.repetition_per_share * metrics.repeated_sentence_ratio)
    if kind == "length":
        return min(
            weights.length_cap,
            (abs(metrics.length_ratio - 1) - policy.length_tolerance) * weights.length_per_share,
        )
    if kind == "missing_sections":
        return weights.missing_sections
    if kind == "no_citations":
        return weights.no_citations
    if kind == "low_support" and metrics.citation_support is not None:
        return (weights.low_support - metrics.citation_support) * weights.low_support_per_share
    if kind == "unsupported_specifics":
        share = len(metrics.unsupported_specifics) / max(1, metrics.specifics)
        return min(weights.unsupported_cap, weights.unsupported_base + weights.unsupported_per_share * share)
    if kind == "copying" and metrics.copied_ngram_ratio is not None:
        copy_limit = run_policy().text.copy_limit
        return min(weights.copying_cap, (metrics.copied_ngram_ratio - copy_limit) * weights.copying_per_share)
    return 0.0


def penalties(metrics: DraftMetrics, outline: Outline, has_sources: bool) -> list[Penalty]:
    """Each measured problem of a draft, with the points it costs and a plain-language reason."""
    found: list[Penalty] = []

    def add(kind: IssueKind, reason: str) -> None:
        found.append(Penalty(kind, penalty_points(kind, metrics), reason))

    if metrics.repeated_sentence_ratio > 0:
        add(
            "repetition",
            f"{metrics.repeated_sentence_ratio:.0%} of sentences repeat earlier ones: say each thing once",
        )
    policy = run_policy().critic
    deviation = abs(metrics.length_ratio - 1)
    if deviation > policy.length_tolerance:
        direction = "short of" if metrics.length_ratio < 1 else "over"
        add("length", f"the draft is {deviation:.0%} {direction} the target length: adjust it")
    expected = len(outline.sections) + 1  # body sections plus the conclusion
    if metrics.sections < expected:
        add("missing_sections", f"only {metrics.sections} of {expected} planned sections have text")
    if has_sources and metrics.citations == 0:
        add("no_citations", "no claim cites a source: cite the research notes as [n]")
    if metrics.citation_support is not None and metrics.citation_support < policy.penalties.low_support:
        add(
            "low_support", f"only {metrics.citation_support:.0%} of citations are backed by their source text"
        )
    if metrics.unsupported_specifics:
        named = ", ".join(f'"{text}"' for text in metrics.unsupported_specifics[: policy.unsupported_shown])
        add("unsupported_specifics", f"{named} appear in no source: state only what the sources say")
    if metrics.copied_ngram_ratio is not None and metrics.copied_ngram_ratio > run_policy().text.copy_limit:
        add(
            "copying",
            f"{metrics.copied_ngram_ratio:.0%} of the draft copies its sources word for word: "
            "explain in your own words",
        )
    return found


def objective_findings(
    metrics: DraftMetrics, outline: Outline, has_sources: bool
) -> tuple[float, list[CritiqueIssue]]:
    """Penalty points (0-10) and plain-language issues from the measurements."""
    penalty, issues = 0.0, []
    for found in penalties(metrics, outline, has_sources):
        penalty += found.points
        issues.append(CritiqueIssue(kind=found.kind, text=found.reason))
    return penalty, issues


@dataclass(frozen=True)
class ScoreBreakdown:
    """How a round's overall score is made: the rubric mean, less each penalty, kept in 0-10."""

    rubric_mean: float
    penalties: list[Penalty]
    overall: float

    @property
    def unclamped(self) -> float:
        """The rubric mean less every penalty, before it is kept within 0-10."""
        return self.rubric_mean - sum(p.points for p in self.penalties)


def score_breakdown(critique: Critique) -> ScoreBreakdown:
    """The breakdown of a stored critique's overall score, rebuilt from its rubric, its measured
    issues and its metrics (the numbers the critic used; nothing is scored again)."""
    found = [
        Penalty(issue.kind, penalty_points(issue.kind, critique.metrics), issue.text)
        for issue in critique.issues
        if issue.kind in PENALISED
    ]
    return ScoreBreakdown(mean(critique.scores.model_dump().values()), found, critique.overall)


def measured_rubric(
    judged: Mapping[str, float], metrics: DraftMetrics, outline: Outline, has_sources: bool
) -> RubricScores:
    """The rubric with what code can measure taken from measurements.

    Structure is the share of planned sections (body plus conclusion) that have text; grounding
    is the share of citations their source supports (1 when a sourced draft cites nothing, a
    neutral 5 without sources). Clarity is the mean of the model's judgement and the measured
    readability (``measured_clarity``). Depth and style stay the model's judgement: a small
    model's rubric is close to a fixed pattern, and measurable items should not depend on it.
    """
    expected = len(outline.sections) + 1
    structure = _scale(min(1.0, metrics.sections / expected))
    if not has_sources:
        grounding = run_policy().critic.unsourced_grounding
    elif metrics.citations == 0 or metrics.citation_support is None:
        grounding = 1
    else:
        grounding = _scale(metrics.citation_support)
    clarity = judged["clarity"]
    readable = measured_clarity(metrics)
    if readable is not None:
        clarity = mean([clarity, readable])
    depth = judged["depth"]
    if metrics.coverage is not None:
        depth = mean([depth, _scale(min(1.0, metrics.coverage / run_policy().critic.full_coverage))])
    values = {**judged, "structure": structure, "grounding": grounding, "clarity": clarity, "depth": depth}
    return RubricScores.model_validate({item: round(values[item], 2) for item in RubricScores.model_fields})


def measured_clarity(metrics: DraftMetrics) -> float | None:
    """Clarity from measurements: Flesch reading ease on a 1-10 scale, minus points for
    repeated 3-grams beyond the allowance; None for metrics that lack them."""
    if metrics.reading_ease is None:
        return None
    policy = run_policy().critic
    low, high = policy.reading_ease_range
    share = min(1.0, max(0.0, (metrics.reading_ease - low) / (high - low)))
    excess = max(0.0, (metrics.repeated_ngram_ratio or 0.0) - policy.repeat_allowance)
    return max(1.0, min(10.0, 1 + 9 * share - policy.repeat_weight * excess))


def _scale(share: float) -> int:
    """A 0..1 share as a 1..10 score."""
    return max(1, min(10, round(1 + 9 * share)))


def describe(metrics: DraftMetrics, target_words: int) -> str:
    """The measurements in one line, for the critic's prompt."""
    support = "n/a" if metrics.citation_support is None else f"{metrics.citation_support:.0%}"
    return (
        f"{metrics.words} words (target {target_words}), {metrics.sections} sections, "
        f"{metrics.repeated_sentence_ratio:.0%} repeated sentences, {metrics.citations} citations "
        f"({support} supported by their sources)"
        + (
            f", {metrics.coverage:.0%} of the evidence's specifics stated"
            if metrics.coverage is not None
            else ""
        )
        + (
            f", {len(metrics.unsupported_specifics)} specifics found in no source"
            if metrics.unsupported_specifics
            else ""
        )
        + "."
    )
