"""The outliner keeps plans on topic: an off-topic plan is asked again, then replaced."""

from agents.outliner.outliner import make_outliner
from agents.outliner.tidy_outline import is_on_topic
from core.state import DraftRequest, Outline, OutlineSection
from tests.fakes import ScriptedChatModel

TOPIC = "Keeping a sourdough starter healthy at home"


def plan(title: str, points: list[str]) -> dict:
    return {
        "title": title,
        "sections": [
            {"heading": f"Section heading {i}", "key_points": [point], "source_ids": []}
            for i, point in enumerate(points, 1)
        ],
    }


OFF_TOPIC = plan("Blogging Tips: 10 Essential Tools to Stay Healthy", ["diet", "exercise", "sleep"])
ON_TOPIC = plan("Your sourdough starter", ["feed the starter daily", "keep it warm", "discard some"])


def test_a_plan_must_share_two_topic_words():
    assert not is_on_topic(Outline.model_validate(OFF_TOPIC), TOPIC)  # only "healthy"
    assert is_on_topic(Outline.model_validate(ON_TOPIC), TOPIC)
    one_word = Outline(
        title="All about tea",
        sections=[OutlineSection(heading=f"Part {i}", key_points=["a point"]) for i in range(3)],
    )
    assert is_on_topic(one_word, "Tea")


def test_an_off_topic_plan_is_asked_again_with_another_seed():
    model = ScriptedChatModel(replies=[OFF_TOPIC, ON_TOPIC])
    update = make_outliner(model)({"request": DraftRequest(topic=TOPIC, words=450)})
    assert update["outline"].title == "Your sourdough starter"
    assert not any("off topic" in warning for warning in update["warnings"])
    assert "seed" not in model.calls[0][1] and "seed" in model.calls[1][1]


def test_a_plan_that_stays_off_topic_is_replaced_by_a_simple_one_with_a_warning():
    model = ScriptedChatModel(replies=[OFF_TOPIC, OFF_TOPIC])
    update = make_outliner(model)({"request": DraftRequest(topic=TOPIC, words=450)})
    assert update["outline"].title == TOPIC
    assert any("off topic" in warning for warning in update["warnings"])


def test_the_simple_outline_is_built_from_the_research_when_there_is_some():
    from agents.outliner.tidy_outline import fallback_outline
    from core.state import Note, Source

    sources = [
        Source(id=i, title=f"# {name}", url=f"/notes/{i}.md", text="...", origin="local")
        for i, name in enumerate(["Feeding", "Temperature", "Troubleshooting"], 1)
    ]
    notes = [
        Note(source_id=i, text=f"{s.title}\nA fact about {s.title[2:].lower()}.")
        for i, s in enumerate(sources, 1)
    ]
    outline = fallback_outline(DraftRequest(topic=TOPIC), notes, sources, count=3)
    assert [s.heading for s in outline.sections] == ["Feeding", "Temperature", "Troubleshooting"]
    assert [s.source_ids for s in outline.sections] == [[1], [2], [3]]
    assert outline.sections[0].key_points == ["A fact about feeding."]
    # Without research the sections are named after the topic, not the same phrases on every topic.
    assert [s.heading for s in fallback_outline(DraftRequest(topic=TOPIC)).sections] == [
        "Before keeping a sourdough starter healthy at home",  # the long form has 11 words
        "Keeping a sourdough starter healthy at home step by step",
        "Common mistakes when keeping a sourdough starter healthy at home",
    ]
