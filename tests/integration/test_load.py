"""Load: concurrent sessions on one shared model plus a CLI run; a batch of 10 against a server."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graph.runner import draft
from graph.state import DraftRequest
from settings import load_settings

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SMALL = {"rounds": 1, "search": "off", "words": 150}


def test_two_sessions_on_one_model_and_a_cli_run_all_finish(tmp_path):
    # One thread per process: llama.cpp threads spin while they wait, so oversubscribing the
    # 2 cores with two 2-thread processes slows both down many times over.
    from backends.factory import make_chat_model

    shared_model = make_chat_model(load_settings(n_threads=1, n_ctx=4096, max_tokens=256))
    env = {
        **os.environ,
        "DRAFTSMITH_DATA_DIR": str(tmp_path / "cli"),
        "DRAFTSMITH_CACHE_DIR": str(tmp_path / "c"),
    }
    cli_run = subprocess.Popen(
        [
            sys.executable,
            "cli.py",
            "draft",
            "Bicycles in winter",
            "--rounds",
            "1",
            "--search",
            "off",
            "--words",
            "150",
            "--quiet",
            "--json",
            "--threads",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    settings = load_settings(data_dir=tmp_path / "sessions")
    results: dict[str, object] = {}

    def session(topic: str) -> None:
        try:
            results[topic] = draft(DraftRequest(topic=topic, **SMALL), settings, chat_model=shared_model)
        except Exception as exc:  # recorded and asserted below
            results[topic] = exc

    threads = [threading.Thread(target=session, args=(topic,)) for topic in ("Tea for two", "Rain gardens")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    out, err = cli_run.communicate(timeout=600)
    assert cli_run.returncode == 0, err
    assert '"markdown": "# ' in out
    for topic, result in results.items():
        assert not isinstance(result, Exception), f"{topic}: {result}"
        assert result.markdown.startswith("# ")  # type: ignore[attr-defined]
    assert len(results) == 2


def test_a_batch_of_ten_against_a_server_loses_nothing(llama_server, tmp_path):
    topics = tmp_path / "topics.txt"
    topics.write_text("\n".join(f"Ten small habits, part {n}" for n in range(1, 11)) + "\n")
    env = {
        **os.environ,
        "DRAFTSMITH_DATA_DIR": str(tmp_path / "d"),
        "DRAFTSMITH_CACHE_DIR": str(tmp_path / "c"),
    }
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
            "150",
            "--backend",
            "openai",
            "--base-url",
            llama_server,
            "--openai-model",
            "smollm2",
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "posts").glob("*.md"))) == 10
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"batch of 10: peak RSS of the largest child {peak_mb:.0f} MB")
    assert peak_mb < 1500
