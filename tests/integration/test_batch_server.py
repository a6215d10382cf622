"""Batch drafting against a real OpenAI-compatible server (llama.cpp's) on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_batch_of_three_with_one_invalid_topic(llama_server, tmp_path):
    topics = tmp_path / "topics.txt"
    topics.write_text("Composting at home\n\x01\nWalking in the rain\n")
    env = {
        **os.environ,
        "DRAFTSMITH_DATA_DIR": str(tmp_path / "d"),
        "DRAFTSMITH_CACHE_DIR": str(tmp_path / "c"),
    }
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "cli.py",
            "batch",
            str(topics),
            "--out",
            str(tmp_path / "posts"),
            "--concurrency",
            "2",
            "--rounds",
            "1",
            "--search",
            "off",
            "--words",
            "300",
            "--backend",
            "openai",
            "--base-url",
            llama_server,
            "--openai-model",
            "smollm2",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
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
