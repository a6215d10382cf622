"""Probability-weighted ratings (as in G-Eval): the mean rating under the model's own
distribution over the rating tokens, instead of the one rating it happens to emit.

A small judge's sampled score jumps between a few values (a 3 here, a 10 there) on nearly the
same text; the expectation moves smoothly with the text and keeps the model's uncertainty.
Models that cannot report next-token probabilities (e.g. an OpenAI-compatible server) simply
lack ``rating_probabilities``, and callers keep the sampled rating.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from langchain_core.messages import BaseMessage

RATINGS = tuple(range(1, 11))
ANSWER_PREFIX = "Score: "  # the reply is begun for the model, so its next token is the rating
MIN_RATING_MASS = 0.5  # below this, the model was not answering with a rating at all


@runtime_checkable
class RatesByProbability(Protocol):
    """A chat model that can report how likely each rating is as its next answer."""

    def rating_probabilities(
        self, messages: Sequence[BaseMessage], ratings: Sequence[int], answer_prefix: str = ""
    ) -> dict[int, float]:
        """Probability that the reply to ``messages``, begun with ``answer_prefix``, is exactly
        each rating (unnormalised)."""
        ...


def expected_rating(
    model: object, messages: Sequence[BaseMessage], ratings: Sequence[int] = RATINGS
) -> float | None:
    """The probability-weighted mean rating, or None when the model cannot say or puts less than
    half its probability on the ratings."""
    if not isinstance(model, RatesByProbability):
        return None
    probabilities = model.rating_probabilities(messages, ratings, ANSWER_PREFIX)
    mass = sum(probabilities.values())
    if mass < MIN_RATING_MASS:
        return None
    return sum(rating * p for rating, p in probabilities.items()) / mass


class NextToken(Protocol):
    """The next-token probability distribution after the prompt plus ``prefix``."""

    def __call__(self, prefix: tuple[int, ...]) -> Sequence[float]: ...


def spelled_probabilities(spellings: dict[int, tuple[int, ...]], next_token: NextToken) -> dict[int, float]:
    """Each rating's probability from next-token distributions, when ratings are token sequences.

    A rating spelled ``1 0`` has probability P(1)·P(0 | 1); the rating ``1`` then needs the
    answer to stop after ``1``, so it gets P(1)·(1 − P(0 | 1)) (longer ratings sharing its
    prefix are excluded). ``next_token(prefix)`` gives the distribution after ``prefix``.
    """
    result = {}
    for rating, tokens in spellings.items():
        probability = 1.0
        for index, token in enumerate(tokens):
            probability *= next_token(tokens[:index])[token]
        longer = {
            other[len(tokens)]
            for other in spellings.values()
            if len(other) > len(tokens) and other[: len(tokens)] == tokens
        }
        if longer:
            following = next_token(tokens)
            probability *= max(0.0, 1.0 - sum(following[token] for token in longer))
        result[rating] = probability
    return result
