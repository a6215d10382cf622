"""Pull a GGUF from the Hugging Face hub into its cache: bounded probe, resumable, verified.

huggingface_hub 2.4's ``hf_hub_download`` downloads into a process-unique temporary file that it
deletes on any failure, so an interrupted pull restarts from zero; and when the hub does not
answer, it tries again with a 60 s timeout. So the pull is built from its parts instead:

- ``probe``: the file's metadata (size, sha256, commit, download address) from one HEAD call
  through ``get_hf_file_metadata`` without retries, bounded by a deadline on a thread (name
  lookup and connect included);
- ``pull``: the bytes through its ``http_get`` into ``blobs/<sha256>.incomplete``, which stays
  when the pull is interrupted (Ctrl-C, a dropped connection, a reboot): the next pull asks
  for the rest (``resume_size``: an HTTP Range request). The whole file's sha256 must match the
  hub's (the ETag of an LFS file, as every GGUF on the hub is), else it is deleted and refused;
  then it becomes ``blobs/<sha256>`` with the snapshot link and ref the hub cache uses, where
  ``try_to_load_from_cache`` (and every later run, offline) finds it.

``HF_ENDPOINT`` and ``HF_HUB_OFFLINE`` are read at call time. The client's telemetry is off unless
``HF_HUB_DISABLE_TELEMETRY`` says otherwise: with it, the first request of a process first fetches
a registry of coding agents from the hub (up to 3 s more when the network does not answer).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from core.errors import ModelFileError

DEFAULT_ENDPOINT = "https://huggingface.co"
SHA256 = re.compile(r"[0-9a-f]{64}")
TRUE_WORDS = {"1", "on", "yes", "true"}
READ_CHUNK = 1 << 20

T = TypeVar("T")


class HubUnreachableError(ConnectionError):
    """The hub did not answer: offline mode, a refused or failed connection, or no reply in time."""


class PullFailedError(ModelFileError):
    """The download broke off for good (after huggingface_hub's retries); the partial file stays."""


class ChecksumError(ModelFileError):
    """A pulled file's sha256 differs from the one the hub published; the file was deleted."""


@dataclass(frozen=True)
class HubFile:
    """What the hub says of one file: where to get it, its size, sha256 and commit."""

    repo: str
    filename: str
    url: str
    size: int | None
    sha256: str | None
    etag: str
    commit: str


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set to a true value now."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.strip().lower() in TRUE_WORDS


def hub_endpoint() -> str:
    """The hub's address: ``HF_ENDPOINT`` as set now, else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def quiet_client() -> None:
    """Turn the hub client's telemetry off (its agent-registry fetch) unless the user set it."""
    from huggingface_hub import constants

    chosen = os.environ.get("HF_HUB_DISABLE_TELEMETRY")
    constants.HF_HUB_DISABLE_TELEMETRY = chosen is None or chosen.strip().lower() in TRUE_WORDS


def with_deadline(call: Callable[[], T], seconds: float, what: str) -> T:
    """``call()`` on a daemon thread; HubUnreachableError if it has not returned after ``seconds``
    (the thread is left to finish on its own: nothing waits for it)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    worker = threading.Thread(target=run, name="draftsmith-hub-probe", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise HubUnreachableError(f"{what} did not answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def probe(repo: str, filename: str, timeout: float) -> HubFile:
    """Ask the hub for the file's metadata, giving up after ``timeout`` seconds.

    Raises:
        HubUnreachableError: offline mode, or no usable answer in time (the reason in one line).
        ModelFileError: the hub answered that the repository or file does not exist.
    """
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import RemoteEntryNotFoundError, RepositoryNotFoundError

    if hub_offline():
        raise HubUnreachableError("offline mode is on (HF_HUB_OFFLINE)")
    quiet_client()
    endpoint = hub_endpoint()
    url = hf_hub_url(repo, filename, endpoint=endpoint)
    host = urlsplit(endpoint).netloc or endpoint
    try:
        meta = with_deadline(
            lambda: get_hf_file_metadata(url, timeout=timeout, endpoint=endpoint), timeout + 0.5, host
        )
    except (RepositoryNotFoundError, RemoteEntryNotFoundError):
        raise ModelFileError(
            f"the hub has no file {filename} in repository {repo} (check the names with python cli.py models)"
        ) from None
    except HubUnreachableError:
        raise
    except Exception as exc:  # the client raises many types (httpx's, OSError, HTTP status errors)
        raise HubUnreachableError(f"{host}: {first_line(exc)}") from None
    if not meta.commit_hash or not meta.etag:
        raise HubUnreachableError(f"{host} did not answer like a model hub (no commit or ETag header)")
    etag = meta.etag.strip('"')
    return HubFile(
        repo=repo,
        filename=filename,
        url=meta.location or url,
        size=meta.size,
        sha256=etag if SHA256.fullmatch(etag) else None,
        etag=etag,
        commit=meta.commit_hash,
    )


def first_line(exc: BaseException) -> str:
    """An exception's first line, or its type's name when it has no text."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def repo_folder(cache: Path, repo: str) -> Path:
    """The hub cache's folder for model repository ``repo``."""
    return cache / f"models--{repo.replace('/', '--')}"


def partial_path(cache: Path, file: HubFile) -> Path:
    """Where the bytes of an unfinished pull of ``file`` are kept between runs."""
    return repo_folder(cache, file.repo) / "blobs" / f"{file.etag}.incomplete"


def pull(file: HubFile, cache: Path, tqdm_class: Any = None) -> Path:
    """Download ``file`` into the hub cache ``cache`` (resuming an earlier partial download),
    verify it and return its snapshot path.

    Raises:
        ChecksumError: the downloaded bytes do not have the sha256 the hub published.
        PullFailedError: the connection failed for good (the partial file is kept).
    """
    from huggingface_hub.utils import WeakFileLock

    folder = repo_folder(cache, file.repo)
    blob = folder / "blobs" / file.etag
    lock = cache / ".locks" / folder.name / f"{file.etag}.lock"
    blob.parent.mkdir(parents=True, exist_ok=True)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with WeakFileLock(str(lock)):  # the lock huggingface_hub takes for the same blob
        if not blob.exists():
            partial = partial_path(cache, file)
            fetch(file, partial, tqdm_class)
            verify(file, partial)
            partial.replace(blob)
        return link_snapshot(folder, blob, file)


def fetch(file: HubFile, partial: Path, tqdm_class: Any = None) -> None:
    """Append the bytes ``partial`` lacks (all of them at first) through huggingface_hub's
    ``http_get``, which asks for the rest with a Range header and retries a dropped connection."""
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    have = partial.stat().st_size if partial.exists() else 0
    if file.size is not None and have > file.size:  # not a prefix of this file: start again
        partial.unlink()
        have = 0
    same_host = urlsplit(file.url).netloc == urlsplit(hub_endpoint()).netloc
    headers = build_hf_headers(token=None if same_host else False)  # no token for a CDN
    try:
        with partial.open("ab") as out:
            http_get(
                file.url,
                out,
                resume_size=have,
                headers=headers,
                expected_size=file.size,
                displayed_filename=file.filename,
                tqdm_class=tqdm_class,
            )
    except Exception as exc:  # httpx's errors after the retries, a short read, a full disk
        raise PullFailedError(
            f"the download of {file.filename} from {file.repo} broke off ({first_line(exc)}); "
            f"{partial.stat().st_size if partial.exists() else 0} bytes are kept: run it again to resume"
        ) from None


def verify(file: HubFile, path: Path) -> None:
    """Check ``path`` against the hub's sha256 (when the hub gave one); delete it when it differs.

    Raises:
        ChecksumError: one line naming the file, both checksums and what to do.
    """
    if file.sha256 is None:
        return
    digest = sha256_of(path)
    if digest != file.sha256:
        path.unlink()
        raise ChecksumError(
            f"{file.filename} from {file.repo} failed its checksum (sha256 {digest[:12]}…, the hub "
            f"published {file.sha256[:12]}…): the file was deleted; pull it again, and if it fails "
            "again, check for a proxy that alters downloads"
        )


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def link_snapshot(folder: Path, blob: Path, file: HubFile) -> Path:
    """Lay out ``snapshots/<commit>/<filename>`` (a relative link to the blob) and ``refs/main``,
    as huggingface_hub does, so the hub cache finds the file; return the snapshot path."""
    pointer = folder / "snapshots" / file.commit / file.filename
    pointer.parent.mkdir(parents=True, exist_ok=True)
    if not pointer.exists():
        try:
            pointer.symlink_to(os.path.relpath(blob, pointer.parent))
        except OSError:  # no symlinks here (some Windows setups): the blob moves into the snapshot
            blob.replace(pointer)
    refs = folder / "refs"
    refs.mkdir(exist_ok=True)
    (refs / "main").write_text(file.commit)
    return pointer
