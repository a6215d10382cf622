"""Instruments the pipeline benchmark attaches to a live ``llama_cpp.Llama``: an
:class:`EvalCounter` (prompt tokens submitted vs actually evaluated), llama.cpp's own perf counters
(:func:`perf_snapshot`) and a :class:`CallRecorder` whose calls :func:`replay_calls` sends again
straight to llama.cpp.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from backends.engine_thread import run_on_engine


class PerfCounters(BaseModel):
    """llama.cpp's context perf counters (cumulative since the last reset)."""

    prompt_ms: float
    decode_ms: float
    prompt_tokens: int
    decode_tokens: int


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
