"""How many threads llama.cpp should use right now, and how its OpenMP threads wait.

llama.cpp's OpenMP threads meet at a barrier after every operation of the graph. When one of
them loses its core to another process, every token waits for it: a one-round draft took 30 s on
an idle 2-core machine, 87 s next to one CPU-bound process, 41 s there with 1 thread. So
``threads = auto`` fits the count to the CPUs that are free: the ones this process may run on
(its affinity) minus the load other processes put on them, measured over a short window before
the model loads and then over the time since the last check, before each model call and
between tokens. Changes are logged (``backends.cpu`` logger, INFO; each check at DEBUG).

Thread count is the only lever under load (measured on 2 cores, SmolLM2 one-round draft, same
1,660 tokens every run): one thread next to one burner runs exactly as fast as one thread on an
idle machine (27.9 s against 27.4-27.8 s), so the best one burner allows is the 1-thread/2-thread
ratio on an idle machine (27.6 / 19.6 s = 1.41 x; raw generation 181 / 98 tok/s = 1.86 x). Two
threads next to a burner took 56.6 s (active wait) and generated 74 tok/s raw with the passive
policy, both worse than one thread; with one thread the wait policy changes nothing (98 and
100 tok/s), so it is not switched by load.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Callable, Collection, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.engine_thread import run_on_engine

logger = logging.getLogger(__name__)

# libgomp reads these once, when llama.cpp's library loads. Chosen by measurement (README,
# "Speed on a busy computer"). Our engine thread runs as many threads as CPUs, and libgomp,
# counting the main thread too, then throttles its barrier spin to 100 rounds (1,000 with the
# active policy) before sleeping; sleeping at every barrier made 2 threads on a quiet 2-core VM
# generate 19-22 tok/s, the active policy 193-201. Spinning is bounded (10,000 rounds unthrottled)
# and, when other programs need the CPU, ``threads = auto`` runs 1 thread, which never waits.
WAIT_POLICY: dict[str, str] = {"OMP_WAIT_POLICY": "active", "GOMP_SPINCOUNT": "10000"}
USER_WAIT_KNOBS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")

FIRST_WINDOW = 0.25  # seconds of load measured before the first choice
RECHECK_SECONDS = 2.0  # the least time between two re-checks (a shorter window is noise)
STALE_SECONDS = 30.0  # a longer window since the last check is measured afresh
# A CPU counts as free while other processes use at most a quarter of it. While our threads fill
# every CPU, the busy-waiting squeezes other processes to about two thirds of what they take
# otherwise, so a reading then counts as busy from a fifth of a CPU (which also means a count,
# once raised, is not lowered by the same load: no flapping). Measured (2 cores, one-round draft,
# s for 2 threads / 1 thread): next to a process wanting 20% of a core 25.7 / 27.7; 35%: 31.5 /
# 28.7, and it got only 0.21-0.25 of a core next to our 2 threads (the old half-a-CPU threshold
# kept 2 threads: 30.7 s); 60%: 38.6 / 29.4.
FREE_UNDER = 0.25  # read with a CPU left to others (the first window, or fewer threads)
FREE_UNDER_WHILE_FULL = 0.2  # read while our threads use every CPU


def set_wait_policy(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set the OpenMP wait defaults unless the user set a wait knob; return what was set.

    Must run before ``llama_cpp`` is imported (libgomp reads its environment once, at load);
    later it changes nothing and returns ``{}``.
    """
    env = os.environ if environ is None else environ
    if environ is None and "llama_cpp" in sys.modules:
        return {}
    if any(knob in env for knob in USER_WAIT_KNOBS):
        return {}
    for name, value in WAIT_POLICY.items():
        env[name] = value
    return dict(WAIT_POLICY)


def usable_cpus() -> frozenset[int]:
    """The CPUs this process may run on (its affinity; every CPU where that is unknown)."""
    try:
        return frozenset(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return frozenset(range(os.cpu_count() or 1))


@dataclass(frozen=True)
class CpuSample:
    """One reading of the CPU counters."""

    at: float  # monotonic seconds
    busy: float  # CPU seconds all processes have used on our CPUs since boot
    own: float  # CPU seconds this process has used


def read_sample(cpus: Collection[int], stat: Path = Path("/proc/stat")) -> CpuSample | None:
    """Read the busy time of ``cpus`` (``/proc/stat``) and this process's CPU time; None where
    the kernel does not say (not Linux)."""
    try:
        lines = stat.read_text().splitlines()
    except OSError:
        return None
    busy_ticks = 0
    for line in lines:
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu" or int(name[3:]) not in cpus:
            continue
        fields = [int(v) for v in rest.split()[:8]]  # user nice system idle iowait irq softirq steal
        busy_ticks += sum(fields) - fields[3] - fields[4]
    return CpuSample(time.monotonic(), busy_ticks / os.sysconf("SC_CLK_TCK"), time.process_time())


def other_load(before: CpuSample, after: CpuSample) -> float:
    """Cores other processes kept busy on average between two samples."""
    seconds = after.at - before.at
    if seconds <= 0:
        return 0.0
    return max(0.0, (after.busy - before.busy) - (after.own - before.own)) / seconds


def choose_threads(cpus: int, other: float | None, current: int | None = None) -> int:
    """Threads for ``cpus`` usable CPUs when other processes keep ``other`` cores busy.

    One thread per free CPU, at least one. ``current`` is the count the load was read at: at
    one thread per CPU others were squeezed by our busy-waiting, so less of their load counts.
    """
    if other is None:
        return cpus
    slack = FREE_UNDER_WHILE_FULL if current is not None and current >= cpus else FREE_UNDER
    return max(1, min(cpus, math.floor(cpus - other + slack)))


class ThreadTuner:
    """Keeps one model's thread count fitted to the free CPUs (``threads = auto``).

    Args:
        cpus: the CPUs the process may use (default: its affinity).
        sample: reads the counters (default: ``/proc/stat``); None means unknown.
        clock: monotonic seconds (the samples' clock).
        sleep: waits out the first measuring window.
        recheck: least seconds between two re-checks.
    """

    def __init__(
        self,
        cpus: Collection[int] | None = None,
        sample: Callable[[], CpuSample | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        recheck: float = RECHECK_SECONDS,
    ) -> None:
        self.cpus = frozenset(cpus) if cpus is not None else usable_cpus()
        self._sample = sample or (lambda: read_sample(self.cpus))
        self._clock, self._sleep, self._recheck = clock, sleep, recheck
        self._last: CpuSample | None = None
        self._due = clock() + recheck  # the next re-check
        self.current = len(self.cpus)
        self.other: float | None = None  # cores other processes used at the last check

    def initial(self) -> int:
        """Measure the load over a short window now and return the thread count for it."""
        self._last = self._sample()
        if self._last is None:
            return self.current
        self._sleep(FIRST_WINDOW)
        self._measure(squeezed=False)  # the model is not computing yet
        self._due = self._clock() + self._recheck
        logger.info(
            "llama.cpp threads: %d to start (other programs used %.2f CPUs)", self.current, self.other or 0.0
        )
        return self.current

    def update(self) -> int | None:
        """Re-check the load since the last check, when that was ``recheck`` seconds ago or
        more; return the new thread count when it changed, else None. Cheap between checks."""
        now = self._clock()
        if now < self._due:
            return None
        self._due = now + self._recheck
        before = self.current
        if self._last is None or now - self._last.at > STALE_SECONDS:
            self.initial()  # idle for long: the load of a while ago says little about now
        else:
            self._measure(squeezed=True)
        return self.current if self.current != before else None

    def _measure(self, squeezed: bool) -> None:
        now = self._sample()
        if now is None or self._last is None:
            return
        self.other = other_load(self._last, now)
        self._last = now
        self.current = choose_threads(len(self.cpus), self.other, self.current if squeezed else None)
        logger.debug("other programs used %.2f CPUs: %d threads", self.other, self.current)


def refit_threads(llama: Any, tuner: ThreadTuner) -> int | None:
    """Re-fit a loaded model's thread count to the CPUs free now (``threads = auto``, no reload);
    return the new count when it changed.

    Call between two llama.cpp computations (before a call, or after a token) with the model's
    lock held; the tuner re-measures at most every ``RECHECK_SECONDS``, so a call costs a clock
    read. The change itself runs on the engine thread, the one that owns the OpenMP team.
    """
    changed = tuner.update()
    if changed is not None:
        logger.info("llama.cpp threads -> %d (other programs used %.2f CPUs)", changed, tuner.other or 0.0)
        run_on_engine(set_threads, llama, changed)
    return changed


def set_threads(llama: Any, n_threads: int) -> None:
    """Make a loaded ``llama_cpp.Llama`` compute with ``n_threads`` threads (no reload).

    llama-cpp-python 0.3.16: ``llama_set_n_threads(ctx, n_threads, n_threads_batch)``; the same
    count serves prompt processing and generation.
    """
    import llama_cpp

    llama_cpp.llama_set_n_threads(llama.ctx, n_threads, n_threads)
    llama.n_threads = llama.n_threads_batch = n_threads
    llama.context_params.n_threads = llama.context_params.n_threads_batch = n_threads
