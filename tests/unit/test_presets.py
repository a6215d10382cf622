"""Models by name: presets, their resolution through the hub cache, the offline error, the listing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backends.model_files import (
    cached_hub_file,
    downloader_with_progress,
    list_models,
    model_overrides,
    resolve_model_file,
)
from backends.presets import EMBEDDED, PRESETS, find_preset, preset_names
from core.errors import BadInputError, ModelFileError
from core.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
REVISION = "0123456789abcdef0123456789abcdef01234567"


def fake_hub_file(cache: Path, repo: str, filename: str, data: bytes = b"GGUF\x03\x00\x00\x00") -> Path:
    """Lay out ``filename`` of ``repo`` in a hub cache the way the hub client stores downloads."""
    folder = cache / f"models--{repo.replace('/', '--')}"
    blob = folder / "blobs" / f"{abs(hash((repo, filename))):x}"
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(data + b"\x00" * 1000)
    (folder / "refs").mkdir(exist_ok=True)
    (folder / "refs" / "main").write_text(REVISION)
    link = folder / "snapshots" / REVISION / filename
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(blob)
    return link


@pytest.fixture
def hub_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


LLAMA_1B = find_preset("llama3.2-1b")


def test_the_llama3_family_is_offered_as_q4_k_m_files_from_the_hub():
    names = preset_names()
    assert names[0] == EMBEDDED.name
    assert {"llama3.2-1b", "llama3.2-3b", "llama3.1-8b"} <= set(names)
    for preset in PRESETS[1:]:
        assert preset.repo.count("/") == 1 and preset.filename.endswith("-Q4_K_M.gguf")
        assert preset.size_bytes < preset.ram_bytes() < preset.size_bytes + 2_000_000_000
    sizes = [find_preset(n).ram_bytes() for n in ("llama3.2-1b", "llama3.2-3b", "llama3.1-8b")]
    assert sizes == sorted(sizes)


@pytest.mark.parametrize(
    ("typed", "name"),
    [("llama3.2:1b", "llama3.2-1b"), ("Llama-3.2-3B", "llama3.2-3b"), ("llama3.1:8b", "llama3.1-8b")],
)
def test_ollama_style_and_dashed_names_find_the_preset(typed, name):
    assert find_preset(typed).name == name


def test_names_map_to_settings_and_paths_stay_paths(tmp_path, monkeypatch):
    assert model_overrides("llama3.2-1b") == {"hf_repo": LLAMA_1B.repo, "hf_file": LLAMA_1B.filename}
    assert model_overrides("embedded") == model_overrides("smollm2-135m") == {"model": "embedded"}
    assert model_overrides("auto") == model_overrides("AUTO") == {"model": "auto"}
    assert model_overrides(str(tmp_path / "x.gguf")) == {"model_path": tmp_path / "x.gguf"}
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llama3.2-1b").write_bytes(b"GGUF")  # a file by that name wins over the preset
    assert model_overrides("llama3.2-1b") == {"model_path": Path("llama3.2-1b")}


@pytest.mark.parametrize("name", ["llama9-70b", "llama9.1-70b", "mistral:7b"])
def test_an_unknown_bare_name_lists_the_presets(name):
    with pytest.raises(BadInputError) as info:
        model_overrides(name)
    message = str(info.value)
    assert "\n" not in message and name in message
    assert all(name in message for name in preset_names()) and "cli.py models" in message


def test_a_preset_resolves_through_the_downloader(hub_cache, tmp_path):
    calls = []
    downloaded = tmp_path / "downloaded.gguf"
    downloaded.write_bytes(b"GGUF\x03\x00\x00\x00")

    def stub_download(**kwargs):
        calls.append(kwargs)
        return str(downloaded)

    settings = load_settings(**model_overrides("llama3.2-1b"))
    assert resolve_model_file(settings, download=stub_download) == downloaded
    assert calls == [{"repo_id": LLAMA_1B.repo, "filename": LLAMA_1B.filename}]


def test_a_cached_preset_needs_no_download(hub_cache):
    cached = fake_hub_file(hub_cache, LLAMA_1B.repo, LLAMA_1B.filename)

    def no_download(**kwargs):
        raise AssertionError("the cached file should be used")

    settings = load_settings(**model_overrides("llama3.2-1b"))
    assert resolve_model_file(settings, download=no_download) == cached
    assert cached_hub_file(LLAMA_1B.repo, LLAMA_1B.filename) == cached


def test_an_uncached_preset_offline_is_one_line_naming_preset_repo_and_remedy(hub_cache):
    from huggingface_hub.errors import LocalEntryNotFoundError

    def offline(**kwargs):
        raise LocalEntryNotFoundError("Cannot find the requested files in the disk cache\nand more")

    settings = load_settings(**model_overrides("llama3.2-1b"))
    with pytest.raises(ModelFileError) as info:
        resolve_model_file(settings, download=offline)
    message = str(info.value)
    assert "\n" not in message
    assert "llama3.2-1b" in message and LLAMA_1B.repo in message and LLAMA_1B.filename in message
    assert "connect to the internet" in message and "--model" in message


def run_cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_real_hub_client_offline_gives_the_one_line_preset_error(hub_cache):
    done = run_cli("draft", "Brewing tea", "--model", "llama3.2:3b", "--search", "off", cache=hub_cache)
    preset = find_preset("llama3.2-3b")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: model llama3.2-3b is not downloaded yet")
    assert preset.repo in done.stderr and "connect to the internet" in done.stderr


def test_cli_models_lists_presets_cached_files_and_other_ggufs(hub_cache):
    cached = fake_hub_file(hub_cache, LLAMA_1B.repo, LLAMA_1B.filename)
    other = fake_hub_file(hub_cache, "someone/tiny-GGUF", "tiny.Q8_0.gguf")
    fake_hub_file(hub_cache, "someone/tiny-GGUF", "README.md", b"# not a model")
    done = run_cli("models", cache=hub_cache)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert list(lines)[:4] == preset_names()
    assert str(cached) in lines["llama3.2-1b"] and " 1 kB " in lines["llama3.2-1b"]  # its size on disk
    assert "not downloaded (from bartowski/Llama-3.2-3B-Instruct-GGUF)" in lines["llama3.2-3b"]
    assert "2.02 GB" in lines["llama3.2-3b"]  # the published size
    assert "GB" in lines["llama3.1-8b"] and "not downloaded" in lines["llama3.1-8b"]
    assert "SmolLM2" in lines[EMBEDDED.name] and "not downloaded" not in lines[EMBEDDED.name]
    assert str(other) in lines["someone/tiny-GGUF/tiny.Q8_0.gguf"]
    assert "README" not in done.stdout and str(hub_cache) in done.stderr


def test_listing_with_no_hub_cache_still_shows_every_preset(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "missing"))
    entries = list_models()
    assert [entry.name for entry in entries] == preset_names()
    assert all(entry.path is None for entry in entries[1:])


def test_the_download_progress_reaches_the_callback():
    seen = []
    download = downloader_with_progress(lambda done, total: seen.append((done, total)))
    bar = download.keywords["tqdm_class"](total=100, file=io.StringIO())
    bar.update(40)
    bar.update(60)
    assert seen == [(40, 100), (100, 100)]


def test_no_gguf_file_is_tracked_in_git():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "*.gguf", "**/*.gguf"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert tracked == ""
