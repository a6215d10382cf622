"""The inference server dies mid-run: the CLI stops with one clean line, and the run resumes once a
server is back."""

from __future__ import annotations

import json

import pytest

from tests.servers import (
    cli_env,
    cli_options,
    free_port,
    openai_backend,
    run_cli,
    start_cli,
    start_llama_server,
    wait_for,
)

pytestmark = pytest.mark.integration


def test_a_dying_server_is_a_clean_error_and_the_run_resumes(tmp_path):
    port = free_port()
    env = cli_env(tmp_path, DRAFTSMITH_REQUEST_TIMEOUT="60")
    backend = openai_backend(f"http://127.0.0.1:{port}/v1")
    options = cli_options(rounds=2, threshold=10, search="off", words=300)
    server = start_llama_server(port, tmp_path / "server1.log")
    run = start_cli("draft", "Keeping bees in a city", *options, "--quiet", *backend, env=env)
    logs = tmp_path / "data" / "logs"
    try:
        wait_for(
            lambda: any('"agent": "writer"' in p.read_text() for p in logs.glob("2*.jsonl")),
            300,
            "the run never reached the writer",
            run,
        )
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
        resumed = run_cli("resume", run_id, "--json", "--quiet", *backend, env=env)
    finally:
        server.kill()
        server.wait(timeout=30)
    assert resumed.returncode == 0, resumed.stderr
    assert [r["round"] for r in json.loads(resumed.stdout)["rounds"]] == [1, 2]
