"""Run a 3-round draft with the scripted team, slowly, so a test can SIGKILL it at a chosen moment.

Usage: python -m tests.crash_driver DATA_DIR CALL_LOG [PAUSE_AT]

Prints one line per event (``agent_started writer 2``, ``agent_finished critic 3``,
``round_scored 3``, ``done``) and appends the agent of every finished model call to CALL_LOG. After
printing the line PAUSE_AT it waits 3 s, so a kill sent on that line lands exactly there.

With ``CRASH_DRIVER_WRITE_DELAY=S`` every checkpoint write waits S seconds before it reaches the
store: a kill sent as the next step starts then lands between a step's write and its
acknowledgement, which only ``durability="sync"`` (wait for the write before the next step)
survives without running the finished step again.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from core.events import Event
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import stream_draft
from tests.team import FakeTeam, agent_of
from tools.base import NoSearch

REQUEST = DraftRequest(topic="Crash-proof tea", rounds=3, threshold=10, search="off")
WRITE_DELAY = "CRASH_DRIVER_WRITE_DELAY"


def slow_team(call_log: Path, delay: float = 0.2) -> FakeTeam:
    """The scripted team, ``delay`` seconds per model call, appending the agent of every finished
    call to ``call_log``. The critic scores one point more for each critic call in the log (one
    log shared by a killed run and its resume), so every round improves and all three run; the
    prose goes on from the calls already in the log."""
    team = FakeTeam(critic_scores=[3])
    if call_log.exists():  # a resume goes on with fresh prose, as the killed process would have
        logged = call_log.read_text().split()
        team.writes = itertools.count(1 + logged.count("writer") + logged.count("editor"))
    reply = team.reply

    def slow(messages):  # type: ignore[no-untyped-def]
        agent = agent_of(messages)
        if agent == "critic":
            earlier = call_log.read_text().split().count("critic") if call_log.exists() else 0
            team.critic_scores = [min(9, 3 + earlier)]
        time.sleep(delay)
        answer = reply(messages)
        with call_log.open("a") as log:
            log.write(agent + "\n")
        return answer

    team.model.default_reply = slow
    return team


def label(event: Event) -> str | None:
    """The line printed for an event, or None for events not printed (tokens, warnings)."""
    if event.kind in ("agent_started", "agent_finished"):
        return f"{event.kind} {event.agent} {event.round}"
    if event.kind == "round_scored":
        return f"round_scored {event.round}"
    if event.kind in ("run_started", "done"):
        return event.kind
    return None


def slow_checkpoint_writes(seconds: float) -> None:
    """Make every checkpoint write of this process wait ``seconds`` before it is stored."""
    put = SqliteSaver.put

    def slow_put(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(seconds)
        return put(self, *args, **kwargs)

    SqliteSaver.put = slow_put  # type: ignore[method-assign]


if __name__ == "__main__":
    if os.environ.get(WRITE_DELAY):
        slow_checkpoint_writes(float(os.environ[WRITE_DELAY]))
    settings = load_settings(data_dir=sys.argv[1])
    pause_at = sys.argv[3] if len(sys.argv) > 3 else None
    team = slow_team(Path(sys.argv[2]))
    for event in stream_draft(REQUEST, settings, chat_model=team.model, search=NoSearch()):
        line = label(event)
        if line is not None:
            print(line, flush=True)
        if line is not None and line == pause_at:
            time.sleep(3)
