"""The real embedded model through our adapter. Also a crash canary for llama-cpp-python upgrades."""

from typing import TypedDict

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel, Field

from backends.structured import invoke_structured

pytestmark = pytest.mark.integration


class Headline(BaseModel):
    title: str = Field(min_length=3, max_length=80)
    tags: list[str] = Field(min_length=1, max_length=3)


def test_generates_tokens_without_crashing(embedded_model):
    reply = embedded_model.invoke([HumanMessage("Name one colour.")], max_tokens=8)
    assert reply.content.strip()
    usage = reply.usage_metadata
    assert usage["input_tokens"] > 5
    assert 1 <= usage["output_tokens"] <= 8


def test_streams_several_chunks(embedded_model):
    chunks = [
        chunk.content for chunk in embedded_model.stream([HumanMessage("Count to five.")], max_tokens=20)
    ]
    assert len([c for c in chunks if c]) > 3


def test_structured_output_is_valid_for_the_schema(embedded_model):
    headline, reply = invoke_structured(
        embedded_model,
        Headline,
        [SystemMessage("Reply with JSON."), HumanMessage("A headline and tags for a post about tea.")],
    )
    assert isinstance(headline, Headline)
    assert reply.usage_metadata["output_tokens"] > 0


def test_langgraph_messages_mode_sees_streamed_tokens(embedded_model):
    class State(TypedDict):
        text: str

    def write(state: State) -> State:
        return {
            "text": str(
                embedded_model.invoke([HumanMessage("Say hello to the reader.")], max_tokens=12).content
            )
        }

    graph = StateGraph(State)
    graph.add_node("write", write)
    graph.add_edge(START, "write")
    graph.add_edge("write", END)
    tokens = [
        chunk.content
        for chunk, meta in graph.compile().stream({"text": ""}, stream_mode="messages")
        if meta["langgraph_node"] == "write" and chunk.content
    ]
    assert len(tokens) > 1


def test_rating_probabilities_are_read_from_the_real_model(embedded_model):
    import numpy as np

    from backends.engine_thread import run_on_engine
    from backends.ratings import expected_rating

    llama = embedded_model.llama
    messages = [
        SystemMessage("You are a strict critic."),
        HumanMessage(
            "Text: 'The cat sat on the mat.'\nRate its clarity. Reply with one number from 1 to 10."
        ),
    ]
    calls: list[dict] = []
    first_logits: list = []
    create = llama.create_completion

    def recording(**request):
        calls.append(request)
        if len(calls) == 1:  # also keep the first pass's own logits, as the probe saw them
            request["logits_processor"].append(
                lambda ids, logits: first_logits.append(np.array(logits, dtype="float64")) or logits
            )
        return create(**request)

    llama.create_completion = recording
    try:
        probabilities = embedded_model.rating_probabilities(messages, range(1, 11), "Score: ")
    finally:
        del llama.create_completion
    assert len(calls) == 2  # the prompt, then the prompt plus "1" (for "10", two tokens here)
    assert set(probabilities) == set(range(1, 11))
    assert 0.5 < sum(probabilities.values()) <= 1.0 + 1e-6
    # P(1) + P(10) is the first pass's probability of the token "1", split by the second pass.
    one = llama.tokenize(b"1", add_bos=False, special=False)[0]
    weights = np.exp(first_logits[0] - first_logits[0].max())
    first = weights[one] / weights.sum()
    assert probabilities[1] + probabilities[10] == pytest.approx(first, rel=1e-3)
    rating = expected_rating(embedded_model, messages)
    assert rating is not None and 1.0 <= rating <= 10.0
    # The probe leaves the KV cache consistent: greedy text after it matches text from a reset.
    colour = [HumanMessage("Name three colours.")]
    after_probe = embedded_model.invoke(colour, max_tokens=12, temperature=0.0).content
    run_on_engine(llama.reset)
    assert embedded_model.invoke(colour, max_tokens=12, temperature=0.0).content == after_probe
