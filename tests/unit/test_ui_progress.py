"""The progress tracker folds the core's events into what the live panel shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.events import (
    AgentFinished,
    AgentStarted,
    CpuBusy,
    RoundScored,
    RunStarted,
    RunWarning,
    TokenStreamed,
)
from core.live_stream import live_prose
from core.progress import STREAM_TAIL_CHARS, ProgressTracker, StepView
from core.state import RubricScores
from ui.web.progress import chain, round_label, step_line

SCORES = RubricScores(grounding=5, structure=5, clarity=5, depth=5, style=5)


def started(clicked: float = 100.0, began: float = 102.0) -> ProgressTracker:
    tracker = ProgressTracker(created=clicked)
    tracker.start(began)
    tracker.add(
        RunStarted(run_id="r1", topic="Tea", backend="llama_cpp", model="m.gguf", max_rounds=2), began
    )
    return tracker


def test_the_current_agent_streams_and_reports_its_rate():
    tracker = started()
    tracker.add(AgentStarted(agent="writer", round=1), 103.0)
    for index in range(10):
        tracker.add(TokenStreamed(agent="writer", round=1, text=f"w{index} "), 103.5)
    view = tracker.view(now=105.0)
    assert view.agent == "writer" and view.round == 1 and view.max_rounds == 2
    assert view.streamed.startswith("w0 ") and view.streamed.endswith("w9 ")
    assert view.rate == 5.0  # 10 tokens in the 2 s since the writer started
    assert view.elapsed == 3.0 and view.queued_for == 0.0  # never queued: the 2 s were loading
    assert view.first_token_after == 3.5  # measured from the click
    assert [s.agent for s in view.rounds[0].steps] == ["writer"] and view.rounds[0].steps[0].running


def test_finished_steps_and_scored_rounds():
    tracker = started()
    tracker.add(AgentStarted(agent="critic", round=1), 103.0)
    tracker.add(TokenStreamed(agent="critic", round=1, text="{}"), 103.1)
    tracker.add(
        AgentFinished(agent="critic", round=1, seconds=4.0, prompt_tokens=50, completion_tokens=20), 107.0
    )
    tracker.add(RoundScored(round=1, overall=6.5, scores=SCORES, issues=[], gaps=[], words=480), 107.0)
    view = tracker.view(now=108.0)
    step = view.rounds[0].steps[0]
    assert not step.running and step.seconds == 4.0 and step.tokens == 20 and step.rate == 5.0
    assert view.rounds[0].finished and view.rounds[0].overall == 6.5
    assert view.agent is None and view.streamed == "" and view.rate == 0.0


def test_a_new_agent_starts_with_an_empty_stream():
    tracker = started()
    tracker.add(AgentStarted(agent="writer", round=1), 103.0)
    tracker.add(TokenStreamed(agent="writer", round=1, text="old text"), 103.0)
    tracker.add(AgentStarted(agent="editor", round=1), 104.0)
    tracker.add(TokenStreamed(agent="editor", round=1, text="new"), 104.5)
    assert tracker.view(105.0).streamed == "new"


def test_the_stream_keeps_only_a_bounded_tail():
    tracker = started()
    tracker.add(AgentStarted(agent="writer", round=1), 103.0)
    for _ in range(5000):
        tracker.add(TokenStreamed(agent="writer", round=1, text="abcd "), 103.0)
    tracker.add(TokenStreamed(agent="writer", round=1, text="END"), 103.0)
    view = tracker.view(104.0)
    assert len(view.streamed) == STREAM_TAIL_CHARS and view.streamed.endswith("END")
    assert sum(len(piece) for piece in tracker._streamed) <= 4 * STREAM_TAIL_CHARS + 5
    assert view.tokens == 5001


def test_a_queued_run_reports_its_wait_and_its_first_token_leaves_the_wait_out():
    tracker = ProgressTracker(created=10.0)
    tracker.queue(11.0)
    view = tracker.view(now=14.0)
    assert view.queued_for == 3.0 and view.elapsed == 0.0 and view.rounds == []
    tracker.start(60.0)  # 49 s in the queue
    tracker.add(AgentStarted(agent="writer", round=1), 60.0)
    tracker.add(TokenStreamed(agent="writer", round=1, text="w"), 62.8)
    view = tracker.view(now=63.0)
    assert view.queued_for == 49.0 and view.elapsed == 3.0
    assert round(view.first_token_after or 0, 1) == 3.8  # 52.8 s after the click, less 49 s queued


def test_warnings_are_kept_once_each():
    tracker = started()
    for _ in range(2):
        tracker.add(RunWarning(message="web search failed"), 103.0)
    assert tracker.view(104.0).warnings == ["web search failed"]


def test_views_are_copies():
    tracker = started()
    tracker.add(AgentStarted(agent="writer", round=1), 103.0)
    view = tracker.view(104.0)
    view.rounds[0].steps[0].running = False
    assert tracker.view(104.0).rounds[0].steps[0].running


def test_labels():
    assert step_line(StepView(agent="writer", round=1)) == "**writer** — working…"
    done = StepView(agent="editor", round=1, running=False, seconds=2.0, tokens=100)
    assert step_line(done) == "**editor** — 2.0 s · 100 tokens · 50 tok/s"
    tracker = started()
    tracker.add(AgentStarted(agent="writer", round=2), 103.0)
    record = tracker.view(104.0).rounds[0]
    assert round_label(record, 2, "writer") == "Round 2/2 · writer working…"


def finish(tracker: ProgressTracker, agent: str, round_: int, at: float, tokens: int = 10) -> None:
    tracker.add(AgentStarted(agent=agent, round=round_), at)  # type: ignore[arg-type]
    tracker.add(
        AgentFinished(
            agent=agent,  # type: ignore[arg-type]
            round=round_,
            seconds=0.0 if tokens == 0 else 1.0,
            prompt_tokens=0 if tokens == 0 else 50,
            completion_tokens=tokens,
        ),
        at,
    )


def test_the_chain_highlights_the_current_agent_and_leaves_out_skipped_ones():
    tracker = started()
    assert [state for _, state in chain(tracker.view(103.0))] == ["waiting"] * 5
    assert [agent for agent, _ in chain(tracker.view(103.0), hidden=("researcher",))] == [
        "outliner",
        "writer",
        "editor",
        "critic",
    ]
    finish(tracker, "researcher", 1, 103.0, tokens=0)  # search off: the researcher asked nothing
    finish(tracker, "outliner", 1, 104.0)
    tracker.add(AgentStarted(agent="writer", round=1), 105.0)
    view = tracker.view(106.0)
    assert chain(view) == [
        ("outliner", "done"),
        ("writer", "current"),
        ("editor", "waiting"),
        ("critic", "waiting"),
    ]
    assert view.rounds[0].steps[0].skipped and not view.rounds[0].steps[1].skipped


def test_a_later_round_shows_only_the_agents_it_runs():
    tracker = started()
    for agent in ("researcher", "outliner", "writer", "editor", "critic"):
        finish(tracker, agent, 1, 104.0)
    tracker.add(AgentStarted(agent="writer", round=2), 110.0)
    assert chain(tracker.view(111.0)) == [("writer", "current"), ("editor", "waiting"), ("critic", "waiting")]
    finish(tracker, "writer", 2, 112.0)
    assert chain(tracker.view(113.0)) == [("writer", "done"), ("editor", "waiting"), ("critic", "waiting")]


def test_the_cpu_busy_notice_shows_until_tokens_come_at_speed_again():
    tracker = started()
    tracker.add(AgentStarted(agent="writer", round=1), 103.0)
    busy = CpuBusy(
        message="CPU is busy: 3 tokens/s where this model did 30",
        tokens_per_second=3,
        expected_tokens_per_second=30,
    )
    tracker.add(busy, 104.0)
    for index in range(10):  # still slow: 5 tokens/s
        tracker.add(TokenStreamed(agent="writer", round=1, text="w"), 104.0 + index * 0.2)
    assert tracker.view(106.0).cpu_busy == busy.message
    for index in range(60):  # 25 tokens/s over two seconds: back above 70% of 30
        tracker.add(TokenStreamed(agent="writer", round=1, text="w"), 107.0 + index * 0.04)
    assert tracker.view(110.0).cpu_busy is None


def stream(tracker: ProgressTracker, agent: str, text: str, call: str = "c1") -> None:
    for word in text.split(" "):
        tracker.add(TokenStreamed(agent=agent, round=1, text=word + " ", call=call), 103.5)


def test_a_structured_call_shows_one_progress_line_never_its_json():
    tracker = started()
    tracker.add(AgentStarted(agent="critic", round=1), 103.0)
    stream(tracker, "critic", '{"scores": {"clarity": 7, "depth": 6}, "issues": ["vague"]}')
    view = tracker.view(104.0)
    assert view.streamed == "" and view.activity == "critic: scoring the draft (7 tokens)"
    tracker.add(AgentStarted(agent="writer", round=1), 105.0)
    stream(tracker, "writer", '{"plan": 1}', call="w0")  # a writer's structured call: no JSON either
    assert tracker.view(105.5).streamed == "" and "structured reply" in (tracker.view(105.5).activity or "")
    stream(tracker, "writer", "Tea leaves are picked by hand.", call="w1")
    view = tracker.view(106.0)
    assert view.streamed == "Tea leaves are picked by hand. " and view.activity is None


def test_the_live_box_shows_the_section_being_written_without_markers_or_echoed_prompts():
    tracker = started()
    tracker.add(AgentStarted(agent="writer", round=1), 103.0)
    stream(tracker, "writer", "An earlier section.", call="w1")
    echoed = (
        "Current text:\n<<<\nOld words.\n>>>\nThe critic said:\n- the draft is short\n- cite more\n"
        "Rewrite section with facts, keep the citation numbers.\nTea grows on hillsides [1]."
    )
    for piece in echoed.split(" "):
        tracker.add(TokenStreamed(agent="writer", round=1, text=piece + " ", call="w2"), 104.0)
    shown = tracker.view(105.0).streamed
    assert "<<<" not in shown and ">>>" not in shown and "critic said" not in shown.lower()
    assert "cite more" not in shown and "Rewrite" not in shown and "earlier section" not in shown
    assert "Old words." in shown and shown.rstrip().endswith("Tea grows on hillsides [1].")


@pytest.mark.parametrize("prompt", ["writer", "editor"])
def test_every_fixed_line_of_the_writing_prompts_is_recognised_when_echoed(prompt):
    template = (Path(__file__).resolve().parents[2] / "prompts" / f"{prompt}.md").read_text()
    fixed = [
        line.split("{")[0].strip()
        for line in template.splitlines()
        if line.strip() and not line.startswith("===") and line.strip() not in ("<<<", ">>>")
    ]
    fixed = [line for line in fixed if len(line.split()) >= 2]
    assert fixed
    for line in fixed:
        assert live_prose(f"{line}\nTea is a drink.") == "Tea is a drink.", line
