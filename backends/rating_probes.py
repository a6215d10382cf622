"""Rating probes on an in-process ``llama_cpp.Llama``: how likely each rating is as the reply's
next token, read from the model's distribution instead of sampled (``backends.ratings`` turns that
into a rating), and the cache reset a probe leaves owed to the next chat call. The chat model
(``backends.llama_cpp_chat``) calls these with the model's lock held, on the engine thread."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage

from backends.cancel import GenerationCancelled, StopCheck
from backends.chat_formats import formatter_for, to_llama_messages
from backends.generation import fit_to_context
from backends.ratings import spelled_probabilities


def probe_ratings(
    llama: Any,
    messages: list[BaseMessage],
    ratings: list[int],
    answer_prefix: str,
    should_stop: StopCheck | None,
    seed: int | None,
) -> dict[int, float]:
    """Each rating's probability as the reply to ``messages`` begun with ``answer_prefix``: one
    forward pass for the prompt, one per multi-token spelling. Marks the model as probed (see
    :func:`reset_after_probes`).

    Raises:
        GenerationCancelled: ``should_stop`` said so before a forward pass.
    """
    import numpy as np
    from llama_cpp import LogitsProcessorList

    formatted = formatter_for(llama)(messages=to_llama_messages(messages))
    text = formatted.prompt + answer_prefix
    prompt = llama.tokenize(text.encode("utf-8"), add_bos=not formatted.added_special, special=True)
    fit_to_context(len(prompt), 1, llama)
    reply_start = text[text.rfind("\n") + 1 :]  # decides how a number right after it is split
    spellings = {rating: spelling(llama, reply_start, str(rating)) for rating in ratings}
    distributions: dict[tuple[int, ...], Any] = {}

    def next_token(prefix: tuple[int, ...]) -> Any:
        if prefix not in distributions:
            if should_stop is not None and should_stop():
                raise GenerationCancelled("stopped while rating")
            captured: list[Any] = []

            def capture(_ids: Any, logits: Any) -> Any:
                captured.append(np.array(logits, dtype=np.float64, copy=True))
                return logits

            llama.create_completion(
                prompt=prompt + list(prefix),
                max_tokens=1,
                temperature=0.0,
                seed=seed,
                logits_processor=LogitsProcessorList([capture]),
            )
            weights = np.exp(captured[0] - captured[0].max())
            distributions[prefix] = weights / weights.sum()
        return distributions[prefix]

    try:
        return {rating: float(p) for rating, p in spelled_probabilities(spellings, next_token).items()}
    finally:
        # One-token probes with a logits hook left this CPU's llama.cpp (0.3.16, native build)
        # with a KV cache whose reuse changed the next greedy generation; the next chat call
        # evaluates its prompt afresh instead. Later probes keep the cache: each rating
        # question re-sends the draft, and re-evaluating it cost 6-15 s per question on
        # the capable model (1 thread), where reusing it costs nothing.
        llama.draftsmith_probed = True


def reset_after_probes(llama: Any) -> None:
    """Forget llama.cpp's cached prefix when rating probes came last (with the model's lock held)."""
    if getattr(llama, "draftsmith_probed", False):
        llama.draftsmith_probed = False
        reset = getattr(llama, "reset", None)
        if reset is not None:
            reset()


def spelling(llama: Any, before: str, answer: str) -> tuple[int, ...]:
    """The tokens ``answer`` becomes right after ``before`` (tokenizers that mark word
    starts, like SentencePiece's, spell a number differently on its own)."""

    def tokens(text: str) -> list[int]:
        return list(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    head, whole = tokens(before), tokens(before + answer)
    if whole[: len(head)] == head and len(whole) > len(head):
        return tuple(whole[len(head) :])
    return tuple(tokens(answer))
