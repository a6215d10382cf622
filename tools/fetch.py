"""Fetch a web page and extract its main text, behind the address guard (tools/address_guard).

Every address, redirects included, is checked by the guard and the connection goes to the
checked address. Responses are bounded in time and size, must be HTML or plain text, and the
extracted text is trimmed to a character budget.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

from tools.address_guard import FetchError, Resolver, Target, check_url, open_connection, resolve_addresses
from tools.deadline import CallTimeout, call_with_timeout
from tools.text import html_to_text, normalise_paragraphs, trim_text

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "Mozilla/5.0 (compatible; Draftsmith research; +local)"
_CHUNK_BYTES = 64 * 1024


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

    def _check(self, url: str, deadline: float) -> Target:
        try:
            return call_with_timeout(
                lambda: check_url(url, self.allow_hosts, self._resolver),
                self._remaining(deadline),
                name="draftsmith-resolve",
            )
        except CallTimeout as error:
            raise FetchError(f"resolving {url} timed out") from error

    def _request(self, target: Target, deadline: float) -> tuple[int, str, str, str]:
        """One GET without following redirects: status, Location, media type and decoded body."""
        connection = open_connection(target, timeout=self._remaining(deadline))
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
