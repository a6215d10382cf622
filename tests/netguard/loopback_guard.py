"""The test network guard: nothing but loopback, in the test process and in every Python child.

``install(report)`` wraps every way a Python program reaches another machine:

- name lookups: ``getaddrinfo`` (in ``_socket``, which ``socket.getaddrinfo`` and asyncio call),
  ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr`` and ``getnameinfo`` (in ``socket``
  and ``_socket``): only loopback names and address literals are looked up;
- sockets: ``connect``, ``connect_ex``, ``sendto`` and ``sendmsg`` of ``socket.socket``, and of
  raw ``_socket.socket`` objects (the module's class is replaced by a guarded subclass): only
  loopback addresses and Unix sockets are reached.

A refused attempt raises ``ConnectionRefusedError`` (nothing leaves the machine) and is passed to
``report``, so the test fails even when the code under test swallows the error.

Child processes get the same guard from ``sitecustomize.py`` beside this file, which Python
imports at start-up when this folder is on ``PYTHONPATH`` (the test session puts it there). A
child reports by appending one line per attempt to the file named by ``NETGUARD_LOG``.

``NETGUARD_OUTSIDE`` (comma-separated) names loopback addresses and names the guard treats as
outside, so the guard's own tests need no real outside address: if the guard broke, their
connections would still stay on this machine.

Native code (ddgs's HTTP client, llama.cpp, Chromium) does not go through Python's socket module:
the test session points ddgs at a dead proxy on 127.0.0.1, keeps the hub client offline, and
starts Chromium with a resolver that answers nothing but 127.0.0.1. Stdlib only: this module
runs before anything else in a child.
"""

from __future__ import annotations

import _socket
import ipaddress
import os
import socket
import sys
from collections.abc import Callable
from typing import Any, NoReturn

LOG_VARIABLE = "NETGUARD_LOG"
OUTSIDE_VARIABLE = "NETGUARD_OUTSIDE"
GUARD_DIR = os.path.dirname(os.path.abspath(__file__))
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
OUTSIDE: set[str] = {part.strip().lower() for part in os.environ.get(OUTSIDE_VARIABLE, "").split(",") if part}
"""Loopback addresses and names to treat as outside (the guard's own tests)."""

Report = Callable[[str], None]
_originals: dict[tuple[Any, str], Any] = {}


def is_loopback(host: object) -> bool:
    """True for 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost names, unless in ``OUTSIDE``."""
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str) or host.split("%", 1)[0].lower() in OUTSIDE:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if str(address) in OUTSIDE:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def is_address(host: str) -> bool:
    """True for an IP address literal, legacy IPv4 forms too (``127.1``, ``0x7f000001``): the
    resolver reads those itself, with no query."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            _socket.inet_aton(host)
        except OSError:
            return False
    return True


def install(report: Report) -> None:
    """Wrap every way out (see the module docstring); refused attempts go to ``report``."""
    if _originals:
        return

    def refuse(what: str) -> NoReturn:
        report(what)
        raise ConnectionRefusedError(f"test network guard: {what} is beyond loopback")

    def lookup(name: object, what: str) -> None:
        text = name.decode(errors="replace") if isinstance(name, bytes) else name
        if text in (None, "") or is_loopback(text):
            return
        if isinstance(text, str) and is_address(text):
            return  # an address literal needs no query: connect checks it
        refuse(f"{what} of {text}")

    def reverse(address: object, what: str) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if not is_loopback(host):
            refuse(f"{what} of {host}")

    def check(sock: Any, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            refuse(f"{address[0]}:{address[1]}")

    def guarded_method(owner: Any, name: str, address_at: Callable[[tuple[Any, ...]], Any]) -> None:
        original = _keep(owner, name)

        def call(sock: Any, *args: Any, **kwargs: Any) -> Any:
            address = address_at(args)
            if address is not None:
                check(sock, address)
            return original(sock, *args, **kwargs)

        setattr(owner, name, call)

    def guarded_function(module: Any, name: str, checker: Callable[[object, str], None]) -> None:
        original = _keep(module, name)

        def call(host: Any, *args: Any, **kwargs: Any) -> Any:
            checker(host, f"{name}")
            return original(host, *args, **kwargs)

        setattr(module, name, call)

    raw = _socket.socket

    class GuardedRawSocket(raw):  # type: ignore[misc,valid-type]
        """``_socket.socket`` with the guarded methods below."""

    for owner in (socket.socket, GuardedRawSocket):
        guarded_method(owner, "connect", _first)
        guarded_method(owner, "connect_ex", _first)
        guarded_method(owner, "sendto", _last_of_two_or_more)
        guarded_method(owner, "sendmsg", _fourth)
    _keep(_socket, "socket")
    _socket.socket = GuardedRawSocket  # type: ignore[misc]
    _keep(_socket, "SocketType")
    _socket.SocketType = GuardedRawSocket  # type: ignore[misc]
    guarded_function(_socket, "getaddrinfo", lookup)
    for module in (socket, _socket):
        for name in ("gethostbyname", "gethostbyname_ex"):
            guarded_function(module, name, lookup)
        guarded_function(module, "gethostbyaddr", reverse)
        guarded_function(module, "getnameinfo", reverse)


def _first(args: tuple[Any, ...]) -> Any:
    return args[0] if args else None


def _last_of_two_or_more(args: tuple[Any, ...]) -> Any:  # sendto(data[, flags], address)
    return args[-1] if len(args) > 1 else None


def _fourth(args: tuple[Any, ...]) -> Any:  # sendmsg(buffers, ancdata, flags, address)
    return args[3] if len(args) > 3 else None


def uninstall() -> None:
    """Put every wrapped function back."""
    for (owner, name), original in reversed(list(_originals.items())):
        setattr(owner, name, original)
    _originals.clear()


def _keep(owner: Any, name: str) -> Any:
    original = getattr(owner, name)
    _originals.setdefault((owner, name), original)
    return original


def report_to_log(what: str) -> None:
    """A child's report: one line in the file ``NETGUARD_LOG`` names (process and program too)."""
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    program = " ".join(sys.argv[:3]) if sys.argv and sys.argv[0] else sys.executable
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"{what} (child process {os.getpid()}: {program})\n")


def child_is_guarded(env: dict[str, str] | os._Environ[str]) -> bool:
    """True when a child started with ``env`` gets this guard and reports to this session's log."""
    paths = env.get("PYTHONPATH", "").split(os.pathsep)
    return GUARD_DIR in paths and env.get(LOG_VARIABLE) == os.environ.get(LOG_VARIABLE)
