"""``ChatOpenAI`` for OpenAI-compatible servers: older request dialects, and Stop mid-call.

langchain-openai sends the token cap only as ``max_completion_tokens``; llama-cpp-python's server
(and other OpenAI-compatible servers) read ``max_tokens`` and silently ignore the new name, so a
grammar-constrained reply could run until the context is full. We send both.

Stop (``backends.cancel``) cuts a call in flight, as it does for the in-process engine: while a
stop check is in effect every call streams (so the server answers with its headers at once, even
for a structured reply), and a watcher thread polls the check; when it fires, the watcher shuts
the call's socket down. The read in flight ends at once (while the server is still processing
the prompt, too), the call raises ``GenerationCancelled``, and the server sees the client gone
(llama.cpp's server then stops generating).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, cast

import openai
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import Field

from backends.cancel import GenerationCancelled, StopCheck, current_stop_check

POLL_SECONDS = 0.1  # how often a call in flight asks whether the run should stop


class CuttableCall:
    """One server call that Stop may cut: the socket its response arrives on, once known."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self.cut = False

    def attach(self, sock: socket.socket) -> None:
        """The response's headers arrived on ``sock``; shut it at once if the call was cut already."""
        with self._lock:
            self._socket = sock
            cut = self.cut
        if cut:
            _shut(sock)

    def cut_now(self) -> None:
        """End the call: its socket is shut down, so the read in flight returns."""
        with self._lock:
            self.cut = True
            sock = self._socket
        if sock is not None:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also under TLS: it wakes a blocked read with end-of-file
    # (closing would not). A socket closed already raises OSError.
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_CALL: ContextVar[CuttableCall | None] = ContextVar("draftsmith_server_call", default=None)


def _attach_response(response: Any) -> None:
    """httpx response hook: hand the socket of a cuttable call's response to that call."""
    call = _CALL.get()
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if call is not None and isinstance(sock, socket.socket):
        call.attach(sock)


def cuttable_http_client() -> Any:
    """The openai SDK's default HTTP client, telling each cuttable call its response's socket."""
    return openai.DefaultHttpxClient(event_hooks={"response": [_attach_response]})


@contextmanager
def watch_stop(should_stop: StopCheck) -> Iterator[CuttableCall]:
    """A call that a watcher thread cuts as soon as ``should_stop()`` holds, for the block."""
    call, done = CuttableCall(), threading.Event()

    def watch() -> None:
        while not done.wait(POLL_SECONDS):
            if should_stop():
                call.cut_now()
                return

    threading.Thread(target=watch, name="draftsmith-stop-watch", daemon=True).start()
    try:
        yield call
    finally:
        done.set()


class CompatibleChatOpenAI(ChatOpenAI):
    """``ChatOpenAI`` whose requests carry the token cap under both names and whose calls Stop cuts."""

    http_client: Any | None = Field(default_factory=cuttable_http_client, exclude=True)
    # No transport of langchain-openai's own (TCP keepalive) on the async client (the agents call
    # models synchronously): the calls go through the client above, with httpx's defaults.
    http_socket_options: Sequence[tuple[int, int, int]] | None = Field(default=(), exclude=True)

    def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "max_completion_tokens" in payload:
            payload["max_tokens"] = payload["max_completion_tokens"]
        return payload

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if current_stop_check() is None:
            return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        # Streamed, so that the server answers at once and Stop can cut the call.
        return generate_from_stream(self._stream(messages, stop=stop, run_manager=run_manager, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        should_stop = current_stop_check()
        chunks = cast(
            Generator[ChatGenerationChunk, None, None],
            super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs),
        )
        if should_stop is None:
            yield from chunks
            return
        with watch_stop(should_stop) as call:
            try:
                while True:
                    token = _CALL.set(call)  # the response hook runs inside next()
                    try:
                        chunk = next(chunks, None)
                    except Exception:
                        if call.cut:
                            raise GenerationCancelled("stopped while the server was generating") from None
                        raise
                    finally:
                        _CALL.reset(token)
                    if chunk is None:
                        break
                    yield chunk
            finally:
                chunks.close()  # closes the response when the caller stops reading early
        if call.cut:  # a reply cut short may still end like a whole one (a close-delimited body)
            raise GenerationCancelled("stopped while the server was generating")
