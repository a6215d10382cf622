"""The test network guard (``tests/netguard``, installed by ``tests/conftest.py``): loopback and
AF_UNIX pass; every other way out is refused and fails the test, in this process and in every
child process, even when the code under test swallows the error.

No test here uses a real outside address: the guard is told to treat some loopback addresses
and names as outside (``loopback_guard.OUTSIDE``, ``NETGUARD_OUTSIDE`` in a child), so a broken
guard would still send nothing off this machine. The names looked up are in ``/etc/hosts``.
"""

from __future__ import annotations

import _socket
import os
import select
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.local_pages import Route, serve_pages
from tests.netguard import loopback_guard
from tools.web_search import RetryPolicy, WebSearch

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_ADDRESS = "127.0.0.9"  # loopback, but the guard is told it is outside


@pytest.fixture
def outside(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[socket.socket, socket.socket]]:
    """A TCP listener and a UDP receiver on the same port of ``OUTSIDE_ADDRESS``, which the guard
    treats as outside (with ``localhost`` and, by reverse lookup, ``127.0.0.1``); the test checks
    that nothing arrived."""
    monkeypatch.setattr(loopback_guard, "OUTSIDE", {OUTSIDE_ADDRESS, "localhost", "::1"})
    listener = socket.socket()
    listener.bind((OUTSIDE_ADDRESS, 0))
    listener.listen()
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind((OUTSIDE_ADDRESS, listener.getsockname()[1]))
    with listener, receiver:
        yield listener, receiver
        assert select.select([listener, receiver], [], [], 0.2)[0] == [], "something reached the outside"


def port_of(outside: tuple[socket.socket, socket.socket]) -> int:
    return int(outside[0].getsockname()[1])


def udp() -> socket.socket:
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


WAYS_OUT: dict[str, Callable[[int], object]] = {
    "connect": lambda port: socket.socket().connect((OUTSIDE_ADDRESS, port)),
    "create_connection": lambda port: socket.create_connection((OUTSIDE_ADDRESS, port), timeout=1),
    "connect_ex": lambda port: socket.socket().connect_ex((OUTSIDE_ADDRESS, port)),
    "connect_ex-ipv6": lambda port: socket.socket(socket.AF_INET6).connect_ex(("::1", port, 0, 0)),
    "udp-sendto": lambda port: udp().sendto(b"x", (OUTSIDE_ADDRESS, port)),
    "udp-sendto-flags": lambda port: udp().sendto(b"x", 0, (OUTSIDE_ADDRESS, port)),
    "udp-sendmsg": lambda port: udp().sendmsg([b"x"], [], 0, (OUTSIDE_ADDRESS, port)),
    "raw-_socket-connect": lambda port: _socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(
        (OUTSIDE_ADDRESS, port)
    ),
    "raw-_socket-sendto": lambda port: _socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
        b"x", (OUTSIDE_ADDRESS, port)
    ),
    "getaddrinfo": lambda port: socket.getaddrinfo("localhost", port),
    "raw-_socket-getaddrinfo": lambda port: _socket.getaddrinfo("localhost", port),
    "gethostbyname": lambda port: socket.gethostbyname("localhost"),
    "gethostbyname_ex": lambda port: socket.gethostbyname_ex("localhost"),
    "raw-_socket-gethostbyname": lambda port: _socket.gethostbyname("localhost"),
    "gethostbyaddr": lambda port: socket.gethostbyaddr(OUTSIDE_ADDRESS),
    "getnameinfo": lambda port: socket.getnameinfo((OUTSIDE_ADDRESS, port), 0),
}


def test_loopback_and_unix_sockets_pass(loopback_only):
    with serve_pages({"/": Route(body=b"ok")}) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass
        with socket.create_connection(("localhost", server.port), timeout=5):
            pass
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "s")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen()
        with listener, socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
    assert loopback_only == []


@pytest.mark.parametrize("way", WAYS_OUT)
def test_every_way_out_is_refused_and_recorded(loopback_only, outside, way):
    with pytest.raises(ConnectionRefusedError, match="test network guard"):
        WAYS_OUT[way](port_of(outside))
    assert len(loopback_only) == 1, loopback_only
    loopback_only.clear()  # this test wanted the refusal; do not fail it


CHILD = """
import contextlib, json, socket, _socket, sys
port = int(sys.argv[1])
ways = {
    "connect": lambda: socket.socket().connect(("127.0.0.9", port)),
    "udp-sendmsg": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendmsg(
        [b"x"], [], 0, ("127.0.0.9", port)),
    "raw-_socket-connect": lambda: _socket.socket().connect(("127.0.0.9", port)),
    "gethostbyname": lambda: socket.gethostbyname("localhost"),
}
refused = []
for name, way in ways.items():
    with contextlib.suppress(OSError):  # the child swallows every error
        way()
        continue
    refused.append(name)
print(json.dumps(refused))
"""


def test_a_child_process_is_guarded_too_and_its_attempts_fail_the_test(loopback_only, outside):
    env = {**os.environ, loopback_guard.OUTSIDE_VARIABLE: f"{OUTSIDE_ADDRESS},localhost"}
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(port_of(outside))],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert run.stdout.strip() == '["connect", "udp-sendmsg", "raw-_socket-connect", "gethostbyname"]'
    logged = loopback_only.collect()
    assert len(logged) == 4 and all("(child process " in line for line in logged), logged
    assert any(line.startswith(f"{OUTSIDE_ADDRESS}:") for line in logged)
    loopback_only.clear()


def test_a_child_started_without_the_guard_is_refused(loopback_only):
    bare = {"PATH": os.environ["PATH"]}
    with pytest.raises(RuntimeError, match="test network guard"):
        subprocess.run([sys.executable, "-c", "pass"], env=bare, check=False)
    assert loopback_only == [f"a child process started without the network guard: {sys.executable} -c pass"]
    loopback_only.clear()


def test_real_ddgs_goes_only_to_the_dead_loopback_proxy(loopback_only):
    """ddgs's HTTP client is in Rust, out of the socket guard's reach: the conftest points it at
    a proxy on 127.0.0.1 where nothing listens, so a real search fails at once, locally."""
    assert os.environ["DDGS_PROXY"].startswith("http://127.0.0.1:")
    started = time.monotonic()
    report = WebSearch(min_interval=0.0, policy=RetryPolicy(attempts_per_backend=1)).search("tea")
    assert time.monotonic() - started < 5.0
    assert report.degraded and report.documents == []
    assert "network unreachable" in report.warnings[0] or "connect" in report.warnings[0].lower()


LEAKS = """
import contextlib, socket, subprocess, sys
def test_leak_in_process():
    with contextlib.suppress(OSError):
        socket.create_connection(("127.0.0.9", 80), timeout=1)
def test_leak_in_a_child():
    code = "import contextlib, socket\\nwith contextlib.suppress(OSError): socket.gethostbyname('localhost')"
    subprocess.run([sys.executable, "-c", code], check=True)
"""


def test_a_test_that_reaches_out_and_swallows_the_error_still_fails(tmp_path):
    (tmp_path / "conftest.py").write_text("from tests.conftest import loopback_only, network_guard  # noqa\n")
    (tmp_path / "test_leak.py").write_text(textwrap.dedent(LEAKS))
    env = {**os.environ, loopback_guard.OUTSIDE_VARIABLE: f"{OUTSIDE_ADDRESS},localhost"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 errors" in run.stdout, run.stdout  # both fail, at teardown
    assert f"the test reached beyond 127.0.0.1: {OUTSIDE_ADDRESS}:80" in run.stdout
    assert "the test reached beyond 127.0.0.1: gethostbyname of localhost (child process" in run.stdout
