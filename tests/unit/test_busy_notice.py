"""The "CPU is busy" notice: measured tokens/s against this model's best, with a fake clock."""

from __future__ import annotations

import itertools

from langchain_core.messages import AIMessageChunk
from langgraph.checkpoint.memory import InMemorySaver

from core.events import CpuBusy
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import stream_draft
from graph.telemetry import SpeedWatch
from tests.team import FakeTeam
from tools.base import NoSearch


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def stream(watch: SpeedWatch, clock: Clock, call: str, tokens: int, per_second: float) -> list[CpuBusy]:
    """Feed ``tokens`` tokens of one call at ``per_second``; return the notices."""
    notices = []
    for _ in range(tokens):
        clock.now += 1 / per_second
        chunk = AIMessageChunk(content="word ", id=call)
        notice = watch.observe("messages", (chunk, {"langgraph_node": "writer"}))
        if notice is not None:
            notices.append(notice)
    return notices


def test_notice_when_the_rate_drops_far_below_the_models_best():
    clock, rates = Clock(), {}
    watch = SpeedWatch("smol", clock=clock, best_rates=rates)
    assert stream(watch, clock, "call-1", 400, per_second=150) == []
    assert rates["smol"] > 140
    notices = stream(watch, clock, "call-2", 40, per_second=5)
    assert len(notices) == 1  # once, not once per token
    notice = notices[0]
    assert notice.tokens_per_second < 10 and notice.expected_tokens_per_second > 140
    assert "CPU is busy" in notice.message and "\n" not in notice.message


def test_no_notice_for_a_modest_slowdown_or_without_an_earlier_speed():
    clock = Clock()
    watch = SpeedWatch("smol", clock=clock, best_rates={})
    assert stream(watch, clock, "call-1", 40, per_second=5) == []  # slow from the start: nothing to compare
    clock, rates = Clock(), {}
    watch = SpeedWatch("smol", clock=clock, best_rates=rates)
    stream(watch, clock, "call-1", 400, per_second=150)
    assert stream(watch, clock, "call-2", 400, per_second=100) == []  # fewer threads, not a busy CPU


def test_pauses_between_calls_do_not_count_as_slow_generation():
    clock, rates = Clock(), {}
    watch = SpeedWatch("smol", clock=clock, best_rates=rates)
    for call in range(5):
        clock.now += 30.0  # a long prompt, a web search, the critic's probes...
        assert stream(watch, clock, f"call-{call}", 400, per_second=150) == []


def test_notice_again_only_after_the_speed_came_back():
    clock, rates = Clock(), {}
    watch = SpeedWatch("smol", clock=clock, best_rates=rates)
    stream(watch, clock, "a", 400, per_second=150)
    assert len(stream(watch, clock, "b", 40, per_second=5)) == 1
    assert stream(watch, clock, "c", 40, per_second=5) == []
    stream(watch, clock, "d", 400, per_second=150)
    assert len(stream(watch, clock, "e", 40, per_second=5)) == 1


def test_the_run_streams_the_notice_when_tokens_slow_down(tmp_path, monkeypatch):
    # Fake time: 50 tokens/s for about the first round's streamed tokens, then 2 tokens/s.
    ticks = itertools.chain(itertools.repeat(0.02, 800), itertools.repeat(0.5))
    clock = Clock()

    def tick() -> float:
        clock.now += next(ticks)
        return clock.now

    # Patched on the class, so it holds wherever the run builds its SpeedWatch.
    rates: dict[str, float] = {}
    build = SpeedWatch.__init__
    monkeypatch.setattr(
        SpeedWatch, "__init__", lambda self, model, **_: build(self, model, clock=tick, best_rates=rates)
    )
    team = FakeTeam(critic_scores=[5, 5])
    events = list(
        stream_draft(
            DraftRequest(topic="Brewing tea at home", search="off", rounds=2, words=600),
            load_settings(data_dir=tmp_path),
            chat_model=team.model,
            search=NoSearch(),
            checkpointer=InMemorySaver(),
        )
    )
    notices = [event for event in events if isinstance(event, CpuBusy)]
    assert len(notices) == 1
    # The call the slowdown began in mixes both speeds; the notice names a rate far below the best.
    assert notices[0].tokens_per_second < 0.5 * notices[0].expected_tokens_per_second
    assert notices[0].expected_tokens_per_second > 45
    assert events[-1].kind == "done"
    log = (tmp_path / "logs").glob("*.jsonl")
    assert any('"cpu_busy"' in path.read_text() for path in log)  # the run log keeps it too


def test_the_cli_progress_shows_the_notice(capsys):
    from ui.cli.progress import Progress

    notice = CpuBusy(
        message="CPU is busy: 3 tokens/s where this model did 150",
        tokens_per_second=3,
        expected_tokens_per_second=150,
    )
    with Progress() as progress:
        progress.show(notice)
        assert progress.cpu_busy
    assert "CPU is busy: 3 tokens/s" in capsys.readouterr().err
