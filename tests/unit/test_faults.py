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
from backends.llama_cpp_chat import LlamaCppChatModel
from core.errors import BackendError, BadInputError
from core.markers import strip_citations
from core.settings import load_settings
from core.state import DraftRequest
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
    """A llama.cpp stand-in whose replies never end by themselves: only ``max_tokens`` stops them.
    Each token is one word of sentences no other reply holds (naming the topic, as a writer on
    task would), so a reply cut at its cap runs long for its section and the editor is asked to
    tighten it."""

    def __init__(self) -> None:
        super().__init__([], chat_format="llama-3")
        self.sampled: list[int] = []

    def _emit(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.pieces = [
            word + " "
            for word in prose(2_000, 99 + len(self.sampled), subject="brewing tea at home").split(" ")
        ]
        self.sampled.append(0)
        for chunk in super()._emit(request):
            self.sampled[-1] += bool(chunk["choices"][0]["text"])
            yield chunk


# The plan for 600 words, worked out by hand from its published numbers (agents/text/lengths.py's
# docstring and README): 3 body sections; the intro gets 12% (72 words), the conclusion 10% (60),
# each body section a third of the rest (156). A section's cap is 1.35 tokens a word plus 16 to
# finish the last sentence: 72 -> 113, 156 -> 227, 60 -> 97.
INTRO_CAP, BODY_CAP, CONCLUSION_CAP = 113, 227, 97


def test_endless_replies_are_bounded(tmp_path):
    """Writer and editor generate through the llama.cpp adapter on an engine that never stops:
    each call is cut at the cap of its section's planned length, and the post stays near its
    length."""
    llama = EndlessLlama()
    adapter = LlamaCppChatModel(llama=llama, max_tokens=4096)
    team = FakeTeam(critic_scores=[4])
    scripted, agents = team.reply, []

    def endless(messages):
        agent = agent_of(messages)
        if agent in {"writer", "editor"}:  # the same call, on the adapter
            agents.append(agent)
            return adapter.invoke(messages, max_tokens=team.model.calls[-1][1].get("max_tokens")).text
        return scripted(messages)

    team.model.default_reply = endless
    result = draft(
        DraftRequest(topic="Brewing tea at home", search="off", rounds=2, threshold=10, words=600),
        load_settings(data_dir=tmp_path),
        chat_model=team.model,
        checkpointer=InMemorySaver(),
    )
    assert len(result.rounds) == 2 and result.markdown.startswith("# ")
    caps = [request["max_tokens"] for request in llama.requests]
    by_agent = {agent: [cap for a, cap in zip(agents, caps, strict=True) if a == agent] for agent in agents}
    assert by_agent["writer"][:5] == [INTRO_CAP, BODY_CAP, BODY_CAP, BODY_CAP, CONCLUSION_CAP]  # round 1
    assert set(by_agent["writer"]) <= {INTRO_CAP, BODY_CAP, CONCLUSION_CAP}
    assert by_agent.get("editor"), "the editor made no model call"  # every body section runs long
    assert BODY_CAP in by_agent["editor"] and set(by_agent["editor"]) <= {INTRO_CAP, BODY_CAP, CONCLUSION_CAP}
    assert llama.sampled == caps  # every reply ran to its cap and not one token past it
    words = len(strip_citations(result.markdown).split())
    assert words <= 1.6 * 600, words


def test_json_that_never_validates_falls_back_everywhere(tmp_path):
    seeds = itertools.count(1)

    def wrong(messages):
        agent = agent_of(messages)
        if agent in {"outliner", "critic", "researcher"}:
            return '{"title": 5, "scores": "high"}'
        return prose(80, next(seeds), subject="brewing tea at home")

    result = run_with(wrong, tmp_path, rounds=4)
    assert len(result.rounds) == 1 and result.rounds[0].critique.fallback
    assert "## Brewing tea at home step by step" in result.markdown


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
