"""The yardstick: one plain request to the same model, with the same sources pasted in.

The pipeline must beat this to earn its cost. The sources go into the prompt whole, in file
order, as far as the context window allows after the instructions and the answer; the request
asks for the same length, audience and tone, and for ``[n]`` citations, like the pipeline's post.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from bench.pipeline import Scenario
from core.policy import DEFAULT_POLICY
from core.request_limits import limits
from core.settings import Settings

ANSWER_SLACK = 1.25  # room beyond the target length, as the pipeline's token caps allow
SYSTEM = "You are a helpful blog writer."  # of three plain phrasings tried, the one SmolLM2 wrote most for
REQUEST = (
    "{sources}\n\n"
    "Write a blog post of about {words} words on: {topic}\n"
    "Audience: {audience}. Tone: {tone}.\n"
    "Use the sources above, cite them by number like [1], and start with a # title."
)


def source_files(folder: Path) -> list[tuple[str, str]]:
    """``(title, text)`` of every readable note in ``folder``, in name order."""
    from tools.local_corpus import SUPPORTED_SUFFIXES, read_source_file

    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file())
    return [read_source_file(path, 2_000_000) for path in files]


def paste_sources(sources: list[tuple[str, str]], budget_tokens: int, count_tokens: Any) -> tuple[str, int]:
    """The sources as numbered blocks, whole, until the token budget is spent (the last one cut
    to fit); returns the text and how many sources went in."""
    blocks: list[str] = []
    for number, (title, text) in enumerate(sources, 1):
        block = f"Source [{number}]: {title}\n{text}"
        room = budget_tokens - count_tokens("\n\n".join([*blocks, block]))
        if room < 0:
            words = block.split()
            keep = max(0, len(words) + int(room / DEFAULT_POLICY.text.tokens_per_word))
            if keep > 50:
                blocks.append(" ".join(words[:keep]))
            break
        blocks.append(block)
    return "\n\n".join(blocks), len(blocks)


def run_one_prompt(scenario: Scenario, settings: Settings) -> dict[str, Any]:
    """Load the model, ask once, and return the post with its time and token counts."""
    from graph import assembly

    model: Any = assembly.chat_model(settings)
    llama = model.llama

    def count_tokens(text: str) -> int:
        return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    answer_tokens = round(scenario.words * DEFAULT_POLICY.text.tokens_per_word * ANSWER_SLACK)
    sources = source_files(Path(scenario.sources_dir)) if scenario.sources_dir else []
    fill = {"words": scenario.words, "topic": scenario.topic}
    fill |= {"audience": limits("audience").default, "tone": limits("tone").default}  # as the app asks
    overhead = count_tokens(SYSTEM + REQUEST.format(**fill, sources="")) + 64  # chat template tokens
    pasted, used = paste_sources(sources, llama.n_ctx() - answer_tokens - overhead, count_tokens)
    prompt = REQUEST.format(**fill, sources=pasted)
    started = time.perf_counter()
    reply = model.invoke([SystemMessage(SYSTEM), HumanMessage(prompt)], max_tokens=answer_tokens)
    wall = time.perf_counter() - started
    usage = reply.usage_metadata or {}
    return {
        "wall_seconds": round(wall, 3),
        "markdown": str(reply.content),
        "prompt_tokens": usage.get("input_tokens", 0),
        "completion_tokens": usage.get("output_tokens", 0),
        "sources_pasted": used,
        "sources_total": len(sources),
        "source_texts": {str(n): text for n, (_, text) in enumerate(sources, 1)},
    }
