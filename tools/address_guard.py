"""The address guard for page fetches: which URLs may be fetched, and a connection to exactly
the address that was checked.

Only http(s) URLs whose host resolves exclusively to public addresses pass (no loopback, private,
link-local, multicast, reserved, shared or unspecified ones, IPv4 or IPv6), unless the host is
explicitly allowed. The connection goes to the checked address, so a second DNS answer cannot
redirect it.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import DraftsmithError

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(DraftsmithError):
    """A page could not be fetched or yielded no text; the message says why in one line."""


class BlockedAddressError(FetchError):
    """The URL's scheme or resolved address is not allowed by the address guard."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def resolve_addresses(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (numeric forms such as ``2130706433`` included).

    Raises:
        FetchError: When the name cannot be resolved.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"cannot resolve {host}: {error}") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses, looking inside IPv6 wrappers of IPv4."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and not is_public_address(embedded):
            return False
    blocked = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return address.is_global and not blocked


def _parse_address(text: str) -> IPAddress:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError as error:
        raise BlockedAddressError(f"unexpected address {text!r}") from error


def check_url(url: str, allow_hosts: Iterable[str] = (), resolver: Resolver = resolve_addresses) -> Target:
    """Validate a URL against the guard and pick the address to connect to.

    Args:
        url: The address to check.
        allow_hosts: Host names or literal addresses exempt from the address check.
        resolver: Resolves ``(host, port)`` to address strings.

    Returns:
        The checked target.

    Raises:
        BlockedAddressError: Bad scheme, no host, or a non-public address of a host not allowed.
        FetchError: The host cannot be resolved.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise BlockedAddressError(f"malformed URL {url!r}") from error
    if parts.scheme not in ("http", "https"):
        raise BlockedAddressError(f"only http and https URLs are fetched, not {parts.scheme or 'none'}:")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BlockedAddressError(f"URL has no host: {url!r}")
    addresses = resolver(host, port)
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    if host not in {allowed.lower().strip("[]").rstrip(".") for allowed in allow_hosts}:
        for address in addresses:
            if not is_public_address(_parse_address(address)):
                raise BlockedAddressError(f"refusing {host}: it resolves to non-public address {address}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address while speaking HTTP for the original host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address, verifying the certificate for the original host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def open_connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    """An HTTP(S) connection for ``target``, pinned to its checked address."""
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target, timeout)
    return _PinnedHTTPConnection(target, timeout)
