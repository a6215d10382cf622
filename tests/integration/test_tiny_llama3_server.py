"""The tiny Llama 3 model behind ``python -m llama_cpp.server``, drafted with ``--backend openai``.

Its prose is noise (random weights): this checks the plumbing, not quality. The server applies
the chat template stored in the GGUF itself; structured calls go through its JSON-schema grammar.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from backends.factory import make_chat_model
from backends.structured import invoke_structured
from core.settings import load_settings
from tests.servers import cli_env, cli_options, llama_server, openai_backend, run_cli

pytestmark = pytest.mark.integration
ALIAS = "tiny-llama3"


class Headline(BaseModel):
    title: str
    tags: list[str]


@pytest.fixture(scope="module")
def tiny_server(tiny_llama3: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with llama_server(tmp_path_factory.mktemp("tiny-server") / "server.log", tiny_llama3, ALIAS) as url:
        yield url


def test_structured_json_through_the_server_parses(tiny_server):
    model = make_chat_model(
        load_settings(backend="openai", base_url=tiny_server, openai_model=ALIAS, max_tokens=200)
    )
    headline, _ = invoke_structured(model, Headline, [HumanMessage("A headline and tags about tea.")])
    assert isinstance(headline, Headline)


def test_cli_draft_with_backend_openai_ends_with_a_result(tiny_server, tmp_path):
    env = cli_env(tmp_path, DRAFTSMITH_MAX_TOKENS="48")
    server = openai_backend(tiny_server, ALIAS)
    small = cli_options(rounds=1, words=150, search="off", max_tokens=2000)
    run = run_cli("draft", "Green tea at home", *server, *small, "--json", "--quiet", env=env)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["backend"] == "openai" and result["model"] == ALIAS
    assert [record["round"] for record in result["rounds"]] == [1]
    assert result["totals"]["calls"] > 0 and result["markdown"].strip()
