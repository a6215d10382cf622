"""Real local servers and CLI processes for tests: free loopback ports, start and wait until a
server answers, stop it; run ``cli.py`` in a subprocess with private folders."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def answers(url: str, expect: bytes | None = None) -> bool:
    """True once ``url`` answers a GET (with the body ``expect``, when given)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body = response.read()
    except OSError:
        return False
    return expect is None or body == expect


def wait_for(
    condition: Callable[[], bool],
    seconds: float,
    failure: str,
    process: subprocess.Popen[Any] | None = None,
    interval: float = 0.2,
) -> None:
    """Poll ``condition`` until it holds; fail the test with ``failure`` after ``seconds``, or at
    once if ``process`` exits first."""
    deadline = time.monotonic() + seconds
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"{failure}: the process exited with code {process.returncode}")
        if time.monotonic() > deadline:
            pytest.fail(f"{failure} within {seconds:.0f} s")
        time.sleep(interval)


def start_server(
    command: list[str],
    ready_url: str,
    log_path: Path,
    *,
    name: str,
    seconds: float = 120,
    expect: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``command`` (output to ``log_path``) and wait until ``ready_url`` answers; a server
    that exits or stays silent fails the test with the end of its log."""
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        failure = f"{name} did not answer (log: {log_path})"
        wait_for(lambda: answers(ready_url, expect), seconds, failure, process, interval=0.5)
    except BaseException:
        stop(process, timeout=5)
        print(f"{log_path}:\n{log_path.read_text()[-3000:]}")
        raise
    return process


def stop(process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Terminate ``process`` and wait for it; kill it if it takes over ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def start_llama_server(
    port: int, log_path: Path, model: Path | None = None, alias: str = "smollm2"
) -> subprocess.Popen[bytes]:
    """Start ``llama_cpp.server`` with ``model`` (default: the embedded one) on 127.0.0.1:``port``
    and wait until it answers (fails the test if it exits or takes over 120 s)."""
    from backends.model_files import embedded_model_path

    model_args = ["--model", str(model or embedded_model_path()), "--model_alias", alias]
    address = ["--host", LOOPBACK, "--port", str(port), "--n_ctx", "8192", "--n_threads", "2"]
    command = [sys.executable, "-m", "llama_cpp.server", *model_args, *address]
    return start_server(command, f"http://{LOOPBACK}:{port}/v1/models", log_path, name="llama.cpp server")


@contextmanager
def llama_server(log_path: Path, model: Path | None = None, alias: str = "smollm2") -> Iterator[str]:
    """A running ``llama_cpp.server`` on a free port for the block; yields its /v1 URL."""
    port = free_port()
    process = start_llama_server(port, log_path, model, alias)
    try:
        yield f"http://{LOOPBACK}:{port}/v1"
    finally:
        stop(process)


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a ``cli.py`` child: data in ``tmp_path/data``, cache in
    ``tmp_path/cache``, plus ``extra``."""
    folders = {"DRAFTSMITH_DATA_DIR": tmp_path / "data", "DRAFTSMITH_CACHE_DIR": tmp_path / "cache"}
    return {**os.environ, **{name: str(path) for name, path in folders.items()}, **extra}


def cli_options(**options: object) -> list[str]:
    """Command-line flags from keywords: ``cli_options(rounds=1, base_url=u)`` is
    ``["--rounds", "1", "--base-url", u]``."""
    return [part for name, value in options.items() for part in (f"--{name.replace('_', '-')}", str(value))]


def openai_backend(base_url: str, model: str = "smollm2") -> list[str]:
    """The flags that point ``cli.py`` at an OpenAI-compatible server."""
    return cli_options(backend="openai", base_url=base_url, openai_model=model)


def cli_command(*args: str) -> list[str]:
    """``python cli.py ARGS`` with this interpreter."""
    return [sys.executable, "cli.py", *args]


def run_cli(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``cli.py ARGS`` from the repository root to the end; capture its text output."""
    return subprocess.run(
        cli_command(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start ``cli.py ARGS`` from the repository root, its output piped as text."""
    return subprocess.Popen(
        cli_command(*args), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
