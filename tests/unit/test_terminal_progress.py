"""The terminal's progress display renders the same typed fold of the events as the web page."""

from __future__ import annotations

from core.events import AgentFinished, AgentStarted, CpuBusy, RoundScored, RunStarted, TokenStreamed
from core.state import RubricScores
from ui.cli.progress import Progress, status_line

SCORES = RubricScores(grounding=5, structure=5, clarity=5, depth=5, style=5)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_status_line_and_the_step_lines_come_from_the_fold(capsys):
    clock = Clock()
    with Progress(clock=clock) as progress:
        progress.show(RunStarted(run_id="r1", topic="Tea", backend="llama_cpp", model="m.gguf", max_rounds=3))
        assert status_line(progress.view()) == "round 1/3 · starting · 0 tok/s · 0 s"
        clock.now = 102.0
        progress.show(AgentStarted(agent="writer", round=1))
        for _ in range(40):
            clock.now += 0.1
            progress.show(TokenStreamed(agent="writer", round=1, text="w "))
        assert status_line(progress.view()) == "round 1/3 · writer · 10 tok/s · 6 s"
        progress.show(
            AgentFinished(agent="writer", round=1, seconds=4.0, prompt_tokens=300, completion_tokens=40)
        )
        assert status_line(progress.view()) == "round 1/3 · writer · 0 tok/s · 6 s"  # the last agent stays
        progress.show(RoundScored(round=1, overall=6.5, scores=SCORES, issues=[], gaps=[], words=480))
    err = capsys.readouterr().err
    assert "run r1 · llama_cpp · m.gguf" in err
    assert "  round 1  writer        4.0 s     40 tokens     10 tok/s" in err
    assert "round 1 scored 6.5/10 (480 words)" in err


def test_the_cpu_busy_notice_stays_until_tokens_come_at_speed_again(capsys):
    clock = Clock()
    busy = CpuBusy(
        message="CPU is busy: 3 tokens/s where this model did 30",
        tokens_per_second=3,
        expected_tokens_per_second=30,
    )
    with Progress(clock=clock) as progress:
        progress.show(RunStarted(run_id="r1", topic="Tea", backend="llama_cpp", model="m.gguf", max_rounds=1))
        progress.show(AgentStarted(agent="writer", round=1))
        progress.show(busy)
        assert progress.cpu_busy and "CPU busy" in status_line(progress.view())
        for _ in range(60):  # 25 tokens/s: back above 70% of the expected 30
            clock.now += 0.04
            progress.show(TokenStreamed(agent="writer", round=1, text="w"))
        assert not progress.cpu_busy
    assert "CPU is busy: 3 tokens/s" in capsys.readouterr().err
