"""Batch drafting against a real OpenAI-compatible server (llama.cpp's) on 127.0.0.1."""

from __future__ import annotations

import time

import pytest
import yaml

from tests.servers import cli_env, cli_options, openai_backend, run_cli

pytestmark = pytest.mark.integration


def test_batch_of_three_with_one_invalid_topic(llama_server, tmp_path):
    topics = tmp_path / "topics.txt"
    topics.write_text("Composting at home\n\x01\nWalking in the rain\n")
    options = cli_options(out=tmp_path / "posts", concurrency=2, rounds=1, search="off", words=300)
    started = time.monotonic()
    run = run_cli(
        "batch", str(topics), *options, *openai_backend(llama_server), env=cli_env(tmp_path), timeout=900
    )
    minutes = (time.monotonic() - started) / 60
    assert run.returncode == 3, run.stderr
    posts = sorted((tmp_path / "posts").iterdir())
    assert len(posts) == 2, run.stderr
    for post in posts:
        _, header, body = post.read_text().split("---\n", 2)
        assert yaml.safe_load(header)["title"] and body.lstrip().startswith("# ")
    assert "[line 2] failed: invalid topic" in run.stderr
    print(f"batch: 2 drafts in {minutes:.2f} min at concurrency 2 ({2 / minutes:.2f} drafts/min)")
