"""bench --contention: burners end themselves, ratios against idle, the pair against one alone."""

from __future__ import annotations

import time

from bench.contention import FLOOR, burners, ratios, render, summarise_run


def test_a_burner_ends_itself_after_its_time_limit():
    started = time.monotonic()
    with burners(1, seconds=0.3) as started_burners:
        assert started_burners[0].wait(timeout=20) == 0  # gone without being told
    assert time.monotonic() - started < 20


def test_burners_are_ended_with_the_block():
    with burners(2, seconds=600) as started_burners:
        pass
    assert all(process.poll() is not None for process in started_burners)


def run(wall: float, tokens: int = 1000) -> dict:
    return {"result": {"totals": {"completion_tokens": tokens}}, "wall_seconds": wall, "other_cpu_cores": 0.1}


def test_ratios_use_the_mean_idle_run_and_the_pairs_longer_wall():
    runs = [
        summarise_run(run(20.0), "idle", 0),
        summarise_run(run(30.0), "1 burner", 1),
        summarise_run(run(20.0), "idle (again, at the end)", 0),
    ]
    pair = [summarise_run(run(40.0), "process 1", 0), summarise_run(run(50.0), "process 2", 0)]
    summary = ratios(runs, pair)
    assert runs[1]["wall_vs_idle"] == 1.5
    assert summary["idle_tokens_per_second"] == 50.0
    assert summary["pair_combined_tokens_per_second"] == 40.0  # 2,000 tokens over 50 s
    assert summary["pair_vs_one_alone"] == 0.8


def test_the_one_thread_idle_run_is_the_one_burner_floor_and_not_an_idle_run():
    runs = [
        summarise_run(run(20.0), "idle", 0),
        summarise_run(run(28.0), FLOOR, 0),
        summarise_run(run(29.0), "1 burner", 1),
        summarise_run(run(22.0), "idle (again, at the end)", 0),
    ]
    pair = [summarise_run(run(30.0), "process 1", 0), summarise_run(run(30.0), "process 2", 0)]
    summary = ratios(runs, pair)
    assert summary["idle_walls"] == [20.0, 22.0]  # the floor run is not averaged into idle
    assert summary["one_burner_floor"] == round(28.0 / 21.0, 2)
    text = render({"runs": runs, "pair": pair, "ratios": summary})
    assert "Idle runs: 20.0 s and 22.0 s" in text and "1.33 × idle" in text


def test_wait_idle_waits_for_a_quiet_cpu_before_a_run(monkeypatch):
    import argparse

    from bench import contention

    asked: list[float] = []
    monkeypatch.setattr(contention, "wait_for_idle", lambda timeout: asked.append(timeout) or 4.0)
    assert contention.quiet(argparse.Namespace(wait_idle=60.0)) == " (waited 4 s for a quiet CPU)"
    assert contention.quiet(argparse.Namespace(wait_idle=0.0)) == "" and asked == [60.0]
