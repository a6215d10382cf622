"""Typed critique issues: the critic makes them, agents route them by kind, old checkpoints load."""

from pydantic import BaseModel

from agents.critic.critic import make_critic
from agents.critic.metrics import PENALISED, objective_findings
from agents.text.issues import for_writer
from core.events import RoundScored
from core.state import (
    Critique,
    CritiqueIssue,
    DraftMetrics,
    DraftRequest,
    Outline,
    OutlineSection,
    RubricScores,
    Section,
    Source,
)
from graph.store import serializer
from tests.fakes import ScriptedChatModel

SCORES = RubricScores(grounding=6, structure=6, clarity=6, depth=6, style=6)
HEADINGS = ("Leaves", "Brewing", "Storage")
REPLY = {
    "scores": {"grounding": 6, "structure": 6, "clarity": 6, "depth": 6, "style": 6},
    "issues": ["the brewing section is vague", "the brewing section is vague", "say more about storage"],
    "gaps": [],
}


def metrics(**values: object) -> DraftMetrics:
    base = {"words": 600, "sections": 4, "repeated_sentence_ratio": 0.0, "length_ratio": 1.0, "citations": 3}
    return DraftMetrics.model_validate({**base, **values})


def outline() -> Outline:
    return Outline(
        title="All about tea", sections=[OutlineSection(heading=h, key_points=["steeping"]) for h in HEADINGS]
    )


class OldCritique(BaseModel):
    """The critique as checkpoints stored it before issues were typed."""

    scores: RubricScores
    overall: float
    issues: list[str]
    metrics: DraftMetrics


OldCritique.__module__, OldCritique.__name__ = "core.state", "Critique"  # how a checkpoint names it


def test_a_critique_checkpointed_with_plain_issue_lines_loads_them_as_notes():
    stored = serializer().dumps_typed(
        {"critique": OldCritique(scores=SCORES, overall=6.0, issues=["too short"], metrics=metrics())}
    )
    restored = serializer().loads_typed(stored)["critique"]
    assert isinstance(restored, Critique)
    assert restored.issues == [CritiqueIssue(kind="note", text="too short")]


def test_measured_problems_are_issues_of_their_own_kind():
    measured = metrics(
        repeated_sentence_ratio=0.1,
        length_ratio=0.5,
        sections=2,
        citations=0,
        citation_support=0.2,
        specifics=4,
        unsupported_specifics=["Darjeeling 1841"],
        copied_ngram_ratio=0.5,
    )
    penalty, issues = objective_findings(measured, outline(), has_sources=True)
    assert [issue.kind for issue in issues] == list(PENALISED)  # one issue per measured problem
    assert penalty > 0 and all(issue.section is None and issue.source_id is None for issue in issues)
    assert objective_findings(metrics(), outline(), has_sources=True) == (0.0, [])


def test_the_critic_types_its_findings_and_keeps_the_models_words_as_notes():
    sections = [
        Section(heading="", body="Tea is a drink people enjoy every day."),
        Section(heading="Leaves", body="Rockets reach orbit using liquid oxygen and kerosene [1]."),
        *(Section(heading=h, body="Store the leaves in a dry tin away from light.") for h in HEADINGS[1:]),
        Section(heading="Conclusion", body="Tea rewards a little care."),
    ]
    state = {
        "request": DraftRequest(topic="Tea", words=150),
        "outline": outline(),
        "sections": sections,
        "draft": "# All about tea\n\n" + "\n\n".join(s.body for s in sections),
        "sources": [Source(id=1, title="Tea", url="https://tea.example", text="Tea leaves are dried.")],
    }
    critique = make_critic(ScriptedChatModel(replies=[REPLY]))(state)["critique"]
    (weak,) = [issue for issue in critique.issues if issue.kind == "weak_citation"]
    assert (weak.section, weak.source_id) == ("Leaves", 1) and "Rockets reach orbit" in weak.text
    notes = [issue.text for issue in critique.issues if issue.kind == "note"]
    assert notes == ["the brewing section is vague", "the brewing section is vague", "say more about storage"]
    assert weak not in for_writer(critique.issues)
    event = RoundScored(
        round=1, overall=critique.overall, scores=critique.scores, issues=critique.issues, gaps=[], words=1
    )
    assert event.issues == critique.issues
