"""Run a 3-round draft with the scripted team, slowly, so a test can SIGKILL it at a random step.

Usage: python -m tests.crash_driver DATA_DIR
"""

from __future__ import annotations

import sys
import time

from graph.runner import stream_draft
from graph.state import DraftRequest
from settings import load_settings
from tests.team import FakeTeam
from tools.base import NoSearch


def slow_team() -> FakeTeam:
    team = FakeTeam(critic_scores=[3])
    reply = team.reply

    def slow(messages):  # type: ignore[no-untyped-def]
        time.sleep(0.2)  # a run of ~19 calls outlasts the latest kill (2 s)
        return reply(messages)

    team.model.default_reply = slow
    return team


if __name__ == "__main__":
    settings = load_settings(data_dir=sys.argv[1])
    request = DraftRequest(topic="Crash-proof tea", rounds=3, threshold=10, search="off")
    for event in stream_draft(request, settings, chat_model=slow_team().model, search=NoSearch()):
        if event.kind == "run_started":
            print("started", flush=True)
