"""``ChatOpenAI`` for servers that speak an older dialect of the OpenAI API.

langchain-openai sends the token cap only as ``max_completion_tokens``; llama-cpp-python's server
(and other OpenAI-compatible servers) read ``max_tokens`` and silently ignore the new name, so a
grammar-constrained reply could run until the context is full. We send both.
"""

from __future__ import annotations

from typing import Any

from langchain_openai import ChatOpenAI


class CompatibleChatOpenAI(ChatOpenAI):
    """``ChatOpenAI`` whose requests carry the token cap under both names."""

    def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "max_completion_tokens" in payload:
            payload["max_tokens"] = payload["max_completion_tokens"]
        return payload
