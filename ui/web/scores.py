"""Display data for the scores: rows and tables with one decimal everywhere, the rubric and the
measured signals, round labels and ties, how the overall is made, the score chart. No Streamlit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from agents.critic.metrics import score_breakdown
from core.state import RoundRecord
from ui.web.render import escape_markdown

RUBRIC: tuple[str, ...] = ("grounding", "structure", "clarity", "depth", "style")
NO_CHANGE = 0.05  # a score difference below this is shown as no change (one decimal everywhere)


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


def _maybe(value: float | None, form: str) -> str:
    return "n/a" if value is None else form.format(value)


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
