"""Explain, don't paste: a sampling constraint that stops long verbatim runs from the evidence.

Small models given a passage tend to copy its sentences. ``CopyGuard`` is a llama.cpp logits
processor: once the last ``run - 1`` generated tokens equal a stretch of the evidence, the token
that would extend the copy to ``run`` tokens is forbidden, so the model must rephrase. Short
spans (names, numbers, terms) pass untouched.

The guard never breaks a word: it forbids only a token that starts a new word (a word's
remaining pieces are let through, and the copy is stopped at the next word instead), and
while it forbids one it also forbids every token that would continue the current word, so
the model cannot glue the next word on ("crucialrole").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

COPY_RUN_TOKENS = 8  # about six words; a word 8-gram is rarely fewer tokens than this


@runtime_checkable
class AvoidsCopying(Protocol):
    """A chat model that accepts ``avoid_copying=[text, ...]`` on a call."""

    def copy_guard_tokens(self, text: str) -> list[int]: ...


class CopyGuard:
    """Forbids the token that would make a verbatim run of ``run`` tokens from any source text."""

    def __init__(
        self,
        sources: Iterable[Sequence[int]],
        prompt_length: int,
        run: int = COPY_RUN_TOKENS,
        continues_word: Sequence[bool] | None = None,
    ) -> None:
        """``continues_word[t]`` is True for a token that goes on with the current word (its
        text starts with a letter or digit); None treats every token as a new word."""
        self.run = run
        self.continues_word = continues_word
        self.continuations = np.flatnonzero(np.asarray(continues_word or [], dtype=bool))
        self.prompt_length = prompt_length
        self.blocked: dict[tuple[int, ...], set[int]] = {}
        for tokens in sources:
            for start in range(len(tokens) - run + 1):
                window = tuple(tokens[start : start + run])
                self.blocked.setdefault(window[:-1], set()).add(window[-1])

    def __call__(self, input_ids: Sequence[int], scores: Any) -> Any:
        generated = len(input_ids) - self.prompt_length
        if generated < self.run - 1:
            return scores
        tail = tuple(int(t) for t in input_ids[-(self.run - 1) :])
        forbidden = [t for t in self.blocked.get(tail, ()) if not self._continues(t)]
        if forbidden:
            for token in forbidden:
                scores[token] = -float("inf")
            scores[self.continuations] = -float("inf")
        return scores

    def _continues(self, token: int) -> bool:
        return (
            self.continues_word is not None
            and token < len(self.continues_word)
            and self.continues_word[token]
        )


def word_continuations(pieces: Iterable[bytes]) -> list[bool]:
    """For each token's text, whether it continues a word (starts with a letter or digit)."""
    return [bool(piece[:1].isalnum()) for piece in pieces]
