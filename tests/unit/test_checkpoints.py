"""Reading a run's last checkpoint straight from the checkpointer gives what LangGraph's own
``get_state`` gives, for finished, paused, stopped and crashed runs."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import DraftsmithError
from core.settings import load_settings
from core.state import DraftRequest
from graph.assembly import open_checkpointer
from graph.builder import build_graph
from graph.checkpoints import pending_pause, read_checkpoint, run_config
from graph.runner import stream_draft
from tests.team import FakeTeam
from tools.base import NoSearch


def start(team: FakeTeam, settings: Any, should_stop: Any = None, **request: Any) -> list[Any]:
    request.setdefault("topic", "Brewing tea at home")
    request.setdefault("search", "off")
    events = stream_draft(DraftRequest(**request), settings, team.model, NoSearch(), should_stop=should_stop)
    return list(events)


def assert_reads_like_langgraph(team: FakeTeam, settings: Any, run_id: str) -> Any:
    with open_checkpointer(settings) as saver:
        ours = read_checkpoint(saver, run_id)
        theirs = build_graph(team.model, NoSearch()).compile(checkpointer=saver).get_state(run_config(run_id))
    assert ours.values == theirs.values
    assert ours.next == theirs.next
    assert list(ours.questions) == [i.value for task in theirs.tasks for i in task.interrupts]
    return ours


@pytest.fixture
def settings(tmp_path):
    return load_settings(data_dir=tmp_path)


def test_a_finished_run_has_nothing_next(settings):
    team = FakeTeam(critic_scores=[9])
    done = start(team, settings, rounds=1)[-1]
    checkpoint = assert_reads_like_langgraph(team, settings, done.result.run_id)
    assert checkpoint.next == () and pending_pause(checkpoint) is None and checkpoint.values["rounds"]


@pytest.mark.parametrize("pause", ["outline", "feedback"])
def test_a_paused_run_waits_on_its_question(settings, pause):
    team = FakeTeam(critic_scores=[3])
    if pause == "outline":
        paused = start(team, settings, rounds=1, review_outline=True)[-1]
    else:
        paused = start(team, settings, rounds=2, threshold=10, ask_feedback=True)[-1]
    checkpoint = assert_reads_like_langgraph(team, settings, paused.run_id)
    assert checkpoint.next == ("writer",) and pending_pause(checkpoint) == paused.pause


def test_a_stopped_and_a_crashed_run_have_their_next_step_due(settings):
    team = FakeTeam(critic_scores=[3, 4])
    stopped: list[Any] = []

    def after_a_round() -> bool:
        return any(event.kind == "round_scored" for event in stopped)

    request = DraftRequest(topic="Brewing tea", rounds=2, threshold=10, search="off")
    stopped.extend(stream_draft(request, settings, team.model, NoSearch(), should_stop=after_a_round))
    checkpoint = assert_reads_like_langgraph(team, settings, stopped[-1].result.run_id)
    assert checkpoint.next == ("writer",) and pending_pause(checkpoint) is None

    team.model.default_reply = lambda messages: (_ for _ in ()).throw(ConnectionError("gone"))
    with pytest.raises(DraftsmithError) as failure:
        start(team, settings, rounds=1)
    checkpoint = assert_reads_like_langgraph(team, settings, str(failure.value.run_id))
    assert checkpoint.next == ("outliner",) and "request" in checkpoint.values  # no search: no model call


def test_an_unknown_run_reads_as_empty(settings):
    with open_checkpointer(settings) as saver:
        checkpoint = read_checkpoint(saver, "nope")
    assert not checkpoint.values and checkpoint.next == () and pending_pause(checkpoint) is None
