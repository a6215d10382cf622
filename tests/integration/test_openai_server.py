"""The OpenAI-compatible backend against a real llama.cpp server on 127.0.0.1."""

import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from backends.factory import make_chat_model
from backends.structured import invoke_structured
from core.settings import load_settings

pytestmark = pytest.mark.integration


class Verdict(BaseModel):
    score: int = Field(ge=1, le=10)
    reason: str = Field(max_length=120)


@pytest.fixture
def server_model(llama_server):
    return make_chat_model(
        load_settings(backend="openai", base_url=llama_server, openai_model="smollm2", max_tokens=64)
    )


def test_streams_a_reply(server_model):
    chunks = list(server_model.stream([HumanMessage("Say hello.")]))
    assert "".join(str(chunk.content) for chunk in chunks).strip()
    assert len([c for c in chunks if c.content]) > 1


def test_reports_usage(server_model):
    # llama-cpp-python's server omits usage from streams (stream_options is not supported there).
    reply = server_model.invoke([HumanMessage("Say hello.")])
    assert reply.usage_metadata and reply.usage_metadata["output_tokens"] > 0


def test_structured_output_is_valid(server_model):
    verdict, _ = invoke_structured(
        server_model, Verdict, [HumanMessage("Rate this sentence from 1 to 10: Tea is nice.")]
    )
    assert 1 <= verdict.score <= 10
