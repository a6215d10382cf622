"""Stopping a run from outside: Stop while the model is generating (in process or on a server), and
Ctrl-C at the terminal. Both keep what was finished and leave the run resumable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import BaseModel

from backends.cancel import GenerationCancelled, stop_check
from backends.factory import make_chat_model
from backends.llama_cpp_chat import LlamaCppChatModel
from backends.structured import invoke_structured
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import resume_draft, stream_draft
from graph.store import open_run_index
from tests.fakes import FakeLlama
from tests.servers import cli_env, openai_backend, start_cli, wait_for
from tests.slow_openai import Served, Slow, SlowServer
from tests.team import FakeTeam, agent_of
from tools.base import NoSearch

ROOT = Path(__file__).resolve().parents[2]
REQUEST = DraftRequest(topic="Brewing tea at home", rounds=3, threshold=10, search="off")


class StopAfterTokens(FakeLlama):
    """A llama.cpp stand-in that presses Stop once it has sampled ``after`` tokens of a reply."""

    def __init__(self, stop: threading.Event, after: int) -> None:
        super().__init__(["steep "] * 400, chat_format="llama-3")
        self.stop, self.after, self.sampled = stop, after, 0

    def _emit(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for chunk in super()._emit(request):
            self.sampled += 1
            if self.sampled == self.after:
                self.stop.set()
            yield chunk


def team_generating_in_round_two(llama: FakeLlama) -> FakeTeam:
    """Scripted agents, except that round 2's writer generates through the llama.cpp adapter."""
    team = FakeTeam(critic_scores=[5, 6, 7])
    scripted = team.reply
    adapter = LlamaCppChatModel(llama=llama, max_tokens=400)

    def reply(messages):
        if agent_of(messages) == "writer" and team.prompts_of("critic"):
            return adapter.invoke(messages).text
        return scripted(messages)

    team.model.default_reply = reply
    return team


def test_stop_during_a_generation_keeps_the_best_round_and_the_run_resumes(tmp_path):
    settings = load_settings(data_dir=tmp_path)
    stop = threading.Event()
    llama = StopAfterTokens(stop, after=20)
    events = list(
        stream_draft(
            REQUEST,
            settings,
            chat_model=team_generating_in_round_two(llama).model,
            search=NoSearch(),
            should_stop=stop.is_set,
        )
    )
    result = events[-1].result
    assert len(llama.requests) == 1 and llama.sampled == 20  # cut at the next token check, not at 400
    assert result.status == "stopped" and [r.round for r in result.rounds] == [1]
    assert result.best_round == 1 and result.markdown.startswith("# A Scripted Post")
    index = open_run_index(tmp_path)
    info = index.get(result.run_id)
    index.connection.close()
    assert info is not None and info.shown_status == "stopped" and info.resumable

    resumed = list(
        resume_draft(
            result.run_id, settings, chat_model=FakeTeam(critic_scores=[6, 7]).model, search=NoSearch()
        )
    )[-1].result
    assert resumed.status == "completed" and [r.round for r in resumed.rounds] == [1, 2, 3]
    steps = [(step.agent, step.round) for step in resumed.telemetry]
    assert len(steps) == len(set(steps)) and ("writer", 2) in steps  # round 2's writer ran once, to the end


def press_stop_when(condition: Any, stop: threading.Event) -> list[float]:
    """Set ``stop`` from another thread once ``condition()`` holds; the list gets the time it did."""
    pressed: list[float] = []

    def watch() -> None:
        deadline = time.monotonic() + 120
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        pressed.append(time.monotonic())
        stop.set()

    threading.Thread(target=watch, daemon=True).start()
    return pressed


def slow_requests(server: SlowServer) -> list[Served]:
    return [served for served in server.requests if served.slow]


def slow_in_round_two() -> Any:
    """Server replies of the scripted team, except that round 2's writer streams for 60 s."""
    team, critic_seen = FakeTeam(critic_scores=[5, 6, 7]), []
    endless = Slow(["steep "] * 400, delay=0.15)

    def reply(messages: list[BaseMessage]) -> Any:
        try:
            agent = agent_of(messages)
        except AssertionError:  # the writing-capability probe: not a paraphrase, so extractive writing
            return "no"
        critic_seen.append(agent == "critic")
        if agent == "writer" and any(critic_seen):
            return endless
        return team.reply(messages)

    return reply


def test_stop_cuts_a_server_generation_in_flight_and_the_server_sees_the_client_go(tmp_path):
    stop = threading.Event()
    with SlowServer(slow_in_round_two()) as server:
        settings = load_settings(data_dir=tmp_path, backend="openai", base_url=server.url)
        pressed = press_stop_when(lambda: any(r.sent >= 10 for r in slow_requests(server)), stop)
        events = list(stream_draft(REQUEST, settings, search=NoSearch(), should_stop=stop.is_set))
        ended = time.monotonic()
        (cut,) = slow_requests(server)
        assert client_hung_up(cut)
    result = events[-1].result
    assert ended - pressed[0] < 10  # cut in flight: the server would have streamed for another 58 s
    assert cut.body["stream"] is True and not cut.finished and 10 <= cut.sent < 400
    assert result.status == "stopped" and [r.round for r in result.rounds] == [1]
    assert result.best_round == 1 and result.markdown.startswith("# A Scripted Post")
    with open_run_index(tmp_path) as index:
        info = index.get(result.run_id)
    assert info is not None and info.shown_status == "stopped" and info.resumable


def client_hung_up(served: Served, seconds: float = 10) -> bool:
    """Whether the server saw the client close the connection (it notices at its next piece)."""
    deadline = time.monotonic() + seconds
    while not (served.hung_up or served.finished) and time.monotonic() < deadline:
        time.sleep(0.02)
    return served.hung_up


class Verdict(BaseModel):
    score: int


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_stop_cuts_a_structured_server_call_before_its_first_token(chunked):
    """A plain ``invoke`` (no streaming callback) of a structured call: while a stop check is in
    effect it streams, so Stop cuts it even while the server still processes the prompt. A body
    that ends when the connection closes looks whole when cut; it is still a cancellation."""
    thinking = Slow(['{"score": 7}'], first_delay=60)  # a long prompt on a slow CPU
    stop = threading.Event()
    with SlowServer(lambda messages: thinking, chunked=chunked) as server:
        model = make_chat_model(load_settings(backend="openai", base_url=server.url))
        pressed = press_stop_when(lambda: bool(server.requests) and server.requests[0].arrived.is_set(), stop)
        with stop_check(stop.is_set), pytest.raises(GenerationCancelled):
            invoke_structured(model, Verdict, [HumanMessage("Score this post.")])
        ended = time.monotonic()
        (served,) = server.requests
        assert client_hung_up(served)
    assert ended - pressed[0] < 10  # the server would have answered after 60 s
    assert served.body["stream"] is True and "response_format" in served.body and served.sent == 0


def test_ctrl_c_cuts_a_server_generation_in_flight(tmp_path):
    with SlowServer(slow_in_round_two()) as server:
        options = [
            "--rounds",
            "3",
            "--threshold",
            "10",
            "--search",
            "off",
            "--quiet",
            *openai_backend(server.url),
        ]
        run = start_cli("draft", "Brewing tea at home", *options, env=cli_env(tmp_path))
        try:
            wait_for(
                lambda: any(r.sent >= 10 for r in slow_requests(server)), 120, "no slow writer call", run
            )
            pressed = time.monotonic()
            run.send_signal(signal.SIGINT)
            out, err = run.communicate(timeout=30)  # the server would stream for another 58 s
        finally:
            if run.poll() is None:
                run.kill()
                run.communicate()
        ended = time.monotonic()
        (cut,) = slow_requests(server)
        assert client_hung_up(cut)
    assert run.returncode == 130 and ended - pressed < 10
    assert err.startswith("interrupted; the run is checkpointed") and out == ""
    assert not cut.finished and cut.sent < 400
    with open_run_index(tmp_path / "data") as index:
        runs = index.list()
    assert len(runs) == 1 and runs[0].shown_status == "interrupted" and runs[0].rounds == 1


def cli_driver(call_log: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.cli_driver", str(call_log), *args],
        cwd=ROOT,
        env={**os.environ, "DRAFTSMITH_DATA_DIR": str(call_log.parent / "data")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_calls(call_log: Path, agent: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not (call_log.exists() and agent in call_log.read_text().split()):
        assert time.monotonic() < deadline, f"no {agent} call within {seconds} s"
        time.sleep(0.02)


def test_ctrl_c_exits_130_marks_the_run_interrupted_and_resume_finishes_it(tmp_path):
    call_log = tmp_path / "calls.log"
    run = cli_driver(call_log, "draft", "Brewing tea at home", "--rounds", "3", "--threshold", "10",
                     "--search", "off", "--quiet")  # fmt: skip
    wait_for_calls(call_log, "critic")  # round 1 is scored; round 2 is under way
    time.sleep(0.3)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130
    with open_run_index(tmp_path / "data") as index:
        runs = index.list()
    assert len(runs) == 1 and runs[0].shown_status == "interrupted" and runs[0].rounds >= 1
    hint = f"interrupted; the run is checkpointed: continue it with python cli.py resume {runs[0].run_id}\n"
    assert err == hint
    assert out == ""

    resumed = cli_driver(call_log, "resume", runs[0].run_id, "--quiet")
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert "\n# A Scripted Post" in out
    index = open_run_index(tmp_path / "data")
    info = index.get(runs[0].run_id)
    index.connection.close()
    assert info is not None and info.status == "completed" and info.rounds == 3
