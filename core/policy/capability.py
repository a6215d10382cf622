"""The writing-mode check's values (agents/capability)."""

from __future__ import annotations

from pydantic import Field

from core.policy._group import _Group


class CapabilityPolicy(_Group):
    """agents/capability: whether the model can write in its own words."""

    free_writer_parameters: int = Field(
        default=900_000_000, description="Llama 3.2 1B has 1.24 B; SmolLM2-135M 0.135 B: the bar between them"
    )
    probe_max_tokens: int = Field(default=80, description="token cap of the paraphrase probe's reply")
    probe_max_shared_run: int = Field(
        default=6, description="a paraphrase keeps no run of this many of the sentence's words"
    )
    probe_temperature: float = Field(
        default=0.0, description="the probe decodes greedily: one model, one verdict"
    )
    probe_words: tuple[int, int] = Field(
        default=(8, 45), description="a usable probe paraphrase has this many words (one sentence)"
    )
