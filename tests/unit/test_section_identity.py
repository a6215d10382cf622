"""Sections have an identity: a role and an index set once by the writer's plan, with the plan's
words, passages and subject. Two sections with the same heading, or a body section headed
"Conclusion", stay distinct in every stage; a heading is display text only."""

from __future__ import annotations

from agents.critic.critic import model_notes
from agents.critic.section_findings import section_findings
from agents.editor.editor import make_editor
from agents.text.lengths import section_lengths
from agents.text.outline import identified, plan_sections
from agents.writer.free_rounds import critic_problems
from agents.writer.writer import make_writer
from core.state import (
    Critique,
    CritiqueIssue,
    DraftMetrics,
    DraftRequest,
    Outline,
    OutlineSection,
    RubricScores,
    Section,
)
from graph.store import serializer
from tests.fakes import ScriptedChatModel
from tests.team import FakeTeam, prose

HEADINGS = ("Care", "Care", "Conclusion")  # a repeated heading, and a body section headed "Conclusion"
REQUEST = DraftRequest(topic="Keeping tea plants", words=600)
META = "This article explains how to keep the plants."


def outline(headings: tuple[str, ...] = HEADINGS) -> Outline:
    return Outline(
        title="Tea plants at home",
        sections=[
            OutlineSection(heading=h, key_points=["watering"], passage_ids=[i])
            for i, h in enumerate(headings, 1)
        ],
        intro_passage_ids=[0],
    )


def critique(*issues: CritiqueIssue) -> Critique:
    metrics = DraftMetrics(words=600, sections=4, repeated_sentence_ratio=0, length_ratio=1, citations=0)
    scores = RubricScores(grounding=5, structure=5, clarity=3, depth=3, style=3)
    return Critique(scores=scores, overall=4, metrics=metrics, issues=list(issues))


def drafted(lengths: dict[int, int] | None = None) -> list[Section]:
    """The plan with distinct text in every section (``lengths``: words by index, else as planned)."""
    plan = plan_sections(REQUEST, outline())
    return [
        s.model_copy(update={"body": prose((lengths or {}).get(s.index or 0, s.words), seed)})
        for seed, s in enumerate(plan, 1)
    ]


def test_the_plan_gives_each_section_a_role_an_index_its_length_evidence_and_subject():
    plan = plan_sections(REQUEST, outline())
    assert [(s.role, s.index, s.heading) for s in plan] == [
        ("intro", 0, ""),
        ("body", 1, "Care"),
        ("body", 2, "Care"),
        ("body", 3, "Conclusion"),
        ("conclusion", 4, "Conclusion"),
    ]
    assert [s.words for s in plan] == section_lengths(REQUEST, outline())
    assert [s.passage_ids for s in plan] == [[0], [1], [2], [3], []]
    assert all(REQUEST.topic in s.subject and not s.body for s in plan)


def test_the_first_draft_keeps_sections_with_the_same_heading_apart():
    update = make_writer(FakeTeam().model)({"request": REQUEST, "outline": outline()})
    sections = update["sections"]
    assert [(s.role, s.index) for s in sections] == [
        (p.role, p.index) for p in plan_sections(REQUEST, outline())
    ]
    assert len({s.body for s in sections}) == len(sections)


def test_a_revision_round_revises_each_section_from_its_own_text():
    team = FakeTeam()
    previous = drafted()
    state = {"request": REQUEST, "outline": outline(), "sections": previous, "critique": critique()}
    update = make_writer(team.model)(state)
    prompts = team.prompts_of("writer")
    assert len(prompts) == len(previous)
    for prompt, old in zip(prompts, previous, strict=True):
        assert old.body[:80] in prompt  # by heading, both "Care" sections got the second one's text
    assert [(s.role, s.index) for s in update["sections"]] == [(s.role, s.index) for s in previous]


def test_the_editor_reads_each_sections_own_planned_length():
    sections = drafted({1: 150, 2: 150})
    sections[1] = sections[1].model_copy(update={"words": 50})  # runs three times long for its plan
    sections[2] = sections[2].model_copy(update={"words": 200})  # same heading, within its plan
    model = ScriptedChatModel(default_reply=prose(60, 99))
    update = make_editor(model)({"request": REQUEST, "outline": outline(), "sections": sections})
    sent = [s.index for s in sections if any(s.body[:80] in prompt for prompt in model.prompts)]
    assert 1 in sent and 2 not in sent  # by heading, both "Care" sections had one target
    assert [s.index for s in update["sections"]] == [0, 1, 2, 3, 4]
    assert update["sections"][2].words == 200


def test_findings_name_the_section_by_index_and_a_body_headed_conclusion_is_no_conclusion():
    sections = drafted()
    sections[2] = sections[2].model_copy(update={"body": f"{sections[2].body} {META}"})
    closing = "In conclusion, a tea plant is a good idea for most homes."
    sections[3] = sections[3].model_copy(update={"body": f"{sections[3].body} {closing}"})
    ending = "In short, water little and often and the plant will thrive."
    sections[4] = sections[4].model_copy(update={"body": f"{sections[4].body} {ending}"})
    state = {"request": REQUEST, "outline": outline(), "sections": sections}
    issues = section_findings(state)
    meta = [i for i in issues if META in i.text]
    assert [(i.section_index, i.section) for i in meta] == [(2, "Care")]
    summaries = [i for i in issues if closing in i.text or ending in i.text]
    assert [i.section_index for i in summaries] == [3]  # the conclusion may sum up, a body section not


def test_the_critics_notes_reach_the_section_they_name_by_index():
    sections = plan_sections(REQUEST, outline(("Daily care", "Daily care", "Pests")))
    notes = model_notes(["The daily care section is vague"], [], sections)
    assert [(n.section, n.section_index) for n in notes] == [("Daily care", 1)]  # the first it names
    named = critique(
        CritiqueIssue(kind="note", text="too vague", section="Care", section_index=2),
        CritiqueIssue(kind="note", text="ends abruptly", section="Conclusion", section_index=3),
        CritiqueIssue(kind="damage", text="measured again", section="Care", section_index=1),
    )
    assert critic_problems(named) == {2: ["too vague"], 3: ["ends abruptly"]}


def test_sections_of_an_older_checkpoint_load_and_get_their_identity_from_the_plan():
    plain = outline(("Watering", "Light", "Pests"))
    old = [Section.model_validate({"heading": h, "body": f"Text {n}."}) for n, h in enumerate(("", "Light"))]
    assert [(s.index, s.words) for s in old] == [(None, 0), (None, 0)]
    plan = plan_sections(REQUEST, plain)
    assert identified(old, REQUEST, plain) == [
        plan[0].model_copy(update={"body": "Text 0."}),
        plan[2].model_copy(update={"body": "Text 1."}),
    ]
    stray = Section(heading="Not planned", body="Text.")
    assert identified([stray], REQUEST, plain) == [stray]


def test_a_sections_identity_and_plan_survive_a_checkpoint():
    store = serializer()
    sections = drafted()
    assert store.loads_typed(store.dumps_typed(sections)) == sections
