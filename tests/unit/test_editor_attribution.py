"""The editor edits only sections that need it, and every kept citation is backed by its source."""

import random

from agents.editor.editor import make_editor, needs_edit
from agents.text.attribution import SourceIndex, attribute_section, attribute_sentence, with_markers
from agents.text.attribution import strict as strict_check
from agents.text.readability import repeated_ngram_ratio
from core.state import DraftRequest, Outline, OutlineSection, Section, Source
from core.text import content_words
from tests.fakes import ScriptedChatModel
from tests.team import prose

SOURCES = {
    1: "Green tea leaves are steamed or pan-fired soon after picking to stop oxidation.",
    2: "Black tea is fully oxidised before drying, which gives it a darker colour and stronger taste.",
}
INDEX = SourceIndex(SOURCES)
LONG = (
    "Assam grows in a river valley with heavy monsoon rain. Its leaves are large and dark. "
    "Darjeeling sits high in the hills, where cool nights slow the growth. Ceylon estates "
    "pick all year round. Kenya now exports more black tea than any other country. "
    "Most bags hold broken leaf, which brews quickly."
)


def test_a_supported_citation_is_left_exactly_as_written():
    sentence = "Green tea leaves are steamed soon after picking [1]."
    assert attribute_sentence(sentence, INDEX) == sentence


def test_a_citation_to_the_wrong_source_moves_to_the_one_that_supports_it():
    sentence = "Black tea is fully oxidised before drying [1]."
    assert attribute_sentence(sentence, INDEX) == "Black tea is fully oxidised before drying [2]."


def test_a_citation_no_source_supports_is_dropped():
    sentence = "Many people enjoy a quiet afternoon with friends [2]."
    assert attribute_sentence(sentence, INDEX) == "Many people enjoy a quiet afternoon with friends."


def test_an_uncited_sentence_gets_a_marker_only_when_it_closely_matches_a_source():
    close = "Black tea is fully oxidised, which gives it a stronger taste."
    assert attribute_sentence(close, INDEX) == close[:-1] + " [2]."
    loose = "Tea culture differs a great deal between countries and families."
    assert attribute_sentence(loose, INDEX) == loose
    short = "Tea is oxidised."
    assert attribute_sentence(short, INDEX) == short


def test_strictly_a_citation_needs_one_or_two_source_sentences_that_hold_its_words_and_numbers():
    source = (
        "Panels are rated at 350 to 430 watts. Most roofs face south in the north. "
        "Inverters convert DC to AC and last 10 to 15 years. Expect 0.5 percent loss a year."
    )
    lenient, strict = SourceIndex({1: source}), SourceIndex({1: source}, strict_check())
    faithful = "An inverter turns the panels' DC into AC and lasts 10 to 15 years [1]."
    assert attribute_sentence(faithful, strict) == faithful
    # Its general remark shares a few words with the source: enough loosely, not strictly.
    remark = "Knowing how panels, inverters and roofs work helps homeowners [1]."
    assert attribute_sentence(remark, lenient) == remark
    assert attribute_sentence(remark, strict) == remark.replace(" [1]", "")
    # A number the source's sentences do not state loses its citation.
    changed = "Inverters convert DC to AC and last 25 years [1]."
    assert attribute_sentence(changed, strict) == changed.replace(" [1]", "")


def test_strictly_the_words_naming_the_topic_back_no_claim():
    source = (
        "Rooftop solar panels are made of silicon cells. In England, rooftop solar panels count as "
        "permitted development and need no planning application."
    )
    topic = frozenset(content_words("What to know about rooftop solar panels"))
    strict = SourceIndex({1: source}, strict_check())
    on_topic = SourceIndex({1: source}, strict_check(), topic)
    welcome = "Welcome to the world of rooftop solar panels [1]!"
    assert attribute_sentence(welcome, strict) == welcome  # the topic's words alone match the source
    assert attribute_sentence(welcome, on_topic) == "Welcome to the world of rooftop solar panels!"
    remark = "Rooftop solar panels are a smart choice for a modern family home [1]."
    assert attribute_sentence(remark, on_topic) == remark.replace(" [1]", "")
    fact = "In England, rooftop solar panels are permitted development: no planning application [1]."
    assert attribute_sentence(fact, on_topic) == fact


def test_a_section_keeps_its_paragraphs_and_supported_markers():
    body = "Green tea leaves are steamed soon after picking [1]. Dogs bark [1].\n\nBlack tea is oxidised [2]."
    assert attribute_section(body, INDEX) == (
        "Green tea leaves are steamed soon after picking [1]. Dogs bark.\n\nBlack tea is oxidised [2]."
    )


def test_markers_go_before_the_closing_punctuation():
    assert with_markers("Tea is old.", [2, 1]) == "Tea is old [1, 2]."
    assert with_markers("Tea is old", [3]) == "Tea is old [3]"
    assert with_markers("Is tea old?", []) == "Is tea old?"


def test_only_long_or_repetitive_sections_need_an_edit():
    clean = LONG
    assert not needs_edit(clean, planned=60)
    assert needs_edit(clean, planned=30)  # 50 words for a 30-word plan
    loop = "the river runs to the sea and " * 8
    assert repeated_ngram_ratio(loop) > 0.5
    assert needs_edit(loop, planned=100)


def test_the_editor_sends_only_sections_that_need_it_and_fixes_citations():
    outline = Outline(
        title="All about tea",
        sections=[
            OutlineSection(heading=heading, key_points=["point"]) for heading in ("Green", "Black", "Brewing")
        ],
    )
    request = DraftRequest(topic="Tea", words=300)
    short = "Green tea leaves are steamed soon after picking [2]. It tastes fresh."
    long = LONG
    model = ScriptedChatModel(replies=["Black tea is fully oxidised before drying."])
    editor = make_editor(model)
    update = editor(
        {
            "request": request,
            "outline": outline,
            "sources": [Source(id=i, title="s", url=f"https://e/{i}", text=t) for i, t in SOURCES.items()],
            "sections": [Section(heading="Green", body=short), Section(heading="", body=long)],
        }
    )
    assert len(model.calls) == 1 and "Assam grows in a river valley" in model.prompts[0]
    bodies = {section.heading: section.body for section in update["sections"]}
    assert bodies["Green"] == "Green tea leaves are steamed soon after picking [1]. It tastes fresh."
    assert (
        bodies[""] == long
    )  # a 52-word intro planned at 40 words was sent; the edit lost too much length, so the original stays


def test_after_attribution_the_citation_check_finds_every_citation_supported():
    import random

    from tools.citations import citation_support

    pieces = [
        "Green tea leaves are steamed soon after picking",
        "black tea is fully oxidised before drying",
        "Dogs bark at night",
        "e.g. stronger taste comes from oxidation",
        "[2] Many people enjoy tea with friends",
        "Pan-fired leaves stop oxidation early",
    ]
    rng = random.Random(7)
    for _ in range(50):
        sentences = [
            f"{rng.choice(pieces)}{rng.choice(['', ' [1]', ' [2]', ' [1, 2]', ' [9]'])}." for _ in range(6)
        ]
        body = " ".join(sentences)
        report = citation_support(attribute_section(body, INDEX), SOURCES)
        assert report.rate in (None, 1.0), (body, report.weak_claims)


def test_a_marker_opening_a_section_moves_to_the_end_of_its_sentence():
    body = "[1] Green tea leaves are steamed soon after picking. It tastes fresh."
    assert (
        attribute_section(body, INDEX)
        == "Green tea leaves are steamed soon after picking [1]. It tastes fresh."
    )


def test_a_revision_may_not_drift_further_from_the_planned_length():
    from agents.writer.revision import revision_keeps_length

    words = lambda n: " ".join(["word"] * n)  # noqa: E731
    assert revision_keeps_length(words(80), words(100), planned=100)
    assert revision_keeps_length(words(100), words(95), planned=100)
    assert not revision_keeps_length(words(100), words(70), planned=100)
    assert not revision_keeps_length(words(100), "", planned=100)
    assert not revision_keeps_length(words(40), words(35), planned=100)  # already short: no shorter
    assert revision_keeps_length(words(40), words(45), planned=100)
    assert revision_keeps_length(words(150), words(140), planned=100)


def test_a_revision_that_reads_worse_or_repeats_more_is_rejected():
    from agents.writer.revision import revision_not_worse

    old = prose(100, 1)
    assert revision_not_worse(old, prose(100, 2), planned=100)
    looping = " ".join([" ".join(old.split()[:20])] * 5)  # the same 20 words five times
    assert not revision_not_worse(old, looping, planned=100)
    long_words = [
        "organisational",
        "implementation",
        "comprehensive",
        "evaluation",
        "responsibility",
        "infrastructure",
        "administration",
        "consideration",
        "communication",
        "representative",
        "international",
        "characteristic",
        "environmental",
        "documentation",
        "understanding",
        "opportunities",
        "investigation",
        "specification",
        "accessibility",
        "sustainability",
        "availability",
        "complementary",
        "interpretation",
        "preliminary",
    ]
    rng = random.Random(3)
    harder = " ".join(
        " ".join(rng.sample(long_words, 20)) + "." for _ in range(5)
    )  # long words and sentences
    assert repeated_ngram_ratio(harder) <= repeated_ngram_ratio(old) + 0.02
    assert not revision_not_worse(old, harder, planned=100)
    assert not revision_not_worse(old, prose(50, 2), planned=100)  # the length rule still applies


def test_each_round_samples_its_revision_with_a_seed_of_its_own():
    from agents.writer.writer import make_writer
    from core.policy import DEFAULT_POLICY
    from core.state import Critique, DraftMetrics, RoundRecord, RubricScores

    headings = ("Green", "Black", "Oolong")
    outline = Outline(
        title="All about tea", sections=[OutlineSection(heading=h, key_points=["leaves"]) for h in headings]
    )
    plan = [("", 40), *((h, 70) for h in headings), ("Conclusion", 40)]
    sections = [Section(heading=h, body=prose(n, i)) for i, (h, n) in enumerate(plan)]
    metrics = DraftMetrics(words=300, sections=4, repeated_sentence_ratio=0, length_ratio=1, citations=0)
    scores = RubricScores(grounding=5, structure=9, clarity=3, depth=3, style=3)
    critique = Critique(scores=scores, overall=5, metrics=metrics)
    record = RoundRecord(round=1, title="All about tea", markdown="x", critique=critique)
    request = DraftRequest(topic="Tea", words=300)
    state = {"request": request, "outline": outline, "sections": sections, "critique": critique}
    for done in (1, 2):
        model = ScriptedChatModel(default_reply=prose(70, 9))
        make_writer(model)({**state, "rounds": [record] * done})
        assert {kwargs.get("seed") for _, kwargs in model.calls} == {
            DEFAULT_POLICY.writer.revision_seed + done + 1
        }


def test_measured_items_of_the_rubric_replace_the_models_guess():
    from agents.critic.metrics import measured_rubric
    from core.state import DraftMetrics

    judged = {"grounding": 10, "structure": 2, "clarity": 3, "depth": 4, "style": 5}
    outline = Outline(
        title="A title",
        sections=[OutlineSection(heading=h, key_points=["a point"]) for h in ("Alpha", "Beta", "Gamma")],
    )

    def metrics(sections: int, citations: int, support: float | None) -> DraftMetrics:
        return DraftMetrics(
            words=600,
            sections=sections,
            repeated_sentence_ratio=0,
            length_ratio=1,
            citations=citations,
            citation_support=support,
        )

    full = measured_rubric(judged, metrics(4, 4, 0.75), outline, has_sources=True)
    assert (full.grounding, full.structure, full.clarity, full.depth, full.style) == (8, 10, 3, 4, 5)
    assert measured_rubric(judged, metrics(2, 0, None), outline, has_sources=True).grounding == 1
    assert measured_rubric(judged, metrics(2, 0, None), outline, has_sources=True).structure == 6
    assert measured_rubric(judged, metrics(4, 0, None), outline, has_sources=False).grounding == 5
    plain = metrics(4, 4, 1.0).model_copy(update={"reading_ease": 45.0, "repeated_ngram_ratio": 0.05})
    assert measured_rubric(judged, plain, outline, True).clarity == 4.25  # mean of 3 and 5.5
    looping = plain.model_copy(update={"repeated_ngram_ratio": 0.15})
    assert measured_rubric(judged, looping, outline, True).clarity == 3.25  # 5.5 - 2 for repeats


def test_an_edit_may_not_cut_a_section_far_below_its_plan():
    from agents.editor.editor import edit_is_better

    words = lambda n: " ".join(["word"] * n) + "."  # noqa: E731
    original = words(190)  # a section planned at 150 words that ran long
    assert edit_is_better(original, words(150), planned=150)
    assert edit_is_better(original, words(130), planned=150)  # within 85% of the plan
    assert not edit_is_better(original, words(120), planned=150)  # kept 63% of the text, but 80% of the plan
    assert edit_is_better(original, words(120))  # without a plan only the 60% rule applies


def test_an_empty_new_section_is_asked_for_once_more_with_another_seed():
    from agents.writer.writer import make_writer
    from core.policy import DEFAULT_POLICY

    outline = Outline(
        title="All about tea",
        sections=[OutlineSection(heading=h, key_points=["leaves"]) for h in ("Green", "Black", "Oolong")],
    )
    # The reply only echoes the prompt's heading list, which the cleanup drops.
    heading_list = "All about tea. Green, Black, Oolong."
    intro = "Tea has a long history in many countries. Its leaves are picked by hand and dried within a day."
    bodies = [prose(80, seed, subject="tea") for seed in (1, 2, 3)]  # on the subject, as a writer on task
    end = "So brew it gently and enjoy a calm cup every day of the week."
    model = ScriptedChatModel(replies=[heading_list, intro, *bodies, end])
    update = make_writer(model)({"request": DraftRequest(topic="Tea", words=300), "outline": outline})
    seeds = [kwargs.get("seed") for _, kwargs in model.calls]
    assert seeds == [None, DEFAULT_POLICY.writer.retry_seed, None, None, None, None]
    assert update["sections"][0].body == intro


def test_a_critique_without_issues_still_tells_the_writer_what_to_improve():
    from agents.writer.revision import revision_advice
    from core.state import Critique, CritiqueIssue, DraftMetrics, RubricScores

    metrics = DraftMetrics(words=300, sections=4, repeated_sentence_ratio=0, length_ratio=1, citations=2)

    def critique(issues, clarity, depth, style):
        scores = RubricScores(grounding=9, structure=9, clarity=clarity, depth=depth, style=style)
        return Critique(scores=scores, overall=6.0, issues=issues, metrics=metrics)

    request = DraftRequest(topic="Tea", audience="new gardeners", tone="warm")
    assert revision_advice(None, request, True) == []
    weak = CritiqueIssue(kind="weak_citation", text='weak citation [1] (overlap 0.00): "Tea"', source_id=1)
    named = critique(["the intro is vague", weak], 3, 3, 3)
    assert revision_advice(named, request, True) == ["the intro is vague"]
    advice = revision_advice(critique([], clarity=3, depth=8, style=5), request, True)
    assert len(advice) == 2 and "plain sentences" in advice[0] and "new gardeners in a warm tone" in advice[1]
    assert revision_advice(critique([], 9, 9, 9), request, True) == []
    shallow = critique([], clarity=9, depth=2, style=9)
    assert revision_advice(shallow, request, True) == [
        "add a specific fact, number or example from the research notes"
    ]
    assert revision_advice(shallow, request, False) == ["add a specific example or practical detail"]


def test_an_edit_may_not_drop_a_citation_even_from_a_list_marker():
    from agents.editor.editor import edit_is_better

    original = "Green tea is steamed soon after picking, which keeps it fresh and bright [1, 2]. " * 3
    assert edit_is_better(original, original.replace("[1, 2]", "[2, 1]"))
    assert not edit_is_better(original, original.replace("[1, 2]", "[1]"))


def test_a_marker_after_the_full_stop_moves_inside_the_sentence():
    sentence = "Green tea leaves are steamed soon after picking. [1]"
    assert attribute_sentence(sentence, INDEX) == "Green tea leaves are steamed soon after picking [1]."


def test_for_a_model_that_can_write_the_editor_drops_markers_on_sentences_naming_only_the_topic():
    parts = [OutlineSection(heading=heading, key_points=["point"]) for heading in ("Leaves", "Water", "Cups")]
    outline = Outline(title="Green tea", sections=parts)
    state = {
        "request": DraftRequest(topic="Green tea leaves", words=300),
        "outline": outline,
        "sources": [Source(id=i, title="s", url=f"https://e/{i}", text=t) for i, t in SOURCES.items()],
        "sections": [Section(heading="Leaves", body="Welcome to the world of green tea leaves [1]!")],
    }
    free = make_editor(ScriptedChatModel(replies=[]), "free")(state)
    assert free["sections"][0].body == "Welcome to the world of green tea leaves!"
    extractive = make_editor(ScriptedChatModel(replies=[]))(state)
    assert extractive["sections"][0].body == "Welcome to the world of green tea leaves [1]!"
