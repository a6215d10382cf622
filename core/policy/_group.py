"""The base of every policy group: frozen, and rejecting a name it does not define."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Group(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
