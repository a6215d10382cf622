"""``make_chat_model(settings)``: the low-level chat model factory (front ends build through
``graph.assembly``, the one caller)."""

from __future__ import annotations

import functools
import threading
import weakref
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel

from backends.chat_formats import chat_format_for
from backends.cpu import ThreadTuner, set_wait_policy
from backends.gguf_info import context_size
from backends.llama_cpp_chat import LlamaCppChatModel
from backends.model_files import resolve_model_file
from core.errors import ModelFileError
from core.settings import Settings

_LOAD_LOCK = threading.Lock()
_TUNERS: weakref.WeakKeyDictionary[Any, ThreadTuner] = weakref.WeakKeyDictionary()


def make_chat_model(settings: Settings) -> BaseChatModel:
    """Build the chat model the settings describe.

    The in-process model is loaded once per process and file/runtime options, then shared.

    Raises:
        ModelFileError: the model file cannot be found, read or loaded.
    """
    if settings.backend == "openai":
        return make_openai_model(settings)
    path = resolve_model_file(settings)
    llama = load_llama(
        path,
        context_size(path, settings.n_ctx),  # the GGUF's trained context, capped by free memory
        settings.n_threads,
        settings.n_batch,
        settings.seed,
        settings.chat_format,
        flash_attn=settings.flash_attn,
    )
    return LlamaCppChatModel(
        llama=llama,
        model_name=path.name,
        temperature=settings.temperature,
        top_p=settings.top_p,
        repeat_penalty=settings.repeat_penalty,
        max_tokens=settings.max_tokens,
        seed=settings.seed,
        timeout=settings.request_timeout,
        threads=_TUNERS.get(llama),
        grammar_sample_first=settings.grammar_sample_first,
    )


def make_openai_model(settings: Settings) -> BaseChatModel:
    """A chat model for an OpenAI-compatible server (llama.cpp server, vLLM, Ollama)."""
    from backends.openai_compat import CompatibleChatOpenAI as ChatOpenAI

    key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.openai_model,
        api_key=key,  # type: ignore[arg-type]
        temperature=settings.temperature,
        top_p=settings.top_p,
        max_completion_tokens=settings.max_tokens,
        seed=settings.seed,
        timeout=settings.request_timeout,
        max_retries=1,
        stream_usage=True,
        # llama.cpp's server and vLLM accept it; the tiny default model loops without it.
        extra_body={"repeat_penalty": settings.repeat_penalty},
    )


def load_llama(
    path: Path,
    n_ctx: int,
    n_threads: int | Literal["auto"],
    n_batch: int,
    seed: int,
    chat_format: str | None,
    flash_attn: bool = False,
) -> Any:
    """Load (once per process and argument set) a ``llama_cpp.Llama``.

    With ``n_threads="auto"`` it starts with the threads the free CPUs allow, and a
    :class:`backends.cpu.ThreadTuner` (handed to the chat model) re-fits them later.
    """
    with _LOAD_LOCK:
        return _load_llama_cached(str(path), n_ctx, n_threads, n_batch, seed, chat_format, flash_attn)


@functools.cache
def _load_llama_cached(
    path: str,
    n_ctx: int,
    n_threads: int | Literal["auto"],
    n_batch: int,
    seed: int,
    chat_format: str | None,
    flash_attn: bool,
) -> Any:
    # Here, not at import: this is where the process first imports llama_cpp (every other import
    # of it works on a model loaded here), and libgomp reads its wait knobs once, when it loads.
    set_wait_policy()
    from llama_cpp import Llama

    tuner = ThreadTuner() if n_threads == "auto" else None
    threads = tuner.initial() if tuner is not None else int(n_threads)
    try:
        llama = Llama(
            model_path=path,
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=n_batch,
            flash_attn=flash_attn,
            seed=seed,
            verbose=False,
        )
    except (ValueError, RuntimeError) as exc:
        raise ModelFileError(
            f"llama.cpp could not load {path}: {exc} (is it a complete, supported GGUF model?)"
        ) from None
    chosen = chat_format_for(llama.metadata, chat_format)
    if chosen:
        llama.chat_format = chosen
    if tuner is not None:
        _TUNERS[llama] = tuner
    return llama
