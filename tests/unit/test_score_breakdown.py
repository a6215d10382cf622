"""How the overall score is made, as the page shows it: the rubric mean, each penalty with its
reason, then the overall, adding up exactly as printed and matching what the critic scored."""

from __future__ import annotations

import re
from statistics import mean

import pytest

from agents.critic.critic import make_critic
from agents.critic.metrics import objective_findings, score_breakdown
from core.state import (
    Critique,
    CritiqueIssue,
    DraftMetrics,
    DraftRequest,
    Outline,
    OutlineSection,
    RoundRecord,
    RubricScores,
    Section,
)
from tests.fakes import ScriptedChatModel
from ui.web import render
from ui.web.scores import score_breakdown_lines

HEADINGS = ("Leaves", "Brewing", "Storage")


def critic_reply(value: int) -> dict:
    return {"scores": dict.fromkeys(("grounding", "structure", "clarity", "depth", "style"), value)}


def critiqued(words: int, bodies: list[str], value: int = 7) -> Critique:
    """A critique made by the real critic node (scripted model) for a draft of ``bodies``."""
    outline = Outline(
        title="All about tea", sections=[OutlineSection(heading=h, key_points=["steeping"]) for h in HEADINGS]
    )
    headings = ["", *HEADINGS, "Conclusion"]
    sections = [Section(heading=h, body=b) for h, b in zip(headings, bodies, strict=False)]
    state = {
        "request": DraftRequest(topic="Tea", words=words),
        "outline": outline,
        "sections": sections,
        "draft": "# All about tea\n\n" + "\n\n".join(s.body for s in sections),
        "sources": [],
    }
    critique = make_critic(ScriptedChatModel(replies=[critic_reply(value)]))(state)["critique"]
    assert isinstance(critique, Critique)
    return critique


def shown_numbers(lines: list[str]) -> tuple[float, list[float], float]:
    """(mean, steps, overall) as a reader reads them off the lines; "+" steps count negative."""
    first = float(re.search(r"\*\*([\d.]+)\*\*", lines[0])[1])  # type: ignore[index]
    steps = [
        (1 if line.startswith("−") else -1) * float(re.match(r"[−+] ([\d.]+)", line)[1])  # type: ignore[index]
        for line in lines[1:-1]
    ]
    last = float(re.search(r"\*\*([\d.]+)\*\*", lines[-1])[1])  # type: ignore[index]
    return first, steps, last


REPEATED = "Steep the leaves for three minutes in hot water."


@pytest.mark.parametrize(
    ("words", "bodies"),
    [
        (150, ["Tea is a drink people enjoy every day.", "Green tea leaves are steamed soon after picking."]),
        (600, [REPEATED, REPEATED, REPEATED, "Store tea in a dry tin away from light.", "Tea rewards care."]),
        (1000, [f"Tea sentence number {word} is here." for word in ("one", "two", "three", "four", "five")]),
    ],
)
def test_the_breakdown_adds_up_to_the_critics_overall(words, bodies):
    critique = critiqued(words, bodies)
    breakdown = score_breakdown(critique)
    assert breakdown.rubric_mean == mean(critique.scores.model_dump().values())
    measured = [issue for issue in critique.issues if issue.kind != "note"]
    assert [p.reason for p in breakdown.penalties] == [issue.text for issue in measured]
    assert breakdown.penalties  # each case has at least one measured problem
    assert round(max(0.0, breakdown.unclamped), 1) == critique.overall  # the critic's own number
    lines = score_breakdown_lines(RoundRecord(round=1, title="T", markdown="x", critique=critique))
    first, steps, last = shown_numbers(lines)
    assert last == critique.overall and "as the critic scored it" not in lines[-1]
    assert round(first - sum(steps), 1) == last  # the printed numbers add up
    for line, penalty in zip(lines[1:], breakdown.penalties, strict=False):
        assert render.escape_markdown(penalty.reason) in line  # each penalty says why
    assert first == round(breakdown.rubric_mean, 1)


def test_the_penalties_are_the_ones_the_critic_subtracted():
    metrics = DraftMetrics(
        words=300,
        sections=2,
        repeated_sentence_ratio=0.12,
        length_ratio=0.5,
        citations=0,
        specifics=4,
        unsupported_specifics=["1999"],
        copied_ngram_ratio=0.31,
    )
    outline = Outline(
        title="All about tea", sections=[OutlineSection(heading=h, key_points=["steeping"]) for h in HEADINGS]
    )
    penalty, issues = objective_findings(metrics, outline, has_sources=True)
    scores = RubricScores(grounding=9, structure=8, clarity=7, depth=6, style=5)
    critique = Critique(scores=scores, overall=0.0, issues=issues, metrics=metrics)
    breakdown = score_breakdown(critique)
    assert sum(p.points for p in breakdown.penalties) == pytest.approx(penalty)
    assert [p.kind for p in breakdown.penalties] == [issue.kind for issue in issues]


def test_a_score_kept_at_zero_says_so_and_still_adds_up():
    metrics = DraftMetrics(words=10, sections=1, repeated_sentence_ratio=0.5, length_ratio=0.1, citations=0)
    outline = Outline(
        title="All about tea", sections=[OutlineSection(heading=h, key_points=["steeping"]) for h in HEADINGS]
    )
    penalty, issues = objective_findings(metrics, outline, has_sources=True)
    scores = RubricScores(grounding=2, structure=2, clarity=2, depth=2, style=2)
    assert 2 - penalty < 0
    critique = Critique(scores=scores, overall=0.0, issues=issues, metrics=metrics)
    lines = score_breakdown_lines(RoundRecord(round=1, title="T", markdown="x", critique=critique))
    assert any("never goes below 0" in line for line in lines)
    first, steps, last = shown_numbers(lines)
    assert last == 0.0 and round(first - sum(steps), 1) == 0.0


def test_an_older_critique_that_does_not_add_up_says_whose_number_it_is():
    metrics = DraftMetrics(words=600, sections=4, repeated_sentence_ratio=0.0, length_ratio=1.0, citations=3)
    scores = RubricScores(grounding=6, structure=6, clarity=6, depth=6, style=6)
    critique = Critique(
        scores=scores, overall=3.3, issues=[CritiqueIssue(kind="note", text="x")], metrics=metrics
    )
    lines = score_breakdown_lines(RoundRecord(round=1, title="T", markdown="x", critique=critique))
    assert (
        lines[0].startswith("Rubric mean **6.0**")
        and lines[-1] == "= **3.3** overall, as the critic scored it"
    )


def test_each_penalty_costs_what_the_critic_has_always_charged():
    metrics = DraftMetrics(
        words=300,
        sections=2,
        repeated_sentence_ratio=0.5,
        length_ratio=0.5,
        citations=0,
        citation_support=0.25,
        specifics=4,
        unsupported_specifics=["1999"],
        copied_ngram_ratio=0.25,
    )
    outline = Outline(
        title="All about tea", sections=[OutlineSection(heading=h, key_points=["steeping"]) for h in HEADINGS]
    )
    _, issues = objective_findings(metrics, outline, has_sources=True)
    scores = RubricScores(grounding=9, structure=8, clarity=7, depth=6, style=5)
    critique = Critique(scores=scores, overall=0.0, issues=issues, metrics=metrics)
    points = {p.kind: round(p.points, 6) for p in score_breakdown(critique).penalties}
    assert points == {
        "repetition": 3.0,  # 10 x 50%, capped at 3
        "length": 1.5,  # (50% off - 20% allowed) x 5
        "missing_sections": 1.0,
        "no_citations": 1.0,
        "low_support": 1.0,  # (50% - 25%) x 4
        "unsupported_specifics": 2.0,  # 0.5 + 10 x 1/4, capped at 2
        "copying": 1.0,  # (25% - 15%) x 10
    }


def test_the_printed_steps_add_up_even_where_each_penalty_alone_would_round_the_other_way():
    metrics = DraftMetrics(
        words=450, sections=4, repeated_sentence_ratio=0.025, length_ratio=0.75, citations=3
    )
    outline = Outline(
        title="All about tea", sections=[OutlineSection(heading=h, key_points=["steeping"]) for h in HEADINGS]
    )
    penalty, issues = objective_findings(metrics, outline, has_sources=True)
    assert [round(p, 2) for p in (penalty,)] == [0.5]  # 0.25 + 0.25: each rounds to 0.2 alone
    scores = RubricScores(grounding=6, structure=6, clarity=6, depth=6, style=6)
    critique = Critique(scores=scores, overall=5.5, issues=issues, metrics=metrics)
    lines = score_breakdown_lines(RoundRecord(round=1, title="T", markdown="x", critique=critique))
    first, steps, last = shown_numbers(lines)
    assert (first, last) == (6.0, 5.5) and round(first - sum(steps), 1) == 5.5
