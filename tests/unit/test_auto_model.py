"""``--model auto``: the recommendation, the cached model first, the pull from a hub on 127.0.0.1
(resumed, verified) and the fallback to the embedded model when the hub is off, refuses or hangs."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from backends import model_pull
from backends.auto_model import pick_model
from backends.model_files import cached_hub_file, embedded_model_path, hub_download, list_models
from backends.model_pull import ChecksumError, partial_path, probe
from backends.presets import GB, Machine, find_preset, recommend
from core.settings import load_settings
from graph.assembly import choose_model
from tests.fake_hub import FakeHub, refused_endpoint, running, silent_endpoint
from tests.unit.test_presets import fake_hub_file

LLAMA_1B, LLAMA_3B, LLAMA_8B = (find_preset(name) for name in ("llama3.2-1b", "llama3.2-3b", "llama3.1-8b"))
MODEL_BYTES = b"GGUF\x03\x00\x00\x00" + bytes(range(256)) * 2048  # 512 kB that pass the magic check
BIG_MACHINE = Machine(free_ram=64 * GB, cores=16)
LAPTOP = Machine(free_ram=6 * GB, cores=4)


@pytest.fixture(autouse=True)
def auto(monkeypatch) -> None:
    """The default model choice, auto (the suite's guard pins the embedded model)."""
    monkeypatch.delenv("DRAFTSMITH_MODEL", raising=False)


@pytest.fixture
def hub_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


@pytest.fixture
def online(monkeypatch) -> None:
    """The hub allowed (the suite's guard turns it off), to reach a hub on 127.0.0.1 only."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def hub(online, monkeypatch) -> Any:
    """A hub on 127.0.0.1 serving the test bytes under every Llama 3 preset's repository and file."""
    files = {(preset.repo, preset.filename): MODEL_BYTES for preset in (LLAMA_1B, LLAMA_3B, LLAMA_8B)}
    with running(FakeHub(files)) as served:
        monkeypatch.setenv("HF_ENDPOINT", served.url)
        yield served


@pytest.mark.parametrize(
    ("free_gb", "cores", "expected"),
    [
        (24, 2, "llama3.2-1b"),  # this project's machine: 2 cores
        (16, 4, "llama3.2-1b"),  # at most 4 cores
        (7.9, 8, "llama3.2-1b"),  # under 8 GB free
        (8, 6, "llama3.2-3b"),
        (64, 16, "llama3.2-3b"),  # the 8B model is never picked for you
        (None, 8, "llama3.2-3b"),  # memory unknown: cores decide
        (None, 2, "llama3.2-1b"),
        (1.5, 8, None),  # not even the 1B model fits: the embedded model
    ],
)
def test_the_recommendation_follows_free_memory_and_cores(free_gb, cores, expected):
    free = None if free_gb is None else int(free_gb * GB)
    chosen = recommend(Machine(free_ram=free, cores=cores))
    assert (chosen.name if chosen else None) == expected


def test_the_listing_marks_the_recommended_model(hub_cache):
    marked = [entry.name for entry in list_models(LAPTOP) if entry.recommended]
    assert marked == ["llama3.2-1b"]
    assert [entry.name for entry in list_models(BIG_MACHINE) if entry.recommended] == ["llama3.2-3b"]


def test_the_largest_cached_llama_that_fits_wins_without_the_network(hub_cache):
    small = fake_hub_file(hub_cache, LLAMA_1B.repo, LLAMA_1B.filename)
    large = fake_hub_file(hub_cache, LLAMA_8B.repo, LLAMA_8B.filename)
    picked = pick_model(pull=True, timeout=0.1, machine=BIG_MACHINE)  # HF_HUB_OFFLINE is on here
    assert (picked.preset, picked.path, picked.fallback) == (LLAMA_8B, large, None)
    picked = pick_model(pull=True, timeout=0.1, machine=LAPTOP)  # the 8B model needs 6.5 GB
    assert (picked.preset, picked.path, picked.fallback) == (LLAMA_1B, small, None)


class RecordingBar:
    """A progress bar that keeps what it was told."""

    shown: ClassVar[list[tuple[int | None, int]]] = []

    def __init__(self, *args: Any, total: int | None = None, initial: int = 0, **kwargs: Any) -> None:
        self.total, self.n = total, initial

    def __enter__(self) -> RecordingBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, n: int) -> None:
        self.n += n
        RecordingBar.shown.append((self.total, self.n))


def test_auto_pulls_the_recommended_model_showing_its_size_first(hub_cache, hub):
    said: list[str] = []
    RecordingBar.shown = []
    choice = choose_model(load_settings(), on_start=said.append, tqdm_class=RecordingBar, machine=LAPTOP)
    assert RecordingBar.shown and RecordingBar.shown[-1] == (len(MODEL_BYTES), len(MODEL_BYTES))
    assert (choice.settings.hf_repo, choice.settings.hf_file) == (LLAMA_1B.repo, LLAMA_1B.filename)
    assert choice.notice() is None and choice.pick is not None and choice.pick.pulled
    assert (
        said == [said[0]] and said[0].startswith("pulling llama3.2-1b (Llama 3.2 1B") and "524 kB" in said[0]
    )
    path = cached_hub_file(LLAMA_1B.repo, LLAMA_1B.filename)
    assert path is not None and path.read_bytes() == MODEL_BYTES
    assert [(seen.method, seen.range) for seen in hub.seen] == [("HEAD", None), ("GET", None)]


@pytest.fixture
def small_pieces(monkeypatch) -> None:
    """The hub client writes what arrives in 64 kB pieces (10 MB otherwise: more than these files)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 65_536)


def test_a_pull_stopped_by_ctrl_c_resumes_with_a_range_request(hub_cache, hub, small_pieces):
    class StopHalfway:
        """A progress bar that presses Ctrl-C once 100 kB have arrived."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.n = kwargs.get("initial", 0)

        def __enter__(self) -> StopHalfway:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def update(self, n: int) -> None:
            self.n += n
            if self.n >= 100_000:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        hub_download(repo_id=LLAMA_1B.repo, filename=LLAMA_1B.filename, tqdm_class=StopHalfway)
    file = probe(LLAMA_1B.repo, LLAMA_1B.filename, timeout=2)
    kept = partial_path(hub_cache, file).stat().st_size
    assert 0 < kept < len(MODEL_BYTES)
    assert cached_hub_file(LLAMA_1B.repo, LLAMA_1B.filename) is None
    path = Path(hub_download(repo_id=LLAMA_1B.repo, filename=LLAMA_1B.filename))
    assert path.read_bytes() == MODEL_BYTES and not partial_path(hub_cache, file).exists()
    assert [seen.range for seen in hub.gets()] == [None, f"bytes={kept}-"]


def test_a_dropped_connection_resumes_within_the_same_pull(hub_cache, hub, small_pieces):
    hub.cut_first_get_at = 200_000
    path = Path(hub_download(repo_id=LLAMA_1B.repo, filename=LLAMA_1B.filename))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(MODEL_BYTES).hexdigest()
    ranges = [seen.range for seen in hub.gets()]
    assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=")
    assert 0 < int(ranges[1].removeprefix("bytes=").rstrip("-")) <= 200_000


def test_a_file_with_the_wrong_checksum_is_refused_in_one_line_and_deleted(hub_cache, hub):
    hub.wrong_sha = True
    with pytest.raises(ChecksumError) as info:
        hub_download(repo_id=LLAMA_1B.repo, filename=LLAMA_1B.filename)
    message = str(info.value)
    assert "\n" not in message and "checksum" in message and LLAMA_1B.filename in message
    assert cached_hub_file(LLAMA_1B.repo, LLAMA_1B.filename) is None
    assert not any(path.is_file() for path in hub_cache.rglob("blobs/*"))


def test_auto_falls_back_when_the_checksum_is_wrong(hub_cache, hub):
    hub.wrong_sha = True
    choice = choose_model(load_settings(), machine=LAPTOP)
    assert choice.settings.model == "embedded" and choice.settings.hf_repo is None
    assert choice.pick is not None and choice.pick.path == embedded_model_path()
    assert "checksum" in (choice.notice() or "")


def test_offline_auto_falls_back_to_the_embedded_model_with_one_line(hub_cache, loopback_only):
    choice = choose_model(load_settings(), machine=LAPTOP)  # HF_HUB_OFFLINE=1 (the suite's guard)
    assert choice.settings.model == "embedded" and choice.settings.model_path is None
    assert choice.pick is not None and choice.pick.path == embedded_model_path()
    notice = choice.notice()
    assert notice is not None and "\n" not in notice
    assert "not Llama 3: offline mode is on (HF_HUB_OFFLINE); get Llama 3" in notice
    assert notice.endswith("get Llama 3 with: python cli.py models pull llama3.2-1b")
    assert loopback_only == []


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_an_unreachable_hub_costs_at_most_three_seconds(hub_cache, online, monkeypatch, kind):
    def fall_back(endpoint: str) -> tuple[float, str | None]:
        monkeypatch.setenv("HF_ENDPOINT", endpoint)
        started = time.monotonic()
        choice = choose_model(load_settings(), machine=LAPTOP)
        assert choice.settings.model == "embedded" and choice.settings.hf_repo is None
        return time.monotonic() - started, choice.notice()

    if kind == "refused":
        seconds, notice = fall_back(refused_endpoint())
    else:
        with silent_endpoint() as endpoint:
            seconds, notice = fall_back(endpoint)
    assert seconds < 3.0, f"the fallback took {seconds:.1f} s"
    assert notice is not None and "cannot be reached" in notice


def test_the_probe_deadline_bounds_a_call_that_hangs(monkeypatch):
    def hang() -> None:
        time.sleep(5)

    started = time.monotonic()
    with pytest.raises(model_pull.HubUnreachableError, match=r"did not answer within 0\.2 s"):
        model_pull.with_deadline(hang, 0.2, "the hub")
    assert time.monotonic() - started < 1.0


def test_a_named_model_or_embedded_is_never_replaced(hub_cache, tmp_path):
    path = tmp_path / "mine.gguf"
    for settings in (load_settings(model_path=path), load_settings(model="embedded")):
        choice = choose_model(settings, machine=LAPTOP)
        assert choice.settings is settings and choice.pick is None and choice.notice() is None


def test_the_ui_choice_does_not_download_before_asking(hub_cache, hub):
    choice = choose_model(load_settings(), pull=False, machine=LAPTOP)
    assert choice.settings.model == "embedded" and hub.seen == []
    assert "llama3.2-1b is not downloaded yet" in (choice.notice() or "")


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_models_pull_downloads_once_with_its_size_first(hub_cache, hub, capsys):
    code, _, err = run_cli(capsys, "models", "pull", "llama3.2:1b")
    lines = err.splitlines()
    assert code == 0 and lines[0].startswith("pulling llama3.2-1b (") and "524 kB" in lines[0]
    assert lines[-1].startswith("llama3.2-1b is downloaded: ") and lines[-1].endswith(LLAMA_1B.filename)
    code, _, err = run_cli(capsys, "models", "pull", "llama3.2-1b")
    assert code == 0 and err.startswith("llama3.2-1b is downloaded: ") and len(hub.gets()) == 1


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        ("smollm2-135m", 0, "smollm2-135m ships with the app: nothing to download"),
        ("mistral:7b", 2, "error: unknown model 'mistral:7b': pull one of llama3.2-1b, llama3.2-3b,"),
        ("llama3.2-3b", 2, "error: model llama3.2-3b is not downloaded yet and the hub cannot be reached"),
    ],
)
def test_models_pull_answers_in_one_line(hub_cache, capsys, name, code, expected):
    got, _, err = run_cli(capsys, "models", "pull", name)
    assert got == code and err.count("\n") == 1 and err.startswith(expected)


def test_models_marks_the_recommended_model_and_says_why(hub_cache, capsys, monkeypatch):
    from backends import model_files

    monkeypatch.setattr(model_files, "this_machine", lambda: BIG_MACHINE)
    code, out, err = run_cli(capsys, "models")
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert code == 0 and "(recommended)" in rows["llama3.2-3b"]
    assert sum("(recommended)" in row for row in rows.values()) == 1
    assert err.startswith("recommended here (16 cores, 64.00 GB free): llama3.2-3b;")
