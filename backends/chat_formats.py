"""Chat-template choices: GGUF metadata by default, ``llama-3`` for Llama 3 models."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

LLAMA3_FORMAT = "llama-3"
LLAMA3_EOT = "<|eot_id|>"
_LLAMA3_MARKERS = ("<|start_header_id|>", "<|end_header_id|>", LLAMA3_EOT)


def chat_format_for(metadata: Mapping[str, str], override: str | None = None) -> str | None:
    """Pick the llama.cpp chat format for a model.

    Args:
        metadata: the GGUF key/value metadata (``Llama.metadata``).
        override: a format the user asked for; always wins.

    Returns:
        ``"llama-3"`` for Llama 3 templates (their variants differ in detail, so we do not rely
        on llama.cpp recognising the exact text), the override if given, else ``None`` meaning
        "use the template stored in the GGUF".
    """
    if override:
        return override
    template = metadata.get("tokenizer.chat_template", "")
    if all(marker in template for marker in _LLAMA3_MARKERS):
        return LLAMA3_FORMAT
    return None


def formatter_for(llama: Any) -> Callable[..., Any]:
    """Return the llama-cpp-python chat formatter (messages -> prompt and stops) for ``llama``.

    Raises:
        ValueError: the model has no chat template and no supported format was chosen.
    """
    from llama_cpp import llama_chat_format

    chat_format = getattr(llama, "chat_format", None)
    named = {LLAMA3_FORMAT: llama_chat_format.format_llama3, "chatml": llama_chat_format.format_chatml}
    if chat_format in named:
        return named[chat_format]
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ValueError(
            f"the model has no chat template and chat format {chat_format!r} is not supported: "
            f"set chat_format to one of {sorted(named)}"
        )
    eos_id, bos_id = llama.token_eos(), llama.token_bos()
    return llama_chat_format.Jinja2ChatFormatter(
        template=template,
        eos_token=_token_text(llama, eos_id),
        bos_token=_token_text(llama, bos_id),
        stop_token_ids=[eos_id],
    )


def _token_text(llama: Any, token_id: int) -> str:
    if token_id < 0:
        return ""
    return bytes(llama.detokenize([token_id], special=True)).decode("utf-8", errors="replace")


def stop_sequences_for(chat_format: str | None) -> list[str]:
    """Extra stop strings a format needs beyond the model's end-of-generation token."""
    return [LLAMA3_EOT] if chat_format == LLAMA3_FORMAT else []


def to_llama_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """Convert LangChain messages into the OpenAI-style dicts llama-cpp-python takes."""
    converted: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            role = "system"
        elif isinstance(message, HumanMessage):
            role = "user"
        elif isinstance(message, AIMessage):
            role = "assistant"
        else:
            raise ValueError(f"unsupported message type for llama.cpp: {type(message).__name__}")
        converted.append({"role": role, "content": message.text})
    return converted
