"""Form values to settings and requests, uploads, and background runs: stop, queue, failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.errors import BadInputError, NoDraftYetError
from core.settings import load_settings
from tests.team import FakeTeam, agent_of
from tools.base import NoSearch
from ui.web import history, models, session
from ui.web.job import DraftJob
from ui.web.live import RunGate
from ui.web.models import ModelForm
from ui.web.session import PreparedRun, RunForm


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(tmp_path / "data"))


def prepared(team: FakeTeam, tmp_path: Path, **request: Any) -> PreparedRun:
    form = RunForm(topic="Brewing tea", search="off", **request)
    settings = load_settings(data_dir=tmp_path / "data")
    return PreparedRun(session.request_from(form), settings, team.model, NoSearch(), time.monotonic())


def on_critic(team: FakeTeam, action: Callable[[], None]) -> None:
    """Run ``action`` (in the run's thread) each time the critic is asked."""
    reply = team.reply

    def reply_and_act(messages):
        if agent_of(messages) == "critic":
            action()
        return reply(messages)

    team.model.default_reply = reply_and_act


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (ModelForm(), {"backend": "llama_cpp", "model_path": None, "hf_repo": None}),
        (ModelForm(source="path", model_path=" /m/x.gguf "), {"model_path": Path("/m/x.gguf")}),
        (
            ModelForm(source="hub", hf_repo="org/r", hf_file="f.gguf"),
            {"hf_repo": "org/r", "hf_file": "f.gguf"},
        ),
        (
            ModelForm(source="openai", base_url="http://127.0.0.1:8080/v1", openai_model="qwen"),
            {"backend": "openai", "openai_model": "qwen"},
        ),
        (ModelForm(threads=3, temperature=0.7), {"n_threads": 3, "temperature": 0.7}),
    ],
)
def test_settings_from_the_sidebar(form, expected):
    settings = models.settings_from(form)
    assert {key: getattr(settings, key) for key in expected} == expected


def test_fields_of_other_sources_are_ignored():
    settings = models.settings_from(ModelForm(source="embedded", model_path="/nope.gguf", base_url="x"))
    assert settings.model_path is None and settings.base_url is None


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (ModelForm(source="path"), "invalid model_path"),
        (ModelForm(source="hub", hf_file="f.gguf"), "invalid hf_repo"),
        (ModelForm(source="openai", base_url="   "), "invalid base_url"),
        (ModelForm(source="openai", base_url="127.0.0.1:8080"), "base_url must start with http"),
        (ModelForm(temperature=5.0), "invalid temperature"),
    ],
)
def test_bad_model_settings_name_the_field(form, message):
    with pytest.raises(BadInputError, match=message):
        models.settings_from(form)


def test_request_from_the_form(tmp_path):
    request = session.request_from(RunForm(topic="  Tea   at home ", rounds=2, search="local"), tmp_path)
    assert request.topic == "Tea at home" and request.rounds == 2 and request.sources_dir == str(tmp_path)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (RunForm(topic="ab"), "invalid topic"),
        (RunForm(topic="Tea", words=10), "invalid words"),
        (RunForm(topic="Tea", search="local"), "needs source files"),
        (RunForm(topic="Tea", search="everywhere"), "invalid search"),
    ],
)
def test_bad_requests_name_the_field(form, message):
    with pytest.raises(BadInputError, match=message):
        session.request_from(form)


def test_uploads_are_saved_under_safe_names():
    folder = session.save_uploads([("../../evil.md", b"a"), ("notes.txt", b"b"), ("NOTES.txt", b"c")])
    assert folder is not None
    try:
        assert sorted(p.name for p in folder.iterdir()) == ["2-NOTES.txt", "evil.md", "notes.txt"]
        assert (folder / "evil.md").read_bytes() == b"a"
    finally:
        session.remove_folder(folder)
    assert session.save_uploads([]) is None


def test_uploads_must_be_text_notes():
    with pytest.raises(BadInputError, match=r"not a \.md, \.txt or \.html"):
        session.save_uploads([("photo.png", b"\x89PNG")])


def test_a_failed_preparation_leaves_no_uploads_behind(monkeypatch):
    folders: list[Path] = []
    real_save = session.save_uploads
    monkeypatch.setattr(
        session, "save_uploads", lambda files, folder: folders.append(real_save(files, folder)) or folders[-1]
    )
    with pytest.raises(BadInputError, match="invalid model_path"):
        session.prepare_run(RunForm(topic="Tea", search="local"), ModelForm(source="path"), [("a.md", b"x")])
    assert folders and not folders[0].exists()


def test_the_model_cache_key_tells_keys_apart_without_showing_them():
    one = session.model_cache_key(load_settings(base_url="http://h/v1", backend="openai", api_key="s3cret-1"))
    two = session.model_cache_key(load_settings(base_url="http://h/v1", backend="openai", api_key="s3cret-2"))
    assert one != two and "s3cret" not in one
    assert session.model_cache_key(load_settings(data_dir="/a")) == session.model_cache_key(
        load_settings(data_dir="/b")
    )


def test_a_job_runs_in_the_background_and_keeps_the_result(tmp_path):
    team = FakeTeam(critic_scores=[5, 6])
    job = DraftJob(prepared(team, tmp_path, rounds=2, threshold=10), RunGate()).start()
    assert job.wait(30)
    assert job.error is None and job.result is not None and job.result.status == "completed"
    assert [r.round for r in job.result.rounds] == [1, 2]
    view = job.view()
    assert [r.overall is not None for r in view.rounds] == [True, True]
    assert view.first_token_after is not None and view.tokens > 0


def test_stop_ends_cleanly_and_keeps_the_best_finished_round(tmp_path):
    team = FakeTeam(critic_scores=[6, 7, 8, 9])  # every round improves, so only Stop ends the loop
    job = DraftJob(prepared(team, tmp_path, rounds=5, threshold=10), RunGate())
    critiques: list[int] = []

    def stop_at_second_critique() -> None:
        critiques.append(1)
        if len(critiques) == 2:
            job.request_stop()

    on_critic(team, stop_at_second_critique)
    job.run()
    assert job.stop_requested and job.result is not None
    assert job.result.status == "stopped" and [r.round for r in job.result.rounds] == [1, 2]
    assert job.result.best_round == 2
    assert len(team.prompts_of("critic")) == 2


def test_stopping_before_the_first_round_explains_there_is_nothing_yet(tmp_path):
    team = FakeTeam()
    job = DraftJob(prepared(team, tmp_path), RunGate())
    job.request_stop()
    job.run()
    assert job.result is None and "stopped before its first draft" in (job.error or "")
    assert isinstance(job.failure, NoDraftYetError) and job.failure.run_id  # the page offers Resume


def test_a_second_run_is_queued_until_the_first_leaves(tmp_path):
    gate = RunGate()
    assert gate.try_enter()  # another session is drafting
    job = DraftJob(prepared(FakeTeam(critic_scores=[9]), tmp_path, rounds=1), gate).start()
    wait_for(lambda: job.state == "queued")
    time.sleep(0.3)
    assert not job.finished and job.view().queued_for > 0
    gate.leave()
    assert job.wait(30) and job.result is not None
    assert job.view().queued_for >= 0.3
    assert not gate.busy


def test_a_queued_run_can_be_stopped_without_touching_the_gate(tmp_path):
    gate = RunGate()
    assert gate.try_enter()
    team = FakeTeam()
    job = DraftJob(prepared(team, tmp_path), gate).start()
    wait_for(lambda: job.state == "queued")
    job.request_stop()
    assert job.wait(5) and job.result is None and "stopped while queued" in (job.error or "")
    assert gate.busy and team.model.calls == []
    gate.leave()


def test_a_run_belongs_to_the_process_and_outlives_every_page(tmp_path):
    from ui.web.live import LIVE

    now = [1000.0]
    team = FakeTeam(critic_scores=[4, 5])
    release = threading.Event()
    job = DraftJob(prepared(team, tmp_path, rounds=2, threshold=10), RunGate(), clock=lambda: now[0])

    def nobody_watches_for_an_hour() -> None:
        now[0] += 3600  # the tab was closed, the laptop slept
        assert release.wait(10)

    on_critic(team, nobody_watches_for_an_hour)
    job.start()
    try:
        wait_for(lambda: job.view().agent == "critic")
        assert LIVE.get(job.key) is job and job in LIVE.jobs()
        assert LIVE.current() is job  # what a page that loads now re-attaches to
    finally:
        release.set()
    assert job.wait(30) and job.result is not None
    assert job.result.status == "completed" and len(job.result.rounds) == 2  # never stopped itself
    assert LIVE.get(job.key) is None and job not in LIVE.jobs()  # gone once it ended


def test_a_page_that_loads_prefers_the_run_that_drafts_over_a_queued_one(tmp_path):
    from ui.web.live import LiveRuns

    live = LiveRuns()
    drafting = DraftJob(prepared(FakeTeam(), tmp_path), RunGate())
    queued = DraftJob(prepared(FakeTeam(), tmp_path), RunGate())
    queued.state, drafting.state = "queued", "running"
    live.add(queued)
    live.add(drafting)
    assert live.current() is drafting and live.jobs() == [queued, drafting]
    drafting._done.set()
    assert live.current() is queued and live.jobs() == [queued]


def test_a_failing_model_is_one_line_and_frees_the_gate(tmp_path):
    team = FakeTeam()

    def broken(messages):
        raise RuntimeError("llama.cpp decode failed\nstack...")

    team.model.default_reply = broken
    gate = RunGate()
    job = DraftJob(prepared(team, tmp_path), gate)
    job.run()
    assert job.result is None and job.error is not None and "decode failed" in job.error
    assert "\n" not in job.error and not gate.busy and job.finished


def test_an_unexpected_failure_is_reported_not_raised(tmp_path, monkeypatch, caplog):
    def explode(*args: Any, **kwargs: Any):
        raise KeyError("boom")

    monkeypatch.setattr("graph.runner.stream_draft", explode)
    gate = RunGate()
    job = DraftJob(prepared(FakeTeam(), tmp_path), gate)
    job.run()  # returns: the page shows a line instead of a traceback
    assert job.error == "unexpected failure: 'boom'" and job.result is None
    assert job.finished and not gate.busy
    logged = [record for record in caplog.records if record.exc_info]
    assert logged and logged[0].exc_info is not None and logged[0].exc_info[0] is KeyError


def test_the_model_is_built_once_per_process_and_settings(monkeypatch):
    built: list[Any] = []

    def fake_make_chat_model(settings):
        built.append(settings)
        return FakeTeam().model

    monkeypatch.setattr("backends.factory.make_chat_model", fake_make_chat_model)
    session._shared_model.clear()
    try:
        first = session.chat_model_for(load_settings(data_dir="/a"))
        again = session.chat_model_for(load_settings(data_dir="/b"))
        warmer = session.chat_model_for(load_settings(temperature=0.9))
    finally:
        session._shared_model.clear()
    assert first is again and warmer is not first and len(built) == 2


NOTE = b"# Starter care\n\nFeed the starter daily with equal weights of flour and water.\n"


def test_notes_uploaded_for_a_stopped_run_stay_for_its_resume_then_go(monkeypatch, tmp_path):

    team = FakeTeam(critic_scores=[5, 6, 7])
    monkeypatch.setattr(session, "chat_model_for", lambda settings: team.model)
    form = RunForm(topic="Starter care", search="local", rounds=2, threshold=10)
    ready = session.prepare_run(form, ModelForm(), [("starter.md", NOTE)])
    folder = ready.sources_dir
    assert ready.run_id and folder == tmp_path / "data" / "uploads" / ready.run_id
    job = DraftJob(ready, RunGate())
    on_critic(team, job.request_stop)
    job.run()
    assert job.result is not None and job.result.status == "stopped" and folder.is_dir()

    team.model.default_reply = team.reply  # no more stops
    resumed = DraftJob(history.prepare_resume(ready.run_id), RunGate())
    assert resumed.prepared.resume and resumed.prepared.sources_dir == folder
    calls_before = len(team.model.calls)
    resumed.run()
    assert resumed.error is None and resumed.result is not None
    assert resumed.result.status == "completed" and [r.round for r in resumed.result.rounds] == [1, 2]
    assert len(team.prompts_of("outliner")) == 1 and not folder.exists()
    assert_continued(job.result, resumed.result, team, calls_before)


def assert_continued(stopped: Any, resumed: Any, team: FakeTeam, calls_before: int) -> None:
    """The resumed run went on from where ``stopped`` ended instead of starting over: its round 1
    is the stopped run's, word for word; every step is recorded once; after the resume no agent
    of round 1 (researcher, outliner) was asked anything, and the run id is the same."""
    assert resumed.run_id == stopped.run_id
    assert resumed.rounds[0] == stopped.rounds[0]
    steps = [(step.agent, step.round) for step in resumed.telemetry]
    assert len(steps) == len(set(steps)), steps
    asked_after = {agent_of(messages) for messages, _ in team.model.calls[calls_before:]}
    assert asked_after and not asked_after & {"researcher", "outliner"}, asked_after


def test_resuming_a_run_started_elsewhere_never_removes_its_notes_folder(monkeypatch, tmp_path):
    from graph.runner import stream_draft

    notes = tmp_path / "my-notes"
    notes.mkdir()
    (notes / "starter.md").write_bytes(NOTE)
    team = FakeTeam(critic_scores=[5, 6])
    monkeypatch.setattr(session, "chat_model_for", lambda settings: team.model)
    request = session.request_from(
        RunForm(topic="Starter care", search="local", rounds=2, threshold=10), notes
    )
    settings = load_settings()
    stop = {"now": False}
    on_critic(team, lambda: stop.update(now=True))
    events = list(
        stream_draft(
            request,
            settings,
            team.model,
            session.search_for(request, settings),
            should_stop=lambda: stop["now"],
        )
    )
    stopped = events[-1].result
    team.model.default_reply = team.reply
    job = DraftJob(history.prepare_resume(stopped.run_id), RunGate())
    assert job.prepared.sources_dir is None  # not the page's to remove
    calls_before = len(team.model.calls)
    job.run()
    assert job.result is not None and job.result.status == "completed" and (notes / "starter.md").exists()
    assert_continued(stopped, job.result, team, calls_before)


def test_resume_uses_the_sidebars_model_and_server_or_keeps_the_runs_own(monkeypatch):
    from core.state import DraftRequest
    from graph.runner import stream_draft

    team = FakeTeam(critic_scores=[5, 6])
    monkeypatch.setattr(session, "chat_model_for", lambda settings: team.model)
    old = load_settings(backend="openai", base_url="http://127.0.0.1:9/v1", openai_model="qwen")
    request = DraftRequest(topic="Brewing tea", search="off", rounds=2, threshold=10)
    with pytest.raises(NoDraftYetError) as stopped:  # stopped at once: checkpointed, nothing scored
        list(stream_draft(request, old, team.model, NoSearch(), should_stop=lambda: True))
    run_id = stopped.value.run_id
    assert run_id
    fixed = ModelForm(source="openai", base_url="http://127.0.0.1:8080/v1", openai_model="qwen")
    choice = history.resume_choice(run_id, fixed)
    assert choice == history.ResumeChoice(
        "qwen at http://127.0.0.1:8080/v1", "qwen at http://127.0.0.1:9/v1", same=False
    )
    assert history.resume_choice(
        run_id, ModelForm(source="openai", base_url="http://127.0.0.1:9/v1", openai_model="qwen")
    ).same
    now = history.prepare_resume(run_id, fixed)
    assert now.settings.base_url == "http://127.0.0.1:8080/v1" and now.resume
    kept = history.prepare_resume(run_id, None)
    assert kept.settings.base_url == "http://127.0.0.1:9/v1"
    job = DraftJob(now, RunGate())
    job.run()
    assert job.result is not None and job.result.model == "scripted-fake"  # no address in results
    info = history.stored_info(load_settings().data_dir, run_id)
    assert info is not None and info.model_settings["base_url"] == "http://127.0.0.1:8080/v1"  # recorded


def test_resuming_an_unknown_run_is_one_clear_error():
    from core.errors import RunNotFoundError

    with pytest.raises(RunNotFoundError, match="no run nope"):
        history.prepare_resume("nope")


def test_a_run_paused_for_the_author_goes_on_in_the_page_without_changes(monkeypatch):
    from core.state import DraftRequest
    from graph.runner import stream_draft

    team = FakeTeam(critic_scores=[5, 6, 7])
    monkeypatch.setattr(session, "chat_model_for", lambda settings: team.model)
    request = DraftRequest(
        topic="Brewing tea", search="off", rounds=2, threshold=10, review_outline=True, ask_feedback=True
    )
    events = list(stream_draft(request, load_settings(), team.model, NoSearch()))
    assert events[-1].kind == "input_needed"  # waiting on the outline
    job = DraftJob(history.prepare_resume(events[-1].run_id), RunGate())
    job.run()  # the outline is approved as is; before round 2 the notes are empty
    assert job.error is None and job.result is not None and job.result.status == "completed"
    assert [r.round for r in job.result.rounds] == [1, 2]


@pytest.mark.parametrize(
    ("stored", "word"),
    [
        ("completed", "completed"),
        ("stopped", "stopped"),
        ("budget_stopped", "stopped (budget)"),
        ("failed", "failed"),
    ],
)
def test_the_page_and_cli_runs_use_one_word_per_status(stored, word):
    import os

    from graph.store import RunInfo
    from ui.cli.tables import runs_table

    info = RunInfo(
        run_id="r1",
        topic="Tea",
        started=0,
        updated=0,
        status=stored,
        rounds=1,
        best_score=None,
        pid=os.getpid(),
        model_settings={},
    )
    cli_word = runs_table([info]).columns[3]._cells[0]
    assert history.row_for(info).status == cli_word == word
