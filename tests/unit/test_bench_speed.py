"""The speed bench's per-agent counters: calls land on the right agent and add up to the run."""

from __future__ import annotations

from typing import Any

import pytest

from backends.copy_guard import CopyGuard
from bench import speed
from bench.instruments import is_probe


def call(submitted: int, evaluated: int, probe: bool = False, generated: int = 5) -> dict[str, Any]:
    return {
        "submitted": submitted,
        "evaluated": evaluated,
        "generated": generated,
        "prompt_seconds": 0.5,
        "decode_seconds": 1.0,
        "probe": probe,
    }


STEPS = [
    {
        "agent": "outliner",
        "round": 1,
        "seconds": 3.0,
        "calls": 1,
        "completion_tokens": 40,
        "prompt_tokens": 100,
    },
    {
        "agent": "writer",
        "round": 1,
        "seconds": 9.0,
        "calls": 2,
        "completion_tokens": 90,
        "prompt_tokens": 400,
    },
    {
        "agent": "critic",
        "round": 1,
        "seconds": 4.0,
        "calls": 1,
        "completion_tokens": 30,
        "prompt_tokens": 300,
    },
    {
        "agent": "writer",
        "round": 2,
        "seconds": 5.0,
        "calls": 1,
        "completion_tokens": 50,
        "prompt_tokens": 200,
    },
]
CALLS = [
    call(100, 100),
    call(200, 120),
    call(200, 20),
    call(300, 250),
    call(310, 10, probe=True),
    call(311, 1, probe=True),
    call(200, 200),
]


def run_document(wall: float = 25.0, **totals: int) -> dict[str, Any]:
    result_totals = {"calls": 5, "completion_tokens": 210} | totals
    evals = {"calls": 7, "prompt_submitted": 1621, "prompt_evaluated": 701}
    return {"wall_seconds": wall, "result": {"totals": result_totals}, "evals": evals}


def test_probes_belong_to_the_step_whose_chat_calls_they_follow():
    grouped = speed.calls_per_step(STEPS, CALLS)
    assert [len(calls) for calls in grouped] == [1, 2, 3, 1]
    assert [c["probe"] for c in grouped[2]] == [False, True, True]


def test_per_agent_rows_sum_the_rounds_and_add_up_to_the_run():
    rows = speed.agent_speeds(STEPS, CALLS)
    assert [r.agent for r in rows] == ["outliner", "writer", "critic"]
    writer = rows[1]
    assert (writer.calls, writer.prompt_sent, writer.prompt_reused, writer.generated) == (3, 600, 260, 140)
    assert writer.seconds == 14.0 and writer.tokens_per_second == 10.0
    critic = rows[2]
    assert (critic.calls, critic.probes, critic.prompt_sent, critic.prompt_reused) == (1, 2, 921, 660)
    total = speed.total_speed(rows)
    assert (total.calls, total.probes, total.prompt_sent, total.generated) == (5, 2, 1621, 210)
    assert speed.mismatches(rows, run_document()) == []


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (run_document(calls=6), "chat calls vs result"),
        (run_document(completion_tokens=211), "generated vs result"),
        (run_document(wall=20.0), "exceed the wall time"),
    ],
)
def test_a_count_that_does_not_add_up_is_named(document, named):
    found = speed.mismatches(speed.agent_speeds(STEPS, CALLS), document)
    assert len(found) == 1 and named in found[0]


def test_telemetry_and_llama_cpp_disagreeing_on_chat_calls_is_an_error():
    with pytest.raises(ValueError, match=r"telemetry counts 5 chat calls, llama.cpp 4"):
        speed.calls_per_step(STEPS, CALLS[1:])


def test_the_copy_guard_does_not_make_a_writer_call_a_probe():
    guard = CopyGuard([[1, 2, 3, 4, 5, 6, 7, 8]], prompt_length=3)
    assert not is_probe([guard])
    assert not is_probe(None)
    assert is_probe([lambda ids, logits: logits])


def test_time_to_first_text_and_revision_cost():
    marks = {"first_token_s": 2.0, "first_writer_token_s": 10.0, "first_section_s": 15.0}
    assert speed.first_text(marks, 60.0)["first_section_share"] == 0.25
    assert speed.first_text({}, 60.0)["first_section_s"] is None
    rounds = [{"round": 1, "seconds": 100.0}, {"round": 2, "seconds": 50.0}, {"round": 3, "seconds": 70.0}]
    assert speed.revision_ratio(rounds) == 0.6
    assert speed.revision_ratio(rounds[:1]) is None
