"""The OpenAI-compatible backend against a real llama.cpp server on 127.0.0.1."""

import subprocess
import sys
import time
import urllib.request

import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from backends.factory import make_chat_model
from backends.model_files import embedded_model_path
from backends.structured import invoke_structured
from settings import load_settings
from tests.conftest import free_port

pytestmark = pytest.mark.integration


class Verdict(BaseModel):
    score: int = Field(ge=1, le=10)
    reason: str = Field(max_length=120)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    port = free_port()
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(embedded_model_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
            "--model_alias",
            "smollm2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama.cpp server did not start; see {log.name}")
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def server_model(server_url):
    return make_chat_model(
        load_settings(backend="openai", base_url=server_url, openai_model="smollm2", max_tokens=64)
    )


def test_streams_a_reply(server_model):
    chunks = list(server_model.stream([HumanMessage("Say hello.")]))
    assert "".join(str(chunk.content) for chunk in chunks).strip()
    assert len([c for c in chunks if c.content]) > 1


def test_reports_usage(server_model):
    # llama-cpp-python's server omits usage from streams (stream_options is not supported there).
    reply = server_model.invoke([HumanMessage("Say hello.")])
    assert reply.usage_metadata and reply.usage_metadata["output_tokens"] > 0


def test_structured_output_is_valid(server_model):
    verdict, _ = invoke_structured(
        server_model, Verdict, [HumanMessage("Rate this sentence from 1 to 10: Tea is nice.")]
    )
    assert 1 <= verdict.score <= 10
