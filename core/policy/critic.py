"""The critic's values and the penalty weights of its scores (agents/critic)."""

from __future__ import annotations

from pydantic import Field

from core.policy._group import _Group


class PenaltyWeights(_Group):
    """How many overall points each measured problem costs (``agents.critic.metrics.penalty_points``)."""

    repetition_cap: float = Field(default=3.0, description="most points repeated sentences cost")
    repetition_per_share: float = Field(default=10.0, description="points per share of repeated sentences")
    length_cap: float = Field(default=2.0, description="most points a length off the target costs")
    length_per_share: float = Field(
        default=5.0, description="points per share of the target beyond the tolerance"
    )
    missing_sections: float = Field(default=1.0, description="points for planned sections left without text")
    no_citations: float = Field(default=1.0, description="points for a sourced draft that cites nothing")
    low_support: float = Field(
        default=0.5, description="citations backed by their source below this share are a problem"
    )
    low_support_per_share: float = Field(
        default=4.0, description="points per share of support under that floor"
    )
    unsupported_cap: float = Field(default=2.0, description="most points invented specifics cost")
    unsupported_base: float = Field(default=0.5, description="points for any invented specific")
    unsupported_per_share: float = Field(
        default=10.0, description="points per share of the specifics that are invented"
    )
    copying_cap: float = Field(default=2.0, description="most points copying the sources costs")
    copying_per_share: float = Field(
        default=10.0, description="points per share of copied 8-grams over the limit"
    )


class CriticPolicy(_Group):
    """agents/critic: the critic call and how measurements turn into scores and penalties."""

    critic_max_tokens: int = Field(default=400, description="token cap of the critic's rubric reply")
    critic_temperature: float = Field(
        default=0.0, description="the same draft gets the same scores, so rounds compare fairly"
    )
    draft_chars: int = Field(default=9000, description="characters of the draft the critic model reads")
    fallback_score: int = Field(
        default=5, description="every rubric item's score when the model's reply is unusable"
    )
    length_tolerance: float = Field(
        default=0.2, description="a draft this share off its target words has no length problem"
    )
    weak_citations_shown: int = Field(default=3, description="weak citations named in the critique")
    unsupported_shown: int = Field(default=3, description="invented specifics named in the critique")
    full_coverage: float = Field(
        default=0.5, description="stating half of the evidence's specifics counts as full depth"
    )
    unsourced_grounding: int = Field(
        default=5, description="nothing to be grounded in: neutral, so rounds compare on the rest"
    )
    reading_ease_range: tuple[float, float] = Field(
        default=(10.0, 80.0), description="Flesch reading ease from 1 (dense) to 10 (plain)"
    )
    repeat_allowance: float = Field(
        default=0.05, description="repeated 3-grams any natural text has (the topic's own phrases)"
    )
    repeat_weight: float = Field(
        default=20.0, description="clarity points lost per share of repeated 3-grams above the allowance"
    )
    penalties: PenaltyWeights = Field(
        default_factory=PenaltyWeights, description="overall points each measured problem costs"
    )
