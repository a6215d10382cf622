"""The web UI's model source ``auto``: the default, as in the CLI; it asks before it downloads.

A hub on 127.0.0.1 (``tests/fake_hub.py``, ``HF_ENDPOINT``) serves a small GGUF under the Llama 3
presets' repository and file names; the scripted team drafts in place of the model that the page
would load, and what the page asked for is recorded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from backends.model_files import cached_hub_file
from backends.presets import GB, Machine, find_preset
from tests.fake_hub import FakeHub, refused_endpoint, running
from tests.team import FakeTeam
from ui.web import session
from ui.web.job import DraftJob
from ui.web.live import LIVE

APP = str(Path(__file__).resolve().parents[2] / "app.py")
LLAMA_1B = find_preset("llama3.2-1b")
MODEL_BYTES = b"GGUF\x03\x00\x00\x00" + bytes(range(256)) * 2048  # 512 kB that pass the magic check
LAPTOP = Machine(free_ram=6 * GB, cores=4)  # recommended here: llama3.2-1b
OFFER = "Llama 3.2 1B Instruct (0.81 GB) is recommended for this computer and is not downloaded yet"


@pytest.fixture(autouse=True)
def auto(tmp_path, monkeypatch) -> Path:
    """Auto as a user gets it (the suite pins the embedded model), an empty hub cache, this
    computer measured as a 4-core laptop, runs stored in a temporary folder."""
    from backends import auto_model, model_files

    monkeypatch.delenv("DRAFTSMITH_MODEL", raising=False)
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(tmp_path / "data"))
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(auto_model, "this_machine", lambda: LAPTOP)
    monkeypatch.setattr(model_files, "this_machine", lambda: LAPTOP)
    LIVE.clear()
    return cache


@pytest.fixture
def built(monkeypatch) -> list[Any]:
    """The settings of every model the page has built (the scripted team drafts instead)."""
    team = FakeTeam(critic_scores=[7])
    settings: list[Any] = []

    def shared_model(key: str, chosen: Any) -> Any:
        settings.append(chosen)
        return team.model

    monkeypatch.setattr(session, "_shared_model", shared_model)
    return settings


@pytest.fixture
def hub(monkeypatch) -> Any:
    """The hub online, on 127.0.0.1 only (the suite's guard keeps the hub client offline)."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with running(FakeHub({(LLAMA_1B.repo, LLAMA_1B.filename): MODEL_BYTES})) as served:
        monkeypatch.setenv("HF_ENDPOINT", served.url)
        yield served


def page() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def draft(at: AppTest) -> DraftJob:
    """Submit a one-round draft without research and wait for it to end."""
    at.text_input(key="topic").input("Sourdough for beginners")
    at.radio(key="search").set_value("off")
    at.slider(key="rounds").set_value(1)
    at = at.button(key="submit").click().run()
    job: DraftJob = at.session_state["draftsmith_job"]
    assert job.wait(60) and job.result is not None, job.error
    return job


def shown(value: str) -> str:
    """Markdown text as the reader sees it (escapes removed)."""
    return re.sub(r"\\(.)", r"\1", value)


def info_texts(at: AppTest) -> list[str]:
    return [shown(element.value) for element in at.info]


def sidebar_captions(at: AppTest) -> str:
    return "\n".join(shown(caption.value) for caption in at.sidebar.caption)


def test_auto_is_the_default_and_the_list_preselects_the_recommended_model():
    at = page()
    assert at.radio(key="model_source").value == "auto"
    assert "Drafts with the embedded SmolLM2-135M model (rough drafts only)." in sidebar_captions(at)
    at = at.radio(key="model_source").set_value("preset").run()
    assert at.selectbox(key="model_preset").value == "llama3.2-1b"


def test_draftsmith_model_embedded_still_makes_the_embedded_model_the_default(monkeypatch):
    monkeypatch.setenv("DRAFTSMITH_MODEL", "embedded")
    assert page().radio(key="model_source").value == "embedded"


def test_the_page_asks_first_and_nothing_is_downloaded_without_the_click(hub, built, auto):
    at = page()
    [notice] = info_texts(at)
    assert notice.startswith("Drafting on the embedded SmolLM2-135M model") and OFFER in notice
    assert at.button(key="download_auto").label == "Download Llama 3.2 1B Instruct (0.81 GB)"
    job = draft(at)
    assert hub.seen == [] and cached_hub_file(LLAMA_1B.repo, LLAMA_1B.filename) is None
    assert built[-1].model == "embedded" and built[-1].hf_repo is None
    assert job.prepared.settings.model == "embedded"


def test_the_click_downloads_with_progress_and_the_next_draft_uses_it(hub, built):
    from core.settings import load_settings
    from graph.runner import load_result

    at = page().button(key="download_auto").click().run()
    assert not at.error
    assert [(seen.method, seen.range) for seen in hub.seen] == [("HEAD", None), ("GET", None)]
    assert at.get("progress")[0].proto.text == "Downloaded"
    assert "Llama 3.2 1B Instruct is downloaded: the next draft uses it." in [s.value for s in at.success]
    path = cached_hub_file(LLAMA_1B.repo, LLAMA_1B.filename)
    assert path is not None and path.read_bytes() == MODEL_BYTES
    at = at.run()
    assert not info_texts(at) and not any(b.key == "download_auto" for b in at.button)
    assert "Drafts with llama3.2-1b (Llama 3.2 1B Instruct Q4_K_M)." in sidebar_captions(at)
    job = draft(at)
    assert (built[-1].hf_repo, built[-1].hf_file) == (LLAMA_1B.repo, LLAMA_1B.filename)
    assert len(hub.gets()) == 1  # drafting read the downloaded file: no second download
    assert load_result(job.result.run_id, load_settings()).model == LLAMA_1B.filename  # History names it


def test_offline_the_embedded_model_drafts_with_the_notice_and_no_download_button(built):
    at = page()  # HF_HUB_OFFLINE=1: the suite's guard
    [notice] = info_texts(at)
    assert "\n" not in notice and "not Llama 3: offline mode is on (HF_HUB_OFFLINE)" in notice
    assert "Llama 3.2 1B Instruct (0.81 GB)" in notice and "python cli.py models pull llama3.2-1b" in notice
    assert not any(b.key == "download_auto" for b in at.button)
    draft(at)
    assert built[-1].model == "embedded"


def test_a_failed_download_is_one_line_and_the_embedded_model_still_drafts(built, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", refused_endpoint())
    at = page().button(key="download_auto").click().run()
    [error] = at.error
    text = shown(error.value)
    assert "\n\n" in text and "\n" not in text.split("\n\n")[0]
    assert "cannot be reached" in text and "--" not in text
    assert "The next draft uses the embedded model" in text
    draft(at)
    assert built[-1].model == "embedded"
