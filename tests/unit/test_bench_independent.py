"""The bench's independent quality measures (bench/independent.py): they must disagree with the
app's own checks exactly where those are weak, and agree on the clear cases."""

from __future__ import annotations

from agents.text.cleanup import repeated_sentence_ratio
from bench.independent import citation_support, marker_ids, repetition, sentences_of
from tools.citations import citation_support as app_citation_support

SOURCE = (
    "A sourdough starter is a culture of wild yeast and lactic acid bacteria. "
    "Feed the starter 2 times a day with equal weights of flour and water. "
    "Keep the jar somewhere warm, around 24 degrees. "
    "Rye flour makes a livelier culture than white flour. "
    "After a week the culture smells pleasantly sour."
)
SOURCES = {1: SOURCE, 2: "Bakers in cold kitchens keep the jar on top of the fridge."}


def support(sentence: str) -> tuple[bool, bool]:
    """(the app says supported, the independent measure says supported) for one cited sentence."""
    app = app_citation_support(sentence, SOURCES).claims
    ours = citation_support(sentence, SOURCES).claims
    assert len(app) == len(ours) == 1
    return app[0].supported, ours[0].supported


def test_a_copied_claim_is_supported_by_both():
    assert support("Feed the starter 2 times a day with equal weights of flour and water [1].") == (
        True,
        True,
    )


def test_a_changed_number_passes_the_app_but_not_the_independent_check():
    assert support("Feed the starter 5 times a day with equal weights of flour and water [1].") == (
        True,
        False,
    )


def test_words_scattered_over_the_source_pass_the_app_but_not_one_passage():
    assert support("Wild rye culture smells warm after flour weights [1].") == (True, False)


def test_a_claim_its_source_does_not_hold_fails_both():
    assert support("Bakers in cold kitchens keep the jar on top of the fridge [1].") == (False, False)


def test_markers_ranges_and_unknown_sources():
    assert marker_ids("Warm jars [1, 3] and cold ones [2-4].") == [1, 3, 2, 4]
    report = citation_support("Keep the jar somewhere warm, around 24 degrees [1][9].", SOURCES)
    assert [(c.source_id, c.supported) for c in report.claims] == [(1, True), (9, False)]
    assert report.rate == 0.5
    assert citation_support("No citations here.", SOURCES).rate is None


def test_a_passage_may_span_two_sentences():
    claim = "Rye flour makes a livelier culture, and after a week the culture smells pleasantly sour [1]."
    assert citation_support(claim, SOURCES).claims[0].supported


def test_headings_and_references_are_not_claims():
    markdown = "# Title\n\n## Feeding [1]\n\nKeep the jar somewhere warm, around 24 degrees [1].\n\n"
    markdown += "## References\n\n1. x [1]"
    assert [c.sentence for c in citation_support(markdown, SOURCES).claims] == [
        "Keep the jar somewhere warm, around 24 degrees."
    ]


def test_sentences_split_after_markers():
    assert sentences_of("One fact here [1]. Another one [2]. Last.") == [
        "One fact here [1].",
        "Another one [2].",
        "Last.",
    ]


def test_a_reordered_repeat_counts_where_the_app_sees_none():
    text = (
        "Feeding the starter every day keeps it lively. The jar should stay warm near the oven. "
        "Rye flour gives a livelier culture than white flour. Feed the starter every day."
    )
    assert repetition(text).repeated == ["Feed the starter every day."]
    assert repeated_sentence_ratio(text) == 0.0


def test_exact_repeats_count_and_distinct_prose_does_not():
    repeated = repetition("Feed the starter every day. The jar stays warm. Feed the starter every day [2].")
    assert repeated.repeated == ["Feed the starter every day."] and repeated.ratio == 0.3333
    distinct = (
        "Feed the starter every day. The jar stays warm near the oven. Rye flour gives a livelier culture."
    )
    assert repetition(distinct).ratio == 0.0
