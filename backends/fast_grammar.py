"""Grammar-constrained sampling at close to free-text speed: sample first, check one token.

llama-cpp-python 0.3.16 puts the grammar into the sampler chain before top-k, so every token
llama.cpp checks the whole vocabulary against the grammar (151,936 candidates for Qwen2.5,
128,256 for Llama 3): about 6 ms per token outside the model on this machine, the tiny Llama 3
test model sampled about 20 times fewer tokens/s under the JSON grammar than free text.

llama.cpp's own common sampler (``common/sampling.cpp``) does it the other way round, and so do
we here: run the ordinary chain (penalties, top-k/top-p/min-p, temperature or greedy) on the raw
logits, check only the chosen token against the grammar, and only when it is rejected apply the
grammar to the whole vocabulary and run the chain again. Under greedy decoding both orders pick
the same token: an allowed argmax is the argmax of the allowed tokens, and the grammar's mask
commutes with the penalties. With temperature, an allowed first pick is kept as it came, as in
llama.cpp's own tools.

:func:`install` patches one ``Llama`` so that a grammar marked by :func:`sample_first` takes
this path; a plain ``LlamaGrammar`` still gets llama-cpp-python's own chain.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import numpy as np

TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])  # llama_token_data


@dataclass
class GrammarStats:
    """What the sample-first path did on one ``Llama`` since :func:`install` (for tests and the
    bench): tokens sampled, and how many of them the grammar rejected and had resampled."""

    sampled: int = 0
    resampled: int = 0


def sample_first(grammar: Any) -> Any:
    """Mark ``grammar`` (a ``LlamaGrammar``) for the sample-first path; returns it."""
    grammar.sample_first = True
    return grammar


def install(llama: Any) -> GrammarStats:
    """Make ``llama`` sample grammars marked by :func:`sample_first` sample-first (idempotent);
    return its counters."""
    stats: GrammarStats | None = getattr(llama, "draftsmith_grammar_stats", None)
    if stats is not None:
        return stats
    stats = GrammarStats()
    original = llama._init_sampler

    def init_sampler(*, grammar: Any = None, **options: Any) -> Any:
        if grammar is None or not getattr(grammar, "sample_first", False):
            return original(grammar=grammar, **options)
        return GrammarLastSampler(llama, original(grammar=None, **options), grammar, stats)

    llama._init_sampler = init_sampler
    llama.draftsmith_grammar_stats = stats
    return stats


class GrammarLastSampler:
    """Stands in for llama-cpp-python's ``LlamaSampler`` inside ``Llama.generate``: the chain
    without the grammar first, the grammar on the chosen token, the full grammar only on rejection.
    """

    def __init__(self, llama: Any, chain: Any, grammar: Any, stats: GrammarStats) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self._chain = chain  # a LlamaSampler: keeps its Python callbacks (logits processors) alive
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._grammar:
            raise ValueError("llama.cpp could not parse the grammar")
        self._stats = stats
        self._n_vocab = int(llama.n_vocab())
        self._ids = np.arange(self._n_vocab, dtype=np.int32)
        self._candidates = np.zeros(self._n_vocab, dtype=TOKEN_DATA)
        self._array = llama_cpp.llama_token_data_array(
            data=self._candidates.ctypes.data_as(llama_cpp.llama_token_data_p),
            size=self._n_vocab,
            selected=-1,
            sorted=False,
        )
        self._one = np.zeros(1, dtype=TOKEN_DATA)
        self._one_array = llama_cpp.llama_token_data_array(
            data=self._one.ctypes.data_as(llama_cpp.llama_token_data_p), size=1, selected=-1, sorted=False
        )

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """Choose the next token from the logits at ``idx``, accept it in the chain and the grammar."""
        lib = self._lib
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(ctx.ctx, idx), shape=(self._n_vocab,))
        token = self._choose(logits, with_grammar=False)
        self._stats.sampled += 1
        if not self._allowed(token):
            self._stats.resampled += 1
            token = self._choose(logits, with_grammar=True)
        lib.llama_sampler_accept(self._grammar, token)
        lib.llama_sampler_accept(self._chain.sampler, token)
        return token

    def _choose(self, logits: np.ndarray, with_grammar: bool) -> int:
        candidates = self._candidates
        candidates["id"] = self._ids
        candidates["logit"] = logits
        candidates["p"] = 0.0
        array = self._array
        # (re)pointed at our buffer each time: a sampler may have pointed it elsewhere
        array.data = candidates.ctypes.data_as(self._lib.llama_token_data_p)  # type: ignore[assignment]
        array.size, array.selected, array.sorted = self._n_vocab, -1, False
        if with_grammar:
            self._lib.llama_sampler_apply(self._grammar, ctypes.byref(array))
        self._lib.llama_sampler_apply(self._chain.sampler, ctypes.byref(array))
        if not 0 <= array.selected < array.size:
            raise RuntimeError("llama.cpp's sampler chain selected no token")
        return int(array.data[array.selected].id)

    def _allowed(self, token: int) -> bool:
        one, array = self._one, self._one_array
        one["id"], one["logit"], one["p"] = token, 1.0, 0.0
        array.size, array.selected, array.sorted = 1, -1, False
        self._lib.llama_sampler_apply(self._grammar, ctypes.byref(array))
        return bool(np.isfinite(one["logit"][0]))

    def accept(self, token: int) -> None:
        """Advance the chain and the grammar by a token chosen elsewhere."""
        self._lib.llama_sampler_accept(self._grammar, token)
        self._lib.llama_sampler_accept(self._chain.sampler, token)

    def close(self) -> None:
        """Free the grammar sampler (the chain frees itself)."""
        if self._grammar:
            self._lib.llama_sampler_free(self._grammar)
            self._grammar = None

    def __del__(self) -> None:
        self.close()
