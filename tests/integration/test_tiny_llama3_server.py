"""The tiny Llama 3 model behind ``python -m llama_cpp.server``, drafted with ``--backend openai``.

Its prose is noise (random weights): this checks the plumbing, not quality. The server applies
the chat template stored in the GGUF itself; structured calls go through its JSON-schema grammar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from backends.factory import make_chat_model
from backends.structured import invoke_structured
from core.settings import load_settings
from tests.conftest import free_port, start_llama_server

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
ALIAS = "tiny-llama3"


class Headline(BaseModel):
    title: str
    tags: list[str]


@pytest.fixture(scope="module")
def tiny_server(tiny_llama3: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("tiny-server") / "server.log"
    process = start_llama_server(port, log, model=tiny_llama3, alias=ALIAS)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_structured_json_through_the_server_parses(tiny_server):
    model = make_chat_model(
        load_settings(backend="openai", base_url=tiny_server, openai_model=ALIAS, max_tokens=200)
    )
    headline, _ = invoke_structured(model, Headline, [HumanMessage("A headline and tags about tea.")])
    assert isinstance(headline, Headline)


def test_cli_draft_with_backend_openai_ends_with_a_result(tiny_server, tmp_path):
    env = {**os.environ, "DRAFTSMITH_DATA_DIR": str(tmp_path / "d"), "DRAFTSMITH_MAX_TOKENS": "48"}
    server = ["--backend", "openai", "--base-url", tiny_server, "--openai-model", ALIAS]
    small = ["--rounds", "1", "--words", "150", "--search", "off", "--max-tokens", "2000"]
    run = subprocess.run(
        [sys.executable, "cli.py", "draft", "Green tea at home", *server, *small, "--json", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["backend"] == "openai" and result["model"] == ALIAS
    assert [record["round"] for record in result["rounds"]] == [1]
    assert result["totals"]["calls"] > 0 and result["markdown"].strip()
