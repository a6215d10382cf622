"""A no-source draft on a model that cannot write: headings from the topic, no chatter, no
invented history or authorities, no markers, nothing off the subject; a section that cannot be
made usable is left out and the result says so."""

from agents.outliner.outliner import make_outliner
from agents.outliner.unsourced_plan import plan_from_topic
from agents.text.cleanup import strip_chatter
from agents.text.headings import heading_problem
from agents.text.markdown import render_markdown
from agents.text.outline import recap
from agents.text.topic_words import subject_words, topic_phrase, topic_sections
from agents.writer.unsourced_prose import publishable
from agents.writer.writer import make_writer
from core.state import DraftRequest, Outline, OutlineSection, Section
from tests.fakes import ScriptedChatModel

TOPICS = [
    "Repairing a bicycle puncture",
    "How heat pumps work",
    "Sourdough for beginners",
    "How to fix a tap",
]


def test_headings_without_sources_come_from_each_topics_own_words():
    seen: list[str] = []
    for topic in TOPICS:
        headings = [s.heading for s in topic_sections(topic)]
        assert len(headings) == 3 and len(set(headings)) == 3
        for heading in headings:
            assert subject_words(topic) & subject_words(heading), (topic, heading)
            assert heading not in seen, heading  # never the same phrase on two topics
        seen += headings
    assert [s.heading for s in topic_sections("Repairing a bicycle puncture")] == [
        "What you need before repairing a bicycle puncture",
        "Repairing a bicycle puncture step by step",
        "Common mistakes when repairing a bicycle puncture",
    ]
    # A long topic keeps every heading short enough to be one (at most 10 words).
    for topic in (
        "Giving houseplants the right amount of light",
        "Why the sky over the sea turns red",
    ):
        assert all(heading_problem(s.heading) is None for s in topic_sections(topic)), topic
    assert topic_phrase("How to fix a tap") == ("activity", "fixing a tap")
    assert topic_phrase("How Heat Pumps Work") == ("question", "how heat pumps work")
    assert topic_phrase("USB cables explained") == ("subject", "USB cables explained")


def test_a_small_models_plan_keeps_only_headings_that_name_the_subject():
    request = DraftRequest(topic="Keeping backyard chickens", words=600)
    plan = Outline(
        title="How to Keep Your Own Pet: 10 Tips for a Healthy Life",  # another subject, a number
        sections=[
            OutlineSection(heading="Keeping backyard chickens", key_points=["#1. Use Natural Diet"]),
            OutlineSection(heading="Research Notes: Key Points", key_points=["research notes:"]),
            OutlineSection(heading="Why Not All Dogs Need to be Caged.", key_points=["Dogs are happy"]),
            OutlineSection(
                heading="Feeding your hens and chickens",
                key_points=[
                    "https://example.com/feed",
                    "{ 'description': 'grain'",
                    "what chickens eat daily",
                ],
            ),
            OutlineSection(heading="Part 3", key_points=["In 1921 Ada Smith bred the first chickens"]),
        ],
    )
    outline, warnings = plan_from_topic(plan, request, count=6)
    assert outline.title == "Keeping backyard chickens"
    assert [s.heading for s in outline.sections] == [
        "Feeding your hens and chickens",
        "What you need before keeping backyard chickens",
        "Keeping backyard chickens step by step",
    ]
    assert outline.sections[0].key_points == ["what chickens eat daily"]
    assert warnings and "named after the topic" in warnings[0]


def test_two_headings_saying_the_same_thing_keep_one():
    request = DraftRequest(topic="Choosing a first telescope", words=600)
    plan = Outline(
        title="Your First Telescope",
        sections=[
            OutlineSection(heading="A Brief History of Telescope Technology", key_points=["lenses"]),
            OutlineSection(heading="The Early History of Telescope Technology", key_points=["lenses"]),
            OutlineSection(heading="First Telescope", key_points=["lenses"]),  # the title again
        ],
    )
    outline, _ = plan_from_topic(plan, request, count=3)
    headings = [s.heading for s in outline.sections]
    assert outline.title == "Your First Telescope"
    assert headings[0] == "A Brief History of Telescope Technology"
    assert "The Early History of Telescope Technology" not in headings and "First Telescope" not in headings


def test_the_outliner_without_sources_names_unusable_sections_after_the_topic():
    placeholder = {
        "title": "Blog Post: Sourdough for Beginners",
        "sections": [
            {"heading": f"Part {i}", "key_points": ["a point"], "source_ids": []} for i in (1, 2, 3)
        ],
    }
    update = make_outliner(ScriptedChatModel(replies=[placeholder]))(
        {"request": DraftRequest(topic="Sourdough for beginners", words=450)}
    )
    outline = update["outline"]
    assert outline.title == "Sourdough for beginners"
    assert [s.heading for s in outline.sections] == [
        "What to know about sourdough for beginners",
        "Getting started with sourdough for beginners",
        "Common questions about sourdough for beginners",
    ]
    assert any("named after the topic" in w for w in update["warnings"])


REQUEST = DraftRequest(topic="How heat pumps work", words=300)


def test_unsourced_prose_keeps_no_anecdote_invented_history_authority_or_debris():
    body = (
        "Why it matters: A heat pump moves heat from outside air into the house. "
        "I have installed dozens of them with my team. "
        "Some studies have even suggested that heat pumps halve bills. "
        "Heat pumps have been around for centuries. "
        "It has been shown that heat pumps cure colds. "
        "This conclusion wraps up with an inspiring message about heat pumps. "
        "The first paragraph sets the stage with a fact about heat pumps. "
        "In the realm of your blog, heat pumps are a topic. "
        "{ 'description':'The earliest heat pumps were crude. "
        "A compressor raises the pressure of the refrigerant, so it gets hotter. >>"
    )
    kept = publishable(body, REQUEST, ["Why it matters"])
    assert kept == (
        "A heat pump moves heat from outside air into the house. "
        "A compressor raises the pressure of the refrigerant, so it gets hotter."
    )


def test_the_first_person_stays_when_the_author_gave_a_voice_sample():
    mine = REQUEST.model_copy(update={"voice_sample": "I write about my garden every week."})
    body = "I fitted a heat pump last winter and my bills fell."
    assert publishable(body, mine, []) == body
    assert publishable(body, REQUEST, []) == ""


def test_a_section_about_another_subject_publishes_nothing():
    dogs = (
        "Dogs need to run around freely without being held in cages or locked up. Keep them off "
        "their leashes in a safe garden, feed them well and walk them twice a day, because a dog "
        "that moves is a dog that stays calm and healthy at home for years."
    )
    assert publishable(dogs, REQUEST, ["A closer look at how heat pumps work"]) == ""
    short = "Fans move the air across the coil."  # too short to judge: it stays
    assert publishable(short, REQUEST, []) == short


def test_a_half_marker_around_a_line_or_between_sentences_is_dropped_but_not_one_inside_one():
    text = ">>Heat pumps move heat.\n\nThey are quiet. >>\n\nAppend with a >> b in a shell. >> It runs."
    assert strip_chatter(text) == (
        "Heat pumps move heat.\n\nThey are quiet.\n\nAppend with a >> b in a shell. It runs."
    )


def test_a_section_left_without_text_shows_no_bare_heading():
    sections = [
        Section(heading="", body="Intro."),
        Section(heading="Empty one", body=" "),
        Section(heading="Full", body="Text."),
    ]
    assert render_markdown("Title here", sections) == "# Title here\n\nIntro.\n\n## Full\n\nText.\n"


def test_a_no_source_draft_leaves_out_an_off_topic_section_and_says_so():
    outline = Outline(
        title="How heat pumps work",
        sections=[
            OutlineSection(heading=h, key_points=["the idea"])
            for h in ("Heat pumps in winter", "Heat pump noise", "Heat pump costs")
        ],
    )
    on_topic = "A heat pump moves heat from the cold outside air into a warm house, even in frost."
    dogs = (
        "Dogs need to run around freely without being held in cages or locked up. Keep them off "
        "their leashes in a safe garden, feed them well and walk them twice a day, because a dog "
        "that moves is a dog that stays calm and healthy at home for years."
    )
    # intro, first section, then the second section twice (first try and retry) about dogs
    model = ScriptedChatModel(
        replies=[on_topic, on_topic.replace("frost", "snow"), dogs, dogs], default_reply=on_topic
    )
    update = make_writer(model)({"request": REQUEST, "outline": outline})
    assert "Dog" not in update["draft"] and "## Heat pump noise" not in update["draft"]
    assert any('section "Heat pump noise" was left out' in w for w in update["warnings"])


def test_unsourced_prose_keeps_no_invented_person_statistic_or_echo_of_its_prompt():
    body = (
        "He was experimenting with circuits when he noticed the effect. "
        "One in every five homes with a heat pump has a breakdown. "
        "It is written in a friendly tone. "
        "This concludes with one practical takeaway: heat pumps need clean filters. "
        "Clean filters let a heat pump move air freely."
    )
    prompt = "Now write the closing paragraph. End with one practical takeaway."
    assert publishable(body, REQUEST, [], prompt=prompt) == "Clean filters let a heat pump move air freely."
    person = DraftRequest(topic="Why Ada Lovelace still matters", words=300)
    named = "She wrote the first published program for a heat engine of numbers."
    assert publishable(named, person, []) == named  # the topic names her


def test_a_paragraph_about_something_else_goes_and_the_rest_stays():
    body = (
        "Heat pumps move heat instead of making it.\n\n"
        "In today's digital age, having access to free resources is a luxury many of us cannot "
        "afford anymore, and everyone has a favourite gadget that makes them feel less isolated."
    )
    assert publishable(body, REQUEST, []) == "Heat pumps move heat instead of making it."


def test_the_closing_recap_of_a_draft_without_sources_points_to_no_sources():
    outline = Outline(title="How heat pumps work", sections=topic_sections("How heat pumps work"))
    assert recap(outline, False, sourced=False) == "Those are the essentials of how heat pumps work."
    assert "sources below" in recap(outline, False)
