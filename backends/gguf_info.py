"""What a GGUF file says about itself, read before llama.cpp loads it, and the context it can afford.

Only the header's key/value metadata is read (scalars kept, arrays such as the vocabulary
skipped), so this costs a fraction of a second even for a 128k-token vocabulary.
"""

from __future__ import annotations

import functools
import mmap
import os
import struct
from pathlib import Path
from typing import Any

from core.errors import ModelFileError

MIN_CONTEXT = 512
CONTEXT_STEP = 256
KV_SHARE_OF_FREE_MEMORY = 0.5  # leave the rest for llama.cpp's buffers and everything else
# GGUF value type -> struct format; 8 is a string, 9 an array.
_SCALARS = dict(enumerate(["<B", "<b", "<H", "<h", "<I", "<i", "<f", "<?"])) | {10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


def read_metadata(path: Path) -> dict[str, Any]:
    """The scalar key/value metadata of a GGUF file (numbers, booleans, strings; no arrays).

    Raises:
        ModelFileError: the file is not a GGUF file this reader understands (one line).
    """
    try:
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _parse(data)
    except (OSError, ValueError, struct.error, UnicodeDecodeError) as exc:
        raise ModelFileError(
            f"cannot read the GGUF header of {path}: {exc} (is the file complete?)"
        ) from None


def _parse(data: mmap.mmap) -> dict[str, Any]:
    if data[:4] != b"GGUF":
        raise ValueError("no GGUF magic bytes")
    version, _tensors, count = struct.unpack_from("<IQQ", data, 4)
    if version < 2:
        raise ValueError(f"GGUF version {version} is too old")
    offset, found = 24, {}
    for _ in range(count):
        key, offset = _string(data, offset)
        (kind,), offset = struct.unpack_from("<I", data, offset), offset + 4
        if kind == _ARRAY:
            offset = _skip_array(data, offset)
        elif kind == _STRING:
            found[key], offset = _string(data, offset)
        elif kind in _SCALARS:
            fmt = _SCALARS[kind]
            (found[key],), offset = struct.unpack_from(fmt, data, offset), offset + struct.calcsize(fmt)
        else:
            raise ValueError(f"unknown value type {kind} for {key}")
    return found


def _string(data: mmap.mmap, offset: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("<Q", data, offset)
    start = offset + 8
    return data[start : start + length].decode("utf-8"), start + length


def _skip_array(data: mmap.mmap, offset: int) -> int:
    kind, count = struct.unpack_from("<IQ", data, offset)
    offset += 12
    if kind in _SCALARS:
        return offset + count * struct.calcsize(_SCALARS[kind])
    if kind == _STRING:
        unpack = struct.Struct("<Q").unpack_from
        for _ in range(count):
            offset += 8 + unpack(data, offset)[0]
        return offset
    for _ in range(count):  # arrays of arrays: rare, skipped one by one
        offset = _skip_array(data, offset)
    return offset


def kv_bytes_per_token(metadata: dict[str, Any]) -> int | None:
    """Bytes of f16 KV cache one token of context takes, or None when the metadata lacks the shape."""
    arch = metadata.get("general.architecture")
    layers = metadata.get(f"{arch}.block_count")
    heads = metadata.get(f"{arch}.attention.head_count")
    width = metadata.get(f"{arch}.embedding_length")
    if not (isinstance(layers, int) and isinstance(heads, int) and isinstance(width, int) and heads):
        return None
    kv_heads = metadata.get(f"{arch}.attention.head_count_kv", heads)
    key = metadata.get(f"{arch}.attention.key_length", width // heads)
    value = metadata.get(f"{arch}.attention.value_length", width // heads)
    return int(layers * kv_heads * (key + value) * 2)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def fit_context(
    wanted: int, trained: int | None, per_token: int | None, model_bytes: int, free: int | None
) -> int:
    """The context size to load: ``wanted``, at most the trained length and what free memory allows.

    The KV cache may take half of the memory left once the weights are in; the result is a
    multiple of 256 and never below 512 (llama.cpp reports the failure if even that does not fit).
    """
    size = min(wanted, trained) if trained else wanted
    if per_token and free is not None:
        affordable = int(max(free - model_bytes, 0) * KV_SHARE_OF_FREE_MEMORY) // per_token
        size = min(size, affordable // CONTEXT_STEP * CONTEXT_STEP)
    return max(size, min(MIN_CONTEXT, wanted))


@functools.cache
def context_size(path: Path, wanted: int) -> int:
    """The context to load ``path`` with: the GGUF's trained length, capped by ``wanted`` and by
    free memory. Computed once per process and file, so the same model is never loaded twice
    with different sizes when free memory changes."""
    metadata = read_metadata(path)
    trained = metadata.get(f"{metadata.get('general.architecture')}.context_length")
    return fit_context(
        wanted,
        trained if isinstance(trained, int) else None,
        kv_bytes_per_token(metadata),
        path.stat().st_size,
        available_memory(),
    )
