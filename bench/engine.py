"""The raw llama.cpp ceiling, measured in-process, and what our adapter costs on top of it (the
instruments the pipeline benchmark attaches to a live model are in ``bench.instruments``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from backends.engine_thread import run_on_engine
from bench.instruments import perf_reset, perf_snapshot
from core.settings import Settings

GEN_TOKENS = 300
PROMPT_TOKENS = 1000
TOP_K = 40  # llama-cpp-python's create_completion defaults, used by the adapter too
MIN_P = 0.05
GEN_PROMPT = (
    "Write a long, detailed blog post about how rivers shape the land around them: erosion, "
    "meanders, floods, deltas and the towns built on their banks. Use many paragraphs."
)


class EngineReport(BaseModel):
    """Raw engine speeds and the adapter's overhead, for one model and thread count."""

    model: str
    n_threads: int
    n_batch: int
    load_seconds: float
    prompt_tokens: int
    prompt_tokens_per_second: float
    gen_tokens: int
    gen_tokens_per_second: float
    decode_tokens_per_second: float | None
    adapter_tokens: int
    adapter_tokens_per_second: float
    adapter_overhead_pct: float
    repeats: int


def filler_tokens(llama: Any, count: int, variant: int) -> list[int]:
    """Exactly ``count`` tokens of varied prose; ``variant`` makes each prompt new (no cache hits)."""
    sentences: list[str] = []
    index = 0
    while len(sentences) * 12 < count * 1.2:
        sentences.append(
            f"Note {variant}-{index}: the river carried {index * 7 % 97} tonnes of silt past mill {index}."
        )
        index += 1
    tokens: list[int] = llama.tokenize(" ".join(sentences).encode("utf-8"))
    if len(tokens) < count:
        raise ValueError(f"filler text too short: {len(tokens)} < {count} tokens")
    return tokens[:count]


def measure_prompt(llama: Any, count: int, variant: int) -> float:
    """Seconds to evaluate ``count`` fresh prompt tokens from an empty context."""
    tokens = filler_tokens(llama, count, variant)
    llama.reset()
    started = time.perf_counter()
    llama.eval(tokens)
    seconds = time.perf_counter() - started
    llama.reset()
    return seconds


def gen_messages() -> list[BaseMessage]:
    """The chat both generation measurements use."""
    return [SystemMessage("You are a helpful writer."), HumanMessage(GEN_PROMPT)]


def chat_prompt_tokens(llama: Any, messages: list[BaseMessage]) -> list[int]:
    """Format and tokenize ``messages`` exactly as the adapter does."""
    from backends.chat_formats import formatter_for, to_llama_messages

    formatted = formatter_for(llama)(messages=to_llama_messages(messages))
    tokens: list[int] = llama.tokenize(
        formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
    )
    return tokens


def measure_raw_generation(llama: Any, settings: Settings, max_tokens: int) -> tuple[int, float]:
    """Tokens and seconds from the first to the last sampled token, straight on ``Llama.generate``."""
    prompt = chat_prompt_tokens(llama, gen_messages())
    llama.reset()
    llama.set_seed(settings.seed)
    tokens = llama.generate(
        prompt,
        top_k=TOP_K,
        top_p=settings.top_p,
        min_p=MIN_P,
        temp=settings.temperature,
        repeat_penalty=settings.repeat_penalty,
    )
    return _time_stream(tokens, max_tokens, stop=lambda token: token == llama.token_eos())


def measure_adapter_generation(model: Any, max_tokens: int) -> tuple[int, float]:
    """The same generation through ``LlamaCppChatModel``: tokens and first-to-last seconds."""
    model.llama.reset()
    usage: dict[str, Any] = {}
    seconds, started = 0.0, None
    for chunk in model.stream(gen_messages(), max_tokens=max_tokens):
        now = time.perf_counter()
        started = now if started is None else started
        seconds = now - started
        usage = chunk.usage_metadata or usage
    return int(usage.get("output_tokens", 0)), seconds


def _time_stream(tokens: Iterator[int], limit: int, stop: Callable[[int], bool]) -> tuple[int, float]:
    count, started, seconds = 0, 0.0, 0.0
    for token in tokens:
        count += 1
        now = time.perf_counter()
        started = now if count == 1 else started
        seconds = now - started
        if count >= limit or stop(token):
            break
    return count, seconds


def per_second(tokens: int, seconds: float) -> float:
    """Tokens per second, 0 for an empty measurement."""
    return round(tokens / seconds, 1) if seconds > 0 else 0.0


def stream_rate(tokens: int, seconds: float) -> float:
    """Tokens per second of a stream timed from its first token to its last (tokens - 1 gaps)."""
    return per_second(tokens - 1, seconds)


def measure_engine(
    settings: Settings, gen_tokens: int = GEN_TOKENS, prompt_tokens: int = PROMPT_TOKENS, repeats: int = 3
) -> EngineReport:
    """Measure prompt processing, raw generation and adapter generation on one loaded model.

    Each measurement runs ``repeats`` times, raw and adapter interleaved; the best run counts
    (the ceiling the machine allows, least disturbed by other processes). Generation speeds
    count from the first sampled token to the last, so the short prompt is excluded from both.
    """
    from graph import assembly

    started = time.perf_counter()
    model: Any = assembly.chat_model(settings)
    load_seconds = time.perf_counter() - started
    llama = model.llama
    # Raw calls run on the engine thread too: llama.cpp slows down once two threads compute.
    run_on_engine(measure_prompt, llama, min(prompt_tokens, 64), 0)  # warm-up allocations
    prompt_seconds = min(
        run_on_engine(measure_prompt, llama, prompt_tokens, variant) for variant in range(1, repeats + 1)
    )
    raw, adapter, decode = [], [], []
    for _ in range(repeats):
        perf_reset(llama)
        raw.append(run_on_engine(measure_raw_generation, llama, settings, gen_tokens))
        perf = perf_snapshot(llama)
        if perf is not None and perf.decode_ms > 0:
            decode.append(perf.decode_tokens / (perf.decode_ms / 1000))
        adapter.append(measure_adapter_generation(model, gen_tokens))
    raw_best = max(raw, key=lambda run: stream_rate(*run))
    adapter_best = max(adapter, key=lambda run: stream_rate(*run))
    raw_tps, adapter_tps = stream_rate(*raw_best), stream_rate(*adapter_best)
    return EngineReport(
        model=str(getattr(model, "model_name", "")),
        n_threads=int(getattr(llama, "n_threads", 0)),  # the count in use (auto: fitted at load)
        n_batch=settings.n_batch,
        load_seconds=round(load_seconds, 2),
        prompt_tokens=prompt_tokens,
        prompt_tokens_per_second=per_second(prompt_tokens, prompt_seconds),
        gen_tokens=raw_best[0],
        gen_tokens_per_second=raw_tps,
        decode_tokens_per_second=round(max(decode), 1) if decode else None,
        adapter_tokens=adapter_best[0],
        adapter_tokens_per_second=adapter_tps,
        adapter_overhead_pct=round((raw_tps / adapter_tps - 1) * 100, 1) if adapter_tps else 0.0,
        repeats=repeats,
    )
