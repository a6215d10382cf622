"""SIGKILL a run at random moments (several seeds); every killed run resumes and finishes, and the
run store stays intact."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.runner import resume_draft
from graph.store import STORE_FILE, open_run_index
from settings import load_settings
from tests.crash_driver import slow_team
from tools.base import NoSearch

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_killed_runs_resume_and_finish(tmp_path, seed):
    delay = random.Random(seed).uniform(0.0, 2.0)  # a whole run takes about 4 s (19 calls x 0.2 s)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_driver", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "started\n"
    time.sleep(delay)
    assert process.poll() is None, "the run finished before the kill: slow the driver down"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    connection = sqlite3.connect(tmp_path / STORE_FILE)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()
    index = open_run_index(tmp_path)
    runs = index.list()
    index.connection.close()
    assert len(runs) == 1
    settings = load_settings(data_dir=tmp_path)
    assert runs[0].shown_status == "interrupted"
    done = list(resume_draft(runs[0].run_id, settings, chat_model=slow_team().model, search=NoSearch()))[-1]
    assert done.kind == "done" and [r.round for r in done.result.rounds] == [1, 2, 3]
