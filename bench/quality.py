"""Draft-quality metrics computed from a result object; usable on any run.

``python -m bench.quality RESULT.json [--reference FILE]`` prints them for a ``cli.py draft --json``
result or for every draft of a ``bench/results/*.json`` file.

Metrics: structure compliance, repeated-sentence and repeated-3-gram ratios, length vs target,
citation support, the critic's overall score per round, Flesch reading ease and, against a
reference article, ROUGE-1/ROUGE-L F1 and entity recall (``bench.overlap``). How a post uses its
sources is ``bench.grounding``; reading a post's markdown, ``bench.post_text``. Scripts outside the
repository import ``entity_recall``, ``extract_entities``, ``copied_share``, ``prose``, ``unwrap``
and ``plain_words`` from here, so they stay importable here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.text.cleanup import repeated_sentence_ratio
from agents.text.readability import flesch_reading_ease, repeated_ngram_ratio
from bench.grounding import copied_share as copied_share
from bench.overlap import Overlap, reference_overlap
from bench.overlap import entity_recall as entity_recall
from bench.overlap import extract_entities as extract_entities
from bench.post_text import CONCLUSION_WORDS, normalise_heading, parse_markdown, prose, word_total
from bench.post_text import unwrap as unwrap
from core.markers import remove_reference_sections
from core.result import DraftResult
from core.text import plain_words as plain_words
from tools.citations import citation_support


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
