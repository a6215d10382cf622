"""Pure functions that turn a result into display data: score rows, redlines, safe source lines."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import altair as alt
import pandas as pd

from agents.metrics import score_breakdown
from core.result import DraftResult, SourceRef
from core.state import RoundRecord

RUBRIC: tuple[str, ...] = ("grounding", "structure", "clarity", "depth", "style")
NO_CHANGE = 0.05  # a score difference below this is shown as no change (one decimal everywhere)
# Warnings from the writing agents (fallbacks the run took) rather than from research.
_QUALITY_WARNING = re.compile(r"\b(outliner|writer|editor|critic|rating|sampled scores)\b", re.IGNORECASE)
# Warnings about finding and reading sources: web search, fetched pages, the cache, your notes.
_RESEARCH_WARNING = re.compile(
    r"\b(search|research|sources? found|pages?|fetch\w*|cache|indexed|skipped|quer(?:y|ies))\b", re.IGNORECASE
)
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
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


def score(value: float) -> str:
    """A score as shown everywhere on the page: one decimal."""
    return f"{value:.1f}"


def score_table(rounds: Sequence[RoundRecord]) -> list[dict[str, str]]:
    """The score rows for display: every score with one decimal."""
    return [
        {key: str(value) if key == "round" else score(value) for key, value in row.items()}
        for row in score_rows(rounds)
    ]


def score_delta(current: float, previous: float | None) -> str | None:
    """The change since the last round (``+0.8``), or None when there is none to show."""
    if previous is None or abs(current - previous) < NO_CHANGE:
        return None
    return f"{current - previous:+.1f}"


def rubric_rows(record: RoundRecord) -> list[dict[str, Any]]:
    """The critic's rubric for one round, one row per criterion, scores with one decimal."""
    scores = record.critique.scores.model_dump()
    return [{"criterion": name.capitalize(), "score": score(scores[name])} for name in RUBRIC]


def metric_rows(record: RoundRecord, grounded: bool = False) -> list[dict[str, Any]]:
    """The objective measurements of one round's draft, as label/value rows (``grounded``: the
    run had sources)."""
    metrics = record.critique.metrics
    support = metrics.citation_support
    return [
        *signal_rows(record, grounded),
        {"measure": "Words", "value": str(metrics.words)},
        {"measure": "Sections", "value": str(metrics.sections)},
        {"measure": "Citations supported", "value": "n/a" if support is None else f"{support:.0%}"},
        {"measure": "Reading ease (Flesch)", "value": _maybe(metrics.reading_ease, "{:.0f}")},
        {"measure": "Repeated phrases (3-grams)", "value": _maybe(metrics.repeated_ngram_ratio, "{:.0%}")},
    ]


COVERAGE = "Source names & numbers stated"
COVERAGE_HELP = (
    f"{COVERAGE}: the share of the names, numbers and quotes in the source passages planned for "
    "the sections that the draft states (its facts, not its citations: a sentence can cite a "
    "note and state none of them)."
)
NOTHING_TO_COVER = "no names or numbers to cover"


def signal_rows(record: RoundRecord, grounded: bool = False) -> list[dict[str, str]]:
    """The measured signals that steer the rounds: coverage (of a run with sources: ``grounded``)
    and unsupported specifics (when the critic measures them), repetition, length against the
    target, citations."""
    metrics = record.critique.metrics
    rows: list[dict[str, str]] = []
    coverage = getattr(metrics, "coverage", None)
    if coverage is not None:
        rows.append({"measure": COVERAGE, "value": f"{coverage:.0%}"})
    elif grounded:  # the planned passages hold no names, numbers or quotes: nothing to measure
        rows.append({"measure": COVERAGE, "value": NOTHING_TO_COVER})
    unsupported = getattr(metrics, "unsupported_specifics", None)
    if unsupported is not None:
        rows.append({"measure": "Unsupported specifics", "value": str(len(unsupported))})
    rows += [
        {"measure": "Repeated sentences", "value": f"{metrics.repeated_sentence_ratio:.0%}"},
        {"measure": "Length vs target", "value": f"{metrics.length_ratio:.0%}"},
        {"measure": "Citations", "value": str(metrics.citations)},
    ]
    return rows


def signal_table(rounds: Sequence[RoundRecord], grounded: bool = False) -> list[dict[str, str]]:
    """The measured signals of every round side by side, one row per round."""
    table = []
    for record in sorted(rounds, key=lambda r: r.round):
        row = {"round": str(record.round), "overall": score(record.critique.overall)}
        row.update({item["measure"]: item["value"] for item in signal_rows(record, grounded)})
        table.append(row)
    return table


def unsupported_specifics(record: RoundRecord) -> list[str]:
    """The names, numbers and quotes of a draft found in no source (empty until measured)."""
    found = getattr(record.critique.metrics, "unsupported_specifics", None)
    return [str(item) for item in found] if isinstance(found, list) else []


def weakest_items(record: RoundRecord, count: int = 2) -> str:
    """The lowest rubric items, e.g. ``depth 4.0, style 5.0``."""
    scores = record.critique.scores.model_dump()
    lowest = sorted(RUBRIC, key=lambda name: scores[name])[:count]
    return ", ".join(f"{name} {score(scores[name])}" for name in lowest)


@dataclass(frozen=True)
class WarningGroups:
    """A result's warnings by what they are about, each said once (the last of a kind that
    repeats every round with other numbers, e.g. a length remark)."""

    research: list[str]
    fallbacks: list[str]
    writing: list[str]


def group_warnings(warnings: Sequence[str]) -> WarningGroups:
    """Research problems (search, pages, notes), quality fallbacks (an agent's unusable reply)
    and writing notes (e.g. why the draft is short)."""
    latest: dict[str, str] = {}
    for warning in warnings:
        latest.pop(_NUMBERS.sub("#", warning), None)  # the same remark with other numbers: keep the last
        latest[_NUMBERS.sub("#", warning)] = warning
    groups = WarningGroups([], [], [])
    for warning in latest.values():
        if _QUALITY_WARNING.search(warning):
            groups.fallbacks.append(warning)
        elif _RESEARCH_WARNING.search(warning):
            groups.research.append(warning)
        else:
            groups.writing.append(warning)
    return groups


def _maybe(value: float | None, form: str) -> str:
    return "n/a" if value is None else form.format(value)


Change = Literal["same", "removed", "added"]


@dataclass(frozen=True)
class Piece:
    """A run of words in a redline line."""

    change: Change
    text: str


def _words(text: str) -> list[str]:
    """Words, with a ``\n`` token at the end of every line (paragraphs stay apart)."""
    return [token for line in text.splitlines() for token in [*line.split(), "\n"]]


def word_diff(previous: str, current: str) -> list[list[Piece]]:
    """The current round's text, line by line, with removed and added words marked."""
    old, new = _words(previous), _words(current)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    lines: list[list[Piece]] = [[]]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        runs: list[tuple[Change, list[str]]] = (
            [("same", new[j1:j2])] if tag == "equal" else [("removed", old[i1:i2]), ("added", new[j1:j2])]
        )
        for change, tokens in runs:
            _add_tokens(lines, change, tokens)
    return [line for line in lines if line]


def _add_tokens(lines: list[list[Piece]], change: Change, tokens: list[str]) -> None:
    words: list[str] = []
    for token in [*tokens, None]:
        if token is None or token == "\n":
            if words:
                lines[-1].append(Piece(change, " ".join(words)))
                words = []
            if token == "\n":
                lines.append([])
        else:
            words.append(token)


def words_changed(previous: str, current: str) -> int:
    """How many words a reviser changed: per edit, the larger of the words removed and added."""
    old, new = previous.split(), current.split()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def diff_summary(previous: str, current: str) -> str:
    """A short summary of a round's edits, e.g. ``12 words changed · +85 words``."""
    changed = words_changed(previous, current)
    if changed == 0:
        return "no words changed"
    delta = len(current.split()) - len(previous.split())
    length = f" · {delta:+d} word{'s' if abs(delta) != 1 else ''}" if delta else " · same length"
    return f"{changed} word{'s' if changed != 1 else ''} changed{length}"


def redline(previous: str, current: str) -> str:
    """Markdown of the changed lines, removed words struck through in red and added ones in green;
    runs of unchanged lines are folded into a one-line note. Every word is escaped."""
    blocks: list[str] = []
    unchanged = 0
    for line in word_diff(previous, current):
        if all(piece.change == "same" for piece in line):
            unchanged += 1
            continue
        if unchanged:
            blocks.append(_folded(unchanged))
            unchanged = 0
        blocks.append(" ".join(_marked(piece) for piece in line))
    if unchanged and blocks:
        blocks.append(_folded(unchanged))
    return "\n\n".join(blocks)


def _folded(count: int) -> str:
    return f":gray[_… {count} unchanged line{'s' if count != 1 else ''} …_]"


def _marked(piece: Piece) -> str:
    text = escape_markdown(piece.text)
    if piece.change == "removed":
        return f":red-background[~~{text}~~]"
    if piece.change == "added":
        return f":green-background[{text}]"
    return text


def top_rounds(rounds: Sequence[RoundRecord]) -> list[int]:
    """The rounds that share the best score as shown (one decimal), in order."""
    if not rounds:
        return []
    best = max(score(r.critique.overall) for r in rounds)
    return sorted(r.round for r in rounds if score(r.critique.overall) == best)


def round_tab_label(record: RoundRecord, rounds: Sequence[RoundRecord]) -> str:
    """A tab title for a round: ★ on a round that scored better than every other one, "tie" on
    rounds that share the best score; nothing when there is one round (no comparison)."""
    top = top_rounds(rounds)
    mark = ""
    if len(rounds) > 1 and record.round in top:
        mark = " ★" if len(top) == 1 else " · tie"
    return f"Round {record.round} · {score(record.critique.overall)}{mark}"


def tie_note(rounds: Sequence[RoundRecord], best_round: int) -> str | None:
    """A line saying which rounds tie for the best score and whose draft the post shows."""
    top = top_rounds(rounds)
    if len(rounds) < 2 or len(top) < 2:
        return None
    names = ", ".join(str(n) for n in top[:-1]) + f" and {top[-1]}"
    value = score(next(r.critique.overall for r in rounds if r.round == top[0]))
    return f"Rounds {names} tie at {value}: the post shows round {best_round}'s draft, the latest of them."


PENALTY_NAMES = {
    "repetition": "repeated sentences",
    "length": "length",
    "missing_sections": "missing sections",
    "no_citations": "no citations",
    "low_support": "unsupported citations",
    "unsupported_specifics": "specifics found in no source",
    "copying": "copied wording",
}


def score_breakdown_lines(record: RoundRecord) -> list[str]:
    """How the round's overall score is made, as markdown lines: the rubric mean, each penalty
    with its reason, then the overall. Each step is the change between the running totals shown
    with one decimal, so the lines add up exactly as printed."""
    breakdown = score_breakdown(record.critique)
    scores = record.critique.scores.model_dump()
    items = ", ".join(f"{name} {score(scores[name])}" for name in RUBRIC)
    shown = round(breakdown.rubric_mean, 1)
    lines = [f"Rubric mean **{shown:.1f}** ({items})"]
    spent = 0.0
    for penalty in breakdown.penalties:
        spent += penalty.points
        now = round(breakdown.rubric_mean - spent, 1)
        name = PENALTY_NAMES.get(penalty.kind, penalty.kind)
        lines.append(f"− {shown - now:.1f} for {name}: {escape_markdown(penalty.reason)}")
        shown = now
    if breakdown.unclamped < 0:
        lines.append(f"+ {-shown:.1f}: a score never goes below 0")
        shown = 0.0
    if abs(shown - breakdown.overall) >= NO_CHANGE:  # an older run scored another way
        lines.append(f"= **{score(breakdown.overall)}** overall, as the critic scored it")
    else:
        lines.append(f"= **{score(breakdown.overall)}** overall")
    return lines


def source_line(source: SourceRef) -> str:
    """A markdown list line for a source: a link for web pages, title and file name for local files."""
    title = escape_markdown(source.title) or "untitled"
    url = safe_link_target(source.url)
    if source.origin == "web" and url:
        return f"{source.id}. [{title}](<{url}>)"
    return f"{source.id}. {title} — `{source.url.replace('`', '')}`"


def local_origins(sources: Sequence[SourceRef], uploads: Path) -> list[str]:
    """Where each local source came from (for the author only, never exported): notes uploaded
    on the page (their copy under ``uploads`` is removed once the run completes), or a file on
    this computer, said to be gone when it no longer exists."""
    lines = []
    for source in sources:
        if source.origin != "local" or not source.path:
            continue
        path = Path(source.path).resolve()
        if path.is_relative_to(uploads.resolve()):
            kept = " (its copy is kept until the run completes)" if path.exists() else ""
            lines.append(f"{source.id}. uploaded on this page as `{path.name.replace('`', '')}`{kept}")
        else:
            gone = " (no longer there)" if not path.exists() else ""
            lines.append(f"{source.id}. `{source.path.replace('`', '')}`{gone}")
    return lines


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
    """One caption line about the run: model, time, tokens and speed (queue time left out)."""
    totals = result.totals
    parts = [
        model_label(result.model, result.backend),
        f"{len(result.rounds)} round{'s' if len(result.rounds) != 1 else ''}",
        f"{totals.seconds:.1f} s of model time",
        f"{totals.completion_tokens} tokens at {totals.tokens_per_second:.0f} tok/s",
    ]
    if first_token_after is not None:
        parts.append(f"first token after {first_token_after:.1f} s")
    return " · ".join(parts)


def model_label(model: str, backend: str) -> str:
    """The one way the page names a run's model: its name, and where it runs."""
    where = "an OpenAI-compatible server" if backend == "openai" else "llama.cpp on this computer"
    return f"{model} ({where})"


def bullet_list(items: Sequence[str], empty: str = "none") -> str:
    """A markdown bullet list of untrusted lines, each shown literally."""
    if not items:
        return f"_{empty}_"
    return "\n".join(f"- {escape_markdown(item)}" for item in items)


def score_chart(rounds: Sequence[RoundRecord], threshold: float) -> alt.LayerChart:
    """The overall score per round (one point each) over a dashed, labelled line at the threshold."""
    data = pd.DataFrame(score_rows(rounds))
    tooltip = [
        "round:O",
        *[alt.Tooltip(f"{name}:Q", format=".1f") for name in ("overall", *RUBRIC)],
    ]
    line = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=90))
        .encode(
            x=alt.X("round:O", title="Round", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("overall:Q", title="Overall score", scale=alt.Scale(domain=[0, 10])),
            tooltip=tooltip,
        )
    )
    marker = pd.DataFrame({"threshold": [threshold], "label": [f"good enough: {score(threshold)}"]})
    rule = (
        alt.Chart(marker)
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(y="threshold:Q", tooltip=alt.Tooltip("threshold:Q", title="good enough", format=".1f"))
    )
    label = (
        alt.Chart(marker)
        .mark_text(align="left", baseline="bottom", dx=4, dy=-3, color="gray")
        .encode(y="threshold:Q", x=alt.value(0), text="label:N")
    )
    return alt.LayerChart(layer=[line, rule, label])
