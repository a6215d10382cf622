"""Test doubles: a scripted chat model that records prompts, and a fake llama.cpp engine."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import BaseModel, ConfigDict, Field

Reply = str | BaseModel | dict[str, Any] | Callable[[list[BaseMessage]], str]


class ScriptedChatModel(BaseChatModel):
    """Returns scripted replies in order and records every call.

    A reply may be text, a pydantic object or dict (sent as JSON, as a grammar-constrained
    model would), or a function of the prompt messages. ``calls`` holds
    ``(messages, kwargs)`` per call; running out of replies fails the test loudly.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    replies: list[Any] = Field(default_factory=list)
    calls: list[tuple[list[BaseMessage], dict[str, Any]]] = Field(default_factory=list)
    default_reply: Any = None

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    @property
    def prompts(self) -> list[str]:
        """The text of every call's messages, joined, in call order."""
        return ["\n".join(message.text for message in messages) for messages, _ in self.calls]

    def _next_text(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        self.calls.append((list(messages), dict(kwargs)))
        if self.replies:
            reply = self.replies.pop(0)
        elif self.default_reply is not None:
            reply = self.default_reply
        else:
            raise AssertionError(f"ScriptedChatModel ran out of replies at call {len(self.calls)}")
        if callable(reply) and not isinstance(reply, BaseModel):
            reply = reply(list(messages))
        if isinstance(reply, BaseModel):
            return reply.model_dump_json()
        if isinstance(reply, dict):
            return json.dumps(reply)
        return str(reply)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._next_text(messages, kwargs)
        message = AIMessage(content=text, usage_metadata=_usage(messages, text))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._next_text(messages, kwargs)
        for word in _split_keeping_spaces(text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=word))
            if run_manager is not None:
                run_manager.on_llm_new_token(word, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=_usage(messages, text)))


def _split_keeping_spaces(text: str) -> list[str]:
    words = text.split(" ")
    return [word + " " for word in words[:-1]] + [words[-1]] if text else []


def _usage(messages: list[BaseMessage], text: str) -> UsageMetadata:
    prompt = sum(len(message.text.split()) for message in messages)
    completion = len(text.split())
    return UsageMetadata(input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion)


class FakeLlama:
    """Stands in for ``llama_cpp.Llama``: byte tokens, scripted output, records each request.

    ``token_delay`` seconds pass before each piece, as on a real engine, so generations that
    overlap in time really do overlap; ``active``/``max_active`` count generations under way.
    """

    def __init__(
        self,
        pieces: list[str],
        chat_format: str | None = None,
        metadata: dict[str, str] | None = None,
        token_delay: float = 0.0,
    ) -> None:
        self.pieces = pieces
        self.token_delay = token_delay
        self.chat_format = chat_format
        self.metadata = metadata or {}
        self.requests: list[dict[str, Any]] = []
        self.prompts: list[str] = []
        self.add_bos: list[bool] = []
        self.active = 0
        self.max_active = 0
        self.threads: list[int] = []  # the thread each generation ran on
        self._guard = threading.Lock()

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        self.prompts.append(text.decode("utf-8"))
        self.add_bos.append(add_bos)
        return list(text)

    def token_eos(self) -> int:
        return 2

    def token_bos(self) -> int:
        return 1

    def detokenize(self, tokens: list[int], special: bool = False) -> bytes:
        return {1: b"<s>", 2: b"</s>"}.get(tokens[0], b"?")

    def create_completion(self, **request: Any) -> Iterator[dict[str, Any]]:
        self.requests.append(request)
        self.threads.append(threading.get_ident())
        with self._guard:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            for chunk in self._emit(request):
                if self.token_delay:
                    time.sleep(self.token_delay)
                yield chunk
        finally:
            with self._guard:
                self.active -= 1

    def _emit(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        prompt = request["prompt"]
        criteria = request["stopping_criteria"]
        for index, piece in enumerate(self.pieces[: request["max_tokens"]]):
            if criteria(prompt + [0] * (index + 1), None):
                return
            stops = [stop for stop in request["stop"] if stop in piece]
            if stops:
                yield {"choices": [{"text": piece.split(stops[0])[0], "finish_reason": None}]}
                yield {"choices": [{"text": "", "finish_reason": "stop"}]}
                return
            yield {"choices": [{"text": piece, "finish_reason": None}]}
        yield {"choices": [{"text": "", "finish_reason": "length"}]}
