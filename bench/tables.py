"""Markdown tables of the bench's summaries: a value per cell, ``n/a`` for a missing one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def record_table(records: Sequence[dict[str, Any]]) -> str:
    """A markdown table of records that share their keys: the keys are the headers, so a
    column's header stands next to its value."""
    return table(list(records[0]) if records else [], [list(record.values()) for record in records])


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
