"""Stopping a run from outside: Stop while the model is generating, and Ctrl-C at the terminal.
Both keep what was finished and leave the run resumable."""

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

from backends.llama_cpp_chat import LlamaCppChatModel
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import resume_draft, stream_draft
from graph.store import open_run_index
from tests.fakes import FakeLlama
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
