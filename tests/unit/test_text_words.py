"""One tokenizer module: content-word tokens for overlap, plain words for repetition measures."""

from __future__ import annotations

from agents.text.readability import repeated_ngram_ratio
from core.text import plain_words, stems, tokens


def test_plain_words_keep_every_word_as_written_in_lower_case():
    text = "The Cats of 2024 were the cats' friends, weren't they?"
    assert plain_words(text) == [
        "the",
        "cats",
        "of",
        "2024",
        "were",
        "the",
        "cats",
        "friends",
        "weren",
        "t",
        "they",
    ]
    assert tokens(text) == ["cat", "2024", "cat", "friend", "weren"]  # stopwords dropped, plurals folded


def test_repetition_is_measured_on_plain_words():
    assert repeated_ngram_ratio("The cat sat. the CAT sat!") == 0.25  # case and punctuation ignored


def test_retrieval_stems_are_snowball_stems_of_the_same_words():
    # The same words as tokens() (stopwords and one-letter words dropped), Porter2-stemmed.
    assert stems("The composting of kitchen scraps") == ["compost", "kitchen", "scrap"]
    assert stems("compost composted composting composts") == ["compost"] * 4
    assert stems("studies studying") == ["studi", "studi"]


def test_retrieval_stems_keep_apart_words_a_suffix_cutter_merged():
    # The hand-written suffix cutter this replaced folded each of these pairs into one stem.
    for first, second in [("starter", "start"), ("evening", "even"), ("former", "form"), ("news", "new")]:
        assert stems(first) != stems(second), (first, second)
