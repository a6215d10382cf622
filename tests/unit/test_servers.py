"""The test helpers for real servers: they wait for a server that answers and fail on one that
exits or stays silent."""

from __future__ import annotations

import sys

import pytest

from tests.servers import cli_options, free_port, start_server, stop, wait_for


def test_a_server_that_answers_is_returned_running_and_stops(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    process = start_server(command, f"http://127.0.0.1:{port}/", tmp_path / "log", name="http", seconds=30)
    assert process.poll() is None
    stop(process)
    assert process.poll() is not None


def test_a_server_that_exits_fails_the_test_at_once(tmp_path):
    command = [sys.executable, "-c", "import sys; sys.exit(3)"]
    with pytest.raises(pytest.fail.Exception, match="exited with code 3"):
        start_server(command, f"http://127.0.0.1:{free_port()}/", tmp_path / "log", name="x", seconds=30)


def test_waiting_fails_after_the_deadline():
    with pytest.raises(pytest.fail.Exception, match="nothing happened within 1 s"):
        wait_for(lambda: False, 1, "nothing happened", interval=0.05)


def test_cli_options_spell_flags_with_dashes():
    assert cli_options(rounds=1, base_url="u") == ["--rounds", "1", "--base-url", "u"]
