"""Pure functions that turn a result into display data: score rows, diffs, safe source lines."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import altair as alt
import pandas as pd

from graph.result import DraftResult, SourceRef
from graph.state import RoundRecord

RUBRIC: tuple[str, ...] = ("grounding", "structure", "clarity", "depth", "style")
# Characters that CommonMark (or Streamlit's extensions: colours, emoji, LaTeX) give a meaning.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&])")


def escape_markdown(text: str) -> str:
    """Backslash-escape ``text`` so that markdown shows it literally, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def score_rows(rounds: Sequence[RoundRecord]) -> list[dict[str, Any]]:
    """One row per round for the score chart: ``round``, ``overall`` and each rubric item."""
    rows = []
    for record in sorted(rounds, key=lambda r: r.round):
        scores = record.critique.scores.model_dump()
        rows.append({"round": record.round, "overall": record.critique.overall, **scores})
    return rows


def rubric_rows(record: RoundRecord) -> list[dict[str, Any]]:
    """The critic's rubric for one round, one row per criterion."""
    scores = record.critique.scores.model_dump()
    return [{"criterion": name.capitalize(), "score": scores[name]} for name in RUBRIC]


def metric_rows(record: RoundRecord) -> list[dict[str, Any]]:
    """The objective measurements of one round's draft, as label/value rows."""
    metrics = record.critique.metrics
    support = metrics.citation_support
    return [
        {"measure": "Words", "value": str(metrics.words)},
        {"measure": "Sections", "value": str(metrics.sections)},
        {"measure": "Length vs target", "value": f"{metrics.length_ratio:.0%}"},
        {"measure": "Repeated sentences", "value": f"{metrics.repeated_sentence_ratio:.0%}"},
        {"measure": "Citations", "value": str(metrics.citations)},
        {"measure": "Citations supported", "value": "n/a" if support is None else f"{support:.0%}"},
        {"measure": "Reading ease (Flesch)", "value": _maybe(metrics.reading_ease, "{:.0f}")},
        {"measure": "Repeated phrases (3-grams)", "value": _maybe(metrics.repeated_ngram_ratio, "{:.0%}")},
    ]


def _maybe(value: float | None, form: str) -> str:
    return "n/a" if value is None else form.format(value)


def round_diff(previous: str, current: str, *, from_round: int, to_round: int) -> str:
    """A unified diff of two rounds' markdown, line by line (empty when they are equal)."""
    lines = difflib.unified_diff(
        previous.splitlines(),
        current.splitlines(),
        fromfile=f"round {from_round}",
        tofile=f"round {to_round}",
        lineterm="",
    )
    return "\n".join(lines)


def diff_summary(previous: str, current: str) -> str:
    """A short summary of a diff, e.g. ``12 lines changed · +85 words``."""
    matcher = difflib.SequenceMatcher(a=previous.splitlines(), b=current.splitlines(), autojunk=False)
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    delta = len(current.split()) - len(previous.split())
    return f"{changed} lines changed · {delta:+d} words"


def round_tab_label(record: RoundRecord, best_round: int) -> str:
    """A tab title for a round, starred when it is the round the result uses."""
    star = " ★" if record.round == best_round else ""
    return f"Round {record.round} · {record.critique.overall:.1f}{star}"


def source_line(source: SourceRef) -> str:
    """A markdown list line for a source: a link for web pages, plain text for local files."""
    title = escape_markdown(source.title) or "untitled"
    url = safe_link_target(source.url)
    if source.origin == "web" and url:
        return f"{source.id}. [{title}](<{url}>)"
    return f"{source.id}. {title} — `{source.url.replace('`', '')}`"


def safe_link_target(url: str) -> str | None:
    """An http(s) address made safe inside ``<...>`` in markdown, or None for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")


def file_stem(title: str, fallback: str = "draft") -> str:
    """A file-name-safe stem from a title, e.g. ``why-local-models-matter``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-")
    return stem or fallback


def run_summary(result: DraftResult, first_token_after: float | None = None) -> str:
    """One caption line about the run: model, time, tokens and speed."""
    totals = result.totals
    parts = [
        f"{result.model} ({result.backend})",
        f"{len(result.rounds)} round{'s' if len(result.rounds) != 1 else ''}",
        f"{totals.seconds:.1f} s of model time",
        f"{totals.completion_tokens} tokens at {totals.tokens_per_second:.0f} tok/s",
    ]
    if first_token_after is not None:
        parts.append(f"first token after {first_token_after:.1f} s")
    return " · ".join(parts)


def bullet_list(items: Sequence[str], empty: str = "none") -> str:
    """A markdown bullet list of untrusted lines, each shown literally."""
    if not items:
        return f"_{empty}_"
    return "\n".join(f"- {escape_markdown(item)}" for item in items)


def score_chart(rounds: Sequence[RoundRecord], threshold: float) -> alt.LayerChart:
    """The overall score per round (one point each) over a dashed line at the threshold."""
    data = pd.DataFrame(score_rows(rounds))
    tooltip = ["round:O", alt.Tooltip("overall:Q", format=".1f"), *[f"{name}:Q" for name in RUBRIC]]
    line = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=90))
        .encode(
            x=alt.X("round:O", title="Round", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("overall:Q", title="Overall score", scale=alt.Scale(domain=[0, 10])),
            tooltip=tooltip,
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"threshold": [threshold]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(y="threshold:Q", tooltip=alt.Tooltip("threshold:Q", title="good enough"))
    )
    return alt.LayerChart(layer=[line, rule])
