"""A request's defaults and limits, read from :class:`DraftRequest`'s fields, so that every form
and parser (the CLI's draft and batch commands, the web form) offers the same ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from core.state import DraftRequest


@dataclass(frozen=True)
class FieldLimits:
    """What one request field accepts.

    Attributes:
        default: the value a request gets when the field is left out (None when it is required).
        least, most: the inclusive bounds of a number (None when unbounded), of the field's type.
        max_length: the most characters a text may have (None when unbounded).
        choices: the values a field of fixed options accepts (empty for other fields).
    """

    default: Any
    least: Any = None
    most: Any = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()

    def span(self) -> str:
        """The bounds as people write them, e.g. ``1-10`` for 1.0 to 10.0."""
        return f"{self.least:g}-{self.most:g}"


def limits(name: str) -> FieldLimits:
    """The default and limits of the :class:`DraftRequest` field ``name``.

    Raises:
        KeyError: no such field.
    """
    field = DraftRequest.model_fields[name]

    def constraint(key: str) -> Any:
        return next((getattr(item, key) for item in field.metadata if hasattr(item, key)), None)

    return FieldLimits(
        default=None if field.is_required() else field.get_default(call_default_factory=True),
        least=constraint("ge"),
        most=constraint("le"),
        max_length=constraint("max_length"),
        choices=tuple(str(choice) for choice in get_args(field.annotation) if isinstance(choice, str)),
    )
