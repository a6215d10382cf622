"""One llama.cpp call's bookkeeping, apart from the LangChain adapter: the per-model lock, the
reply's room in the context window, and the per-token monitor (token count, deadline, stop
request, and a tick between tokens where ``threads = auto`` re-fits the thread count)."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from backends.cancel import StopCheck
from core.errors import BadInputError

_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()

MIN_REPLY_TOKENS = 16


def lock_for(llama: Any) -> threading.Lock:
    """Return the one lock that serialises every call on ``llama`` across threads."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(llama)
        if lock is None:
            lock = _LOCKS[llama] = threading.Lock()
        return lock


def fit_to_context(prompt_tokens: int, max_tokens: int, llama: Any) -> int:
    """Clip ``max_tokens`` to the room left in the context window.

    Raises:
        BadInputError: the prompt alone (plus a minimal reply) does not fit.
    """
    n_ctx = llama.n_ctx() if hasattr(llama, "n_ctx") else None
    if n_ctx is None:
        return max_tokens
    if prompt_tokens + MIN_REPLY_TOKENS > n_ctx:
        raise BadInputError(
            f"the prompt ({prompt_tokens} tokens) does not fit the model's context window ({n_ctx} tokens): "
            "raise DRAFTSMITH_N_CTX or use a model with a larger context"
        )
    return min(max_tokens, n_ctx - prompt_tokens)


class GenerationMonitor:
    """A llama.cpp stopping criterion that counts generated tokens and enforces a deadline.

    llama.cpp calls it after sampling each token with the prompt plus every sampled token, so
    the longest sequence seen, minus the prompt, is the number of tokens generated (the
    end-of-generation token included: it cost a forward pass like any other).
    """

    def __init__(
        self,
        prompt_tokens: int,
        deadline: float | None = None,
        should_stop: StopCheck | None = None,
        tick: Callable[[], None] | None = None,
    ) -> None:
        self.prompt_tokens = prompt_tokens
        self.longest = prompt_tokens
        self.deadline = deadline
        self.should_stop = should_stop
        self.tick = tick  # called after every token (re-fits the thread count mid-call)
        self.timed_out = False
        self.cancelled = False

    @property
    def completion_tokens(self) -> int:
        return self.longest - self.prompt_tokens

    def __call__(self, input_ids: Sequence[int], logits: Any) -> bool:
        self.longest = max(self.longest, len(input_ids))
        if self.tick is not None:
            self.tick()
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.timed_out = True
            return True
        if self.should_stop is not None and self.should_stop():
            self.cancelled = True
            return True
        return False
