"""A fake OpenAI-compatible server on 127.0.0.1 that can answer slowly, as llama.cpp's server does
on a small CPU, and records whether the client hung up before a reply ended.

``with SlowServer(reply) as server:`` serves ``POST /v1/chat/completions`` at ``server.url``.
``reply(messages)`` (LangChain messages) returns text, a dict (sent as JSON) or a :class:`Slow`
reply; streamed requests get server-sent events (in HTTP/1.1 chunks, as llama.cpp's server sends
them, or with ``chunked=False`` in an HTTP/1.0 body that ends when the connection closes), others
one JSON body. ``server.requests`` holds one :class:`Served` per request.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages

from tests.servers import LOOPBACK


@dataclass
class Slow:
    """A reply sent one piece per ``delay`` seconds, after ``first_delay`` seconds of "prompt
    processing" (no piece at all)."""

    pieces: list[str]
    delay: float = 0.15
    first_delay: float = 0.0

    @property
    def seconds(self) -> float:
        return self.first_delay + self.delay * len(self.pieces)


@dataclass
class Served:
    """One request as the server saw it."""

    body: dict[str, Any]
    messages: list[BaseMessage]
    slow: bool = False
    sent: int = 0  # pieces sent
    hung_up: bool = False  # the client closed the connection before the reply ended
    finished: bool = False  # the whole reply went out
    arrived: threading.Event = field(default_factory=threading.Event)


def client_gone(conn: socket.socket, seconds: float) -> bool:
    """Wait up to ``seconds``; True as soon as the client closes the connection."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([conn], [], [], left)
        if readable:
            try:
                return conn.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True
    return False


class SlowServer:
    """An OpenAI-compatible chat server on a free loopback port, in a thread."""

    def __init__(self, reply: Callable[[list[BaseMessage]], Any], chunked: bool = True) -> None:
        self.reply = reply
        self.requests: list[Served] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if chunked else "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                served = Served(body, convert_to_messages(body["messages"]))
                owner.requests.append(served)
                answer = owner.reply(served.messages)
                served.slow = isinstance(answer, Slow)
                slow = answer if isinstance(answer, Slow) else Slow([as_text(answer)], delay=0.0)
                served.arrived.set()
                if body.get("stream"):
                    self.stream(served, slow)
                else:
                    self.whole(served, slow)

            def stream(self, served: Served, slow: Slow) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.flush()
                if client_gone(self.connection, slow.first_delay):
                    served.hung_up = True
                    return
                for piece in slow.pieces:
                    if not self.event(delta_chunk(piece)) or client_gone(self.connection, slow.delay):
                        served.hung_up = True
                        return
                    served.sent += 1
                self.event(final_chunk(served.messages, "".join(slow.pieces)))
                served.finished = self.event_text("[DONE]") and (not chunked or self.write(b""))

            def whole(self, served: Served, slow: Slow) -> None:
                if client_gone(self.connection, slow.seconds):
                    served.hung_up = True
                    return
                text = "".join(slow.pieces)
                data = json.dumps(completion(served.messages, text)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                served.sent, served.finished = len(slow.pieces), True

            def event(self, data: dict[str, Any]) -> bool:
                return self.event_text(json.dumps(data))

            def event_text(self, text: str) -> bool:
                return self.write(f"data: {text}\n\n".encode())

            def write(self, data: bytes) -> bool:
                """Send ``data`` (as one chunk when chunked; b"" ends the body); False if the
                client is gone."""
                try:
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
                    self.wfile.flush()
                except OSError:
                    return False
                return True

        self.httpd = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="slow-openai", daemon=True)

    def __enter__(self) -> SlowServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def as_text(answer: Any) -> str:
    return json.dumps(answer) if isinstance(answer, dict) else str(answer)


def usage(messages: list[BaseMessage], text: str) -> dict[str, int]:
    prompt = sum(len(message.text.split()) for message in messages)
    completion_tokens = len(text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
    }


def delta_chunk(piece: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-slow",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "slow",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}],
    }


def final_chunk(messages: list[BaseMessage], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-slow",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "slow",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": usage(messages, text),
    }


def completion(messages: list[BaseMessage], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-slow",
        "object": "chat.completion",
        "created": 0,
        "model": "slow",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": usage(messages, text),
    }
