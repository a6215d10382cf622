"""One thread runs every llama.cpp computation in the process.

llama.cpp's CPU backend is built with OpenMP, and libgomp keeps a team of worker threads per
calling thread. Once a second thread has run a llama.cpp graph, every call runs at about half
speed (SmolLM2-135M on 2 cores: decode 115 → 60 tokens/s, measured with ``bench``). LangGraph
runs each node on a pool thread and Streamlit runs each session on its own thread, so without
this module a run would decode on many threads. Every generation is therefore handed to one
long-lived daemon thread, and its output streamed back to the caller through a queue.

Why the slowdown: libgomp counts every thread it manages (the main thread included) and, once
that exceeds the CPUs, spins only 100 rounds at a barrier before sleeping (1,000 with
``OMP_WAIT_POLICY=active``). The engine thread running as many threads as CPUs is over that
line, so ``GOMP_SPINCOUNT`` alone changes nothing here (300,000, 10,000 and 100 measured the
same); ``backends.cpu`` therefore sets the active policy, and on a busy CPU runs fewer threads,
applied between tokens with ``llama_set_n_threads`` (``backends.cpu.refit_threads``, on this
thread: it owns the OpenMP team). Measured on a quiet 2-core VM, raw generation on this thread:
2 threads 181 tok/s with the active policy, 20 with the passive one; 1 thread 98 with either.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_engine_ident: int | None = None  # set by the engine thread itself when it starts


def _mark_engine_thread() -> None:
    global _engine_ident
    _engine_ident = threading.get_ident()


_EXECUTOR = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="llama-engine", initializer=_mark_engine_thread
)


def on_engine_thread() -> bool:
    """True when the caller is the engine thread itself."""
    return threading.get_ident() == _engine_ident


def run_on_engine(function: Callable[..., T], *args: Any) -> T:
    """Call ``function(*args)`` on the engine thread and return its result (or raise its error)."""
    if on_engine_thread():
        return function(*args)
    return _EXECUTOR.submit(function, *args).result()


class _End:
    """Marks the end of a stream; carries the error that ended it, if any."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def stream_on_engine(make_items: Callable[[], Iterator[T]]) -> Iterator[T]:
    """Iterate ``make_items()`` on the engine thread, yielding each item here as it comes.

    Closing this generator early (the consumer stopped) stops the engine-side iteration
    after its current item, so the engine is free for the next call.
    """
    if on_engine_thread():
        yield from make_items()
        return
    items: queue.Queue[T | _End] = queue.Queue()
    abandoned = threading.Event()

    def produce() -> None:
        try:
            iterator = make_items()
            try:
                for item in iterator:
                    items.put(item)
                    if abandoned.is_set():
                        break
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # handed to the consumer, re-raised there
            items.put(_End(exc))
        else:
            items.put(_End())

    finished = _EXECUTOR.submit(produce)
    try:
        while True:
            item = items.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        abandoned.set()
        finished.result()
