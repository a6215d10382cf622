"""A LangChain chat model over one shared in-process ``llama_cpp.Llama``.

Why our own adapter: ``langchain-community`` is being sunset and its ``ChatLlamaCpp`` cannot share
an existing ``Llama``. This one streams tokens (LangGraph's "messages" mode sees them), reports
exact usage, honours JSON-schema grammars via ``response_format`` and serialises calls with a
per-model lock because a ``Llama`` is not thread-safe (``backends.generation``: lock, context fit,
per-token monitor). Every generation runs on the process's one llama.cpp engine thread (see
``backends.engine_thread``); with ``threads = auto`` the thread count is re-fitted before each
call and between tokens (``backends.cpu``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from backends import fast_grammar
from backends.cancel import GenerationCancelled, current_stop_check
from backends.chat_formats import formatter_for, stop_sequences_for, to_llama_messages
from backends.copy_guard import CopyGuard, word_continuations
from backends.cpu import refit_threads
from backends.engine_thread import run_on_engine, stream_on_engine
from backends.generation import GenerationMonitor, fit_to_context, lock_for
from backends.rating_probes import probe_ratings, reset_after_probes

__all__ = ["GenerationMonitor", "LlamaCppChatModel", "fit_to_context", "lock_for"]


_CONTINUATIONS: dict[int, list[bool]] = {}
"""Process state, by the loaded ``Llama``'s id: which of its tokens continue a word (the copy guard's
map, one detokenize per vocabulary entry, so built once). The id is stable because a model, once
loaded, lives as long as the process (``backends.factory`` caches it). Named with the rest of the
process's state in the README's "State that lives as long as the process" table."""


class LlamaCppChatModel(BaseChatModel):
    """Chat model backed by an in-process llama.cpp model.

    Pass ``response_format={"type": "json_object", "schema": {...}}`` (e.g. via ``.bind``) to
    constrain the reply with llama.cpp's JSON-schema grammar.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llama: Any = Field(exclude=True, description="a llama_cpp.Llama (or a test double)")
    model_name: str = "llama.cpp"
    temperature: float = 0.3
    top_p: float = 0.9
    repeat_penalty: float = 1.15
    max_tokens: int = 512
    seed: int | None = 42
    timeout: float | None = Field(default=None, description="seconds per call, waiting included")
    grammar_sample_first: bool = Field(
        default=True, description="sample first, check the grammar on that token (backends.fast_grammar)"
    )
    threads: Any = Field(
        default=None,
        exclude=True,
        description="a backends.cpu.ThreadTuner (threads = auto): re-fits the thread count as load changes",
    )

    @property
    def _llm_type(self) -> str:
        return "draftsmith-llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "temperature": self.temperature, "top_p": self.top_p}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        merged: AIMessageChunk | None = None
        for chunk in self._stream(messages, stop=stop, run_manager=run_manager, **kwargs):
            merged = chunk.message if merged is None else merged + chunk.message  # type: ignore[assignment]
        assert merged is not None  # _stream always yields a final chunk
        message = AIMessage(
            content=merged.content,
            usage_metadata=merged.usage_metadata,
            response_metadata=merged.response_metadata,
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        started = time.monotonic()
        finish_reason = "stop"
        with lock_for(self.llama):
            waited = time.monotonic() - started
            self._fit_threads()
            reset_after_probes(self.llama)
            request = self._completion_request(messages, stop, kwargs)
            monitor = GenerationMonitor(
                len(request["prompt"]),
                started + self.timeout if self.timeout else None,
                current_stop_check(),
                tick=self._fit_threads if self.threads is not None else None,
            )
            request["stopping_criteria"].insert(0, monitor)
            for piece in stream_on_engine(lambda: self.llama.create_completion(**request)):
                choice = piece["choices"][0]
                text = choice.get("text")
                if text:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager is not None:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
                finish_reason = choice.get("finish_reason") or finish_reason
        if monitor.cancelled:
            raise GenerationCancelled("stopped while generating")
        if monitor.timed_out:
            finish_reason = "timeout"
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=UsageMetadata(
                    input_tokens=monitor.prompt_tokens,
                    output_tokens=monitor.completion_tokens,
                    total_tokens=monitor.prompt_tokens + monitor.completion_tokens,
                ),
                response_metadata={
                    "finish_reason": finish_reason,
                    "model_name": self.model_name,
                    "queue_seconds": round(waited, 3),
                    "seconds": round(time.monotonic() - started, 3),
                },
            )
        )

    def rating_probabilities(
        self, messages: Sequence[BaseMessage], ratings: Sequence[int], answer_prefix: str = ""
    ) -> dict[int, float]:
        """How likely the reply to ``messages``, begun with ``answer_prefix``, is each rating
        (see ``backends.ratings``).

        Reads the model's next-token distribution instead of sampling: one forward pass for the
        prompt (its prefix is reused from earlier calls) and one per multi-token spelling.

        Raises:
            GenerationCancelled: the run was asked to stop.
        """
        should_stop = current_stop_check()
        with lock_for(self.llama):
            self._fit_threads()
            return run_on_engine(
                probe_ratings,
                self.llama,
                list(messages),
                list(ratings),
                answer_prefix,
                should_stop,
                self.seed,
            )

    def _fit_threads(self) -> None:
        """With threads = auto, re-fit the thread count (``backends.cpu.refit_threads``); called
        with the model's lock held, before a call or between two tokens."""
        if self.threads is not None:
            refit_threads(self.llama, self.threads)

    @property
    def context_tokens(self) -> int | None:
        """The loaded model's context window (the writer fits its evidence into it)."""
        n_ctx = getattr(self.llama, "n_ctx", None)
        return int(n_ctx()) if callable(n_ctx) else None

    @property
    def parameter_count(self) -> int | None:
        """The loaded model's parameter count, from llama.cpp (how the writer tells a model that
        can write from one that cannot; see ``agents.capability``)."""
        model = getattr(self.llama, "_model", None)
        n_params = getattr(model, "n_params", None)
        return int(n_params()) if callable(n_params) else None

    def _continuations(self) -> list[bool] | None:
        """Which tokens continue a word (for the copy guard), computed once per model."""
        n_vocab = getattr(self.llama, "n_vocab", None)
        if not callable(n_vocab):
            return None
        cached = _CONTINUATIONS.get(id(self.llama))
        if cached is None:
            pieces = (self.llama.detokenize([token]) for token in range(int(n_vocab())))
            cached = _CONTINUATIONS[id(self.llama)] = word_continuations(pieces)
        return cached

    def copy_guard_tokens(self, text: str) -> list[int]:
        """``text`` as the tokens it would be generated as mid-sentence (leading space)."""
        return list(
            self.llama.tokenize((" " + " ".join(text.split())).encode("utf-8"), add_bos=False, special=False)
        )

    def _completion_request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        """Format the chat into prompt tokens and build ``Llama.create_completion`` arguments."""
        from llama_cpp import LlamaGrammar, StoppingCriteriaList
        from llama_cpp.llama_grammar import JSON_GBNF

        formatted = formatter_for(self.llama)(messages=to_llama_messages(messages))
        prompt = self.llama.tokenize(
            formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
        )
        criteria = StoppingCriteriaList()
        if formatted.stopping_criteria is not None:
            criteria.extend(formatted.stopping_criteria)
        template_stops = formatted.stop if isinstance(formatted.stop, list) else [formatted.stop]
        request: dict[str, Any] = {
            "prompt": prompt,
            "stream": True,
            "stopping_criteria": criteria,
            "temperature": extra.pop("temperature", self.temperature),
            "top_p": extra.pop("top_p", self.top_p),
            "repeat_penalty": extra.pop("repeat_penalty", self.repeat_penalty),
            "max_tokens": fit_to_context(len(prompt), extra.pop("max_tokens", self.max_tokens), self.llama),
            "seed": extra.pop("seed", self.seed),
            "stop": [
                *(stop or []),
                *(s for s in template_stops if s),
                *stop_sequences_for(getattr(self.llama, "chat_format", None)),
            ],
        }
        avoid = extra.pop("avoid_copying", None)
        if avoid:
            from llama_cpp import LogitsProcessorList

            guard = CopyGuard(
                [self.copy_guard_tokens(text) for text in avoid],
                len(prompt),
                continues_word=self._continuations(),
            )
            request["logits_processor"] = LogitsProcessorList([guard])  # type: ignore[list-item]
        response_format = extra.pop("response_format", None)
        if response_format is not None and "schema" in response_format:
            request["grammar"] = LlamaGrammar.from_json_schema(
                json.dumps(response_format["schema"]), verbose=False
            )
        elif response_format is not None:
            request["grammar"] = LlamaGrammar.from_string(JSON_GBNF, verbose=False)
        if "grammar" in request and self.grammar_sample_first and hasattr(self.llama, "_init_sampler"):
            fast_grammar.install(self.llama)
            request["grammar"] = fast_grammar.sample_first(request["grammar"])
        unknown = [key for key in extra if not key.startswith("ls_")]  # ls_*: LangSmith tracing hints
        if unknown:
            raise TypeError(f"unsupported arguments for the llama.cpp chat model: {sorted(unknown)}")
        return request
