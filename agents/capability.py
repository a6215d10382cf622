"""Can this model write? Measured, never guessed from its name.

Models that can write (Llama 3.2 1B and up) explain their evidence in their own words, so the
pipeline plans, checks and asks for fixes ("free" writing). The embedded 135M model cannot
paraphrase (it kept the fact in 2 of 32 rewrites), so its posts are assembled from condensed,
cited source facts ("extractive"). A model loaded in process is measured by its parameter count
(read by llama.cpp from the GGUF); a model behind a server is asked one short probe.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from agents.text.prompts import render
from core.policy import run_policy
from core.text import COMMA_WORD_RE

WritingMode = Literal["free", "extractive"]
WritingChoice = Literal["auto", "free", "extractive"]

PROBE_SENTENCE = (
    "The Vasa Bridge, finished in 1937 after six years of work, spans 1,280 metres across the "
    "strait and carries four lanes of traffic."
)
PROBE_FACTS = ("1937", "1,280")


def decide_writing(model: BaseChatModel, choice: WritingChoice = "auto") -> WritingMode:
    """``choice`` unless it is "auto"; then by the model's size, or a probe for a server model.

    A chat model that reports neither (a test double, a notebook's own model) is taken not to
    write: the extractive path is the one that works for every model.
    """
    if choice != "auto":
        return choice
    size = getattr(model, "parameter_count", None)
    if isinstance(size, int):
        return "free" if size >= run_policy().capability.free_writer_parameters else "extractive"
    if getattr(model, "openai_api_base", None) or getattr(model, "base_url", None):
        return probe_writing(model)
    return "extractive"


def probe_writing(model: BaseChatModel) -> WritingMode:
    """Ask the model to restate one sentence in its own words, keeping its facts and citation;
    "free" when it does all of that in one sentence, "extractive" otherwise (or on any error)."""
    prompt = render("capability", "capability", sentence=PROBE_SENTENCE)
    try:
        policy = run_policy().capability
        reply = model.invoke(
            [HumanMessage(prompt)], max_tokens=policy.probe_max_tokens, temperature=policy.probe_temperature
        )
    except Exception:  # an unreachable server fails later with its own error
        return "extractive"
    return "free" if is_paraphrase(str(reply.content)) else "extractive"


def is_paraphrase(text: str) -> bool:
    """True when ``text`` keeps the probe's facts and citation in its own words."""
    policy = run_policy().capability
    words = COMMA_WORD_RE.findall(text.lower())
    fewest, most = policy.probe_words
    shared_run = policy.probe_max_shared_run
    if not fewest <= len(words) <= most or "[1]" not in text:
        return False
    if not all(fact in text for fact in PROBE_FACTS):
        return False
    source = COMMA_WORD_RE.findall(PROBE_SENTENCE.lower())
    runs = {tuple(source[i : i + shared_run]) for i in range(len(source) - shared_run + 1)}
    return not any(tuple(words[i : i + shared_run]) in runs for i in range(len(words)))
