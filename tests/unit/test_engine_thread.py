"""Every llama.cpp computation runs on one engine thread, whichever thread asks."""

import threading
import time
from collections.abc import Iterator

import pytest
from langchain_core.messages import HumanMessage

from backends.engine_thread import run_on_engine, stream_on_engine
from backends.llama_cpp_chat import LlamaCppChatModel
from tests.fakes import FakeLlama


def in_new_thread(function):
    """Run ``function`` on a fresh thread and return what it returned."""
    box = []
    thread = threading.Thread(target=lambda: box.append(function()))
    thread.start()
    thread.join(timeout=30)
    return box[0]


def test_calls_from_different_threads_run_on_one_other_thread():
    here = run_on_engine(threading.get_ident)
    there = in_new_thread(lambda: run_on_engine(threading.get_ident))
    assert here == there
    assert here != threading.get_ident()


def test_run_on_engine_passes_arguments_and_raises_errors_in_the_caller():
    assert run_on_engine(divmod, 7, 2) == (3, 1)
    with pytest.raises(ZeroDivisionError):
        run_on_engine(divmod, 1, 0)


def test_a_stream_yields_in_order_items_produced_on_the_engine_thread():
    producers = []

    def numbers() -> Iterator[int]:
        producers.append(threading.get_ident())
        yield from range(5)

    assert list(stream_on_engine(numbers)) == [0, 1, 2, 3, 4]
    assert producers == [run_on_engine(threading.get_ident)]


def test_an_error_inside_a_stream_reaches_the_consumer_after_earlier_items():
    def failing() -> Iterator[str]:
        yield "first"
        raise RuntimeError("engine fell over")

    seen = []
    with pytest.raises(RuntimeError, match="engine fell over"):
        for item in stream_on_engine(failing):
            seen.append(item)
    assert seen == ["first"]


def test_closing_a_stream_early_stops_the_producer_and_frees_the_engine():
    produced = []
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            index = 0
            while True:
                produced.append(index)
                yield index
                index += 1
                time.sleep(0.001)
        finally:
            closed.set()

    stream = stream_on_engine(endless)
    assert [next(stream), next(stream)] == [0, 1]
    stream.close()
    assert closed.wait(5)
    count = len(produced)
    assert run_on_engine(lambda: 42) == 42  # the engine is free again
    assert len(produced) == count < 1000


def test_the_chat_model_generates_on_the_engine_thread_from_any_caller():
    llama = FakeLlama(["Tea", " is", " old."], chat_format="llama-3")
    model = LlamaCppChatModel(llama=llama)
    assert model.invoke([HumanMessage("tea?")]).content == "Tea is old."
    assert in_new_thread(lambda: model.invoke([HumanMessage("tea?")]).content) == "Tea is old."
    engine = run_on_engine(threading.get_ident)
    assert llama.threads == [engine, engine]
