"""Models by name: the embedded default and Llama 3 Instruct GGUFs from the Hugging Face hub.

Sizes are the published file sizes; the RAM need adds the KV cache at the default context
(8,192 tokens, f16) and about 0.5 GB of llama.cpp buffers, rounded up to half a gigabyte.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GB = 1_000_000_000
DEFAULT_CONTEXT = 8192
BUFFERS_BYTES = GB // 2


@dataclass(frozen=True)
class Preset:
    """A model the user can name instead of giving a path or a hub repository and file.

    Attributes:
        name: what the user types (``--model NAME``); ``aliases`` are accepted too.
        title: a human name for listings.
        repo, filename: where the GGUF lives on the hub (empty for the embedded model).
        size_bytes: the file's size on disk.
        kv_bytes_per_token: f16 KV cache per token of context (2 x layers x KV heads x head size x 2).
        context_length: the context the model was trained for.
    """

    name: str
    title: str
    repo: str
    filename: str
    size_bytes: int
    kv_bytes_per_token: int
    context_length: int
    aliases: tuple[str, ...] = ()

    @property
    def embedded(self) -> bool:
        """Whether this is the model that ships with the app (nothing to download)."""
        return not self.repo

    def ram_bytes(self, n_ctx: int = DEFAULT_CONTEXT) -> int:
        """Memory needed to run it with ``n_ctx`` tokens of context, rounded up to 0.5 GB."""
        need = self.size_bytes + self.kv_bytes_per_token * n_ctx + BUFFERS_BYTES
        return math.ceil(need / (GB / 2)) * (GB // 2)


def _kv(layers: int, kv_heads: int, head_dim: int) -> int:
    return 2 * layers * kv_heads * head_dim * 2


EMBEDDED = Preset(
    name="smollm2-135m",
    title="SmolLM2 135M Instruct Q4_1 (embedded, no download)",
    repo="",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    size_bytes=98_000_000,
    kv_bytes_per_token=_kv(30, 3, 64),
    context_length=8192,
    aliases=("embedded", "default"),
)


def _llama(version: str, size: str, stem: str, size_bytes: int, kv_bytes_per_token: int) -> Preset:
    """A Llama 3.x Instruct Q4_K_M GGUF from bartowski's hub repositories, e.g. ``llama3.2-1b``."""
    short = size.lower()
    return Preset(
        name=f"llama{version}-{short}",
        title=f"Llama {version} {size} Instruct Q4_K_M",
        repo=f"bartowski/{stem}-GGUF",
        filename=f"{stem}-Q4_K_M.gguf",
        size_bytes=size_bytes,
        kv_bytes_per_token=kv_bytes_per_token,
        context_length=131072,
        aliases=(f"llama-{version}-{short}", f"llama{version}:{short}"),
    )


PRESETS: tuple[Preset, ...] = (
    EMBEDDED,
    _llama("3.2", "1B", "Llama-3.2-1B-Instruct", 810_000_000, _kv(16, 8, 64)),
    _llama("3.2", "3B", "Llama-3.2-3B-Instruct", 2_020_000_000, _kv(28, 8, 128)),
    _llama("3.1", "8B", "Meta-Llama-3.1-8B-Instruct", 4_920_000_000, _kv(32, 8, 128)),
)


def find_preset(name: str) -> Preset | None:
    """The preset called ``name`` or one of its aliases (case-insensitive), else None."""
    wanted = name.strip().lower()
    for preset in PRESETS:
        if wanted == preset.name or wanted in preset.aliases:
            return preset
    return None


def preset_for_file(repo: str | None, filename: str | None) -> Preset | None:
    """The preset that downloads ``filename`` from ``repo``, if any."""
    return next((p for p in PRESETS if p.repo and (p.repo, p.filename) == (repo, filename)), None)


@dataclass(frozen=True)
class Machine:
    """What a recommendation depends on: free memory (None: unknown) and usable CPU cores."""

    free_ram: int | None
    cores: int


SMALL_MACHINE_CORES = 4  # at most this many cores: the 1B model (README, "Models": 3B runs at ~10 tok/s on 4)
SMALL_MACHINE_RAM = 8 * GB  # less free memory than this: the 1B model


def llama_presets() -> list[Preset]:
    """The Llama 3 presets (every preset but the embedded one), smallest first."""
    return [preset for preset in PRESETS if not preset.embedded]


def fits(preset: Preset, machine: Machine) -> bool:
    """Whether the model's RAM need (at the default context) is free now (unknown memory: yes)."""
    return machine.free_ram is None or preset.ram_bytes() <= machine.free_ram


def recommend(machine: Machine) -> Preset | None:
    """The Llama 3 preset for this machine, from the README's table; None when none fits in memory.

    ``llama3.2-1b`` on at most 4 cores or under 8 GB free, ``llama3.2-3b`` above; the 8B model is
    never recommended (about 8 tokens/s even on 8 cores, estimated), only run when asked for.
    """
    small, medium = (find_preset(name) for name in ("llama3.2-1b", "llama3.2-3b"))
    assert small is not None and medium is not None
    if not fits(small, machine):
        return None
    low_ram = machine.free_ram is not None and machine.free_ram < SMALL_MACHINE_RAM
    if machine.cores <= SMALL_MACHINE_CORES or low_ram or not fits(medium, machine):
        return small
    return medium


def preset_names() -> list[str]:
    """Every preset's main name, in listing order."""
    return [preset.name for preset in PRESETS]


def format_size(size: int) -> str:
    """``810_000_000`` -> ``'0.81 GB'``; smaller sizes in MB or kB."""
    if size >= GB // 2:
        return f"{size / GB:.2f} GB"
    return f"{size / 1_000_000:.0f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"
