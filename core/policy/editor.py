"""The editor's values (agents/editor)."""

from __future__ import annotations

from pydantic import Field

from core.policy._group import _Group


class EditorPolicy(_Group):
    """agents/editor: when a section is edited and when an edit is kept."""

    min_kept_length: float = Field(
        default=0.6, description="an edit may not cut a section below this share of its words"
    )
    min_planned_share: float = Field(
        default=0.85, description="an edit may not cut a section below this share of its plan"
    )
    too_long: float = Field(
        default=1.2, description="a section this much over its planned length gets tightened"
    )
    repetitive: float = Field(
        default=0.12, description="... as does one where this share of its 3-word sequences repeat"
    )
    kept_specifics: float = Field(
        default=0.8, description="an edit must keep this share of the section's names and numbers"
    )
