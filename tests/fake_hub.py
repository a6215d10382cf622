"""A Hugging Face model hub on 127.0.0.1 for tests: the ``resolve`` endpoint that
``huggingface_hub`` calls (HEAD for the metadata, GET with HTTP Range for the bytes).

Point the code at it with ``HF_ENDPOINT=hub.url``. It can publish a wrong sha256, send the
bytes slowly, or cut the first download off part way, and it records every request.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

COMMIT = "c0ffee" + "0" * 34
RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<filename>.+)$")
RANGE = re.compile(r"^bytes=(\d+)-$")


@dataclass
class Seen:
    """One request the hub answered: method, repository, file and the Range header."""

    method: str
    repo: str
    filename: str
    range: str | None


@dataclass
class FakeHub:
    """The files it serves, by (repository, file name), and how it misbehaves.

    Attributes:
        wrong_sha: publish a sha256 that is not the file's.
        chunk, pause: send the body in ``chunk``-byte pieces, ``pause`` seconds apart.
        cut_first_get_at: close the connection after this many bytes of the first GET.
    """

    files: dict[tuple[str, str], bytes]
    wrong_sha: bool = False
    chunk: int = 1 << 20
    pause: float = 0.0
    cut_first_get_at: int | None = None
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    _gets: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sha256(self, data: bytes) -> str:
        """The checksum the hub publishes for ``data``."""
        digest = hashlib.sha256(data).hexdigest()
        return hashlib.sha256(b"not " + data).hexdigest() if self.wrong_sha else digest

    def gets(self) -> list[Seen]:
        """The GET requests so far."""
        return [seen for seen in self.seen if seen.method == "GET"]


def handler_for(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_HEAD(self) -> None:
            self.answer(body=False)

        def do_GET(self) -> None:
            self.answer(body=True)

        def answer(self, body: bool) -> None:
            match = RESOLVE.match(self.path)
            data = hub.files.get((match["repo"], match["filename"])) if match else None
            if match is None or data is None:
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            wanted = self.headers.get("Range")
            with hub._lock:
                hub.seen.append(Seen(self.command, match["repo"], match["filename"], wanted))
            start = int(m[1]) if body and wanted and (m := RANGE.match(wanted)) else 0
            self.send_response(206 if start else 200)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("ETag", f'"{hub.sha256(data)}"')
            self.send_header("X-Linked-Etag", f'"{hub.sha256(data)}"')
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if body:
                self.send_body(data[start:])

        def send_body(self, data: bytes) -> None:
            with hub._lock:
                hub._gets += 1
                cut = hub.cut_first_get_at if hub._gets == 1 else None
            limit = len(data) if cut is None else min(cut, len(data))
            for offset in range(0, limit, hub.chunk):
                self.wfile.write(data[offset : min(offset + hub.chunk, limit)])
                self.wfile.flush()
                if hub.pause:
                    time.sleep(hub.pause)
            if cut is not None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


@contextmanager
def running(hub: FakeHub) -> Iterator[FakeHub]:
    """Serve ``hub`` on a free 127.0.0.1 port for the block (``hub.url`` is set)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(hub))
    server.daemon_threads = True
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-hub", daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """An address that accepts connections and never answers (a hung proxy or server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def refused_endpoint() -> str:
    """An address where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
