"""A tiny Llama-3-architecture GGUF for tests: the real Llama 3 tokenizer, random weights.

The llama-cpp-python sdist carries llama.cpp's tokenizer test file ``ggml-vocab-llama-bpe.gguf``
(the Llama 3 vocabulary and merges, no weights). We fetch that sdist with pip, copy its
``tokenizer.*`` fields into a two-layer ``llama`` model of width 64 with seeded random weights and
a Llama 3 chat template, and quantize it to Q8_0 with llama.cpp's own quantizer. Nothing here is
committed: the files live in a cache outside the repository and are rebuilt when missing.

Its text is noise. Two things are arranged on purpose: every token embedding shares a constant
component that the output rows of ``<|eot_id|>``, of tokens holding a double quote and of tokens
closing a JSON array or object reward, so the model ends its turn with ``<|eot_id|>`` after a few
tokens (as an instruction-tuned Llama 3 does) and, under a JSON grammar, closes what it opens.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

VOCAB_MEMBER = "vendor/llama.cpp/models/ggml-vocab-llama-bpe.gguf"
MODEL_NAME = "tiny-llama3-q8_0.gguf"
BUILD_VERSION = 2  # bump when the recipe below changes: the cached file is then rebuilt

BOS_ID, EOT_ID = 128000, 128009
WIDTH, LAYERS, HEADS, KV_HEADS, FFN = 64, 2, 4, 2, 128
CONTEXT_LENGTH = 4096
SEED = 1234
# The shared embedding component, and the output weights on it of <|eot_id|>, of tokens holding
# '"' and of tokens holding ']' or '}'.
SHARED, EOT_WEIGHT, QUOTE_WEIGHT, CLOSE_WEIGHT = 1.0, 2.5, 1.2, 2.0

# Our own wording of the Llama 3 chat layout (header, two newlines, text, <|eot_id|>).
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for m in messages %}"
    "<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n{{ m['content'] | trim }}<|eot_id|>"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)


def cache_dir() -> Path:
    """Where the sdist, the vocabulary and the model are kept (outside the repository)."""
    base = os.environ.get("DRAFTSMITH_TEST_CACHE")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "draftsmith-tests"


class SdistMissingError(Exception):
    """The llama-cpp-python sdist is not in the cache and fetching it was not allowed."""


def tiny_llama3_model(folder: Path | None = None, fetch: bool = True) -> Path:
    """Return the cached tiny Llama 3 GGUF, building it first when it is missing (fetching
    llama-cpp-python's sdist from PyPI only when ``fetch``: tests never reach the network; run
    ``python -m tests.tiny_llama3`` first, as ``make test`` does).

    Raises:
        SdistMissingError: the sdist is needed, missing, and ``fetch`` is false.
    """
    folder = folder or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"v{BUILD_VERSION}" / MODEL_NAME
    if target.is_file():
        return target
    with _locked(folder / ".build.lock"):
        if not target.is_file():  # another process may have built it while we waited
            target.parent.mkdir(parents=True, exist_ok=True)
            unquantized = target.with_suffix(".f32.tmp")
            write_model(vocab_file(folder, fetch), unquantized)
            quantize(unquantized, target)
            unquantized.unlink()
    return target


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def vocab_file(folder: Path, fetch: bool = True) -> Path:
    """The Llama 3 vocabulary GGUF from the installed llama-cpp-python's sdist (pip-downloaded)."""
    version = importlib.metadata.version("llama-cpp-python")
    vocab = folder / f"ggml-vocab-llama-bpe-{version}.gguf"
    if vocab.is_file():
        return vocab
    sdist = folder / "sdist" / f"llama_cpp_python-{version}.tar.gz"
    if not sdist.is_file() and not fetch:
        raise SdistMissingError(f"{sdist} is missing: run python -m tests.tiny_llama3 (fetches it from PyPI)")
    if not sdist.is_file():
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*pip, f"llama-cpp-python=={version}", "--dest", str(sdist.parent)], check=True)
    with tarfile.open(sdist) as archive:
        member = archive.getmember(f"llama_cpp_python-{version}/{VOCAB_MEMBER}")
        source = archive.extractfile(member)
        assert source is not None
        partial = vocab.with_suffix(".part")
        partial.write_bytes(source.read())
        partial.replace(vocab)
    return vocab


def write_model(vocab: Path, out: Path) -> None:
    """Write an F32 ``llama`` model with the vocabulary of ``vocab`` and seeded random weights."""
    import gguf
    import numpy as np

    fields = gguf.GGUFReader(vocab).fields
    tokens = fields["tokenizer.ggml.tokens"].contents()
    writer = gguf.GGUFWriter(out, "llama")
    writer.add_name("draftsmith tiny llama3 (random weights)")
    writer.add_context_length(CONTEXT_LENGTH)
    writer.add_embedding_length(WIDTH)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(WIDTH // HEADS)
    writer.add_rope_freq_base(500000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(tokens))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model(fields["tokenizer.ggml.model"].contents())
    writer.add_tokenizer_pre(fields["tokenizer.ggml.pre"].contents())
    writer.add_token_list(tokens)
    writer.add_token_types(fields["tokenizer.ggml.token_type"].contents())
    writer.add_token_merges(fields["tokenizer.ggml.merges"].contents())
    writer.add_bos_token_id(BOS_ID)
    writer.add_eos_token_id(EOT_ID)
    writer.add_add_bos_token(True)
    writer.add_chat_template(CHAT_TEMPLATE)
    favoured = {
        QUOTE_WEIGHT: [index for index, text in enumerate(tokens) if '"' in text],
        CLOSE_WEIGHT: [index for index, text in enumerate(tokens) if "]" in text or "}" in text],
        EOT_WEIGHT: [EOT_ID],
    }
    for name, array in weights(len(tokens), favoured, np.random.default_rng(SEED)).items():
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def weights(n_vocab: int, favoured: dict[float, list[int]], rng: object) -> dict[str, object]:
    """Seeded random tensors (numpy shape: rows = outputs) for every tensor ``llama`` needs;
    ``favoured`` maps a weight on the shared component to the output rows that get it."""
    import numpy as np

    assert isinstance(rng, np.random.Generator)

    def normal(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    head_dim = WIDTH // HEADS
    embeddings = normal(n_vocab, WIDTH, scale=0.3)
    embeddings[:, 0] = SHARED
    output = normal(n_vocab, WIDTH, scale=0.3)
    output[:, 0] = 0.0
    for weight, rows in favoured.items():
        output[rows, 0] = weight
    tensors: dict[str, object] = {
        "token_embd.weight": embeddings,
        "output_norm.weight": np.ones(WIDTH, dtype=np.float32),
        "output.weight": output,
    }
    for layer in range(LAYERS):
        block = f"blk.{layer}"
        tensors |= {
            f"{block}.attn_norm.weight": np.ones(WIDTH, dtype=np.float32),
            f"{block}.attn_q.weight": normal(WIDTH, WIDTH),
            f"{block}.attn_k.weight": normal(KV_HEADS * head_dim, WIDTH),
            f"{block}.attn_v.weight": normal(KV_HEADS * head_dim, WIDTH),
            f"{block}.attn_output.weight": normal(WIDTH, WIDTH),
            f"{block}.ffn_norm.weight": np.ones(WIDTH, dtype=np.float32),
            f"{block}.ffn_gate.weight": normal(FFN, WIDTH),
            f"{block}.ffn_up.weight": normal(FFN, WIDTH),
            f"{block}.ffn_down.weight": normal(WIDTH, FFN),
        }
    return tensors


def quantize(source: Path, target: Path) -> None:
    """Quantize ``source`` to Q8_0 at ``target`` with llama.cpp's quantizer (atomically)."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.nthread = 2
    partial = target.with_suffix(".part")
    code = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), params)
    if code != 0:
        raise RuntimeError(f"llama_model_quantize failed with code {code} for {source}")
    partial.replace(target)


if __name__ == "__main__":
    print(f"tiny Llama 3 test model: {tiny_llama3_model()}")
