"""Shared fixtures: scripted fake chat model for logic tests, the real embedded model for integration."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import ScriptedChatModel


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the user's run store, search cache and logs."""
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("DRAFTSMITH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def scripted_model() -> Callable[..., ScriptedChatModel]:
    """Factory: ``scripted_model("reply 1", Outline(...), default_reply="...")``."""

    def make(*replies: Any, default_reply: Any = None) -> ScriptedChatModel:
        return ScriptedChatModel(replies=list(replies), default_reply=default_reply)

    return make


@pytest.fixture(scope="session")
def embedded_model() -> Any:
    """The real embedded SmolLM2 model behind our llama.cpp adapter, loaded once per session."""
    from backends.factory import make_chat_model
    from settings import load_settings

    return make_chat_model(load_settings(n_ctx=4096, max_tokens=256, n_threads=2))


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_llama_server(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``llama_cpp.server`` with the embedded model on 127.0.0.1:``port`` and wait until it
    answers (fails the test if it exits or takes over 120 s); output goes to ``log_path``."""
    from backends.model_files import embedded_model_path

    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(embedded_model_path()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "8192",
        "--n_threads",
        "2",
        "--model_alias",
        "smollm2",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).read()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"llama.cpp server did not start; see {log_path}")
            time.sleep(0.5)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``llama_cpp.server`` with the embedded model on a free 127.0.0.1 port; yields its /v1 URL."""
    port = free_port()
    process = start_llama_server(port, tmp_path_factory.mktemp("server") / "server.log")
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)
