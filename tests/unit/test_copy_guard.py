"""The copy guard stops long verbatim runs without ever breaking or gluing words."""

from __future__ import annotations

import numpy as np

from backends.copy_guard import CopyGuard, word_continuations

# Token texts of a toy vocabulary: " x" starts a word, "x" continues one.
PIECES = [
    b" the",
    b" global",
    b" pattern",
    b"s",
    b" play",
    b" a",
    b" crucial",
    b" role",
    b"role",
    b".",
    b" in",
]
SOURCE = [0, 1, 2, 3, 4, 5, 6, 7]  # " the global patterns play a crucial role"


def scores_after(generated: list[int], run: int = 8) -> np.ndarray:
    guard = CopyGuard([SOURCE], prompt_length=0, run=run, continues_word=word_continuations(PIECES))
    return guard(generated, np.zeros(len(PIECES)))


def test_the_token_that_would_complete_a_verbatim_run_is_forbidden_with_every_word_continuation():
    scores = scores_after(SOURCE[:7])
    assert scores[7] == -np.inf  # " role" would make the eighth copied token
    assert scores[8] == -np.inf and scores[3] == -np.inf  # "role", "s": no gluing onto "crucial"
    assert scores[9] == 0 and scores[10] == 0  # punctuation and other new words stay open


def test_a_shorter_run_is_left_alone():
    assert not np.isinf(scores_after(SOURCE[:6])).any()


def test_the_guard_never_forbids_the_rest_of_a_word():
    # After " the global pattern play a crucial", the source's next token is "s" mid-word in
    # a run of 4: the guard lets the word finish instead of forcing a broken word.
    source = [0, 1, 2, 3]
    guard = CopyGuard([source], prompt_length=0, run=4, continues_word=word_continuations(PIECES))
    scores = guard([0, 1, 2], np.zeros(len(PIECES)))
    assert not np.isinf(scores).any()


def test_without_a_word_map_only_the_completing_token_is_forbidden():
    guard = CopyGuard([SOURCE], prompt_length=0)
    scores = guard(SOURCE[:7], np.zeros(len(PIECES)))
    assert np.isinf(scores).sum() == 1 and scores[7] == -np.inf
