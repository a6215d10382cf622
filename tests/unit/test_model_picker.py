"""The sidebar's model picker: the same list as ``cli.py models``, a download with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from backends.presets import find_preset, preset_names
from tests.unit.test_presets import fake_hub_file
from ui.web import models, session

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def hub_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(tmp_path / "data"))
    return cache


def picker() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.radio(key="model_source").set_value("preset").run()


def test_the_picker_offers_the_cli_list_with_sizes_and_local_state(hub_cache):
    llama_1b = find_preset("llama3.2-1b")
    fake_hub_file(hub_cache, llama_1b.repo, llama_1b.filename)
    other = fake_hub_file(hub_cache, "someone/tiny-GGUF", "tiny.gguf")
    box = picker().selectbox(key="model_preset")
    assert [option.split(":")[0] for option in box.options[:4]] == preset_names()
    labels = dict(zip(preset_names(), box.options, strict=False))
    assert "needs 2.00 GB RAM" in labels["llama3.2-1b"] and "downloads" not in labels["llama3.2-1b"]
    assert "2.02 GB" in labels["llama3.2-3b"] and labels["llama3.2-3b"].endswith("downloads on first use")
    assert any("someone/tiny-GGUF/tiny.gguf" in option for option in box.options)
    assert models.model_choices()[str(other)].startswith("someone/tiny-GGUF/tiny.gguf")


def test_a_named_model_becomes_hub_settings_and_a_cached_file_a_path(hub_cache):
    settings = models.settings_from(models.ModelForm(source="preset", preset="llama3.1-8b"))
    assert (settings.hf_repo, settings.hf_file) == (
        "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
        "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
    )
    other = fake_hub_file(hub_cache, "someone/tiny-GGUF", "tiny.gguf")
    assert models.settings_from(models.ModelForm(source="preset", preset=str(other))).model_path == other
    assert models.settings_from(models.ModelForm(source="preset", preset="smollm2-135m")).hf_repo is None


def test_download_now_shows_progress_and_fetches_the_chosen_model(monkeypatch):
    fetched: list[Any] = []

    def fake_download(name: str, on_progress: Any) -> Path:
        on_progress(0, 0)
        on_progress(400 << 20, 800 << 20)
        fetched.append(name)
        return Path("/m.gguf")

    monkeypatch.setattr(models, "download_model", fake_download)
    at = picker()
    at.selectbox(key="model_preset").set_value("llama3.2-3b").run()
    at = at.button(key="download_model").click().run()
    assert fetched == ["llama3.2-3b"] and not at.error
    assert at.get("progress")[0].proto.text == "Downloaded"


def test_a_failed_download_is_one_line_in_the_sidebar(monkeypatch):
    from core.errors import ModelFileError

    def offline(name: str, on_progress: Any) -> Path:
        raise ModelFileError(f"model {name} is not downloaded yet and the hub cannot be reached")

    monkeypatch.setattr(models, "download_model", offline)
    at = picker()
    at.selectbox(key="model_preset").set_value("llama3.2-1b").run()
    at = at.button(key="download_model").click().run()
    assert len(at.error) == 1 and "not downloaded yet" in at.error[0].value


def test_download_model_goes_through_the_hub_downloader(monkeypatch, tmp_path):
    from backends import model_files

    preset = find_preset("llama3.2-1b")
    target = tmp_path / "got.gguf"
    target.write_bytes(b"GGUF\x03\x00\x00\x00")
    seen: list[tuple[int, int]] = []

    def fake_downloader(on_progress: Any) -> Any:
        def download(**kwargs: Any) -> str:
            on_progress(5, 10)
            assert kwargs == {"repo_id": preset.repo, "filename": preset.filename}
            return str(target)

        return download

    monkeypatch.setattr(model_files, "downloader_with_progress", fake_downloader)
    assert models.download_model("llama3.2-1b", lambda done, total: seen.append((done, total))) == target
    assert seen == [(5, 10)]


def test_the_list_marks_the_model_recommended_for_this_computer(monkeypatch):
    from backends import model_files
    from backends.presets import GB, Machine

    monkeypatch.setattr(model_files, "this_machine", lambda: Machine(free_ram=6 * GB, cores=4))
    marked = [value for value, label in models.model_choices().items() if "recommended" in label]
    assert marked == ["llama3.2-1b"]
    label = models.model_choices()["llama3.2-1b"]
    assert label.endswith("recommended for this computer - downloads on first use")


def test_embedded_stays_embedded_and_auto_never_downloads_before_the_page_asks(monkeypatch):
    from huggingface_hub import constants

    from tests.fake_hub import FakeHub, running

    monkeypatch.delenv("DRAFTSMITH_MODEL")  # the suite pins the embedded model
    assert models.settings_from(models.ModelForm(source="embedded")).model == "embedded"
    auto = models.settings_from(models.ModelForm(source="auto"))
    assert auto.model == "auto"
    built: list[Any] = []
    monkeypatch.setattr(session, "_shared_model", lambda key, settings: built.append(settings))
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    llama_1b = find_preset("llama3.2-1b")
    with running(FakeHub({(llama_1b.repo, llama_1b.filename): b"GGUF" + bytes(1000)})) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        session.chat_model_for(auto)
    assert hub.seen == [] and built[0].model == "embedded" and built[0].hf_repo is None
