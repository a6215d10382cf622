"""Explain, don't paste: a sampling constraint that stops long verbatim runs from the evidence.

Small models given a passage tend to copy its sentences. ``CopyGuard`` is a llama.cpp logits
processor: once the last ``run - 1`` generated tokens equal a stretch of the evidence, the token
that would extend the copy to ``run`` tokens is forbidden, so the model must rephrase. Short
spans (names, numbers, terms) pass untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

COPY_RUN_TOKENS = 8  # about six words; a word 8-gram is rarely fewer tokens than this


@runtime_checkable
class AvoidsCopying(Protocol):
    """A chat model that accepts ``avoid_copying=[text, ...]`` on a call."""

    def copy_guard_tokens(self, text: str) -> list[int]: ...


class CopyGuard:
    """Forbids the token that would make a verbatim run of ``run`` tokens from any source text."""

    def __init__(
        self, sources: Iterable[Sequence[int]], prompt_length: int, run: int = COPY_RUN_TOKENS
    ) -> None:
        self.run = run
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
        forbidden = self.blocked.get(tail)
        if forbidden:
            for token in forbidden:
                scores[token] = -float("inf")
        return scores
