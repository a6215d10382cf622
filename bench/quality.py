"""Draft-quality metrics computed from a result object; usable on any run.

``python -m bench.quality RESULT.json [--reference FILE]`` prints them for a ``cli.py draft --json``
result or for every draft of a ``bench/results/*.json`` file.

Metrics: structure compliance, repeated-sentence and repeated-3-gram ratios, length vs target,
citation support, the critic's overall score per round, Flesch reading ease and, against a
reference article, ROUGE-1/ROUGE-L F1 and entity recall (the STORM paper's measures, with
simple tokenisation and a capitalised-phrase/number heuristic instead of an NER model).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.text.cleanup import repeated_sentence_ratio
from agents.text.readability import flesch_reading_ease, repeated_ngram_ratio
from core.markers import remove_reference_sections
from core.result import DraftResult
from core.text import plain_words
from tools.citations import citation_support

CONCLUSION_WORDS = ("conclusion", "summary", "final thoughts", "takeaway", "wrapping up", "in short")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CITATION = re.compile(r"\s?\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_CAPITALISED = re.compile(r"(?<![\w'-])[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
_LEADING_STOPWORDS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "in", "on", "at", "for", "i"}
)


class Structure(BaseModel):
    """Does the draft have the parts a blog post needs?"""

    title: bool
    intro: bool
    sections_expected: int | None
    sections_found: int
    missing_sections: list[str]
    duplicate_headings: list[str]
    conclusion: bool
    references_required: bool
    references: bool
    score: float


class Progress(BaseModel):
    """The critic's overall score per round, and whether rounds helped."""

    scores: list[float]
    first: float
    best: float
    last: float
    gain: float
    last_not_worse: bool


class Overlap(BaseModel):
    """Agreement with a human reference article."""

    rouge_1: float
    rouge_l: float
    entity_recall: float | None
    reference_entities: int


class QualityReport(BaseModel):
    """All quality metrics of one draft."""

    structure: Structure
    words: int
    target_words: int
    length_ratio: float
    repeated_sentence_ratio: float
    repeated_3gram_ratio: float
    citation_support: float | None
    progress: Progress
    flesch_reading_ease: float
    reference: Overlap | None = None


# --- text helpers -------------------------------------------------------------------------


def parse_markdown(markdown: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Split a post into its ``#`` title, the intro before the first ``##``, and ``##`` sections."""
    title, intro = "", []
    sections: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title and not sections:
            title = heading.group(2)
        elif heading and len(heading.group(1)) == 2:
            sections.append((heading.group(2), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            intro.append(line)
    body = [(name, "\n".join(lines).strip()) for name, lines in sections]
    return title, "\n".join(intro).strip(), body


def prose(markdown: str) -> str:
    """The post's running text: no headings, no References section, no citation markers."""
    body = remove_reference_sections(markdown)
    lines = [line for line in body.splitlines() if not _HEADING.match(line)]
    return _CITATION.sub("", "\n".join(lines)).strip()


def normalise_heading(heading: str) -> str:
    """A heading reduced to lower-case words, for matching."""
    return " ".join(plain_words(heading))


# --- structure, repetition, length ----------------------------------------------------------


def structure_report(markdown: str, outline_headings: Sequence[str] | None, has_sources: bool) -> Structure:
    """Check title, intro, the outline's sections (each once), a conclusion and, with sources,
    a References list; ``score`` is the share of these six checks passed.

    Args:
        markdown: the final post.
        outline_headings: the body-section headings the draft was planned with; None if unknown.
        has_sources: whether the run had sources (then a References list is required).
    """
    title, intro, sections = parse_markdown(markdown)
    written = [name for name, body in sections if body and name.strip().lower() != "references"]
    found = {normalise_heading(name) for name in written}
    expected = list(outline_headings) if outline_headings is not None else None
    missing = [h for h in expected or [] if normalise_heading(h) not in found]
    duplicates = duplicate_headings([name for name, _ in sections])
    conclusion = any(any(word in name.lower() for word in CONCLUSION_WORDS) for name in written)
    references = any(name.strip().lower() == "references" and body for name, body in sections)
    checks = [
        bool(title),
        bool(intro),
        not missing,
        not duplicates,
        conclusion,
        references or not has_sources,
    ]
    return Structure(
        title=bool(title),
        intro=bool(intro),
        sections_expected=len(expected) if expected is not None else None,
        sections_found=len(written),
        missing_sections=missing,
        duplicate_headings=duplicates,
        conclusion=conclusion,
        references_required=has_sources,
        references=references,
        score=round(sum(checks) / len(checks), 3),
    )


def duplicate_headings(headings: Sequence[str]) -> list[str]:
    """Headings that occur more than once (compared as lower-case words), each listed once."""
    counts = Counter(normalise_heading(h) for h in headings)
    first = {normalise_heading(h): h for h in reversed(headings)}
    return [first[key] for key in dict.fromkeys(normalise_heading(h) for h in headings) if counts[key] > 1]


def word_total(markdown: str) -> int:
    """Words of running text (headings, references and citation markers excluded)."""
    return len(prose(markdown).split())


# --- reference overlap --------------------------------------------------------------------


def f1(overlap: float, candidate_size: int, reference_size: int) -> float:
    """The F1 of precision ``overlap/candidate_size`` and recall ``overlap/reference_size``."""
    if not overlap or not candidate_size or not reference_size:
        return 0.0
    precision, recall = overlap / candidate_size, overlap / reference_size
    return round(2 * precision * recall / (precision + recall), 4)


def rouge_1(candidate: str, reference: str) -> float:
    """ROUGE-1 F1: unigram overlap with clipped counts."""
    cand, ref = Counter(plain_words(candidate)), Counter(plain_words(reference))
    overlap = sum((cand & ref).values())
    return f1(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(first: Sequence[str], second: Sequence[str]) -> int:
    """Length of the longest common subsequence (two-row dynamic programme)."""
    previous = [0] * (len(second) + 1)
    for item in first:
        current = [0]
        for index, other in enumerate(second):
            current.append(previous[index] + 1 if item == other else max(previous[index + 1], current[index]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (beta = 1) over the whole texts' token sequences."""
    cand, ref = plain_words(candidate), plain_words(reference)
    return f1(lcs_length(cand, ref), len(cand), len(ref))


def extract_entities(text: str) -> set[str]:
    """Named things by heuristic: numbers, and capitalised phrases (a lone capitalised word at
    the start of a sentence or line is skipped; leading articles are dropped). Lower-cased."""
    found = {match.group(0).replace(",", "") for match in _NUMBER.finditer(text)}
    for match in _CAPITALISED.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower() in _LEADING_STOPWORDS:
            words = words[1:]
        at_start = bool(_SENTENCE_START.search(text[: match.start()]))
        if not words or (len(words) == 1 and at_start and len(match.group(0).split()) == 1):
            continue
        found.add(" ".join(words).lower())
    return found


def entity_recall(candidate: str, reference: str) -> tuple[float | None, int]:
    """Share of the reference's entities that the candidate mentions (case-insensitive, whole
    words); None when the reference has no entities. Also returns the entity count.

    The reference's headings are left out and wrapped lines joined first: a heading is not a
    named thing, and a name at the start of a wrapped line does not start a sentence."""
    entities = extract_entities(unwrap(prose(reference)))
    if not entities:
        return None, 0
    text = " " + " ".join(plain_words(candidate.replace(",", ""))) + " "
    hits = sum(1 for entity in entities if f" {' '.join(plain_words(entity))} " in text)
    return round(hits / len(entities), 4), len(entities)


def unwrap(text: str) -> str:
    """Paragraphs on one line each (single line breaks inside a paragraph become spaces)."""
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())


# --- grounding, measured apart from the app --------------------------------------------------
# The app checks its own specifics with tools.specifics; these use the bench's entity heuristic
# and its own 8-gram count, so the numbers are not the app grading itself.

COPY_N = 8


class Grounding(BaseModel):
    """How a post uses its sources: facts recalled, invented, copied, cited."""

    entity_recall: float | None
    specifics: int
    unsupported_share: float | None
    unsupported: list[str]
    copied_8gram_share: float | None
    body_sections: int
    cited_sections: int
    headings: list[str]


def word_ngrams(text: str, n: int = COPY_N) -> list[tuple[str, ...]]:
    """Lower-case alphanumeric word ``n``-grams of ``text``."""
    words = plain_words(text)
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def copied_share(text: str, sources: Sequence[str], n: int = COPY_N) -> float | None:
    """Share of the text's word ``n``-grams found verbatim in any source."""
    grams = word_ngrams(text, n)
    if not grams:
        return None
    known = {gram for source in sources for gram in word_ngrams(source, n)}
    return round(sum(gram in known for gram in grams) / len(grams), 4)


def unsupported_entities(text: str, sources: Sequence[str], topic: str) -> tuple[list[str], int]:
    """The post's entities (bench heuristic) found in no source and not in the topic, and how
    many entities it has."""
    entities = extract_entities(unwrap(text))
    known = " " + " ".join(plain_words(" ".join([*sources, topic]).replace(",", ""))) + " "
    missing = sorted(e for e in entities if f" {' '.join(plain_words(e))} " not in known)
    return missing, len(entities)


def grounding(markdown: str, sources: Sequence[str], topic: str, reference: str | None) -> Grounding:
    """The grounding numbers of one post (the pipeline's or the one-prompt baseline's)."""
    text = prose(markdown)
    missing, count = unsupported_entities(text, sources, topic)
    _, _, sections = parse_markdown(remove_reference_sections(markdown))
    body = [(name, part) for name, part in sections if not any(w in name.lower() for w in CONCLUSION_WORDS)]
    return Grounding(
        entity_recall=entity_recall(text, reference)[0] if reference else None,
        specifics=count,
        unsupported_share=round(len(missing) / count, 4) if count else None,
        unsupported=missing,
        copied_8gram_share=copied_share(text, sources),
        body_sections=len(body),
        cited_sections=sum(1 for _, part in body if re.search(r"\[\d+", part)),
        headings=[name for name, _ in sections],
    )


def reference_overlap(candidate: str, reference: str) -> Overlap:
    """ROUGE-1, ROUGE-L and entity recall of a draft's prose against a reference article."""
    recall, count = entity_recall(candidate, reference)
    return Overlap(
        rouge_1=rouge_1(candidate, reference),
        rouge_l=rouge_l(candidate, reference),
        entity_recall=recall,
        reference_entities=count,
    )


# --- rounds and the whole report ----------------------------------------------------------


def critic_progress(scores: Sequence[float]) -> Progress:
    """First, best and last overall score; ``gain`` = best - first."""
    if not scores:
        raise ValueError("a result has at least one scored round")
    return Progress(
        scores=list(scores),
        first=scores[0],
        best=max(scores),
        last=scores[-1],
        gain=round(max(scores) - scores[0], 2),
        last_not_worse=scores[-1] >= scores[0],
    )


def as_result(result: DraftResult | Mapping[str, Any]) -> DraftResult:
    """Accept a result object or its JSON (a ``cli.py draft --json`` output)."""
    return result if isinstance(result, DraftResult) else DraftResult.model_validate(result)


def evaluate(
    result: DraftResult | Mapping[str, Any],
    *,
    outline_headings: Sequence[str] | None = None,
    source_texts: Mapping[int, str] | None = None,
    reference: str | None = None,
) -> QualityReport:
    """Every quality metric of a run's final draft.

    Args:
        result: the run's result (object or JSON).
        outline_headings: the best round's planned body headings (bench runs record them).
        source_texts: source id -> text; then citation support is recomputed on the best round's
            draft, else the critic's measurement of that round is used.
        reference: a human-written article on the same topic.
    """
    result = as_result(result)
    best = next(r for r in result.rounds if r.round == result.best_round)
    text = prose(result.markdown)
    words = word_total(result.markdown)
    return QualityReport(
        structure=structure_report(result.markdown, outline_headings, bool(result.sources)),
        words=words,
        target_words=result.request.words,
        length_ratio=round(words / result.request.words, 3),
        repeated_sentence_ratio=round(repeated_sentence_ratio(remove_reference_sections(result.markdown)), 4),
        repeated_3gram_ratio=repeated_ngram_ratio(text),
        citation_support=support_rate(best.markdown, source_texts, best.critique.metrics.citation_support),
        progress=critic_progress([r.critique.overall for r in result.rounds]),
        flesch_reading_ease=flesch_reading_ease(text),
        reference=reference_overlap(text, prose(reference)) if reference else None,
    )


def support_rate(
    markdown: str, source_texts: Mapping[int, str] | None, measured: float | None
) -> float | None:
    """Citation support of ``markdown`` against the sources, or the measured value without them."""
    if not source_texts:
        return measured
    rate = citation_support(markdown, {int(key): text for key, text in source_texts.items()}).rate
    return None if rate is None else round(rate, 4)


# --- command line -------------------------------------------------------------------------


def load_runs(data: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(name, run)`` pairs from a bench results file, or one pair for a plain result JSON.

    A run holds ``result`` and optionally ``outline_headings``, ``source_texts`` and ``reference``.
    """
    if "scenarios" in data:
        return [(s["name"], s) for s in data["scenarios"] if "result" in s]
    return [(str(data.get("topic", "result")), {"result": data})]


def evaluate_run(run: Mapping[str, Any], reference: str | None = None) -> QualityReport:
    """Evaluate one run entry (see :func:`load_runs`); ``reference`` overrides the run's own."""
    texts = run.get("source_texts") or None
    return evaluate(
        run["result"],
        outline_headings=run.get("outline_headings"),
        source_texts={int(key): value for key, value in texts.items()} if texts else None,
        reference=reference if reference is not None else run.get("reference"),
    )


def format_report(name: str, report: QualityReport) -> str:
    """A markdown table of one report."""
    s, p = report.structure, report.progress
    planned = f" (planned {s.sections_expected} + conclusion)" if s.sections_expected is not None else ""
    sections = f"{s.sections_found}{planned}"
    rows = [
        ("structure score", f"{s.score:.0%}"),
        ("title / intro / conclusion", f"{_yes(s.title)} / {_yes(s.intro)} / {_yes(s.conclusion)}"),
        ("sections with text", sections + _listed("missing", s.missing_sections)),
        ("duplicate headings", ", ".join(s.duplicate_headings) or "none"),
        ("references", f"{_yes(s.references)} (required: {_yes(s.references_required)})"),
        ("words / target", f"{report.words} / {report.target_words} ({report.length_ratio:.0%})"),
        ("repeated sentences", f"{report.repeated_sentence_ratio:.1%}"),
        ("repeated 3-grams", f"{report.repeated_3gram_ratio:.1%}"),
        ("citation support", "n/a" if report.citation_support is None else f"{report.citation_support:.0%}"),
        ("critic overall per round", " → ".join(f"{score:g}" for score in p.scores)),
        ("rounds helped (best - first)", f"{p.gain:+g}; last >= first: {_yes(p.last_not_worse)}"),
        ("Flesch reading ease", f"{report.flesch_reading_ease:.1f}"),
    ]
    if report.reference is not None:
        ref = report.reference
        recall = "n/a" if ref.entity_recall is None else f"{ref.entity_recall:.0%}"
        rows += [
            ("ROUGE-1 F1 / ROUGE-L F1", f"{ref.rouge_1:.3f} / {ref.rouge_l:.3f}"),
            ("entity recall", f"{recall} of {ref.reference_entities}"),
        ]
    lines = [f"### Quality: {name}", "", "| metric | value |", "|---|---|"]
    return "\n".join([*lines, *(f"| {metric} | {value} |" for metric, value in rows)])


def _listed(label: str, items: Sequence[str]) -> str:
    return f"; {label}: {', '.join(items)}" if items else ""


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the quality metrics of every draft in a result file."""
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path, help="a cli.py --json result or a bench/results/*.json file")
    parser.add_argument("--reference", type=Path, help="a human-written article on the same topic")
    args = parser.parse_args(argv)
    try:
        data = json.loads(args.result.read_text(encoding="utf-8"))
        reference = args.reference.read_text(encoding="utf-8") if args.reference else None
    except (OSError, ValueError) as exc:
        print(f"error: cannot read input: {exc}", file=sys.stderr)
        return 2
    for name, run in load_runs(data):
        print(format_report(name, evaluate_run(run, reference)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
