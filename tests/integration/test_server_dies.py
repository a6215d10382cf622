"""The inference server dies mid-run: the CLI stops with one clean line, and the run resumes once a
server is back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, start_llama_server

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_a_dying_server_is_a_clean_error_and_the_run_resumes(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    env = {
        **os.environ,
        "DRAFTSMITH_DATA_DIR": str(tmp_path / "d"),
        "DRAFTSMITH_CACHE_DIR": str(tmp_path / "c"),
        "DRAFTSMITH_REQUEST_TIMEOUT": "60",
    }
    backend = ["--backend", "openai", "--base-url", url, "--openai-model", "smollm2"]
    server = start_llama_server(port, tmp_path / "server1.log")
    run = subprocess.Popen(
        [
            sys.executable,
            "cli.py",
            "draft",
            "Keeping bees in a city",
            "--rounds",
            "2",
            "--threshold",
            "10",
            "--search",
            "off",
            "--words",
            "300",
            "--quiet",
            *backend,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    logs = tmp_path / "d" / "logs"
    try:
        deadline = time.monotonic() + 300
        while not any('"agent": "writer"' in p.read_text() for p in logs.glob("2*.jsonl")):
            assert run.poll() is None and time.monotonic() < deadline, "the run never reached the writer"
            time.sleep(0.2)
        server.kill()  # dies mid-stream, while the writer generates
        server.wait(timeout=30)
        _, err = run.communicate(timeout=180)
    finally:
        for process in (run, server):
            if process.poll() is None:
                process.kill()
    assert run.returncode == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "failed in round 1" in err and "details in" in err
    run_id = next(logs.glob("2*.jsonl")).stem

    server = start_llama_server(port, tmp_path / "server2.log")
    try:
        resumed = subprocess.run(
            [sys.executable, "cli.py", "resume", run_id, "--json", "--quiet", *backend],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        server.kill()
        server.wait(timeout=30)
    assert resumed.returncode == 0, resumed.stderr
    assert [r["round"] for r in json.loads(resumed.stdout)["rounds"]] == [1, 2]
