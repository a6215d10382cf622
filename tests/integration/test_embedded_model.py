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
    from backends.ratings import expected_rating

    messages = [
        SystemMessage("You are a strict critic."),
        HumanMessage(
            "Text: 'The cat sat on the mat.'\nRate its clarity. Reply with one number from 1 to 10."
        ),
    ]
    probabilities = embedded_model.rating_probabilities(messages, range(1, 11), "Score: ")
    assert set(probabilities) == set(range(1, 11))
    assert 0.5 < sum(probabilities.values()) <= 1.0 + 1e-6
    assert probabilities[10] > 0  # "10" is two tokens for SmolLM2: read in a second step
    rating = expected_rating(embedded_model, messages)
    assert rating is not None and 1.0 <= rating <= 10.0
    assert rating == expected_rating(embedded_model, messages)  # no sampling: the same every time
    after = embedded_model.invoke([HumanMessage("Name one colour.")], max_tokens=8)
    assert after.content.strip()  # the probe leaves the model ready for normal generation
