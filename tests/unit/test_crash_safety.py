"""SIGKILL a run at moments spread over all three rounds, up to the last critic and the finish;
every killed run resumes and finishes, no finished step runs again (only the one the kill cut
short), and the run store stays intact."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import load_settings
from graph.runner import resume_draft, stream_draft
from graph.store import STORE_FILE, open_run_index
from tests.crash_driver import REQUEST, slow_team
from tests.crash_driver import WRITE_DELAY as WRITE_DELAY_VARIABLE
from tools.base import NoSearch

ROOT = Path(__file__).resolve().parents[2]
PAUSE = -1.0  # the driver waits on this line, so the kill lands right after the event

# (line the driver prints, seconds to wait before the kill, or PAUSE). Model calls take 0.2 s.
MOMENTS = [
    ("agent_started researcher 1", PAUSE),  # before the first step finished
    ("agent_started outliner 1", 0.1),  # in the middle of a model call
    ("agent_started writer 1", 0.5),  # between two section calls
    ("agent_finished writer 1", PAUSE),  # a step just finished
    ("agent_started critic 1", 0.1),
    ("round_scored 1", PAUSE),  # between rounds
    ("agent_started writer 2", 0.3),
    ("agent_started editor 2", 0.05),
    ("agent_started critic 2", 0.1),
    ("agent_started writer 3", 0.7),
    ("agent_started critic 3", 0.1),  # the last round's critic, mid-call
    ("agent_finished critic 3", PAUSE),  # the last step done, the run not yet closed
    ("round_scored 3", PAUSE),  # the moment of finishing
]
# Moments with slow checkpoint writes (the driver's CRASH_DRIVER_WRITE_DELAY): the kill lands as
# the next step starts, while the finished step's write would still be in flight if the runner
# went on without waiting for it (LangGraph's durability="async"). Only the step the kill cut
# short may run again, so the finished step's write must have been acknowledged first.
WRITE_DELAY = 1.0
SLOW_WRITE_MOMENTS = ["agent_started outliner 1", "agent_started critic 2", "agent_started writer 3"]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, int]]:
    """Steps ``(agent, round)`` of an uninterrupted run, in order."""
    folder = tmp_path_factory.mktemp("clean")
    team = slow_team(folder / "calls.log", delay=0.0)
    settings = load_settings(data_dir=folder)
    done = list(stream_draft(REQUEST, settings, chat_model=team.model, search=NoSearch()))[-1]
    return [(step.agent, step.round) for step in done.result.telemetry]


def kill_at(tmp_path: Path, line: str, wait: float, write_delay: float = 0.0) -> list[str]:
    """Start the driver, SIGKILL it at ``line`` (+ ``wait`` s), check it was still running, and
    return every line it printed before it died."""
    command = [sys.executable, "-m", "tests.crash_driver", str(tmp_path), str(tmp_path / "calls.log")]
    env = {**os.environ, WRITE_DELAY_VARIABLE: str(write_delay)} if write_delay else None
    process = subprocess.Popen(
        [*command, line] if wait == PAUSE else command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    printed: list[str] = []
    try:
        for output in process.stdout:
            printed.append(output.strip())
            if printed[-1] == line:
                break
        else:
            pytest.fail(f"the driver never printed {line!r}")
        time.sleep(max(wait, 0.0))
        assert process.poll() is None, "the run finished before the kill"
        os.kill(process.pid, signal.SIGKILL)
        printed.extend(output.strip() for output in process.stdout)
    finally:
        process.kill()
        process.wait(timeout=30)
    return printed


@pytest.mark.parametrize(("line", "wait"), MOMENTS, ids=[line for line, _ in MOMENTS])
def test_a_run_killed_at_any_moment_resumes_without_redoing_finished_steps(tmp_path, clean_run, line, wait):
    printed = kill_at(tmp_path, line, wait)
    check_resume_after_kill(tmp_path, clean_run, printed)


@pytest.mark.parametrize("line", SLOW_WRITE_MOMENTS)
def test_a_kill_while_the_last_steps_write_is_slow_redoes_only_the_step_under_way(tmp_path, clean_run, line):
    printed = kill_at(tmp_path, line, 0.0, write_delay=WRITE_DELAY)
    check_resume_after_kill(tmp_path, clean_run, printed)


def check_resume_after_kill(tmp_path: Path, clean_run: list[tuple[str, int]], printed: list[str]) -> None:
    """The store is intact and the killed run shows as interrupted; resumed, it finishes all
    three rounds, records every step exactly once and runs again only the step the kill cut short."""
    connection = sqlite3.connect(tmp_path / STORE_FILE)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()
    index = open_run_index(tmp_path)
    runs = index.list()
    index.connection.close()
    assert len(runs) == 1 and runs[0].shown_status == "interrupted"

    team = slow_team(tmp_path / "calls.log", delay=0.0)  # the log goes on from the killed run's
    settings = load_settings(data_dir=tmp_path)
    events = list(resume_draft(runs[0].run_id, settings, chat_model=team.model, search=NoSearch()))
    done = events[-1]
    assert done.kind == "done" and done.result.status == "completed"
    assert [r.round for r in done.result.rounds] == [1, 2, 3]

    steps = [(step.agent, step.round) for step in done.result.telemetry]
    assert steps == clean_run  # every step recorded exactly once: none lost, none twice
    started_before = [tuple(p.split()[1:]) for p in printed if p.startswith("agent_started ")]
    started_again = [(e.agent, str(e.round)) for e in events if e.kind == "agent_started"]
    ran_twice = [step for step in started_again if step in started_before]
    # only the step the kill cut short (the last one started) may run again
    assert ran_twice in ([], started_before[-1:]), ran_twice
