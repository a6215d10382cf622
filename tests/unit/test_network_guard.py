"""The test network guard (``tests/conftest.py::loopback_only``): loopback and AF_UNIX pass, anything
else is refused and fails the test, even when the code under test swallows the error."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.local_pages import Route, serve_pages
from tools.web_search import RetryPolicy, WebSearch

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize(
    "connect",
    [
        lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),  # TEST-NET-1, never routed
        lambda: socket.socket(socket.AF_INET6).connect_ex(("2001:db8::1", 443, 0, 0)),
        lambda: socket.getaddrinfo("example.com", 443),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("198.51.100.7", 53)),
    ],
    ids=["connect", "connect_ex-ipv6", "name-lookup", "udp-sendto"],
)
def test_other_addresses_are_refused_and_recorded(loopback_only, connect):
    with pytest.raises(ConnectionRefusedError, match="test network guard"):
        connect()
    assert len(loopback_only) == 1
    loopback_only.clear()  # this test wanted the refusal; do not fail it


def test_real_ddgs_goes_only_to_the_dead_loopback_proxy(loopback_only):
    """ddgs's HTTP client is in Rust, out of the socket guard's reach: the conftest points it at
    a proxy on 127.0.0.1 where nothing listens, so a real search fails at once, locally."""
    assert os.environ["DDGS_PROXY"].startswith("http://127.0.0.1:")
    started = time.monotonic()
    report = WebSearch(min_interval=0.0, policy=RetryPolicy(attempts_per_backend=1)).search("tea")
    assert time.monotonic() - started < 5.0
    assert report.degraded and report.documents == []
    assert "network unreachable" in report.warnings[0] or "connect" in report.warnings[0].lower()


def test_a_test_that_reaches_out_and_swallows_the_error_still_fails(tmp_path):
    (tmp_path / "conftest.py").write_text("from tests.conftest import loopback_only  # noqa: F401\n")
    (tmp_path / "test_leak.py").write_text(
        "import contextlib, socket\n"
        "def test_leak():\n"
        "    with contextlib.suppress(OSError):\n"
        "        socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "the test reached beyond 127.0.0.1: 192.0.2.1:80" in run.stdout
