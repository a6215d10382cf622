"""Fetch a web page and extract its main text, behind an address guard.

The guard admits only http(s) URLs whose host resolves exclusively to public addresses
(no loopback, private, link-local, multicast, reserved, shared or unspecified ones, IPv4 or
IPv6), unless the host is explicitly allowed. The connection goes to the address that was
checked, and every redirect is checked again. Responses are bounded in time and size, must be
HTML or plain text, and the extracted text is trimmed to a character budget.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from core.errors import DraftsmithError
from tools.deadline import CallTimeout, call_with_timeout
from tools.text import html_to_text, normalise_paragraphs, trim_text

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "Mozilla/5.0 (compatible; Draftsmith research; +local)"
_CHUNK_BYTES = 64 * 1024


class FetchError(DraftsmithError):
    """A page could not be fetched or yielded no text; the message says why in one line."""


class BlockedAddressError(FetchError):
    """The URL's scheme or resolved address is not allowed by the address guard."""


@dataclass(frozen=True)
class FetchedPage:
    """The readable text of a fetched page.

    Attributes:
        url: The final address after redirects.
        content_type: The response's media type, e.g. ``text/html``.
        text: Extracted main text, trimmed to the fetcher's budget.
    """

    url: str
    content_type: str
    text: str


@dataclass(frozen=True)
class _Target:
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


def check_url(url: str, allow_hosts: Iterable[str] = (), resolver: Resolver = resolve_addresses) -> _Target:
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
    return _Target(parts.scheme, host, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address while speaking HTTP for the original host name."""

    def __init__(self, target: _Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address, verifying the certificate for the original host name."""

    def __init__(self, target: _Target, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class PageFetcher:
    """Fetches pages through the address guard and extracts their main text.

    Args:
        timeout: Seconds for the whole fetch, redirects included.
        max_bytes: Largest response body accepted.
        max_chars: Character budget of the extracted text.
        max_redirects: Redirects followed before giving up.
        allow_hosts: Hosts exempt from the address check (e.g. ``{"127.0.0.1"}`` for tests).
        resolver: Resolves ``(host, port)`` to address strings.
        clock: Monotonic clock.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_bytes: int = 2_000_000,
        max_chars: int = 4000,
        max_redirects: int = 5,
        allow_hosts: Iterable[str] = frozenset(),
        resolver: Resolver = resolve_addresses,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_chars = max_chars
        self.max_redirects = max_redirects
        self.allow_hosts = frozenset(allow_hosts)
        self._resolver = resolver
        self._clock = clock

    def fetch(self, url: str) -> FetchedPage:
        """Fetch ``url`` and return its extracted text.

        Raises:
            BlockedAddressError: The guard refused the URL or one of its redirects.
            FetchError: Any other failure (timeout, HTTP error, size, content type, no text).
        """
        deadline = self._clock() + self.timeout
        current = url
        for _ in range(self.max_redirects + 1):
            target = self._check(current, deadline)
            status, location, content_type, body = self._request(target, deadline)
            if status in REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            if status != 200:
                raise FetchError(f"HTTP {status} from {current}")
            return FetchedPage(current, content_type, self._extract(body, content_type, current))
        raise FetchError(f"more than {self.max_redirects} redirects from {url}")

    def _remaining(self, deadline: float) -> float:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise FetchError(f"timed out after {self.timeout:g} s")
        return remaining

    def _check(self, url: str, deadline: float) -> _Target:
        try:
            return call_with_timeout(
                lambda: check_url(url, self.allow_hosts, self._resolver),
                self._remaining(deadline),
                name="draftsmith-resolve",
            )
        except CallTimeout as error:
            raise FetchError(f"resolving {url} timed out") from error

    def _request(self, target: _Target, deadline: float) -> tuple[int, str, str, str]:
        """One GET without following redirects: status, Location, media type and decoded body."""
        connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(target, timeout=self._remaining(deadline))
        try:
            connection.request("GET", target.path, headers=_request_headers())
            response = connection.getresponse()
            location = response.getheader("Location", "") or ""
            if response.status != 200:
                return response.status, location, "", ""
            content_type = self._accepted_type(response)
            body = _decode(self._read_body(response, deadline), response.headers.get_content_charset())
            return response.status, location, content_type, body
        except (OSError, http.client.HTTPException) as error:
            if isinstance(error, TimeoutError):
                raise FetchError(f"timed out after {self.timeout:g} s fetching {target.host}") from error
            raise FetchError(f"cannot fetch {target.host}: {error or type(error).__name__}") from error
        finally:
            connection.close()

    def _accepted_type(self, response: http.client.HTTPResponse) -> str:
        media_type = (response.getheader("Content-Type", "") or "").split(";", 1)[0].strip().lower()
        if media_type not in HTML_TYPES | TEXT_TYPES:
            raise FetchError(f"unsupported content type {media_type or 'none'} (only HTML and plain text)")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"page is larger than {self.max_bytes} bytes")
        return media_type

    def _read_body(self, response: http.client.HTTPResponse, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read(_CHUNK_BYTES):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"page is larger than {self.max_bytes} bytes")
            chunks.append(chunk)
            self._remaining(deadline)
        return b"".join(chunks)

    def _extract(self, page: str, content_type: str, url: str) -> str:
        text = extract_main_text(page, content_type, url)
        if not text:
            raise FetchError(f"no readable text at {url}")
        return trim_text(text, self.max_chars)


def _decode(body: bytes, charset: str | None) -> str:
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _request_headers() -> dict[str, str]:
    return {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9",
        "Accept-Encoding": "identity",
    }


def extract_main_text(page: str, content_type: str, url: str | None = None) -> str:
    """Main text of a page: trafilatura for HTML (stdlib fallback), normalised plain text otherwise."""
    if content_type not in HTML_TYPES:
        return normalise_paragraphs(page)
    import trafilatura  # heavy import, only needed once pages are actually fetched

    extracted = trafilatura.extract(
        page, url=url, include_comments=False, include_tables=True, include_images=False, include_links=False
    )
    if extracted and extracted.strip():
        return normalise_paragraphs(extracted)
    return html_to_text(page)[1]
