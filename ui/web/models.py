"""The sidebar's model settings: the form to settings, *Auto* resolved without a download, the
models by name (as ``cli.py models`` lists them) and their download. No Streamlit widgets here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.errors import BadInputError
from core.settings import Settings, load_settings

ModelSource = Literal["auto", "embedded", "preset", "path", "hub", "openai"]
RECOMMENDED = "recommended for this computer"


@dataclass(frozen=True)
class ModelForm:
    """The sidebar's model settings as typed by the user (empty string = not given)."""

    source: ModelSource = "auto"
    preset: str = ""
    model_path: str = ""
    hf_repo: str = ""
    hf_file: str = ""
    base_url: str = ""
    openai_model: str = ""
    api_key: str = ""
    threads: int | None = None
    temperature: float | None = None


def settings_from(form: ModelForm) -> Settings:
    """Settings for the chosen model source; the environment fills the rest.

    Raises:
        BadInputError: a required field is empty or a value is invalid (one line).
    """
    from backends.model_files import model_overrides

    overrides: dict[str, Any] = {"n_threads": form.threads, "temperature": form.temperature}
    if form.source in ("auto", "embedded"):  # the sidebar's choice wins over DRAFTSMITH_MODEL
        overrides["model"] = form.source
    elif form.source == "preset":
        overrides |= model_overrides(_required(form.preset, "model", "pick a model from the list"))
    elif form.source == "path":
        overrides["model_path"] = _required(form.model_path, "model_path", "enter the path of a .gguf file")
    elif form.source == "hub":
        overrides["hf_repo"] = _required(form.hf_repo, "hf_repo", "enter the hub repository, e.g. org/name")
        overrides["hf_file"] = _required(form.hf_file, "hf_file", "enter the .gguf file name")
    elif form.source == "openai":
        overrides["backend"] = "openai"
        overrides["base_url"] = _required(
            form.base_url, "base_url", "enter the server address, e.g. http://127.0.0.1:8080/v1"
        )
        overrides["openai_model"] = form.openai_model.strip() or None
        overrides["api_key"] = form.api_key.strip() or None
    return load_settings(**overrides)


def _required(value: str, name: str, hint: str) -> str:
    if not value.strip():
        raise BadInputError(f"invalid {name}: {hint}")
    return value.strip()


def default_source() -> ModelSource:
    """The sidebar's first choice: ``auto``, as everywhere else, unless ``DRAFTSMITH_MODEL=embedded``
    turned it off."""
    return "embedded" if load_settings().model == "embedded" else "auto"


def resolve_auto(settings: Settings) -> Settings:
    """Settings with ``auto`` resolved to one model without downloading anything: a Llama 3 in the
    hub cache, else the embedded model (other settings pass unchanged). No network call."""
    from graph.assembly import choose_model

    return choose_model(settings, pull=False).settings


@dataclass(frozen=True)
class AutoOffer:
    """What ``auto`` drafts with now, and what the page offers before anything is downloaded.

    Attributes:
        model: the model the next draft uses, in words (``llama3.2-1b (Llama 3.2 1B …)``).
        notice: one line when it is the embedded model instead of Llama 3 (None otherwise).
        download: the recommended Llama 3 model to offer for download (None: nothing to offer,
            e.g. offline or not enough memory).
        title: its name in words (``Llama 3.2 1B Instruct``).
        size: the download's size as shown on its button (``0.81 GB``).
    """

    model: str
    notice: str | None = None
    download: str | None = None
    title: str = ""
    size: str = ""


def auto_offer() -> AutoOffer:
    """Ask ``auto`` what it would draft with, without downloading (``choose_model(pull=False)``:
    the hub cache and this computer's memory and cores, no network call)."""
    from backends.model_pull import hub_offline
    from backends.presets import format_size
    from graph.assembly import EMBEDDED_TITLE, PULL_COMMAND, choose_model

    pick = choose_model(load_settings(model="auto"), pull=False).pick
    if pick is None or pick.fallback is None:
        return AutoOffer(f"{pick.preset.name} ({pick.preset.title})" if pick else "the model in the settings")
    embedded = f"the embedded {EMBEDDED_TITLE}"
    wanted = pick.recommended
    if wanted is None:  # not even the smallest Llama 3 fits in free memory
        return AutoOffer(embedded, f"Drafting on {embedded}, not Llama 3: {pick.fallback}")
    size, title = format_size(wanted.size_bytes), wanted.title.removesuffix(" Q4_K_M")
    if hub_offline():
        return AutoOffer(
            embedded,
            f"Drafting on {embedded}, not Llama 3: {pick.fallback}; to get {title} ({size}), reload "
            f"this page online without HF_HUB_OFFLINE and download it, or run {PULL_COMMAND} {wanted.name}",
        )
    notice = (
        f"Drafting on {embedded}; {title} ({size}) is recommended for this computer and is not "
        "downloaded yet: download it once, later drafts use it, offline too"
    )
    return AutoOffer(embedded, notice, wanted.name, title, size)


def model_choices() -> dict[str, str]:
    """The models the picker offers, as in ``cli.py models``: value (a preset name, or the path
    of another GGUF in the hub cache) -> label with size, RAM need and whether it is local."""
    from backends.model_files import list_models
    from backends.presets import format_size

    choices = {}
    for entry in list_models():
        value = entry.name if entry.ram_bytes else str(entry.path)
        need = f", needs {format_size(entry.ram_bytes)} RAM" if entry.ram_bytes else ""
        where = (f" - {RECOMMENDED}" if entry.recommended else "") + (
            "" if entry.path else " - downloads on first use"
        )
        choices[value] = f"{entry.name}: {entry.title} ({format_size(entry.size_bytes)}{need}){where}"
    return choices


def download_model(name: str, on_progress: Callable[[int, int], None]) -> Path:
    """Fetch the preset ``name`` into the hub cache now, reporting (bytes done, bytes in all).

    Raises:
        ModelFileError: one line naming the model, its repository and what to do.
    """
    from backends.model_files import downloader_with_progress, model_overrides, resolve_model_file

    settings = load_settings(**model_overrides(name))
    return resolve_model_file(settings, download=downloader_with_progress(on_progress))
