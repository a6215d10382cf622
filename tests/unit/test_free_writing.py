"""Writing with a model that can write: the capability decision, the checks, and revise-on-problem."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from agents.capability import decide_writing, is_paraphrase, probe_writing
from agents.text.checks import (
    borrowed_voice,
    dangling_opening,
    meta_sentences,
    names_the_audience,
    names_the_post,
    restated_facts,
    title_sentences,
)
from agents.text.headings import heading_problem
from agents.text.section_report import check_section, make_checker
from agents.text.spelling import fused_words, garbled_words, repair_fused, word_vocabulary
from agents.writer.finishing import referred_to
from agents.writer.fixer import Written
from agents.writer.free_writing import impersonal, improve, write_section
from agents.writer.sections import WritingContext
from core.markers import split_sentences
from core.policy import DEFAULT_POLICY
from core.state import DraftRequest, Outline, OutlineSection, Passage, Section, Source
from tests.fakes import ScriptedChatModel

SOURCE = """# Keeping bees in a small garden

The Langstroth hive holds ten frames per box and is the most common design in North America.
A top-bar hive costs about 150 dollars and suits gardeners who cannot lift heavy boxes.
Varroa destructor is the mite that kills most colonies, and beekeepers treat when 3 mites per
100 bees fall out of a sugar roll.
"""


class SizedModel(ScriptedChatModel):
    """A scripted model that reports a parameter count, as the llama.cpp adapter does."""

    parameter_count: int = 0


def test_the_decision_follows_the_measured_size_not_the_name():
    assert decide_writing(SizedModel(parameter_count=1_500_000_000)) == "free"
    assert decide_writing(SizedModel(parameter_count=135_000_000)) == "extractive"
    bar = DEFAULT_POLICY.capability.free_writer_parameters
    assert decide_writing(SizedModel(parameter_count=bar - 1)) == "extractive"
    # A chat model that reports nothing (a test double, a notebook's own model) takes the path
    # that works for every model; an explicit choice always wins.
    assert decide_writing(ScriptedChatModel()) == "extractive"
    assert decide_writing(ScriptedChatModel(), "free") == "free"
    assert decide_writing(SizedModel(parameter_count=8_000_000_000), "extractive") == "extractive"


def test_a_server_model_is_probed_once_and_judged_by_its_paraphrase():
    good = "Finished in 1937, the Vasa Bridge carries four lanes over 1,280 metres of open water [1]."
    assert probe_writing(ScriptedChatModel(replies=[good])) == "free"
    copied = (
        "The Vasa Bridge, finished in 1937 after six years of work, spans 1,280 metres across the strait [1]."
    )
    assert not is_paraphrase(copied)
    assert not is_paraphrase("A bridge was built long ago across the water [1].")  # facts lost
    assert not is_paraphrase("Finished in 1937, the bridge spans 1,280 metres over the strait.")  # uncited
    assert probe_writing(ScriptedChatModel(replies=["bridge bridge"])) == "extractive"


def test_meta_sentences_about_the_evidence_or_the_post_are_found():
    text = (
        "The evidence presented in the Commercial section supports the claim [1]. "
        "Hot compost reaches 60 degrees in a week [1]. "
        "According to the sources, turning helps. This section explains the hive."
    )
    assert meta_sentences(text) == [
        "The evidence presented in the Commercial section supports the claim [1].",
        "According to the sources, turning helps.",
        "This section explains the hive.",
    ]
    assert meta_sentences("A strong colony stores 25 kilograms of honey.") == []
    assert meta_sentences("The sources say that compost feeds the soil.") == [
        "The sources say that compost feeds the soil."
    ]


def test_a_source_title_standing_as_a_sentence_is_found():
    title = "Why Small Open Source AI Models Are Catching Up to the Giants"
    text = f"{title} [1]. Small models now run on a laptop [1]."
    assert title_sentences(text, [title]) == [f"{title} [1]."]
    assert title_sentences("Small models now run on a laptop [1].", [title]) == []


def test_fused_words_are_found_and_split_back():
    vocabulary = word_vocabulary(["global patterns play a crucial role in the climate"])
    text = "These globalpatterns play a crucialrole in the climate."
    assert fused_words(text, vocabulary) == ["globalpatterns", "crucialrole"]
    assert repair_fused(text, vocabulary) == "These global patterns play a crucial role in the climate."
    assert fused_words("Global patterns play a crucial role.", vocabulary) == []


def test_a_fact_stated_twice_is_found_even_in_other_words():
    first = "The Langstroth hive holds ten frames per box in North America [1]."
    again = "In North America, each Langstroth box holds ten frames [1]."
    new = "A top-bar hive costs about 150 dollars [1]."
    assert restated_facts([first, f"{new} {again}"]) == [again]
    assert restated_facts([first, new]) == []


def test_headings_a_person_would_not_write_are_named():
    assert heading_problem("How a hot pile kills weed seeds") is None
    assert heading_problem("II. Dependencies") == "starts with the source's numbering"
    assert heading_problem("Part 3") == "is a placeholder"
    assert heading_problem("Mistake 3: Loggers that stopped working") == "starts with the source's numbering"
    assert heading_problem("Tip #2 - Feed it twice a day") == "starts with the source's numbering"
    assert heading_problem("Python 3: what changed for logging") is None  # a version, not a count
    assert heading_problem("Commercial") == "is a single word"
    assert heading_problem("Without requiring massive") == "is cut off mid-phrase"
    assert heading_problem("The light and") == "is cut off mid-phrase"
    assert heading_problem("How long to leave the light on") is None  # a particle ends a phrase
    assert heading_problem("Matching plants to the light you have") is None
    assert heading_problem("What should I leave out?") is None  # a question may end on its particle
    source = "Small models reach high scores on benchmarks and keep improving every month."
    assert heading_problem("Small models reach high scores", source) == "is a fragment of a source sentence"


def checker_and_evidence() -> tuple[Any, list[Passage]]:
    request = DraftRequest(topic="Keeping bees in a small garden")
    sources = [Source(id=1, title="Keeping bees in a small garden", url="file://bees.md", text=SOURCE)]
    passages = [Passage(id=0, source_id=1, text=" ".join(SOURCE.splitlines()[2:]))]
    return make_checker(request, sources, passages), passages


def context_for(model: ScriptedChatModel) -> WritingContext:
    outline = Outline(
        title="Bees in a small garden",
        sections=[OutlineSection(heading=h, key_points=["a point"]) for h in ("Hives", "Mites", "Honey")],
    )
    checker, _ = checker_and_evidence()
    return WritingContext(
        model=model,
        request=DraftRequest(topic="Keeping bees in a small garden"),
        outline=outline,
        system="You are one member of a small team.",
        brief="You are the writer.",
        known_ids={1},
        corpus=checker.corpus,
        grounded=True,
        round_number=1,
    )


GOOD = (
    "A Langstroth hive, the usual design in North America, stacks boxes of ten frames each [1]. "
    "Gardeners who cannot lift heavy boxes often pick a top-bar hive instead, for about 150 dollars [1]. "
    "Either way, the bees need a calm corner of the garden with morning sun and shelter from the wind."
)


FIXED = "Many beginners find their first hive struggles in its first year, so they keep notes [1]."


def test_a_sentence_with_an_invented_specific_goes_back_to_the_model_named():
    checker, evidence = checker_and_evidence()
    invented = "A Harvard University survey found that 45% of hives fail in the first year [1]. " + GOOD
    model = ScriptedChatModel(replies=[FIXED])
    written = Written(messages=[], reply=invented, body=invented)
    section, notes = improve(context_for(model), checker, "Hives", written, 60, evidence, [])
    assert len(model.calls) == 1
    fix = model.calls[0][0][-1].text
    assert "Harvard University" in fix and "45%" in fix and "no source says" in fix
    # The fix continues the chat: the model sees its own text as its previous turn.
    assert model.calls[0][0][-2].text == invented
    assert section.body == f"{FIXED} {GOOD}" and notes == []


def test_a_fix_that_fails_the_checks_is_not_kept_and_the_claim_is_removed_and_reported():
    checker, evidence = checker_and_evidence()
    invented = "A Harvard University survey found that 45% of hives fail [1]. " + GOOD
    still_invented = "Harvard University researchers say most hives fail [1]."
    model = ScriptedChatModel(replies=[still_invented])
    written = Written(messages=[], reply=invented, body=invented)
    section, notes = improve(context_for(model), checker, "Hives", written, 60, evidence, [])
    assert section.body == GOOD  # the original, without its invented sentence
    assert notes and "removed 1 sentence" in notes[0]


def test_talk_about_the_evidence_and_copied_wording_go_back_to_the_model_sentence_by_sentence():
    checker, evidence = checker_and_evidence()
    meta = "The evidence shows that beekeepers watch for mites [1]."
    copied = (
        "The Langstroth hive holds ten frames per box and is the most common design in North America [1]."
    )
    text = f"{meta} {copied} Either way, the bees need a calm corner of the garden with morning sun."
    plain = "Beekeepers check their colonies for mites every few weeks in summer [1]."
    own = "In North America most keepers use the Langstroth design, whose boxes take ten frames each [1]."
    model = ScriptedChatModel(replies=[plain, own])
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 40, evidence, [])
    asked = [call[0][-1].text for call in model.calls]
    assert "talks about the evidence" in asked[0] and "copies a source word for word" in asked[1]
    assert "Say it more simply" in asked[1]  # "say it again in your own words" got the copy back
    assert section.body.startswith(f"{plain} {own}")


def test_each_copied_sentence_with_facts_is_asked_for_an_explanation_and_a_failed_fix_keeps_it():
    checker, evidence = checker_and_evidence()
    hive = "The Langstroth hive holds ten frames per box and is the most common design in North America [1]."
    mite = "Varroa destructor is the mite that kills most colonies, and beekeepers treat when 3 mites [1]."
    text = f"{hive} {mite} Either way, the bees need a calm corner of the garden with morning sun."
    own_hive = (
        "In North America most keepers use the Langstroth design, whose boxes take ten frames each [1]."
    )
    still_copied = "Varroa destructor is the mite that kills most colonies, and beekeepers treat it [1]."
    model = ScriptedChatModel(replies=[own_hive, still_copied])
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 40, evidence, [])
    asked = [call[0][-1].text for call in model.calls[:2]]
    assert '"The Langstroth' in asked[0] and '"Varroa' in asked[1]  # one sentence per call
    assert own_hive in section.body  # its fix passed the checks
    assert mite in section.body  # a fix that still copies leaves the original (it states facts)
    # A later round, with the draft within its copy budget, sends no copied sentence back.
    quiet = ScriptedChatModel(replies=[own_hive, still_copied])
    written = Written([], text, text)
    section, _ = improve(context_for(quiet), checker, "Hives", written, 40, evidence, [], fix_copies=False)
    assert quiet.calls == [] and hive in section.body


def test_a_copied_sentence_stating_none_of_the_sources_facts_is_left_out():
    checker, evidence = checker_and_evidence()
    source = "Beekeeping is a calm and rewarding hobby that anyone with a small garden can enjoy all summer."
    checker = make_checker(
        DraftRequest(topic="Keeping bees in a small garden"),
        [Source(id=1, title="Bees", url="file://bees.md", text=SOURCE + source)],
        [Passage(id=0, source_id=1, text=" ".join(SOURCE.splitlines()[2:]) + " " + source)],
    )
    text = f"{source} {GOOD}"
    model = ScriptedChatModel(default_reply="no")  # every fix fails
    section, notes = improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    assert source not in section.body and section.body.startswith(GOOD[:40])
    assert any("pasted wording" in note for note in notes)


def test_a_section_opening_on_a_pronoun_is_sent_back_to_name_its_subject():
    assert dangling_opening("They work by turning light into current [1]. More follows.") is not None
    assert dangling_opening("This warranty covers the panel for 25 years.") is not None
    assert dangling_opening("It is worth checking the roof first.") is None  # impersonal "it"
    assert dangling_opening("Panels work in cloud. They still produce power.") is None
    assert dangling_opening("Both are designed to run on a plain CPU.") is not None  # both of what?
    assert dangling_opening("Both llama.cpp and Ollama run on a plain CPU.") is None
    checker, evidence = checker_and_evidence()
    text = "They are the mites behind most lost colonies, so keepers count them [1]. " + GOOD
    named = "Varroa destructor mites are behind most lost colonies, so keepers count them [1]."
    model = ScriptedChatModel(replies=[named])
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    assert "pronoun" in model.calls[0][0][-1].text
    assert section.body.startswith(named)


def test_evidence_the_section_left_out_is_asked_for_in_the_models_words_not_pasted():
    checker, evidence = checker_and_evidence()
    vague = "Bees are lovely. They need a calm corner of the garden and some care every week in summer."
    report = check_section(vague, checker, evidence, [], 90)
    assert report.missing and all(line.startswith("[1]") for line in report.missing)
    added = "Most colonies that die are killed by the Varroa destructor mite, so keepers count them [1]."
    model = ScriptedChatModel(default_reply=added)
    section, _ = improve(context_for(model), checker, "Hives", Written([], vague, vague), 90, evidence, [])
    assert "leaves out this fact" in model.calls[0][0][-1].text
    assert section.body.startswith(vague) and added in section.body
    # No condensed source clause was pasted in: every added sentence is the model's.
    assert all(s in vague or s == added for s in split_sentences(section.body))


def test_a_clean_section_costs_no_revise_call():
    checker, evidence = checker_and_evidence()
    model = ScriptedChatModel(replies=[])
    section, notes = improve(context_for(model), checker, "Hives", Written([], GOOD, GOOD), 60, evidence, [])
    assert model.calls == [] and section.body == GOOD and notes == []


def test_a_model_that_can_write_heads_the_evidences_subjects_in_its_own_words():
    from agents.outliner.outliner import make_outliner
    from agents.outliner.planning import evidence_candidates
    from agents.text.evidence import EvidenceIndex, build_passages
    from tests.unit.test_grounded import sources as bee_sources

    srcs = bee_sources()
    passages = build_passages(srcs)
    state = {"request": DraftRequest(topic="Keeping bees in a small garden", words=450)}
    state |= {"sources": srcs, "passages": passages}
    candidates, _ = evidence_candidates(state["request"].topic, passages, srcs, EvidenceIndex(passages))
    order = [c.heading for c in candidates]
    reply = {
        "title": "Bees in a small garden, step by step",
        "sections": [
            {"subject": order.index("Honey harvest") + 1, "heading": "When the honey is ready to take"},
            {"subject": order.index("Varroa mites") + 1, "heading": "II. Varroa"},  # a fragment
            {"subject": order.index("Choosing a hive") + 1, "heading": "Picking a hive you can lift"},
        ],
    }
    model = ScriptedChatModel(replies=[reply])
    outline = make_outliner(model, "free")(state)["outline"]
    assert [s.heading for s in outline.sections] == [
        "When the honey is ready to take",
        "Varroa mites",  # the model's fragment gave way to the source's label
        "Picking a hive you can lift",
    ]
    honey = " ".join(p.text for p in passages if p.id in outline.sections[0].passage_ids)
    assert "25 kilograms" in honey  # the heading is the model's, the evidence its subject's
    assert "opening words" in model.prompts[0] and "Choosing a hive:" in model.prompts[0]


def test_a_section_that_introduces_the_topic_again_is_caught_but_a_conclusion_may_sum_up():
    from agents.text.checks import echoed_sentences

    intro = "Composting kitchen scraps is a simple yet powerful way to reduce waste and create rich soil."
    again = "Composting kitchen scraps is a simple and effective way to turn waste into rich soil."
    new = "Chop everything small, because a whole cabbage stalk can sit on a heap for months."
    assert echoed_sentences([intro], f"{again} {new}") == [again]
    checker, evidence = checker_and_evidence()
    assert check_section(again, checker, evidence, [intro], 40).restated == [again]
    assert check_section(again, checker, [], [intro], 40, "Conclusion", concluding=True).restated == []
    # A section is the conclusion by its role, not its heading.
    assert check_section(again, checker, [], [intro], 40, "Conclusion").restated != []


def test_a_sentence_that_slips_into_another_script_goes_back_to_the_model():
    from agents.text.checks import foreign_sentences

    text = "Browns are dry, tough and rich in 碳: fallen leaves and straw. Greens are fresh."
    assert foreign_sentences(text, "Browns are rich in carbon.") == [
        "Browns are dry, tough and rich in 碳: fallen leaves and straw."
    ]
    assert foreign_sentences(text, "碳 means carbon") == []


def test_a_section_left_without_text_is_reported_not_silently_lost():
    from agents.writer.writer import make_writer

    outline = Outline(
        title="All about tea",
        sections=[
            OutlineSection(heading=h, key_points=["leaves"]) for h in ("Green tea", "Black tea", "Oolong")
        ],
    )
    intro = "Tea has a long history in many countries, and every cup starts as a leaf."
    body = "Its leaves are picked by hand and dried within a day, then rolled and stored."
    # After the first section, every reply only talks about the post: nothing of it can be kept.
    model = ScriptedChatModel(replies=[intro, body], default_reply="This section explains the article.")
    update = make_writer(model)({"request": DraftRequest(topic="Tea", words=300), "outline": outline})
    warnings = " ".join(update.get("warnings", []))
    assert 'section "Black tea" was left out' in warnings and 'section "Green tea"' not in warnings


def test_a_word_built_with_a_suffix_is_never_taken_for_two_fused_ones():
    assert fused_words("Sustainability and adjustment matter.", set()) == []
    assert fused_words("It plays a crucialrole here.", set()) == ["crucialrole"]


def test_inflected_real_words_are_never_taken_for_fused_ones():
    vocabulary = word_vocabulary(["the repetition"])
    text = "The repetition occurred twice while studies kept running and stopped."
    assert fused_words(text, vocabulary) == []
    assert repair_fused(text, vocabulary) == text


def test_modern_words_an_old_dictionary_lacks_are_never_split():
    text = "On the internet, a website can email you a database export online."
    assert fused_words(text, set()) == []
    assert repair_fused(text, set()) == text  # not "inter net", "web site"


def test_the_authors_first_person_asides_are_left_out_of_the_evidence_but_their_facts_stay():
    text = "I run the bays at my allotment. Most systems I see pay back in 6 to 12 years. Tilt matters."
    kept = impersonal([Passage(id=0, source_id=1, text=text)])[0].text
    assert kept == "Most systems I see pay back in 6 to 12 years. Tilt matters."


def test_a_pasted_sentence_that_the_next_one_refers_to_stays():
    body = "Hooch is a grey liquid on top of the jar. It simply means the starter is hungry [1]."
    assert referred_to(body, "Hooch is a grey liquid on top of the jar.")
    assert not referred_to(body, "It simply means the starter is hungry [1].")
    assert not referred_to("Hooch is grey. Feed it more often.", "Hooch is grey.")


def test_a_section_that_echoes_its_instructions_loses_that_sentence_but_keeps_its_evidence():
    checker, evidence = checker_and_evidence()
    reply = (
        "A Langstroth hive, the usual design in North America, stacks boxes of ten frames each [1]. "
        "Put the source number after each claim. "
        "Gardeners who cannot lift heavy boxes often pick a top-bar hive instead [1]."
    )
    model = ScriptedChatModel(replies=[reply], default_reply="no")  # later fixes fail
    section, _ = write_section(
        context_for(model), checker, "Hives", "free_section", 60, evidence, [], {"covered": "nothing yet"}
    )
    assert "source number" not in section.body
    assert section.body.startswith("A Langstroth hive") and "top-bar hive" in section.body


def test_every_measured_problem_becomes_a_typed_issue_and_an_opening_pronoun_is_fixable():
    from agents.critic.section_findings import FIXABLE, ISSUE_KINDS
    from agents.text.section_report import SectionReport

    assert set(SectionReport(words=1, target=1).problems_by_kind()) == set(ISSUE_KINDS)
    assert ISSUE_KINDS["opening"] in FIXABLE  # a later round may send it back


def test_a_section_is_asked_to_explain_its_evidences_names_and_numbers_nearest_its_heading_first():
    from agents.writer.must_explain import points_to_explain

    _, evidence = checker_and_evidence()
    points = points_to_explain(evidence, "Mites and how to treat them", 90)
    assert "3 mites per 100" in points[0]  # the mite sentence shares the heading's word
    assert all(
        3 <= len(p.split()) <= DEFAULT_POLICY.writer.point_words for p in points
    )  # shorter than a copied 8-gram
    assert (
        len(points_to_explain(evidence, "Mites", 75)) == 3
        and len(points_to_explain(evidence, "Mites", 40)) == 2
    )
    assert len(points) == 3  # ~1 per 25 planned words, as many as the evidence has
    assert not any(p.endswith(" per") for p in points)  # no point ends on a dangling word
    model = ScriptedChatModel(replies=[GOOD], default_reply="no")
    write_section(
        context_for(model),
        *checker_and_evidence()[:1],
        "Mites",
        "free_section",
        90,
        evidence,
        [],
        {"covered": "nothing yet", "points": ""},
    )
    asked = model.calls[0][0][-1].text
    assert "Be sure to explain these points" in asked and points[0] in asked


def test_a_closing_summary_before_the_conclusion_is_dropped_but_the_conclusion_may_sum_up():
    from agents.text.checks import summing_up
    from agents.text.outline import CONCLUSION_HEADING

    closing = "In conclusion, a hive is a good idea for most gardens."
    assert summing_up(f"{GOOD} {closing}") == [closing]
    assert summing_up("Overall efficiency is 97% [1].") == []  # a fact, not a closing
    checker, evidence = checker_and_evidence()
    text = f"{GOOD} {closing}"
    model = ScriptedChatModel(default_reply="no")
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    assert closing not in section.body and section.body.startswith(GOOD[:40])
    report = check_section(text, checker, evidence, [], 60, CONCLUSION_HEADING, concluding=True)
    assert report.summary == []
    assert meta_sentences("According to the research, hives need shade [1].")


def test_a_short_section_is_asked_for_more_of_its_evidence_rather_than_left_short():
    from agents.text.section_report import left_out_facts

    _, evidence = checker_and_evidence()
    states_two = "A Langstroth hive takes ten frames, and a top-bar hive costs 150 dollars [1]."
    assert left_out_facts(states_two, evidence, 18) == []  # its share of facts, at its length
    asked = left_out_facts(states_two, evidence, 150)  # far under the plan: explain more
    assert asked and any("Varroa" in fact for fact in asked)


def test_an_uncited_sentence_gets_the_one_source_that_states_its_names_and_numbers():
    from agents.writer.finishing import cite_uncited

    evidence = [
        Passage(id=0, source_id=1, text="A top-bar hive costs about 150 dollars."),
        Passage(id=1, source_id=2, text="The Langstroth hive holds ten frames per box in North America."),
    ]
    body = (
        "Most keepers in North America use a Langstroth hive. "
        "A hive is a home for bees. A top-bar hive costs about 150 dollars [1]."
    )
    cited = cite_uncited(body, evidence)
    assert cited.startswith("Most keepers in North America use a Langstroth hive [2].")
    assert "A hive is a home for bees." in cited  # states nothing a source names: left alone
    assert cited.endswith("150 dollars [1].")  # already cited: unchanged
    mixed = "A Langstroth hive in North America costs 150 dollars."
    assert cite_uncited(mixed, evidence) == mixed  # no single source states it all


def test_only_the_body_sections_keep_their_evidence():
    from agents.text.outline import plan_sections
    from agents.writer.free_rounds import body_evidence

    context = context_for(ScriptedChatModel(replies=[]))
    plan = plan_sections(context.request, context.outline)
    facts = [Passage(id=1, source_id=1, text="A top-bar hive costs about 150 dollars.")]
    kept = body_evidence(plan, [facts] * len(plan))
    assert kept[0] == [] and kept[-1] == [] and all(ev == facts for ev in kept[1:-1])


def test_copied_sentences_take_at_most_their_share_of_the_fix_calls_facts_first():

    checker, evidence = checker_and_evidence()
    lines = SOURCE.splitlines()[2:]
    copies = [
        "The Langstroth hive holds ten frames per box and is the most common design in North America.",
        "A top-bar hive costs about 150 dollars and suits gardeners who cannot lift heavy boxes.",
        " ".join(lines[2:4]),
        "Beekeeping is a calm and rewarding hobby that anyone with a small garden can enjoy all summer.",
    ]
    checker = make_checker(
        DraftRequest(topic="Keeping bees in a small garden"),
        [Source(id=1, title="Bees", url="file://bees.md", text=SOURCE + copies[3])],
        evidence,
    )
    text = " ".join([copies[3], *copies[:3]])
    model = ScriptedChatModel(default_reply="no")
    improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    asked = [call[0][-1].text for call in model.calls if "copies a source" in call[0][-1].text]
    assert len(asked) == DEFAULT_POLICY.writer.max_copy_fixes
    assert not any("rewarding hobby" in a for a in asked)  # the one stating no fact waits its turn


def test_a_sentence_about_itself_is_meta():
    assert meta_sentences("This sentence shows how a 4 kWp system can make 3,400 kWh a year [2].")


def test_a_sentence_saying_again_what_its_own_section_said_is_dropped():
    from agents.text.checks import repeated_within

    first = "Beekeepers in North America mostly use the Langstroth hive, whose boxes take ten frames [1]."
    again = "Most beekeepers in North America use the Langstroth hive with boxes of ten frames [1]."
    other = "A top-bar hive costs about 150 dollars and suits gardeners who cannot lift heavy boxes [1]."
    assert repeated_within(f"{first} {other} {again}") == [again]
    assert repeated_within(f"{first} {other}") == []
    checker, evidence = checker_and_evidence()
    text = f"{first} {other} {again}"
    model = ScriptedChatModel(default_reply="no")
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 40, evidence, [])
    assert again not in section.body and first in section.body


def test_a_rewording_that_copies_under_half_of_what_its_sentence_copied_is_kept():
    from agents.text.grounding import copied_grams
    from agents.writer.fixer import copying_less

    checker, evidence = checker_and_evidence()
    copied = (
        "The Langstroth hive holds ten frames per box and is the most common design in North America [1]."
    )
    text = f"{copied} Either way, the bees need a calm corner of the garden with morning sun."
    # It keeps the source's own words for the hive ("the Langstroth hive holds ten frames per box").
    closer = "In North America, the Langstroth hive holds ten frames per box, and most keepers use it [1]."
    assert 0 < copied_grams(closer, checker.known_grams) <= copying_less(copied, checker)
    model = ScriptedChatModel(replies=[closer], default_reply="no")
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 30, evidence, [])
    assert closer in section.body and copied not in section.body
    pasted = "The Langstroth hive holds ten frames per box and is the most common design there [1]."
    assert copied_grams(pasted, checker.known_grams) > copying_less(copied, checker)  # not kept


def test_a_simpler_wording_of_a_copied_sentence_that_drops_its_number_is_not_kept():
    checker, evidence = checker_and_evidence()
    copied = "A top-bar hive costs about 150 dollars and suits gardeners who cannot lift heavy boxes [1]."
    text = f"{copied} Either way, the bees need a calm corner of the garden with morning sun."
    model = ScriptedChatModel(replies=["A top-bar hive is cheap and light to work [1]."], default_reply="no")
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 30, evidence, [])
    assert copied in section.body  # the fix lost "150 dollars": the original stays


def test_a_copied_fact_costs_no_fix_call_while_the_section_stays_within_its_copy_budget():
    from agents.writer.free_writing import copies_to_fix

    checker, evidence = checker_and_evidence()
    copied = "A top-bar hive costs about 150 dollars and suits gardeners who cannot lift heavy boxes [1]."
    own = (
        "Most keepers in North America start with the familiar Langstroth design and its ten frames [1]. "
        "Whichever hive you choose, place it where the entrance catches the morning sun and the wind "
        "cannot reach it. Bees fly more calmly when their flight path rises over a hedge or a fence. "
        "A shallow dish of water with stones in it keeps them from visiting the neighbours' ponds. "
        "Check the colony every week in spring, when it grows fastest and may try to swarm. "
        "Keep a notebook of what you see at each visit, because small changes add up over a season. "
        "Wear a veil on your first visits, even if the colony is gentle, until you move calmly. "
        "Ask a local club for a mentor, since advice from someone nearby fits your own climate best."
    )
    assert copies_to_fix(f"{own} {copied}", [copied], evidence, checker.known_grams) == []
    assert copies_to_fix(copied, [copied], evidence, checker.known_grams) == [copied]  # all copied


def test_a_rewording_that_brings_in_a_name_its_sentence_did_not_state_is_not_kept():
    from agents.writer.fixer import same_facts

    original = (
        "Homes run on alternating current (AC), so every system needs an inverter "
        "to convert one into the other."
    )
    assert not same_facts(original, "Homes run on AC and need inverters to convert it to DC.")
    assert same_facts(original, "Homes use AC, so each system needs an inverter to change the current.")
    assert not same_facts(
        "Small systems up to 3.68 kW are notified under G98.", "Small systems are notified under G98."
    )


def test_a_flattened_lists_lead_in_is_dropped_and_numbered_claims_are_meta():
    from agents.text.checks import dangling_leads

    lead = "Here’s how it works:"
    text = f"{GOOD}\n\n{lead}\n\nA top-bar hive: it costs about 150 dollars [1]."
    assert dangling_leads(text) == [lead]
    assert dangling_leads("Two kinds of hive stand out, and beginners should know both of them well:") == []
    checker, evidence = checker_and_evidence()
    model = ScriptedChatModel(default_reply="no")
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    assert lead not in section.body
    assert meta_sentences("The second claim is about dictConfig(), which takes a plain dictionary [2].")
    assert not meta_sentences("The second hive in the row is the strongest [1].")


def test_a_sources_bold_run_in_label_standing_as_a_sentence_is_dropped():
    text = "## Matching\n\n**Low light.** The ZZ plant survives a few metres from a north-facing window."
    checker = make_checker(
        DraftRequest(topic="Houseplant light"),
        [Source(id=1, title="Plants", url="file://p.md", text=text)],
        [],
    )
    body = "Low light [1]. The ZZ plant survives a few metres from a window that faces north [1]."
    model = ScriptedChatModel(default_reply="no")
    evidence = [Passage(id=0, source_id=1, text=text)]
    section, _ = improve(context_for(model), checker, "Light", Written([], body, body), 20, evidence, [])
    assert "Low light [1]." not in section.body and section.body.startswith("The ZZ plant")


def test_the_conclusion_is_shown_what_the_body_sections_said_not_only_their_headings():
    from agents.text.outline import plan_sections
    from agents.writer.free_rounds import section_task

    context = context_for(ScriptedChatModel(replies=[]))
    conclusion = plan_sections(context.request, context.outline)[4]
    hives = "A Langstroth hive stacks boxes of ten frames [1]. It costs about 300 dollars [1]. Third."
    bodies = [hives, "", "Mites spread in late summer."]
    _, template, values = section_task(context, conclusion, [], bodies)
    assert template == "free_conclusion"
    said = str(values["said"])
    assert "A Langstroth hive stacks boxes of ten frames. It costs about 300 dollars." in said
    assert "Mites spread in late summer." in said
    assert "[1]" not in said and "Third" not in said
    opening = plan_sections(context.request, context.outline)[0]
    assert section_task(context, opening, [], bodies)[1:] == ("free_intro", {})


def test_a_sentence_about_the_guide_itself_is_meta():
    assert meta_sentences("This quick guide shows you how to pick a hive.") == [
        "This quick guide shows you how to pick a hive."
    ]
    assert meta_sentences("Our overview ends here.") == ["Our overview ends here."]
    aims = "The guide aims to help developers get Python logging right."
    assert meta_sentences(aims) == [aims] and meta_sentences("The guide rope holds the tent.") == []
    assert meta_sentences("A queen guides the swarm to a new hive [1].") == []
    named = "The quick reference section provides a concise overview of the key points."
    assert meta_sentences(named) == [named]
    assert meta_sentences("The cross section of a comb shows six-sided cells [1].") == []


def test_copied_wording_is_a_problem_for_a_later_round_only_while_the_draft_copies_over_budget():
    from agents.critic.section_findings import section_findings
    from agents.text.section_report import within_copy_budget

    checker, passages = checker_and_evidence()
    copied = (
        "The Langstroth hive holds ten frames per box and is the most common design in North America [1]."
    )
    own = " ".join([GOOD] * 3)
    assert within_copy_budget([own, copied], checker) and not within_copy_budget([copied, GOOD], checker)
    outline = Outline(
        title="Bees in a small garden",
        sections=[
            OutlineSection(heading=h, key_points=["a point"], passage_ids=[0])
            for h in ("Hives", "Mites", "Honey")
        ],
    )
    state: dict[str, Any] = {
        "request": DraftRequest(topic="Keeping bees in a small garden", words=450),
        "outline": outline,
        "sources": [Source(id=1, title="Keeping bees in a small garden", url="file://bees.md", text=SOURCE)],
        "passages": passages,
    }

    def copying_issues(sections: list[str]) -> list[str]:
        state["sections"] = [
            Section(heading=h, body=b)
            for h, b in zip(["", "Hives", "Mites", "Honey", "Conclusion"], sections, strict=True)
        ]
        return [i.text for i in section_findings(state) if i.kind == "copying"]

    assert copying_issues(["Bees are calm.", own, own, own + " " + copied, own]) == []
    assert copying_issues(["Bees are calm.", copied, "Mites bite.", GOOD, "Start small."]) != []


def test_the_plain_recap_of_an_emptied_intro_is_no_problem_for_a_later_round():
    from agents.critic.section_findings import section_findings
    from agents.text.outline import recap

    _, passages = checker_and_evidence()
    outline = Outline(
        title="Bees in a small garden",
        sections=[
            OutlineSection(heading=h, key_points=["a point"], passage_ids=[0])
            for h in ("Calculating Your Honey Return", "Mites", "Honey")
        ],
    )
    intro = recap(outline, True)
    state: dict[str, Any] = {
        "request": DraftRequest(topic="Keeping bees in a small garden", words=450),
        "outline": outline,
        "sources": [Source(id=1, title="Keeping bees in a small garden", url="file://bees.md", text=SOURCE)],
        "passages": passages,
        "sections": [Section(heading="", body=intro)]
        + [Section(heading=h, body=GOOD) for h in ("Calculating Your Honey Return", "Mites", "Honey")],
    }
    assert not [i for i in section_findings(state) if i.section == ""]
    state["sections"][0] = Section(heading="", body="Calculating Your Honey Return matters to every keeper.")
    assert [i for i in section_findings(state) if i.section == ""]


def test_a_section_the_plan_drops_takes_no_other_sections_evidence_with_it():
    from agents.outliner.outliner import make_outliner
    from agents.outliner.planning import evidence_candidates
    from agents.text.evidence import EvidenceIndex, build_passages

    article = """# Composting at home

## What to leave out
Leave meat, fish, dairy and cooked food with oil out of an open heap, because they draw rats and smell.

## Greens and browns
Mix one bucket of greens with two buckets of browns such as cardboard and dry leaves.

## Heat and turning
A working heap reaches 55 to 65 degrees within three days, and turning it every week adds air.

## When it is ready
Finished compost is dark and crumbly and takes 2 to 3 months in a hot heap.
"""
    srcs = [Source(id=1, title="Composting at home", url="/notes/compost.md", text=article, origin="local")]
    passages = build_passages(srcs)
    state = {"request": DraftRequest(topic="Composting at home", words=600)}
    state |= {"sources": srcs, "passages": passages}
    candidates, _ = evidence_candidates(state["request"].topic, passages, srcs, EvidenceIndex(passages))
    order = [c.heading for c in candidates]
    reply = {
        "title": "Compost at home, simply",
        "sections": [
            {
                "subject": order.index("What to leave out") + 1,
                "heading": "Part 1",
            },  # unusable, as is its label
            {"subject": order.index("Greens and browns") + 1, "heading": "Mixing greens and browns"},
            {"subject": order.index("Heat and turning") + 1, "heading": "Heat and turning the heap"},
            {"subject": order.index("When it is ready") + 1, "heading": "Knowing when it is ready"},
        ],
    }
    outline = make_outliner(ScriptedChatModel(replies=[reply]), "free")(state)["outline"]
    by_id = {p.id: p.text for p in passages}
    for section in outline.sections:
        text = " ".join(by_id[i] for i in section.passage_ids)
        if section.heading == "Mixing greens and browns":
            assert "bucket of greens" in text and "rats" not in text
        if section.heading == "Heat and turning the heap":
            assert "55 to 65 degrees" in text


def test_a_sentence_in_a_source_authors_first_person_goes_back_to_the_model():
    checker, evidence = checker_and_evidence()
    borrowed = "As a beekeeper, I have kept Langstroth hives of ten frames for six summers [1]. "
    plain = "Beekeeping rewards patience, since a new colony takes a whole season to settle [1]."
    model = ScriptedChatModel(replies=[plain])
    text = borrowed + GOOD
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    assert len(model.calls) == 1 and 'speaks as "I"' in model.calls[0][0][-1].text
    assert section.body.startswith(plain) and "I have" not in section.body
    # A quotation may say "I"; a request for the writer's own first person allows it.
    assert borrowed_voice('One keeper put it simply: "I never open a hive in the rain."') == []
    personal = make_checker(DraftRequest(topic="Bees", tone="personal, first-person"), [], [])
    assert personal.own_voice and not checker.own_voice


def test_a_failed_first_person_fix_removes_the_sentence_and_says_so():
    checker, evidence = checker_and_evidence()
    text = "My own hive holds ten frames per box [1]. " + GOOD
    model = ScriptedChatModel(replies=["In my garden the hive holds ten frames [1]."])  # still "my"
    section, notes = improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    assert section.body == GOOD and notes and "'I'" in notes[0]


def test_a_sentence_naming_the_post_by_its_own_title_is_meta():
    title = "The Winter Cyclist's Guide: Lights, Layers and Tyres"
    text = "The winter cyclist's guide is a comprehensive resource. Lights need charging daily [1]."
    assert names_the_post(text, title) == ["The winter cyclist's guide is a comprehensive resource."]
    # A head phrase that only restates the topic names the subject, which a sentence may do.
    assert names_the_post("Winter cycling pays off in January.", "Winter Cycling", "winter cycling") == []
    topic_title = "Keeping a Sourdough Starter Healthy"
    assert (
        names_the_post("Keeping a sourdough starter healthy takes ten minutes.", topic_title, topic_title)
        == []
    )
    assert meta_sentences("The quick reference section offers a clear summary of the points.") != []


def test_a_garbled_word_is_sent_back_to_be_spelled_and_real_words_are_left_alone():
    vocabulary = word_vocabulary(["The starter runs sour and runny above 30 degrees."])
    assert garbled_words("Above 30 degrees it turns sour, or runsny.", vocabulary) == ["runsny"]
    # Words an old dictionary lacks, or inflected with y turned i, are not garbled.
    assert garbled_words("The website specified a healthier, sulfur-free mix.", vocabulary) == []
    checker, evidence = checker_and_evidence()
    slip = "Varroa mites spread fastt in late summer [1]. "
    fixed = "Varroa mites spread fast in late summer [1]."
    model = ScriptedChatModel(replies=[fixed])
    text = slip + GOOD
    section, _ = improve(context_for(model), checker, "Mites", Written([], text, text), 60, evidence, [])
    assert '"fastt" is not a word' in model.calls[0][0][-1].text
    assert section.body.startswith(fixed)


def test_a_left_out_fact_in_a_source_authors_first_person_is_not_asked_for():
    checker, _ = checker_and_evidence()
    told = "I keep 12 Langstroth hives on my allotment in Leeds. A top-bar hive costs about 150 dollars."
    evidence = [Passage(id=0, source_id=1, text=told)]
    report = check_section("Bees like a calm corner.", checker, evidence, [], 60)
    assert report.missing and all("Leeds" not in line for line in report.missing)
    assert any("150 dollars" in line for line in report.missing)


def test_a_sentence_left_opening_on_a_pronoun_once_the_one_before_is_removed_goes_too():
    checker, evidence = checker_and_evidence()
    text = (
        "This guide offers practical advice on hives. It includes both hives and tools. "
        "Either way, the bees need a calm corner of the garden with morning sun."
    )
    model = ScriptedChatModel(default_reply="This guide says more.")  # every fix fails
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 40, evidence, [])
    assert section.body == "Either way, the bees need a calm corner of the garden with morning sun."


def test_a_sentence_naming_the_requests_audience_echoes_the_prompt():
    text = "Small models are fascinating and practical for curious general readers. They run offline [1]."
    assert names_the_audience(text, "curious general readers") == [
        "Small models are fascinating and practical for curious general readers."
    ]
    assert names_the_audience("Beginners can start today.", "beginners") == []  # ordinary prose
    assert names_the_audience("A starter suits home cooks.", "home cooks") == []
    singular = "Curious general reader or not, you can run one."
    assert names_the_audience(singular, "curious general readers") == [singular]
    checker, _ = checker_and_evidence()  # the default audience, "curious general readers"
    assert check_section(text, checker, [], [], 20).meta == [
        "Small models are fascinating and practical for curious general readers."
    ]


def test_an_opening_left_thin_by_its_fixes_is_written_once_more_without_evidence():
    from agents.writer.free_rounds import free_first_draft

    checker, _ = checker_and_evidence()
    evidence = [Passage(id=0, source_id=1, text="Bees like a calm corner of a garden and some morning sun.")]
    borrowed = "As a beekeeper, I have watched my bees enjoy a calm corner every summer [1]."
    plain = (
        "Keeping bees in a small garden asks little space and rewards patience. "
        "You will be able to judge which hive suits your plot and when a colony needs help."
    )
    model = ScriptedChatModel(replies=[borrowed, "I love my bees [1]."], default_reply=plain)
    plan = [Section(heading="", body="", role="intro", index=0, words=40, subject="bees")]
    sections, notes = free_first_draft(context_for(model), checker, plan, [evidence])
    assert "opening of the post" in model.calls[-1][0][-1].text  # the plain template, no evidence
    assert "<<<" not in model.calls[-1][0][-1].text
    assert sections[0].body == plain and notes == []  # the first attempt was discarded


def test_a_sentence_left_pointing_at_a_removed_one_goes_too_unless_it_states_a_fact():
    checker, evidence = checker_and_evidence()
    invented = "A Harvard University survey found that 45% of hives fail in the first year [1]."
    orphan = "This shows how hard beekeeping can be."
    text = f"{GOOD} {invented} {orphan}"
    model = ScriptedChatModel(default_reply="Harvard University says so [1].")  # every fix fails
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    assert invented not in section.body and orphan not in section.body
    assert section.body.startswith(GOOD[:40])
    # One that states the evidence's facts stays: losing it would lose the fact.
    factual = "This is why a top-bar hive costs about 150 dollars [1]."
    text = f"{invented} {factual} {GOOD}"
    model = ScriptedChatModel(default_reply="Harvard University says so [1].")
    section, _ = improve(context_for(model), checker, "Hives", Written([], text, text), 60, evidence, [])
    assert factual in section.body


def test_the_opening_is_written_last_as_a_hook_that_restates_no_section():
    from agents.text.outline import plan_sections
    from agents.writer.free_rounds import free_first_draft, writing_order

    checker, evidence = checker_and_evidence()
    context = context_for(ScriptedChatModel(default_reply=GOOD))
    plan = plan_sections(context.request, context.outline)
    assert writing_order(plan) == [*range(1, len(plan)), 0]
    sections, _ = free_first_draft(context, checker, plan, [[], *[evidence] * (len(plan) - 2), []])
    asked = [call[0][-1].text for call in context.model.calls]
    opening = next(text for text in asked if "opening of the post" in text)
    assert asked.index(opening) > max(i for i, text in enumerate(asked) if "the closing paragraph" in text)
    assert "<<<" not in opening  # shown neither the sources nor the sections' sentences to paste
    assert GOOD not in sections[0].body and sections[1].body.startswith(GOOD[:40])  # the facts stay
    assert [s.role for s in sections] == [p.role for p in plan]  # returned in the post's order


def test_an_address_to_the_requests_audience_is_taken_out_in_code():
    from agents.text.checks import without_audience_address

    text = "Small models are fascinating and practical for curious general readers. They run offline [1]."
    assert without_audience_address(text, "curious general readers") == (
        "Small models are fascinating and practical. They run offline [1]."
    )
    assert without_audience_address("It suits home cooks.", "home cooks") == "It suits home cooks."
    assert without_audience_address("As a curious reader, you know it.", "cooks") == "You know it."
    opening = "Solar is big.\n\nAs a curious general reader, you might wonder if it suits your roof."
    assert without_audience_address(opening, "curious general readers") == (
        "Solar is big.\n\nYou might wonder if it suits your roof."
    )
    checker, evidence = checker_and_evidence()
    model = ScriptedChatModel(replies=[])  # nothing is sent back: code took the phrase out
    body = f"Bees are fascinating for curious general readers. {GOOD}"
    section, _ = improve(context_for(model), checker, "Hives", Written([], body, body), 60, evidence, [])
    assert section.body.startswith("Bees are fascinating.") and model.calls == []


def test_an_opening_without_evidence_left_empty_is_written_once_more_with_another_seed():
    from agents.writer.free_rounds import free_first_draft

    checker, _ = checker_and_evidence()
    plain = (
        "Keeping bees in a small garden asks little space and rewards patience. "
        "You will be able to judge which hive suits your plot and when a colony needs help."
    )
    model = ScriptedChatModel(
        replies=["This post explains bees.", "This post is about bees."], default_reply=plain
    )
    plan = [Section(heading="", body="", role="intro", index=0, words=40, subject="bees")]
    sections, _ = free_first_draft(context_for(model), checker, plan, [[]])
    seeds = [kwargs.get("seed") for _, kwargs in model.calls]
    assert seeds[-1] == DEFAULT_POLICY.writer.retry_seed and sections[0].body == plain


def test_a_garbled_sentence_the_model_cannot_mend_goes_when_it_states_no_fact():
    checker, evidence = checker_and_evidence()
    slip = "A colony turns calm, or grumpy, or fastt."
    model = ScriptedChatModel(default_reply="A colony turns calm, or fastt.")  # still garbled
    text = f"{GOOD} {slip}"
    section, _ = improve(context_for(model), checker, "Mites", Written([], text, text), 60, evidence, [])
    assert "fastt" not in section.body and section.body.startswith(GOOD[:40])
    factual = "Varroa mites spread fastt when 3 mites per 100 bees fall out [1]."
    text = f"{factual} {GOOD}"
    model = ScriptedChatModel(default_reply="Varroa mites spread fastt [1].")
    section, _ = improve(context_for(model), checker, "Mites", Written([], text, text), 60, evidence, [])
    assert "3 mites per 100 bees" in section.body  # its fact stays, typo and all


def cold_written(text: str) -> Written:
    """A section's chat rebuilt by a later round: llama.cpp holds another chat by then."""
    task = 'You are the writer.\n\nNow write the section "Hives". Its evidence:\n<<<\nTHE EVIDENCE\n>>>\nGo.'
    chat = [SystemMessage("You are one member of a small team."), HumanMessage(task)]
    return Written(chat, text, text, cached=False)


def test_a_later_rounds_one_sentence_fix_goes_in_the_sections_chat_without_its_evidence():
    checker, evidence = checker_and_evidence()
    copied = (
        "The Langstroth hive holds ten frames per box and is the most common design in North America [1]."
    )
    text = f"{copied} Either way, the bees need a calm corner of the garden with morning sun."
    own = "In North America most keepers use the Langstroth design, whose boxes take ten frames each [1]."
    model = ScriptedChatModel(replies=[own])
    section, _ = improve(context_for(model), checker, "Hives", cold_written(text), 30, evidence, [])
    ((sent, _),) = model.calls
    # No re-reading of the evidence, but the section is still the model's own previous turn.
    assert [m.text for m in sent[1:3]] == ['You are the writer.\n\nNow write the section "Hives".', text]
    assert "copies a source word for word" in sent[-1].text
    assert own in section.body
    hot = ScriptedChatModel(replies=[own])
    improve(
        context_for(hot), checker, "Hives", Written(cold_written(text).messages, text, text), 30, evidence, []
    )
    assert len(hot.calls[0][0]) == 4  # just written: the next turn of the chat llama.cpp still holds


def test_a_fix_that_needs_the_evidence_stays_in_the_sections_chat_and_the_next_fixes_follow_it():
    checker, evidence = checker_and_evidence()
    invented = "A Harvard University survey found that 45% of hives fail in the first year [1]."
    copied = (
        "The Langstroth hive holds ten frames per box and is the most common design in North America [1]."
    )
    text = f"{invented} {copied} Either way, the bees need a calm corner of the garden with morning sun."
    own = "In North America most keepers use the Langstroth design, whose boxes take ten frames each [1]."
    model = ScriptedChatModel(replies=[FIXED, own])
    improve(context_for(model), checker, "Hives", cold_written(text), 40, evidence, [])
    assert [len(messages) for messages, _ in model.calls] == [4, 4]
    assert "THE EVIDENCE" in model.calls[0][0][1].text and "no source says" in model.calls[0][0][-1].text


def test_a_point_to_explain_carries_no_markdown_emphasis_from_its_source():
    from agents.writer.must_explain import points_to_explain

    label = "**Low light.** The ZZ plant (Zamioculcas zamiifolia) will survive far from a window."
    points = points_to_explain([Passage(id=0, source_id=1, text=label)], "Low light", 60)
    assert points and "ZZ plant" in points[0] and "*" not in points[0]


def test_a_sentence_repeating_a_run_of_eight_words_said_before_is_dropped_as_a_repeat():
    checker, evidence = checker_and_evidence()
    first = "Bright indirect light lets a plant receive sufficient light for growth while avoiding harsh sun."
    again = "This range lets a plant receive sufficient light for growth while avoiding harsh sun and scorch."
    other = "A north window gives the least light of all, so shade plants belong there."
    report = check_section(f"{first} {again} {other}", checker, evidence, [], 60, "Light")
    assert report.restated == [again]
    closing = check_section(f"{other} {again}", checker, evidence, [first], 60, concluding=True)
    assert closing.restated == [again]  # a conclusion may sum up, but not say a clause again
    assert check_section(f"{first} {other}", checker, evidence, [], 60, "Light").restated == []


def test_a_body_section_citing_nothing_is_asked_for_its_evidences_main_fact():
    checker, evidence = checker_and_evidence()
    vague = (
        "Every keeper should look after the Langstroth hive and watch for Varroa destructor. "
        "Good habits make the work easier, and the bees stay calmer through the season."
    )
    report = check_section(vague, checker, evidence, [], 30, "Hives")
    assert len(report.missing) == 1 and report.missing[0].startswith("[1] ")
    assert check_section(f"{vague} [1]", checker, evidence, [], 30, "Hives").missing == []
    model = ScriptedChatModel(replies=[FIXED], default_reply="no")
    section, _ = improve(context_for(model), checker, "Hives", Written([], vague, vague), 30, evidence, [])
    assert "leaves out this fact" in model.calls[0][0][-1].text and section.body.endswith(FIXED)
