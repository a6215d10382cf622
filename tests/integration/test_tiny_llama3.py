"""A real Llama 3 tokenizer and chat template through llama.cpp and the whole pipeline, in process.

The model (tests/tiny_llama3.py) has random weights: its prose is noise. These tests check the
plumbing, not quality: the chat template read from the GGUF, the Llama 3 header tokens in the
prompt llama.cpp receives, the stop on ``<|eot_id|>``, grammar-constrained JSON, a finished run.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from backends.factory import make_chat_model
from backends.structured import invoke_structured
from core.settings import load_settings
from tests.tiny_llama3 import BOS_ID, CHAT_TEMPLATE, CONTEXT_LENGTH, EOT_ID

pytestmark = pytest.mark.integration

START_HEADER, END_HEADER = 128006, 128007
MESSAGES = [SystemMessage("You write short posts."), HumanMessage("Write one line about green tea.")]


class Headline(BaseModel):
    title: str
    tags: list[str]


@pytest.fixture(scope="module")
def model(tiny_llama3: Any) -> Any:
    return make_chat_model(load_settings(model_path=tiny_llama3, n_threads=2, max_tokens=48))


@pytest.fixture
def recorded(model: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What the adapter hands llama.cpp (prompt tokens) and what llama.cpp samples (token ids)."""
    llama = model.llama
    seen: dict[str, list[Any]] = {"prompts": [], "sampled": []}
    create, sample = llama.create_completion, llama.sample

    def record_create(**kwargs: Any) -> Any:
        seen["prompts"].append(list(kwargs["prompt"]))
        return create(**kwargs)

    def record_sample(*args: Any, **kwargs: Any) -> int:
        token = sample(*args, **kwargs)
        seen["sampled"].append(int(token))
        return token

    monkeypatch.setattr(llama, "create_completion", record_create)
    monkeypatch.setattr(llama, "sample", record_sample)
    return seen


def test_the_chat_format_and_context_come_from_the_gguf(model):
    llama = model.llama
    assert llama.metadata["tokenizer.chat_template"] == CHAT_TEMPLATE
    assert llama.chat_format == "llama-3"  # chosen from that template's Llama 3 header markers
    assert llama.n_ctx() == CONTEXT_LENGTH  # the trained length, below the 8192 asked for
    assert llama.n_vocab() == 128256 and llama.token_eos() == EOT_ID


def test_the_prompt_carries_llama3_header_tokens_as_the_gguf_template_renders_them(model, recorded):
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from backends.chat_formats import to_llama_messages

    model.invoke(MESSAGES, max_tokens=4)
    prompt = recorded["prompts"][-1]
    assert prompt[0] == BOS_ID and prompt.count(BOS_ID) == 1
    assert prompt.count(START_HEADER) == 3 and prompt.count(END_HEADER) == 3  # system, user, assistant
    assert prompt.count(EOT_ID) == 2 and (prompt[-4], prompt[-2]) == (START_HEADER, END_HEADER)
    llama = model.llama
    rendered = Jinja2ChatFormatter(CHAT_TEMPLATE, eos_token="<|eot_id|>", bos_token="<|begin_of_text|>")(
        messages=to_llama_messages(MESSAGES)
    ).prompt
    assert prompt == llama.tokenize(rendered.encode(), add_bos=False, special=True)


def test_generation_stops_on_eot_when_the_model_samples_it(model, recorded):
    finished = []
    for seed in range(6):
        recorded["sampled"].clear()
        reply = model.invoke(MESSAGES, max_tokens=48, seed=seed)
        if reply.response_metadata["finish_reason"] == "stop":
            finished.append(seed)
            assert recorded["sampled"][-1] == EOT_ID
            assert len(recorded["sampled"]) < 48
            assert "<|eot_id|>" not in reply.content and "<|start_header_id|>" not in reply.content
    assert len(finished) >= 3, "the tiny model should end most turns with <|eot_id|>"


def test_grammar_constrained_json_parses(model):
    headline, reply = invoke_structured(model, Headline, MESSAGES, max_tokens=200)
    assert isinstance(headline, Headline)
    assert reply.usage_metadata["output_tokens"] > 3


def test_a_one_round_draft_ends_with_a_result(model):
    from core.state import DraftRequest
    from graph.runner import stream_draft

    request = DraftRequest(topic="Green tea at home", words=150, rounds=1, search="off", max_tokens=2000)
    events = list(stream_draft(request, load_settings(max_tokens=48), chat_model=model))
    done = [event for event in events if event.kind == "done"]
    assert len(done) == 1 and events[-1] is done[0]
    result = done[0].result
    assert [record.round for record in result.rounds] == [1]
    assert result.model == "tiny-llama3-q8_0.gguf" and result.totals.completion_tokens > 0
