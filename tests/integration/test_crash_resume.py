"""Kill -9 a real run after its first critique is checkpointed, resume it, and check nothing re-ran."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import load_settings
from graph.runner import load_result
from graph.store import open_run_index

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def wait_for_first_round(data_dir: Path, process: subprocess.Popen[str], timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        if (data_dir / "runs.sqlite3").exists():
            index = open_run_index(data_dir)
            try:
                runs = index.list()
            finally:
                index.connection.close()
            if runs and runs[0].rounds >= 1:
                return runs[0].run_id
        time.sleep(0.2)
    raise AssertionError("the first round was never checkpointed")


def test_a_killed_run_resumes_without_redoing_finished_rounds(tmp_path):
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "DRAFTSMITH_DATA_DIR": str(data_dir),
        "DRAFTSMITH_CACHE_DIR": str(tmp_path / "cache"),
    }
    command = [
        sys.executable,
        "cli.py",
        "draft",
        "Composting in a small flat",
        "--rounds",
        "3",
        "--threshold",
        "10",
        "--search",
        "off",
        "--words",
        "300",
        "--quiet",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        run_id = wait_for_first_round(data_dir, process)
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

    resumed = subprocess.run(
        [sys.executable, "cli.py", "resume", run_id, "--json", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
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
