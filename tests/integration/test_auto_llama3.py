"""``--model auto`` end to end: ``cli.py`` against a model hub on 127.0.0.1 (``HF_ENDPOINT``)
serving the tiny Llama 3 GGUF (tests/tiny_llama3.py) under the Llama 3 presets' repositories and
file names. Its prose is noise: these check the pull, the cache, the resume and the fallbacks.
"""

from __future__ import annotations

import hashlib
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from backends.model_files import EMBEDDED_FILE, this_machine
from backends.presets import llama_presets, recommend
from tests.fake_hub import FakeHub, running
from tests.servers import cli_env, cli_options, run_cli, start_cli, wait_for

pytestmark = pytest.mark.integration
SMALL_DRAFT = ["Green tea at home", *cli_options(rounds=1, words=150, search="off", max_tokens=2000)]
CHUNK = 10 * 1024 * 1024  # huggingface_hub writes a download in pieces of this size


@pytest.fixture(scope="module")
def tiny_bytes(tiny_llama3: Path) -> bytes:
    return tiny_llama3.read_bytes()


def serving(tiny_bytes: bytes) -> FakeHub:
    """A hub with the tiny model under every Llama 3 preset's repository and file name."""
    return FakeHub({(preset.repo, preset.filename): tiny_bytes for preset in llama_presets()})


def online_env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    """A ``cli.py`` child online to ``endpoint``, with --model auto and its own hub cache."""
    child = cli_env(
        tmp_path, HF_ENDPOINT=endpoint, HF_HUB_CACHE=str(tmp_path / "hub"), DRAFTSMITH_MAX_TOKENS="48"
    )
    for name in ("HF_HUB_OFFLINE", "DRAFTSMITH_MODEL"):
        child.pop(name, None)
    return child


@pytest.fixture
def hub(tiny_bytes: bytes) -> Iterator[FakeHub]:
    with running(serving(tiny_bytes)) as served:
        yield served


@pytest.fixture
def env(tmp_path: Path, hub: FakeHub) -> dict[str, str]:
    return online_env(tmp_path, hub.url)


@pytest.fixture
def wanted() -> object:
    preset = recommend(this_machine())
    if preset is None:
        pytest.skip("not enough free memory for any Llama 3 preset: auto would pick the embedded model")
    return preset


def result_of(run) -> dict:
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_auto_pulls_the_recommended_model_drafts_and_then_runs_with_the_hub_stopped(
    tiny_bytes, tmp_path, wanted
):
    with running(serving(tiny_bytes)) as hub:
        env = online_env(tmp_path, hub.url)
        first = run_cli("draft", *SMALL_DRAFT, "--json", "--quiet", env=env)
    result = result_of(first)
    assert result["model"] == wanted.filename and result["rounds"]
    assert f"pulling {wanted.name} (" in first.stderr and "note:" not in first.stderr
    assert [seen.filename for seen in hub.gets()] == [wanted.filename]

    second = run_cli("draft", *SMALL_DRAFT, "--json", "--quiet", env=env)  # nothing listens there now
    assert result_of(second)["model"] == wanted.filename
    assert "pulling" not in second.stderr and "note:" not in second.stderr
    assert len(hub.seen) == 2  # the first run's HEAD and GET


def test_offline_auto_drafts_with_the_embedded_model_and_says_so_in_one_line(env, hub, wanted):
    run = run_cli("draft", *SMALL_DRAFT, "--json", "--quiet", env=dict(env, HF_HUB_OFFLINE="1"))
    assert result_of(run)["model"] == EMBEDDED_FILE
    notes = [line for line in run.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "HF_HUB_OFFLINE" in notes[0]
    assert notes[0].endswith(f"get Llama 3 with: python cli.py models pull {wanted.name}")
    assert hub.seen == []


def test_an_interrupted_pull_resumes_where_it_stopped(hub, env, tmp_path, tiny_bytes):
    preset = llama_presets()[0]
    hub.chunk, hub.pause = 256 * 1024, 0.05  # about 5 s for the whole file
    blobs = tmp_path / "hub" / f"models--{preset.repo.replace('/', '--')}" / "blobs"
    pull = start_cli("models", "pull", preset.name, env=env)

    def partial_size() -> int:
        return sum(path.stat().st_size for path in blobs.glob("*.incomplete")) if blobs.is_dir() else 0

    wait_for(lambda: partial_size() >= CHUNK, 60, "no partial download appeared", pull, interval=0.05)
    pull.send_signal(signal.SIGINT)
    _, err = pull.communicate(timeout=60)
    assert pull.returncode == 130, err
    assert (
        err.strip().splitlines()[-1].startswith("interrupted the model download; run the same command again")
    )
    kept = partial_size()
    assert CHUNK <= kept < len(tiny_bytes)

    hub.pause = 0.0
    again = run_cli("models", "pull", preset.name, env=env)
    assert again.returncode == 0, again.stderr
    assert [seen.range for seen in hub.gets()] == [None, f"bytes={kept}-"]
    path = Path(again.stderr.strip().splitlines()[-1].split(": ", 1)[1])
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(tiny_bytes).digest()
    assert partial_size() == 0


def test_a_pull_with_the_wrong_checksum_is_refused_in_one_line(hub, env, tmp_path):
    hub.wrong_sha = True
    preset = llama_presets()[0]
    run = run_cli("models", "pull", preset.name, env=env, timeout=120)
    assert run.returncode == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "failed its checksum" in errors[0] and "Traceback" not in run.stderr
    assert not [path for path in (tmp_path / "hub").rglob("blobs/*") if path.is_file()]
