"""Load: two UI sessions and a notebook-style run on one shared model while a CLI run goes; a batch
of 10 against a server. Model calls on the shared model never overlap; each child's peak memory
is its own (``wait4``), not the largest child of the whole test session."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import draft
from tests.servers import ROOT, cli_command, cli_env, cli_options, openai_backend
from tools.base import NoSearch
from ui.web import session
from ui.web.job import DraftJob
from ui.web.live import RunGate

pytestmark = pytest.mark.integration
SMALL = {"rounds": 1, "search": "off", "words": 150}
TOPICS = ("Tea for two", "Rain gardens", "Kites in spring")


def run_child(
    command: list[str], tmp_path: Path, env: dict[str, str], timeout: float
) -> tuple[int, str, str, float]:
    """Run ``command``; return its exit code, stdout, stderr and its own peak RSS in MB."""
    out, err = tmp_path / "child.out", tmp_path / "child.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, text=True)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{command[2]} did not finish within {timeout:.0f} s")
        time.sleep(0.2)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, out.read_text(), err.read_text(), usage.ru_maxrss / 1024


class CallTracker:
    """Wraps the shared model's llama.cpp completions: how many run at once, and whose they are."""

    def __init__(self, llama: Any) -> None:
        self.llama, self.active, self.max_active = llama, 0, 0
        self.order: list[str] = []
        self._guard = threading.Lock()
        self._create = llama.create_completion
        llama.create_completion = self.create_completion

    def create_completion(self, **request: Any) -> Any:
        prompt = self.llama.detokenize(request["prompt"]).decode("utf-8", "replace")
        self.order.append(next((topic for topic in TOPICS if topic in prompt), "?"))
        if request.get("stream"):
            return self._stream(request)
        self._enter()
        try:
            return self._create(**request)
        finally:
            self._leave()

    def _stream(self, request: dict[str, Any]) -> Iterator[Any]:
        self._enter()
        try:
            yield from self._create(**request)
        finally:
            self._leave()

    def _enter(self) -> None:
        with self._guard:
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def _leave(self) -> None:
        with self._guard:
            self.active -= 1


def test_two_ui_sessions_and_a_notebook_share_one_model_while_a_cli_run_goes(tmp_path: Path) -> None:
    # One thread per process: llama.cpp threads spin while they wait, so oversubscribing the
    # 2 cores with two 2-thread processes slows both down many times over.
    from backends.factory import make_chat_model

    shared_model = make_chat_model(load_settings(n_threads=1, n_ctx=4096, max_tokens=256))
    calls = CallTracker(shared_model.llama)  # type: ignore[attr-defined]
    options = cli_options(rounds=1, search="off", words=150)
    command = cli_command("draft", "Bicycles in winter", *options, "--quiet", "--json", "--threads", "1")
    cli_result: dict[str, Any] = {}

    def cli_run() -> None:
        cli_result["run"] = run_child(command, tmp_path, cli_env(tmp_path), 900)

    cli_thread = threading.Thread(target=cli_run)
    cli_thread.start()

    settings = load_settings(data_dir=tmp_path / "sessions")
    gate = RunGate()  # the UI's gate: one run at a time per server process

    def job(topic: str) -> DraftJob:
        request = session.request_from(session.RunForm(topic=topic, **SMALL))  # type: ignore[arg-type]
        prepared = session.PreparedRun(request, settings, shared_model, NoSearch(), time.monotonic())
        return DraftJob(prepared, gate).start()

    first = job(TOPICS[0])
    while first.state != "running":
        time.sleep(0.05)
    second = job(TOPICS[1])
    notebook: dict[str, Any] = {}
    request = DraftRequest(topic=TOPICS[2], **SMALL)  # type: ignore[arg-type]

    def notebook_run() -> None:  # a notebook in the same process: it bypasses the UI's gate
        notebook["result"] = draft(request, settings, chat_model=shared_model)

    notebook_thread = threading.Thread(target=notebook_run)
    notebook_thread.start()
    for each in (first, second):
        assert each.wait(900), "a session did not finish"
        assert each.error is None and each.result is not None and each.result.markdown.startswith("# ")
    assert second.view().queued_for > 0  # it waited for the other tab's run (a fast first run may end early)
    notebook_thread.join(900)
    cli_thread.join(900)

    assert notebook["result"].markdown.startswith("# ")
    code, out, err, cli_peak_mb = cli_result["run"]
    assert code == 0, err
    assert '"markdown": "# ' in out
    assert calls.max_active == 1  # never two generations at once on the shared model
    notebook_calls = [i for i, topic in enumerate(calls.order) if topic == TOPICS[2]]
    session_calls = [i for i, topic in enumerate(calls.order) if topic in TOPICS[:2]]
    assert notebook_calls and session_calls and min(session_calls) < max(notebook_calls)  # they interleaved
    print(
        f"CLI run beside the sessions: peak RSS {cli_peak_mb:.0f} MB; {len(calls.order)} shared-model calls"
    )
    assert cli_peak_mb < 1500


def test_a_batch_of_ten_against_a_server_loses_nothing(llama_server: str, tmp_path: Path) -> None:
    topics = tmp_path / "topics.txt"
    topics.write_text("\n".join(f"Ten small habits, part {n}" for n in range(1, 11)) + "\n")
    options = cli_options(out=tmp_path / "posts", concurrency=2, rounds=1, search="off", words=150)
    command = cli_command("batch", str(topics), *options, *openai_backend(llama_server), "--quiet")
    code, _, err, peak_mb = run_child(command, tmp_path, cli_env(tmp_path), 1200)
    assert code == 0, err
    assert len(list((tmp_path / "posts").glob("*.md"))) == 10
    print(f"batch of 10: peak RSS of the batch process {peak_mb:.0f} MB")
    assert peak_mb < 1500
