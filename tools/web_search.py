"""Web search through ``ddgs`` (DuckDuckGo first) that degrades instead of failing.

Each query tries the configured ddgs backends in order. A backend gets a few attempts with
exponential backoff and jitter on rate limits, timeouts and other ddgs errors; network-down
errors (DNS, refused connections) and empty answers move straight on to the next backend.
Requests to the same backend are spaced by a minimum interval, every call has a hard timeout,
and the whole query has a time budget. When nothing works the report is ``degraded``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tools.base import Document, SearchReport
from tools.deadline import CallTimeout, call_with_timeout
from tools.search_results import parse_results
from tools.text import trim_text

DEFAULT_BACKENDS = ("duckduckgo", "brave", "mojeek", "wikipedia")
_NETWORK_DOWN_HINTS = (
    "dns",
    "resolv",
    "name or service not known",
    "failed to lookup",
    "network is unreachable",
    "connection refused",
    "no route to host",
)


class TextSearchClient(Protocol):
    """The part of ``ddgs.DDGS`` we use: ``text(query, max_results=..., backend=...)``."""

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before reporting degraded research.

    Attributes:
        attempts_per_backend: Tries per backend for retryable errors (rate limit, timeout).
        base_delay: First backoff delay in seconds; doubles on each retry.
        max_delay: Upper bound of one backoff delay.
        jitter: Relative jitter, e.g. 0.5 draws each delay from [0.5x, 1.5x].
        call_timeout: Hard timeout of one call to a backend, in seconds.
        total_budget: Seconds one query may spend across all attempts and waits.
        cooldown: Seconds a rate-limited backend is moved to the end of the order.
        breaker_threshold: Queries failing in a row before web search is skipped for a while.
        breaker_cooldown: Seconds web search is skipped once the breaker opens.
    """

    attempts_per_backend: int = 2
    base_delay: float = 1.0
    max_delay: float = 8.0
    jitter: float = 0.5
    call_timeout: float = 10.0
    total_budget: float = 20.0
    cooldown: float = 60.0
    breaker_threshold: int = 3
    breaker_cooldown: float = 120.0


def describe_error(error: BaseException) -> str:
    """One short line naming an error, for warnings."""
    text = " ".join(str(error).split()) or type(error).__name__
    return trim_text(text, 160)


def short_reason(error: BaseException) -> str:
    """A few words saying why a search call failed."""
    message = str(error).lower()
    if _is_rate_limit(error):
        return "rate limited"
    if isinstance(error, CallTimeout) or "timed out" in message or "timeout" in type(error).__name__.lower():
        return "timed out"
    if any(hint in message for hint in _NETWORK_DOWN_HINTS):
        return "network unreachable (DNS or connection failed)"
    if "no results found" in message:
        return "no results"
    return trim_text(describe_error(error), 80)


def summarise_failures(failures: list[tuple[str, str]]) -> str:
    """``[(backend, reason), ...]`` as one line, backends grouped by reason in order of first failure."""
    backends_by_reason: dict[str, list[str]] = {}
    for backend, reason in failures:
        backends = backends_by_reason.setdefault(reason, [])
        if backend not in backends:
            backends.append(backend)
    if not backends_by_reason:
        return "no backend answered"
    return "; ".join(f"{', '.join(backends)}: {reason}" for reason, backends in backends_by_reason.items())


def _is_rate_limit(error: BaseException) -> bool:
    return type(error).__name__ == "RatelimitException" or "ratelimit" in str(error).lower()


def _is_retryable(error: BaseException) -> bool:
    """Rate limits, timeouts and unspecific ddgs errors may pass; network-down errors will not."""
    if isinstance(error, CallTimeout) or _is_rate_limit(error):
        return True
    message = str(error).lower()
    if any(hint in message for hint in _NETWORK_DOWN_HINTS) or "no results found" in message:
        return False
    return "timed out" in message or "timeout" in type(error).__name__.lower() or _is_ddgs_error(error)


def _is_ddgs_error(error: BaseException) -> bool:
    return any(cls.__name__ == "DDGSException" for cls in type(error).__mro__)


def _make_ddgs_client(timeout: float) -> TextSearchClient:
    from ddgs import DDGS

    client: TextSearchClient = DDGS(timeout=max(1, round(timeout)))
    return client


class WebSearch:
    """DuckDuckGo and other ddgs backends behind :class:`~tools.base.SearchTool`; never raises.

    Args:
        backends: ddgs backend names, tried in this order (rate-limited ones go last for a while).
        min_interval: Minimum seconds between two requests to the same backend.
        policy: Retry, backoff and timeout settings.
        client: A ddgs-like client; by default a real ``ddgs.DDGS`` created on first use.
        sleep: Sleep function (injected in tests).
        clock: Monotonic clock (injected in tests).
        rng: Random source for jitter.
    """

    name = "ddgs"

    def __init__(
        self,
        *,
        backends: Sequence[str] = DEFAULT_BACKENDS,
        min_interval: float = 1.0,
        policy: RetryPolicy | None = None,
        client: TextSearchClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not backends:
            raise ValueError("at least one ddgs backend is needed")
        self.backends = tuple(backends)
        self.min_interval = max(0.0, min_interval)
        self.policy = policy or RetryPolicy()
        self._client = client
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}
        self._cooldown_until: dict[str, float] = {}
        self._failures_in_a_row = 0
        self._breaker_open_until = 0.0

    def search(self, query: str, max_results: int = 4) -> SearchReport:
        """Search the web; see the module docstring for the retry rules."""
        if not query.strip():
            return SearchReport(warnings=["web search skipped: empty query"])
        if self._clock() < self._breaker_open_until:
            reason = f"skipped after {self.policy.breaker_threshold} failed searches in a row"
            return SearchReport(degraded=True, warnings=[f"web search failed: {reason}"])
        failures: list[tuple[str, str]] = []
        documents = self._search_backends(query, max(1, max_results), failures)
        self._record_outcome(success=bool(documents))
        if documents:
            return SearchReport(documents=documents)
        return SearchReport(degraded=True, warnings=["web search failed: " + summarise_failures(failures)])

    def _search_backends(
        self, query: str, max_results: int, failures: list[tuple[str, str]]
    ) -> list[Document]:
        deadline = self._clock() + self.policy.total_budget
        for backend in self._backend_order():
            documents = self._search_backend(backend, query, max_results, deadline, failures)
            if documents:
                return documents
            if self._clock() >= deadline:
                failures.append(("all", f"time budget of {self.policy.total_budget:g} s used up"))
                break
        return []

    def _search_backend(
        self, backend: str, query: str, max_results: int, deadline: float, failures: list[tuple[str, str]]
    ) -> list[Document]:
        attempts = max(1, self.policy.attempts_per_backend)
        for attempt in range(attempts):
            self._wait_for_slot(backend, deadline)
            try:
                raw = self._call(backend, query, max_results)
            except Exception as error:
                failures.append((backend, short_reason(error)))
                if _is_rate_limit(error):
                    self._cooldown_until[backend] = self._clock() + self.policy.cooldown
                if not _is_retryable(error) or attempt + 1 == attempts:
                    return []
                if not self._backoff(attempt, deadline):
                    return []
                continue
            documents = parse_results(raw, max_results)
            if not documents:
                failures.append((backend, "no usable results"))
            return documents
        return []

    def _call(self, backend: str, query: str, max_results: int) -> Any:
        client = self._get_client()
        return call_with_timeout(
            lambda: client.text(query, max_results=max_results, backend=backend),
            self.policy.call_timeout,
            name="draftsmith-web-search",
        )

    def _get_client(self) -> TextSearchClient:
        if self._client is None:
            self._client = _make_ddgs_client(self.policy.call_timeout)
        return self._client

    def _backend_order(self) -> list[str]:
        now = self._clock()
        return sorted(self.backends, key=lambda backend: self._cooldown_until.get(backend, 0.0) > now)

    def _wait_for_slot(self, backend: str, deadline: float) -> None:
        """Keep ``min_interval`` between requests to one backend (threads share the schedule)."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_slot.get(backend, now))
            self._next_slot[backend] = start + self.min_interval
        wait = min(start - now, max(0.0, deadline - now))
        if wait > 0:
            self._sleep(wait)

    def _backoff(self, attempt: int, deadline: float) -> bool:
        """Sleep before retry ``attempt + 1``; False when the time budget does not allow it."""
        delay = min(self.policy.max_delay, self.policy.base_delay * 2**attempt)
        jitter = self.policy.jitter
        delay *= self._rng.uniform(max(0.0, 1 - jitter), 1 + jitter)
        if self._clock() + delay >= deadline:
            return False
        self._sleep(delay)
        return True

    def _record_outcome(self, *, success: bool) -> None:
        with self._lock:
            self._failures_in_a_row = 0 if success else self._failures_in_a_row + 1
            if self._failures_in_a_row >= self.policy.breaker_threshold:
                self._breaker_open_until = self._clock() + self.policy.breaker_cooldown
                self._failures_in_a_row = 0
