"""``--model auto``: which model runs when none is named.

In this order: the largest Llama 3 preset already in the hub cache whose RAM need is free now;
else the preset recommended for this machine (``presets.recommend``), pulled from the hub when
pulling is allowed; else the embedded model, with the reason in neutral words (front ends add
what to do). Every hub call is bounded by ``timeout`` (see ``model_pull.probe``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.model_files import cached_hub_file, check_gguf, embedded_model_path, hub_download, this_machine
from backends.model_pull import HubFile, HubUnreachableError, first_line, hub_offline
from backends.presets import EMBEDDED, Machine, Preset, fits, format_size, llama_presets, recommend
from core.errors import ModelFileError


@dataclass(frozen=True)
class AutoPick:
    """What ``auto`` chose.

    Attributes:
        preset: the model that runs (``EMBEDDED`` when auto fell back).
        path: its GGUF file.
        recommended: the Llama 3 preset for this machine (None when none fits in memory).
        fallback: why the embedded model runs instead of a Llama 3 model (None when one runs).
        pulled: whether the file was downloaded just now.
    """

    preset: Preset
    path: Path
    recommended: Preset | None
    fallback: str | None = None
    pulled: bool = False


def best_cached(machine: Machine) -> tuple[Preset, Path] | None:
    """The largest Llama 3 preset in the hub cache that fits in free memory, with its path."""
    found = None
    for preset in llama_presets():  # smallest first: the last one found wins
        path = cached_hub_file(preset.repo, preset.filename)
        if path is not None and fits(preset, machine):
            found = (preset, path)
    return found


def pick_model(
    *,
    pull: bool,
    timeout: float,
    machine: Machine | None = None,
    on_start: Callable[[Preset, HubFile], None] | None = None,
    tqdm_class: Any = None,
) -> AutoPick:
    """Choose the model for ``auto``; pull the recommended one when ``pull`` and none is cached.

    Args:
        pull: whether a download may start (the web UI asks first, so it passes False).
        timeout: seconds the hub may take to answer before auto falls back.
        machine: free memory and cores (default: measured now).
        on_start: told the preset and the hub's facts (its size) before the download starts.
        tqdm_class: the download's progress bar (default: the hub client's, on stderr).

    Raises:
        ModelFileError: the embedded model itself is missing (a broken install).
    """
    machine = machine or this_machine()
    cached = best_cached(machine)
    wanted = recommend(machine)
    if cached is not None:
        return AutoPick(cached[0], cached[1], wanted)
    if wanted is None:
        small = llama_presets()[0]
        free = format_size(machine.free_ram or 0)
        reason = f"{small.name} needs {format_size(small.ram_bytes())} of free memory and {free} is free"
    elif hub_offline():
        reason = "offline mode is on (HF_HUB_OFFLINE)"
    elif not pull:
        reason = f"{wanted.name} is not downloaded yet"
    else:
        try:
            return AutoPick(wanted, _pull(wanted, timeout, on_start, tqdm_class), wanted, pulled=True)
        except HubUnreachableError as exc:
            reason = f"the model hub cannot be reached ({exc})"
        except ModelFileError as exc:
            reason = str(exc)
    return AutoPick(EMBEDDED, check_gguf(embedded_model_path()), wanted, fallback=reason)


def _pull(
    preset: Preset,
    timeout: float,
    on_start: Callable[[Preset, HubFile], None] | None,
    tqdm_class: Any,
) -> Path:
    def started(file: HubFile) -> None:
        if on_start is not None:
            on_start(preset, file)

    try:
        path = hub_download(
            repo_id=preset.repo,
            filename=preset.filename,
            tqdm_class=tqdm_class,
            timeout=timeout,
            on_start=started,
        )
    except (HubUnreachableError, ModelFileError):
        raise
    except Exception as exc:  # anything else the hub client raises: fall back, naming it
        raise ModelFileError(f"the download of {preset.name} failed: {first_line(exc)}") from None
    return check_gguf(Path(path))
