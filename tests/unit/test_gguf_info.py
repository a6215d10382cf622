"""Reading a GGUF header before loading, and the context size it allows."""

from __future__ import annotations

from pathlib import Path

import pytest

from backends import gguf_info
from backends.gguf_info import fit_context, kv_bytes_per_token, read_metadata
from backends.model_files import embedded_model_path
from core.errors import ModelFileError


def write_small_gguf(path: Path, context: int = 2048) -> Path:
    """A weightless GGUF with a string array before the keys we read (the reader must skip it)."""
    import gguf

    writer = gguf.GGUFWriter(path, "llama")
    writer.add_token_list(["a", "bb", "<|eot_id|>"] * 1000)
    writer.add_array("general.tags", [1, 2, 3])
    writer.add_context_length(context)
    writer.add_block_count(4)
    writer.add_embedding_length(256)
    writer.add_head_count(8)
    writer.add_head_count_kv(2)
    writer.add_chat_template("{{ messages }}")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()
    return path


def test_scalars_after_arrays_are_read(tmp_path):
    metadata = read_metadata(write_small_gguf(tmp_path / "m.gguf"))
    assert metadata["general.architecture"] == "llama"
    assert metadata["llama.context_length"] == 2048 and metadata["llama.attention.head_count_kv"] == 2
    assert metadata["tokenizer.chat_template"] == "{{ messages }}"
    assert "tokenizer.ggml.tokens" not in metadata
    assert kv_bytes_per_token(metadata) == 4 * 2 * (32 + 32) * 2


def test_the_embedded_models_shape_is_read():
    metadata = read_metadata(embedded_model_path())
    assert metadata["llama.context_length"] == 8192
    assert kv_bytes_per_token(metadata) == 30 * 3 * (64 + 64) * 2


@pytest.mark.parametrize("data", [b"", b"GGUF", b"PK\x03\x04 zip", b"GGUF\x03\x00\x00\x00" + b"\xff" * 20])
def test_a_broken_header_is_one_line(tmp_path, data):
    path = tmp_path / "broken.gguf"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as info:
        read_metadata(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize(
    ("wanted", "trained", "per_token", "free", "expected"),
    [
        (8192, 4096, 1000, 10**12, 4096),  # the model's trained length
        (8192, 131072, 1000, 10**12, 8192),  # what the settings ask for
        (8192, None, None, None, 8192),  # nothing known: as asked
        (8192, 131072, 100_000, 1_000_000_000 + 400_000_000, 1792),  # half of 0.4 GB: 2000 -> 1792
        (8192, 131072, 100_000, 900_000_000, 512),  # never below 512 (llama.cpp reports a failure)
        (600, 131072, 1000, 10**12, 600),  # plenty of memory: exactly what was asked
    ],
)
def test_the_context_fits_the_model_and_free_memory(wanted, trained, per_token, free, expected):
    assert fit_context(wanted, trained, per_token, 1_000_000_000, free) == expected


def test_context_size_reads_the_file_and_free_memory_once(tmp_path, monkeypatch):
    path = write_small_gguf(tmp_path / "small.gguf", context=1024)
    calls = []
    monkeypatch.setattr(gguf_info, "available_memory", lambda: calls.append(1) or 10**12)
    assert gguf_info.context_size(path, 8192) == 1024
    assert gguf_info.context_size(path, 8192) == 1024 and calls == [1]


@pytest.mark.skipif(not Path("/proc/meminfo").exists(), reason="Linux only")
def test_free_memory_is_read_on_linux():
    assert 0 < gguf_info.available_memory() < 2**50
