"""Grammar-constrained structured output for any of our chat models.

Both backends take the same request shape: the in-process adapter passes ``response_format`` to
llama.cpp, and the OpenAI-compatible model sends it in the request body, where llama.cpp's
server honours ``{"type": "json_object", "schema": ...}`` (it ignores ``json_schema``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError

from core.errors import BackendError

T = TypeVar("T", bound=BaseModel)
RETRY_SEED_STEP = 7919


class StructuredOutputError(BackendError):
    """The model's reply did not validate against the schema (after the allowed retries)."""


GRAMMAR_UNFRIENDLY = frozenset({"minLength", "maxLength", "pattern"})


def json_schema_for(schema: type[BaseModel]) -> dict[str, Any]:
    """The schema's JSON schema for a grammar: ``$ref``s inlined, string-length limits dropped.

    llama.cpp's grammar sampler crawls on bounded string repetitions (``{3,160}``), so string
    lengths are left to pydantic validation (our schemas clip over-long text).
    """
    raw = schema.model_json_schema()
    definitions = raw.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                return inline(copy.deepcopy(definitions[name]))
            return {key: inline(value) for key, value in node.items() if key not in GRAMMAR_UNFRIENDLY}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    inlined: dict[str, Any] = inline(raw)
    return inlined


def response_format_for(schema: type[BaseModel]) -> dict[str, Any]:
    """The ``response_format`` value that makes llama.cpp follow ``schema``."""
    return {"type": "json_object", "schema": json_schema_for(schema)}


def bind_schema(
    model: BaseChatModel, schema: type[BaseModel], json_schema: dict[str, Any] | None = None
) -> Any:
    """Return ``model`` bound so that its replies follow ``schema``'s JSON grammar.

    ``json_schema`` replaces the schema's own (e.g. a tighter one); replies are still validated
    against ``schema``.
    """
    if json_schema is None:
        response_format = response_format_for(schema)
    else:
        response_format = {"type": "json_object", "schema": json_schema}
    if isinstance(model, ChatOpenAI):
        # extra_body bypasses the client's own response_format handling, which would rewrite
        # the request into the json_schema form that llama.cpp's server ignores.
        return model.bind(extra_body={**(model.extra_body or {}), "response_format": response_format})
    return model.bind(response_format=response_format)


def parse_reply(text: str, schema: type[T]) -> T:
    """Validate a JSON reply against ``schema``.

    Raises:
        StructuredOutputError: the text is not valid JSON for the schema.
    """
    try:
        # llama-cpp-python 0.3.16's JSON-schema grammar lets raw control characters (a newline)
        # into strings; strict parsers refuse them, json.loads(strict=False) keeps them as text.
        data = json.loads(text.strip(), strict=False)
    except ValueError as exc:
        raise StructuredOutputError(f"model reply is not a valid {schema.__name__}: {exc}") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise StructuredOutputError(
            f"model reply is not a valid {schema.__name__}: {first.get('msg')} at "
            f"{'.'.join(str(p) for p in first.get('loc', ())) or 'top level'}"
        ) from None


def _retry_options(options: dict[str, Any], attempt: int) -> dict[str, Any]:
    """``options`` for retry ``attempt``: a seed of its own, and no zero temperature (so the
    model's own sampling temperature applies)."""
    retry = {k: v for k, v in options.items() if not (k == "temperature" and v == 0)}
    retry["seed"] = int(options.get("seed") or 0) + RETRY_SEED_STEP * attempt
    return retry


def invoke_structured(
    model: BaseChatModel,
    schema: type[T],
    messages: Sequence[BaseMessage],
    retries: int = 1,
    json_schema: dict[str, Any] | None = None,
    **call_options: Any,
) -> tuple[T, AIMessage]:
    """Ask for a ``schema`` object, validate it, and retry up to ``retries`` times.

    ``call_options`` (e.g. ``max_tokens``) go to every model call.

    Returns:
        The validated object and the raw reply (for usage accounting).

    Raises:
        StructuredOutputError: no attempt produced a valid object; callers choose a fallback.
    """
    bound = bind_schema(model, schema, json_schema)
    error: StructuredOutputError | None = None
    for attempt in range(retries + 1):
        # A retry with the same seed would replay the same tokens, so each attempt gets its own
        # (offset from the caller's seed, if any). Greedy decoding (temperature 0) would replay
        # them whatever the seed: retries sample.
        options = call_options if attempt == 0 else _retry_options(call_options, attempt)
        reply = bound.invoke(list(messages), **options)
        try:
            return parse_reply(str(reply.content), schema), reply
        except StructuredOutputError as exc:
            error = exc
    assert error is not None
    raise error
