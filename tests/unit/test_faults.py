"""Faults in the model: empty replies, endless replies, invalid JSON, exceptions, a context too small.
Every run ends with a result (marked as needed) or one clean error."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

import cli
from agents.lengths import max_tokens_for, section_lengths
from backends.llama_cpp_chat import LlamaCppChatModel
from core.errors import BackendError, BadInputError
from core.markers import strip_citations
from core.settings import load_settings
from core.state import DraftRequest, Outline
from graph.runner import draft
from tests.fakes import FakeLlama
from tests.team import FakeTeam, agent_of, prose


def run_with(reply, tmp_path, **request):
    team = FakeTeam()
    team.model.default_reply = reply
    request.setdefault("topic", "Brewing tea at home")
    return draft(
        DraftRequest(search="off", **request),
        load_settings(data_dir=tmp_path),
        chat_model=team.model,
        checkpointer=InMemorySaver(),
    )


def test_a_model_that_says_nothing_still_ends_with_a_result(tmp_path):
    result = run_with(lambda messages: "", tmp_path, rounds=3)
    assert len(result.rounds) == 1 and result.rounds[0].critique.fallback
    assert result.markdown.startswith("# ")
    assert any("outliner reply was unusable" in w for w in result.warnings)


class EndlessLlama(FakeLlama):
    """A llama.cpp stand-in whose replies never end by themselves: only ``max_tokens`` stops them."""

    def __init__(self) -> None:
        super().__init__(prose(20_000, 99).split(" "), chat_format="llama-3")
        self.sampled: list[int] = []

    def _emit(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.sampled.append(0)
        for chunk in super()._emit(request):
            self.sampled[-1] += bool(chunk["choices"][0]["text"])
            yield chunk


def test_endless_replies_are_bounded(tmp_path):
    """Writer and editor generate through the llama.cpp adapter on an engine that never stops:
    each call is cut at a token cap sized to its section, and the post stays near its length."""
    llama = EndlessLlama()
    adapter = LlamaCppChatModel(llama=llama, max_tokens=4096)
    team = FakeTeam(critic_scores=[4])
    scripted, outlines = team.reply, []

    def endless(messages):
        if agent_of(messages) in {"writer", "editor"}:  # the same call, on the adapter
            return adapter.invoke(messages, max_tokens=team.model.calls[-1][1]["max_tokens"]).text
        reply = scripted(messages)
        if agent_of(messages) == "outliner":
            outlines.append(Outline.model_validate(reply))
        return reply

    team.model.default_reply = endless
    result = draft(
        DraftRequest(topic="Brewing tea at home", search="off", rounds=2, threshold=10, words=600),
        load_settings(data_dir=tmp_path),
        chat_model=team.model,
        checkpointer=InMemorySaver(),
    )
    assert len(result.rounds) == 2 and result.markdown.startswith("# ")
    caps = [request["max_tokens"] for request in llama.requests]
    section_caps = {max_tokens_for(words) for words in section_lengths(result.request, outlines[0])}
    assert len(caps) >= 10 and set(caps) <= section_caps and max(caps) < 4096
    assert llama.sampled == caps  # every reply ran to its cap and not one token past it
    words = len(strip_citations(result.markdown).split())
    assert words <= 1.6 * 600, words


def test_json_that_never_validates_falls_back_everywhere(tmp_path):
    seeds = itertools.count(1)

    def wrong(messages):
        agent = agent_of(messages)
        if agent in {"outliner", "critic", "researcher"}:
            return '{"title": 5, "scores": "high"}'
        return prose(80, next(seeds))

    result = run_with(wrong, tmp_path, rounds=4)
    assert len(result.rounds) == 1 and result.rounds[0].critique.fallback
    assert "## Why it matters" in result.markdown


def test_a_model_exception_is_one_clean_error(tmp_path):
    def broken(messages):
        raise TimeoutError("read timed out")

    with pytest.raises(BackendError, match=r"^outliner failed in round 1: read timed out$"):
        run_with(broken, tmp_path)


def test_a_prompt_longer_than_the_context_is_bad_input():
    llama = FakeLlama(["x"], chat_format="llama-3")
    llama.n_ctx = lambda: 64  # type: ignore[attr-defined]
    with pytest.raises(BadInputError, match=r"does not fit the model's context window \(64 tokens\)"):
        LlamaCppChatModel(llama=llama).invoke([HumanMessage("word " * 100)])


def test_max_tokens_is_clipped_to_the_room_left():
    llama = FakeLlama(["x"], chat_format="llama-3")
    llama.n_ctx = lambda: 200  # type: ignore[attr-defined]
    LlamaCppChatModel(llama=llama, max_tokens=500).invoke([HumanMessage("hi")])
    request = llama.requests[0]
    assert request["max_tokens"] == 200 - len(request["prompt"])


def test_unreachable_server_is_a_clear_runtime_error(capsys, tmp_path):
    from tests.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    code = cli.main(
        ["draft", "Brewing tea", "--quiet", "--search", "off", "--backend", "openai", "--base-url", url]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert f"cannot reach the model server at {url} (is it running? check --base-url)" in err
    assert err.count("\n") == 1
