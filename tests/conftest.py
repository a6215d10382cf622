"""Shared fixtures: scripted fake chat model for logic tests, the real embedded model for integration."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests import servers
from tests.fakes import ScriptedChatModel

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
# Any real ddgs (primp, in Rust: no Python socket) goes through this proxy on loopback: nothing
# listens on port 9, so a search that would have left the machine fails at once instead.
DEAD_PROXY = "http://127.0.0.1:9"


def is_loopback(host: object) -> bool:
    """True for 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost names."""
    if not isinstance(host, str):
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def is_address(host: str) -> bool:
    """True for an IP address literal, legacy IPv4 forms too (``127.1``, ``0x7f000001``): the
    resolver reads those itself, with no DNS query."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            socket.inet_aton(host)
        except OSError:
            return False
    return True


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any test that connects, sends or resolves a name beyond 127.0.0.1 (AF_UNIX is fine).

    The attempt raises ``ConnectionRefusedError`` (so nothing leaves the machine) and is recorded;
    the test then fails even if the code under test swallowed the error.
    """
    attempts: list[str] = []

    def refuse(what: str) -> NoReturn:
        attempts.append(what)
        raise ConnectionRefusedError(f"test network guard: {what} is beyond loopback")

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            refuse(f"{address[0]}:{address[1]}")

    def guarded(method: Callable[..., Any], address_at: int) -> Callable[..., Any]:
        def call(sock: socket.socket, *args: Any) -> Any:
            if len(args) > address_at:
                check(sock, args[address_at])
            return method(sock, *args)

        return call

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "") and not is_loopback(name) and not is_address(name):
            refuse(f"name lookup of {name}")  # an address literal needs no lookup: connect checks it
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded(socket.socket.connect, 0))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(socket.socket.connect_ex, 0))
    monkeypatch.setattr(socket.socket, "sendto", guarded(socket.socket.sendto, 1))
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("DDGS_PROXY", DEAD_PROXY)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield attempts
    if attempts:
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
    from tests.tiny_llama3 import tiny_llama3_model

    return tiny_llama3_model()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``llama_cpp.server`` with the embedded model on a free 127.0.0.1 port; yields its /v1 URL."""
    with servers.llama_server(tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url
