"""Runs behind the page: form values to request and settings, the shared model, queued runs.

A run goes in a background thread (``DraftJob``) so that Streamlit's rerun on a button click
cannot kill it. The job belongs to the server process, not to the page that started it: it is
registered in :data:`ui.live.LIVE` and goes on when its tab is closed or reloaded; any page polls
it, and the Stop button sets an event the core polls through ``should_stop``. A process-wide
``RunGate`` lets one run draft at a time; the others wait and the page says they are queued.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import streamlit as st
from langchain_core.language_models import BaseChatModel
from pydantic import ValidationError

from core.errors import BadInputError, DraftsmithError
from core.events import Done, Event, InputNeeded
from core.progress import ProgressTracker, ProgressView
from core.request_limits import limits
from core.result import DraftResult
from core.settings import Settings, describe_validation_error, load_settings
from core.state import MAX_ROUNDS, DraftRequest
from tools.base import SearchTool
from tools.local_corpus import SUPPORTED_SUFFIXES
from ui.live import LIVE, RunGate

ModelSource = Literal["auto", "embedded", "preset", "path", "hub", "openai"]
JobState = Literal["starting", "queued", "running", "finished"]
SOURCE_SUFFIXES: tuple[str, ...] = tuple(sorted(SUPPORTED_SUFFIXES))
RECOMMENDED = "recommended for this computer"

log = logging.getLogger("draftsmith.ui")


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


@dataclass(frozen=True)
class RunForm:
    """The main form's values; the defaults are :class:`DraftRequest`'s."""

    topic: str
    audience: str = limits("audience").default
    tone: str = limits("tone").default
    words: int = limits("words").default
    rounds: int = limits("rounds").default
    threshold: float = limits("threshold").default
    search: str = limits("search").default
    feedback: str = limits("feedback").default


@dataclass
class PreparedRun:
    """Everything a run needs, checked before it starts."""

    request: DraftRequest
    settings: Settings
    model: BaseChatModel
    search: SearchTool
    clicked: float
    sources_dir: Path | None = None
    run_id: str | None = None
    resume: bool = False


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


def _required(value: str, name: str, hint: str) -> str:
    if not value.strip():
        raise BadInputError(f"invalid {name}: {hint}")
    return value.strip()


def request_from(form: RunForm, sources_dir: Path | None = None) -> DraftRequest:
    """The draft request for the form values.

    Raises:
        BadInputError: one line naming the invalid field.
    """
    if form.search == "local" and sources_dir is None:
        raise BadInputError("invalid search: 'local' needs source files; upload .md, .txt or .html notes")
    try:  # the form's fields are the request's own, checked by the model
        return DraftRequest(**asdict(form), sources_dir=str(sources_dir) if sources_dir else None)
    except ValidationError as exc:
        raise BadInputError(describe_validation_error(exc)) from None


def chat_model_for(settings: Settings) -> BaseChatModel:
    """The chat model the settings describe, built once per process and settings.

    Tests replace this function to inject a fake model.

    Raises:
        ModelFileError: the model file cannot be found or loaded.
    """
    settings = resolve_auto(settings)  # auto never downloads: the page asks first
    return _shared_model(model_cache_key(settings), settings)


@st.cache_resource(show_spinner=False)
def _shared_model(key: str, _settings: Settings) -> BaseChatModel:
    from graph.assembly import chat_model

    return chat_model(_settings)


def model_cache_key(settings: Settings) -> str:
    """What identifies a built model: every setting but the data folder (the key as a digest)."""
    values = settings.model_dump(mode="json", exclude={"data_dir", "api_key"})
    secret = settings.api_key.get_secret_value() if settings.api_key else ""
    values["api_key"] = hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else None
    return json.dumps(values, sort_keys=True)


def search_for(request: DraftRequest, settings: Settings) -> SearchTool:
    """The search tool for the request's mode, with every search setting, as the command line
    builds it (tests replace this to simulate the web).

    Raises:
        BadInputError: the mode or the sources folder is unusable.
    """
    from graph.assembly import search_tool

    return search_tool(request, settings)


def save_uploads(files: Sequence[tuple[str, bytes]], folder: Path | None = None) -> Path | None:
    """Write uploaded source files into ``folder`` (created; default: a new temporary folder);
    None when there are none.

    Raises:
        BadInputError: a file is not .md, .txt or .html.
    """
    if not files:
        return None
    for name, _ in files:
        if not name.lower().endswith(SOURCE_SUFFIXES):
            raise BadInputError(f"invalid sources: {name!r} is not a .md, .txt or .html file")
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="draftsmith-sources-"))
    else:
        folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for index, (name, data) in enumerate(files):
        safe = Path(name.replace("\\", "/")).name.lstrip(".") or f"source-{index}.txt"
        if safe.lower() in used:
            safe = f"{index}-{safe}"
        used.add(safe.lower())
        (folder / safe).write_bytes(data)
    return folder


def prepare_run(form: RunForm, model_form: ModelForm, uploads: Sequence[tuple[str, bytes]]) -> PreparedRun:
    """Check the form and the settings, save the uploads and load the model; start nothing.

    Raises:
        DraftsmithError: the first problem, in one line; nothing is left behind.
    """
    from graph.runner import new_run_id

    clicked = time.monotonic()
    run_id = new_run_id()
    sources_dir = save_uploads(uploads, uploads_folder(run_id))
    try:
        request = request_from(form, sources_dir)
        settings = resolve_auto(settings_from(model_form))  # the run records the model it drafts with
        search = search_for(request, settings)
        model = chat_model_for(settings)
    except BaseException:
        remove_folder(sources_dir)
        raise
    return PreparedRun(request, settings, model, search, clicked, sources_dir, run_id)


def uploads_root() -> Path:
    """The folder that holds the notes uploaded on the page, one folder per run."""
    return load_settings().data_dir / "uploads"


def uploads_folder(run_id: str) -> Path:
    """Where a run keeps the notes uploaded for it, so that it can be resumed later."""
    return uploads_root() / run_id


def remove_folder(folder: Path | None) -> None:
    """Delete a temporary folder, ignoring one that is already gone."""
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def run_gate() -> RunGate:
    """The one gate of this server process (kept with its live runs, see :mod:`ui.live`)."""
    return LIVE.gate


@dataclass
class DraftJob:
    """One run in a background thread, polled by the page.

    Args:
        prepared: the checked request, settings, model and search tool.
        gate: admits one run at a time.
        clock: monotonic clock (tests may pass their own).
    """

    prepared: PreparedRun
    gate: RunGate
    clock: Callable[[], float] = time.monotonic
    state: JobState = "starting"
    result: DraftResult | None = None
    error: str | None = None
    failure: BaseException | None = None
    stop_requested: bool = False
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tracker: ProgressTracker = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tracker = ProgressTracker(self.prepared.clicked)

    @property
    def key(self) -> str:
        """The run id it drafts (known before it starts), or a stand-in unique to the job."""
        return self.prepared.run_id or f"job-{id(self)}"

    @property
    def finished(self) -> bool:
        """Whether the run has ended, with a result or an error."""
        return self._done.is_set()

    def start(self) -> DraftJob:
        """Register the run with this process's live runs, start it in a daemon thread and
        return at once: it goes on whatever happens to the page that started it."""
        LIVE.add(self)
        threading.Thread(target=self.run, name="draftsmith-run", daemon=True).start()
        return self

    def run(self) -> None:
        """Wait for the gate, stream the draft (or continue a stored run), keep the result or the error."""
        try:
            if not self._enter_gate():
                self._fail(DraftsmithError("stopped while queued: no draft was started"))
                return
            try:
                self.state = "running"
                with self._lock:
                    self._tracker.start(self.clock())
                self._follow(self._events())
            finally:
                self.gate.leave()
        except DraftsmithError as exc:
            self._fail(exc)
        except Exception as exc:  # the page shows one line; the server log keeps the traceback
            log.exception("draft run failed")
            self._fail(exc)
        finally:
            self._tidy()
            self.state = "finished"
            self._done.set()

    def _enter_gate(self) -> bool:
        if self.gate.try_enter():
            return True
        self.state = "queued"
        with self._lock:
            self._tracker.queue(self.clock())
        return self.gate.enter(self.should_stop)

    def _events(self, answer: bool = False) -> Iterator[Event]:
        from graph.runner import resume_draft, stream_draft

        prepared, stop = self.prepared, self.should_stop
        if answer or prepared.resume:
            return resume_draft(
                self.run_id or "", prepared.settings, prepared.model, prepared.search, should_stop=stop
            )
        return stream_draft(
            prepared.request,
            prepared.settings,
            prepared.model,
            prepared.search,
            run_id=prepared.run_id,
            should_stop=stop,
        )

    def _follow(self, events: Iterator[Event]) -> None:
        """Fold the events into the progress. A pause for the author (a run started on the command
        line with outline review or notes) is answered with no change, and the run goes on."""
        for _ in range(MAX_ROUNDS + 2):
            paused = False
            for event in events:
                with self._lock:
                    self._tracker.add(event, self.clock())
                if isinstance(event, Done):
                    self.result = event.result
                paused = isinstance(event, InputNeeded)
            if not paused:
                return
            events = self._events(answer=True)

    def _fail(self, error: BaseException) -> None:
        self.failure = error
        self.error = str(error) if isinstance(error, DraftsmithError) else f"unexpected failure: {error}"

    def _tidy(self) -> None:
        """Remove uploaded notes once no resume can need them: the run finished, or never began."""
        with self._lock:
            began = bool(self.prepared.resume or self._tracker.run_id)
        if (self.result is not None and self.result.status == "completed") or not began:
            remove_folder(self.prepared.sources_dir)

    @property
    def run_id(self) -> str | None:
        """The run's id in the run store, once known."""
        with self._lock:
            known = self._tracker.run_id
        return self.prepared.run_id or known or None

    def should_stop(self) -> bool:
        """Polled by the core (between tokens too): Stop was clicked on some page."""
        return self._stop.is_set()

    def request_stop(self) -> None:
        """Ask the run to end now: the generation in flight is cut short and the best finished
        round is kept."""
        self.stop_requested = True
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends (or ``timeout`` passes); True when it ended."""
        return self._done.wait(timeout)

    def view(self) -> ProgressView:
        """The progress so far."""
        with self._lock:
            return self._tracker.view(self.clock())
