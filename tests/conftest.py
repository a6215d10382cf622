"""Shared fixtures: scripted fake chat model for logic tests, the real embedded model for integration."""

from __future__ import annotations

import socket
from collections.abc import Callable
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
