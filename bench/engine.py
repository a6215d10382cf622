"""The raw llama.cpp ceiling, measured in-process, and what our adapter costs on top of it.

Also the instruments the pipeline benchmark attaches to a live ``llama_cpp.Llama``: an
:class:`EvalCounter` (prompt tokens submitted vs actually evaluated) and llama.cpp's own perf
counters (:func:`perf_snapshot`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from backends.engine_thread import run_on_engine
from core.settings import Settings

GEN_TOKENS = 300
PROMPT_TOKENS = 1000
TOP_K = 40  # llama-cpp-python's create_completion defaults, used by the adapter too
MIN_P = 0.05
GEN_PROMPT = (
    "Write a long, detailed blog post about how rivers shape the land around them: erosion, "
    "meanders, floods, deltas and the towns built on their banks. Use many paragraphs."
)


class PerfCounters(BaseModel):
    """llama.cpp's context perf counters (cumulative since the last reset)."""

    prompt_ms: float
    decode_ms: float
    prompt_tokens: int
    decode_tokens: int


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


class CallCounts(BaseModel):
    """What llama.cpp did for one model call."""

    submitted: int = 0
    evaluated: int = 0
    generated: int = 0
    prompt_seconds: float = 0.0
    decode_seconds: float = 0.0
    generation_seconds: float = 0.0  # end of the prompt eval to the end of the last token's eval
    probe: bool = False  # a rating probe (reads next-token probabilities; not a chat call)


class EvalCounter:
    """Counts what a ``Llama`` really evaluates, by wrapping its ``generate`` and ``eval``.

    ``Llama.generate`` skips the prefix it already holds in its KV cache and then calls ``eval``
    with the rest of the prompt, then once per sampled token. So the first ``eval`` after each
    ``generate`` call is the prompt work; every later one is generation.
    """

    def __init__(self, llama: Any) -> None:
        self.per_call: list[CallCounts] = []
        self._prompt_pending = False
        self._prompt_done = 0.0
        self._wrap(llama)

    def _wrap(self, llama: Any) -> None:
        generate, evaluate = llama.generate, llama.eval

        def counting_generate(tokens: Sequence[int], *args: Any, **kwargs: Any) -> Iterator[int]:
            probe = is_probe(kwargs.get("logits_processor"))
            self.per_call.append(CallCounts(submitted=len(tokens), probe=probe))
            self._prompt_pending = True
            return generate(tokens, *args, **kwargs)

        def counting_eval(tokens: Sequence[int]) -> None:
            started = time.perf_counter()
            evaluate(tokens)
            self._record(len(tokens), time.perf_counter() - started)

        llama.generate, llama.eval = counting_generate, counting_eval

    def _record(self, tokens: int, seconds: float) -> None:
        call = self.per_call[-1] if self.per_call else CallCounts()
        now = time.perf_counter()
        if self._prompt_pending:
            call.evaluated += tokens
            call.prompt_seconds += seconds
            self._prompt_pending = False
            self._prompt_done = now
        else:
            call.generated += tokens
            call.decode_seconds += seconds
            call.generation_seconds = now - self._prompt_done

    def as_dict(self) -> dict[str, Any]:
        """Totals, the reuse rate, engine seconds and the per-call counts, JSON-ready."""
        totals = sum_counts(self.per_call)
        return {
            "calls": len(self.per_call),
            "prompt_submitted": totals.submitted,
            "prompt_evaluated": totals.evaluated,
            "reuse_rate": reuse_rate(totals.submitted, totals.evaluated),
            "generated_evaluated": totals.generated,
            "prompt_seconds": round(totals.prompt_seconds, 3),
            "decode_seconds": round(totals.decode_seconds, 3),
            "generation_seconds": round(totals.generation_seconds, 3),
            "per_call": [call.model_dump() for call in self.per_call],
        }


def is_probe(logits_processor: Any) -> bool:
    """Whether a ``Llama.generate`` call is a rating probe: the only calls that pass a logits
    processor other than the copy guard (``backends.copy_guard``, on grounded writer calls)."""
    from backends.copy_guard import CopyGuard

    return bool(logits_processor) and not all(isinstance(p, CopyGuard) for p in logits_processor)


def sum_counts(calls: Sequence[CallCounts]) -> CallCounts:
    """Field-wise sum of per-call counts."""
    return CallCounts(
        submitted=sum(c.submitted for c in calls),
        evaluated=sum(c.evaluated for c in calls),
        generated=sum(c.generated for c in calls),
        prompt_seconds=sum(c.prompt_seconds for c in calls),
        decode_seconds=sum(c.decode_seconds for c in calls),
        generation_seconds=sum(c.generation_seconds for c in calls),
    )


def reuse_rate(submitted: int, evaluated: int) -> float:
    """Share of submitted prompt tokens that llama.cpp did not have to evaluate again."""
    return round(1 - evaluated / submitted, 4) if submitted else 0.0


def perf_snapshot(llama: Any) -> PerfCounters | None:
    """llama.cpp's perf counters of ``llama``'s context, or None where the binding lacks them."""
    try:
        import llama_cpp

        ctx = llama._ctx.ctx
        llama_cpp.llama_synchronize(ctx)  # counters are updated lazily, at the next sync
        data = llama_cpp.llama_perf_context(ctx)
    except (AttributeError, ImportError):
        return None
    return PerfCounters(
        prompt_ms=round(data.t_p_eval_ms, 1),
        decode_ms=round(data.t_eval_ms, 1),
        prompt_tokens=data.n_p_eval,
        decode_tokens=data.n_eval,
    )


def perf_reset(llama: Any) -> None:
    """Zero ``llama``'s perf counters (no-op where the binding lacks them)."""
    try:
        import llama_cpp

        llama_cpp.llama_synchronize(llama._ctx.ctx)
        llama_cpp.llama_perf_context_reset(llama._ctx.ctx)
    except (AttributeError, ImportError):
        return


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


class CallRecorder:
    """Records every ``Llama.create_completion`` request a run makes, so the same work can be
    replayed straight on llama.cpp afterwards (:func:`replay_calls`), and times how long the
    run spends inside those calls (``inside_seconds``; the rest of the wall time is the app's)."""

    def __init__(self, llama: Any) -> None:
        self.requests: list[dict[str, Any]] = []
        self.inside_seconds = 0.0
        create = llama.create_completion

        def timed(items: Iterator[Any]) -> Iterator[Any]:
            started = time.perf_counter()  # a stream starts working when first iterated
            try:
                yield from items
            finally:
                self.inside_seconds += time.perf_counter() - started

        def recording_create(**request: Any) -> Any:
            self.requests.append(dict(request))
            if request.get("stream"):
                return timed(create(**request))
            started = time.perf_counter()
            try:
                return create(**request)
            finally:
                self.inside_seconds += time.perf_counter() - started

        llama.create_completion = recording_create
        self.create = create


def replay_calls(llama: Any, requests: Sequence[dict[str, Any]], create: Callable[..., Any]) -> float:
    """Send ``requests`` again, in order, straight to ``create`` (the unwrapped
    ``Llama.create_completion``) on the engine thread, from an empty KV cache; return seconds.

    Same prompts, seeds, sampling, grammars and token caps in the same order, so llama.cpp
    reuses the same prefixes and generates the same tokens: the time is what llama.cpp alone
    needs for the run's model work. Only the run's own deadline/cancel criterion is left out.
    """
    from llama_cpp import StoppingCriteriaList

    from backends.llama_cpp_chat import GenerationMonitor

    def run() -> float:
        llama.reset()  # forget the cached prefix: the run started from an empty context too
        started = time.perf_counter()
        for request in requests:
            criteria = StoppingCriteriaList(
                c for c in request.get("stopping_criteria") or [] if not isinstance(c, GenerationMonitor)
            )
            result = create(**{**request, "stopping_criteria": criteria})
            if request.get("stream"):
                for _ in result:
                    pass
        return time.perf_counter() - started

    return run_on_engine(run)
