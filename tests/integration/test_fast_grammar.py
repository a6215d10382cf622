"""Sample-first grammar sampling (backends/fast_grammar.py) on real models.

Greedy decoding must pick exactly the tokens llama-cpp-python's whole-vocabulary grammar sampler
picks, and a token the grammar rejects must be resampled under the grammar, so the JSON always
validates. The tiny Llama 3 model (random weights, the real 128k vocabulary) proposes mostly
tokens the grammar rejects; the embedded model mostly valid ones.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from backends import fast_grammar
from backends.factory import make_chat_model
from backends.structured import response_format_for
from core.settings import load_settings

pytestmark = pytest.mark.integration


class Plan(BaseModel):
    title: str
    sections: list[str]
    queries: list[str]


class Score(BaseModel):
    clarity: int
    depth: int
    notes: list[str]


MAX_TOKENS = 60
PROMPTS = [
    [SystemMessage("You plan blog posts."), HumanMessage("Plan a post on sourdough. Answer in JSON.")],
    [SystemMessage("You review drafts."), HumanMessage("Score this: 'Tea is good.' JSON only.")],
    [HumanMessage("Write a long poem about the sea, with rhymes.")],  # prose first: the grammar must win
]


def both_paths(model: Any) -> tuple[Any, Any]:
    """The same adapter and Llama, sampling the grammar first (llama-cpp-python) and last (ours)."""
    return model.model_copy(update={"grammar_sample_first": False}), model.model_copy(
        update={"grammar_sample_first": True}
    )


def greedy_json(model: Any, messages: list[BaseMessage], schema: type[BaseModel]) -> str:
    model.llama.reset()  # the same KV state for both paths (a reused prefix can differ in the last bits)
    reply = model.invoke(
        messages, response_format=response_format_for(schema), temperature=0.0, max_tokens=MAX_TOKENS
    )
    return str(reply.content)


def resampled(model: Any) -> int:
    stats = getattr(model.llama, "draftsmith_grammar_stats", None)
    return stats.resampled if stats is not None else 0


@pytest.fixture(scope="module")
def tiny(tiny_llama3: Any) -> Any:
    return make_chat_model(load_settings(model_path=tiny_llama3, n_threads=2, max_tokens=120))


@pytest.mark.parametrize("schema", [Plan, Score])
@pytest.mark.parametrize("prompt", range(len(PROMPTS)))
def test_greedy_output_equals_the_whole_vocabulary_grammar_on_tiny_llama3(tiny, schema, prompt):
    full, fast = both_paths(tiny)
    before = resampled(tiny)
    assert greedy_json(fast, PROMPTS[prompt], schema) == greedy_json(full, PROMPTS[prompt], schema)
    assert resampled(tiny) > before, "the noise model should propose tokens the grammar rejects"


@pytest.mark.parametrize("schema", [Plan, Score])
@pytest.mark.parametrize("prompt", range(len(PROMPTS)))
def test_greedy_output_equals_the_whole_vocabulary_grammar_on_the_embedded_model(
    embedded_model, schema, prompt
):
    full, fast = both_paths(embedded_model)
    assert greedy_json(fast, PROMPTS[prompt], schema) == greedy_json(full, PROMPTS[prompt], schema)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rejected_tokens_are_resampled_so_sampled_json_validates(embedded_model, tiny, seed):
    for model in (embedded_model, tiny):
        _, fast = both_paths(model)
        before = resampled(model)
        fast.llama.reset()
        reply = fast.invoke(
            PROMPTS[2], response_format=response_format_for(Plan), seed=seed, temperature=0.8, max_tokens=200
        )
        assert resampled(model) > before, "a poem request must start with tokens the grammar rejects"
        text = str(reply.content)
        if reply.response_metadata["finish_reason"] == "stop":  # not cut off by the token cap
            assert Plan.model_validate(json.loads(text, strict=False))
        else:  # cut off: still a prefix the grammar allows
            assert text.lstrip().startswith('{"title"') or text.lstrip().startswith('{ "title"'), text


def test_free_text_is_untouched_by_the_grammar_path(embedded_model):
    _, fast = both_paths(embedded_model)
    stats = fast_grammar.install(embedded_model.llama)
    sampled = stats.sampled
    fast.llama.reset()
    reply = fast.invoke(PROMPTS[2], temperature=0.0, max_tokens=20)
    assert not str(reply.content).lstrip().startswith("{")
    assert stats.sampled == sampled
