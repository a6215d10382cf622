"""Kill -9 a real run after its first critique is checkpointed, resume it, and check nothing re-ran."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from core.settings import load_settings
from graph.runner import load_result
from graph.store import open_run_index
from tests.servers import cli_env, cli_options, run_cli, start_cli, wait_for

pytestmark = pytest.mark.integration


def first_round_id(data_dir: Path) -> str | None:
    """The run's id once its first round is checkpointed, else None."""
    if not (data_dir / "runs.sqlite3").exists():
        return None
    index = open_run_index(data_dir)
    try:
        runs = index.list()
    finally:
        index.connection.close()
    return runs[0].run_id if runs and runs[0].rounds >= 1 else None


def test_a_killed_run_resumes_without_redoing_finished_rounds(tmp_path):
    data_dir, env = tmp_path / "data", cli_env(tmp_path)
    options = cli_options(rounds=3, threshold=10, search="off", words=300)
    process = start_cli("draft", "Composting in a small flat", *options, "--quiet", env=env)
    try:
        wait_for(
            lambda: first_round_id(data_dir) is not None, 300, "the first round was not checkpointed", process
        )
        run_id = first_round_id(data_dir)
        assert run_id is not None
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    settings = load_settings(data_dir=data_dir)
    before = load_result(run_id, settings)
    assert len(before.rounds) >= 1
    index = open_run_index(data_dir)
    assert index.get(run_id).shown_status == "interrupted"  # type: ignore[union-attr]
    index.connection.close()

    resumed = run_cli("resume", run_id, "--json", "--quiet", env=env)
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    rounds = [r["round"] for r in result["rounds"]]
    # The resumed run goes on to the cap, or stops early once a round improves nothing (never
    # before round 2), and says which.
    assert rounds == list(range(1, len(rounds) + 1)) and max(2, len(before.rounds)) <= len(rounds) <= 3
    assert result["stop_reason"]
    for old in before.rounds:
        assert result["rounds"][old.round - 1]["markdown"] == old.markdown
    log = [json.loads(line) for line in (data_dir / "logs" / f"{run_id}.jsonl").read_text().splitlines()]
    second_start = max(i for i, event in enumerate(log) if event["kind"] == "run_started")
    rerun = [
        e for e in log[second_start:] if e["kind"] == "agent_started" and e["round"] <= len(before.rounds)
    ]
    assert rerun == []
    critic_steps = [s for s in result["telemetry"] if s["agent"] == "critic"]
    assert [s["round"] for s in critic_steps] == rounds
