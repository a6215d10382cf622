"""A real HTTP server on 127.0.0.1 serving scripted pages, for fetch, search and research tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = """<html><head><title>Sourdough basics</title>
<script>document.write("SECRET-SCRIPT-TEXT")</script><style>p { color: red }</style></head>
<body><nav>Home | About | Shop</nav>
<article><h1>Sourdough basics</h1>
<p>A sourdough starter is a culture of wild yeast and lactic acid bacteria, fed with flour and water.</p>
<p>Bakers feed the starter every day and let the dough rise slowly for many hours before baking.</p>
<p>The long fermentation gives sourdough bread its tangy flavour and open crumb.</p>
</article><footer>Copyright footer</footer></body></html>"""


@dataclass
class Route:
    """What the server answers for one path."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    send_length: bool = True


@dataclass
class PageServer:
    """The running server: its base URL, routes, the paths it was asked for and the POST bodies
    it received."""

    base_url: str
    port: int
    routes: dict[str, Route]
    requests: list[str] = field(default_factory=list)
    posted: list[bytes] = field(default_factory=list)


def _handler(server_state: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            server_state.posted.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.do_GET()

        def do_GET(self) -> None:
            server_state.requests.append(self.path)
            route = server_state.routes.get(self.path, Route(status=404, body=b"not found"))
            if route.delay:
                time.sleep(route.delay)
            self.send_response(route.status)
            if route.content_type:
                self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.send_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@contextmanager
def serve_pages(routes: dict[str, Route]) -> Iterator[PageServer]:
    """Serve ``routes`` on a free 127.0.0.1 port for the duration of the block."""
    state = PageServer(base_url="", port=0, routes=routes)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = int(server.server_address[1])
    state.base_url = f"http://127.0.0.1:{state.port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
