"""Checkpoints, resume, pauses for the author, budgets and the run store, with a scripted team."""

from __future__ import annotations

import sqlite3

import pytest

import cli
from core.errors import BadInputError, DraftsmithError
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import load_result, resume_draft, stream_draft
from graph.store import STORE_FILE, open_run_index
from tests.team import FakeTeam
from tools.base import NoSearch


@pytest.fixture
def settings(tmp_path):
    return load_settings(data_dir=tmp_path)


def start(team, settings, **request):
    request.setdefault("topic", "Brewing tea at home")
    request.setdefault("search", "off")
    return list(stream_draft(DraftRequest(**request), settings, chat_model=team.model, search=NoSearch()))


def resume(team, settings, run_id, answer=None, **kwargs):
    return list(
        resume_draft(run_id, settings, chat_model=team.model, search=NoSearch(), answer=answer, **kwargs)
    )


def test_outline_review_pauses_and_uses_the_edited_outline(settings):
    team = FakeTeam(critic_scores=[9])
    events = start(team, settings, rounds=1, review_outline=True)
    pause = events[-1]
    assert pause.kind == "input_needed" and pause.pause.question == "outline"
    assert team.prompts_of("writer") == []
    edited = pause.pause.outline.model_dump()
    edited["sections"][0]["heading"] = "Water temperature matters"
    done = resume(team, settings, pause.run_id, answer=edited)[-1]
    assert done.kind == "done"
    assert "## Water temperature matters" in done.result.markdown
    assert any('"Water temperature matters"' in p for p in team.prompts_of("writer"))
    assert len(team.prompts_of("outliner")) == 1  # the outline was not planned again


def test_approving_the_outline_keeps_it(settings):
    team = FakeTeam(critic_scores=[9])
    pause = start(team, settings, rounds=1, review_outline=True)[-1]
    result = resume(team, settings, pause.run_id, answer=None)[-1].result
    assert all(f"## {s.heading}" in result.markdown for s in pause.pause.outline.sections)


def test_an_invalid_edited_outline_is_refused_and_the_run_stays_resumable(settings):
    team = FakeTeam(critic_scores=[9])
    pause = start(team, settings, rounds=1, review_outline=True)[-1]
    with pytest.raises(BadInputError, match="edited outline is invalid at sections"):
        resume(team, settings, pause.run_id, answer={"title": "A fine title", "sections": []})
    assert resume(team, settings, pause.run_id)[-1].kind == "done"


def test_notes_between_rounds_reach_the_writer_and_the_critic(settings):
    team = FakeTeam(critic_scores=[3])
    events = start(team, settings, rounds=2, threshold=10, ask_feedback=True)
    pause = events[-1]
    assert pause.pause.question == "feedback" and pause.pause.round == 2
    assert len(team.prompts_of("critic")) == 1
    done = resume(team, settings, pause.run_id, answer="Say more about green tea")[-1]
    assert [r.round for r in done.result.rounds] == [1, 2]
    assert all("Say more about green tea" in p for p in team.prompts_of("writer")[5:])
    assert "Say more about green tea" in team.prompts_of("critic")[1]
    assert "Say more about green tea" not in team.prompts_of("critic")[0]


def test_a_stopped_run_resumes_without_redoing_finished_rounds(settings):
    team = FakeTeam(critic_scores=[3, 4, 5])  # each round improves: none stops early
    scored = []

    def stop_after_first_round() -> bool:
        return bool(scored)

    events = []
    for event in stream_draft(
        DraftRequest(topic="Brewing tea", rounds=3, threshold=10, search="off"),
        settings,
        chat_model=team.model,
        search=NoSearch(),
        should_stop=stop_after_first_round,
    ):
        events.append(event)
        if event.kind == "round_scored":
            scored.append(event.round)
    first = events[-1].result
    assert first.status == "stopped" and len(first.rounds) == 1
    resumed = resume(team, settings, first.run_id)
    assert {e.round for e in resumed if e.kind == "agent_started"} == {2, 3}
    result = resumed[-1].result
    assert result.status == "completed" and [r.round for r in result.rounds] == [1, 2, 3]
    assert result.rounds[0].markdown == first.rounds[0].markdown
    assert len(team.prompts_of("critic")) == 3


def test_a_crashed_run_resumes_from_its_last_step(settings):
    team = FakeTeam(critic_scores=[3])
    reply = team.reply
    calls = {"writer": 0}

    def flaky(messages):
        if "You are the writer" in messages[-1].text:
            calls["writer"] += 1
            if calls["writer"] == 7:  # round 2, second section
                raise ConnectionError("server went away")
        return reply(messages)

    team.model.default_reply = flaky
    with pytest.raises(DraftsmithError, match="writer failed in round 2: server went away"):
        start(team, settings, rounds=2, threshold=10)
    run = open_run_index(settings.data_dir).list()[0]
    assert run.status == "failed" and run.rounds == 1 and run.resumable
    resumed = resume(team, settings, run.run_id)
    assert [e.agent for e in resumed if e.kind == "agent_started"] == ["writer", "editor", "critic"]
    assert [r.round for r in resumed[-1].result.rounds] == [1, 2]


def test_a_token_budget_ends_after_the_first_round_with_its_draft(settings):
    team = FakeTeam(critic_scores=[3])
    result = start(team, settings, rounds=5, threshold=10, max_tokens=1)[-1].result
    assert result.status == "budget_stopped" and len(result.rounds) == 1
    assert result.markdown.startswith("# A Scripted Post")


def test_a_time_budget_stops_at_the_next_safe_point(settings):
    team = FakeTeam(critic_scores=[3])
    result = start(team, settings, rounds=5, threshold=10, max_seconds=0.001)[-1].result
    assert result.status == "budget_stopped" and len(result.rounds) == 1


def test_resuming_an_unknown_or_finished_run_is_bad_input(settings):
    team = FakeTeam(critic_scores=[9])
    with pytest.raises(BadInputError, match="no run nope"):
        resume(team, settings, "nope")
    done = start(team, settings, rounds=1)[-1]
    with pytest.raises(BadInputError, match="already finished"):
        resume(team, settings, done.result.run_id)
    assert load_result(done.result.run_id, settings).markdown == done.result.markdown


def test_a_corrupt_run_store_is_reported_and_left_untouched(settings):
    store = settings.data_dir / STORE_FILE
    garbage = b"this is not a database" * 100
    store.write_bytes(garbage)
    with pytest.raises(DraftsmithError, match="move it aside"):
        start(FakeTeam(), settings, rounds=1)
    assert store.read_bytes() == garbage


def test_a_locked_run_store_is_reported(settings, monkeypatch):
    start(FakeTeam(critic_scores=[9]), settings, rounds=1)
    blocker = sqlite3.connect(settings.data_dir / STORE_FILE)
    blocker.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr("graph.store.open_run_store.__defaults__", (0.2,))
    monkeypatch.setattr("graph.store.open_run_index.__defaults__", (0.2,))
    try:
        with pytest.raises(DraftsmithError, match="locked"):
            start(FakeTeam(critic_scores=[9]), settings, rounds=1)
    finally:
        blocker.rollback()
        blocker.close()


def test_cli_lists_shows_and_resumes_runs(capsys, monkeypatch, settings):
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(settings.data_dir))
    team = FakeTeam(critic_scores=[4, 6])
    monkeypatch.setattr("backends.factory.make_chat_model", lambda s: team.model)
    events = start(team, settings, rounds=2, threshold=10, ask_feedback=True)
    run_id = events[-1].run_id
    assert cli.main(["runs"]) == 0
    listing = capsys.readouterr().out
    assert run_id in listing and "paused" in listing
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("shorter please\n"))
    assert cli.main(["resume", run_id, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "\n# A Scripted Post on Brewing tea at home\n" in out
    assert "shorter please" in team.prompts_of("critic")[1]
    assert cli.main(["show", run_id, "--round", "1"]) == 0
    assert capsys.readouterr().out.startswith("# A Scripted Post")
    assert cli.main(["show", run_id, "--round", "4"]) == 2
    assert "has no round 4 (rounds: 1, 2)" in capsys.readouterr().err
    assert cli.main(["runs"]) == 0
    assert "completed" in capsys.readouterr().out


def test_a_run_killed_after_its_last_checkpoint_but_before_its_record_was_closed_finishes_on_resume(settings):
    team = FakeTeam(critic_scores=[9])
    done = start(team, settings, rounds=1)[-1]
    run_id = done.result.run_id
    index = open_run_index(settings.data_dir)
    index.update(run_id, status="running")  # as if killed right after the final checkpoint
    index.connection.close()
    calls = len(team.model.calls)
    events = resume(team, settings, run_id)
    assert events[-1].kind == "done" and events[-1].result.markdown == done.result.markdown
    assert len(team.model.calls) == calls  # nothing ran again
    index = open_run_index(settings.data_dir)
    assert index.get(run_id).status == "completed"
    index.connection.close()
    with pytest.raises(BadInputError, match="already finished"):
        resume(team, settings, run_id)


@pytest.mark.parametrize("cached", [True, False])
def test_a_stored_run_names_the_model_auto_drafted_with(settings, tmp_path, monkeypatch, cached):
    """``auto`` resolved where the model is built (a notebook's or the API's run): History and
    ``load_result`` name the Llama 3 file it drafted with, or the embedded one it fell back to."""
    from backends import auto_model, factory
    from backends.model_files import EMBEDDED_FILE
    from backends.presets import GB, Machine, find_preset
    from tests.unit.test_presets import fake_hub_file

    llama = find_preset("llama3.2-1b")
    monkeypatch.delenv("DRAFTSMITH_MODEL", raising=False)  # auto, as a user gets it
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    if cached:
        fake_hub_file(tmp_path / "hub", llama.repo, llama.filename)
    monkeypatch.setattr(auto_model, "this_machine", lambda: Machine(free_ram=6 * GB, cores=2))
    team, built = FakeTeam(critic_scores=[7]), []
    monkeypatch.setattr(factory, "make_chat_model", lambda chosen: built.append(chosen) or team.model)
    request = DraftRequest(topic="Brewing tea at home", search="off", rounds=1)
    done = list(stream_draft(request, load_settings(data_dir=tmp_path), search=NoSearch()))[-1]
    assert built[0].model == ("auto" if cached else "embedded")
    assert load_result(done.result.run_id, settings).model == (llama.filename if cached else EMBEDDED_FILE)
