"""One tokenizer module: content-word tokens for overlap, plain words for repetition measures."""

from __future__ import annotations

from agents.text.readability import repeated_ngram_ratio
from core.text import plain_words, tokens


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
