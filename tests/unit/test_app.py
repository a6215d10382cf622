"""The Streamlit page driven by ``AppTest`` with the scripted team standing in for the model."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from core.errors import RunNotFoundError
from tests.team import FakeTeam, agent_of
from tools.base import SearchReport
from ui.web import session
from ui.web.job import DraftJob
from ui.web.live import LIVE

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Every run's store goes to a temporary folder, never the user's data folder; no live run of
    another test is left for a page to re-attach to."""
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(tmp_path / "data"))
    for job in LIVE.jobs():
        job.request_stop()
        job.wait(10)
    LIVE.clear()
    return tmp_path / "data"


@pytest.fixture
def team(monkeypatch) -> FakeTeam:
    """The scripted team, injected where the page asks for the chat model."""
    team = FakeTeam(critic_scores=[5, 6, 7])
    built: list[Any] = []

    def fake_model(settings):
        built.append(settings)
        return team.model

    monkeypatch.setattr(session, "chat_model_for", fake_model)
    team.built = built  # type: ignore[attr-defined]
    return team


def page() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def submit(at: AppTest, topic: str = "Sourdough for beginners", **fields: Any) -> AppTest:
    at.text_input(key="topic").input(topic)
    at.radio(key="search").set_value(fields.pop("search", "off"))
    at.slider(key="rounds").set_value(fields.pop("rounds", 3))
    for key, value in fields.items():
        at.text_input(key=key).input(value)
    return finish(at.button(key="submit").click().run())


def finish(at: AppTest) -> AppTest:
    """Wait for this session's run (if one started) to end, then draw the page again."""
    job = at.session_state["draftsmith_job"] if "draftsmith_job" in at.session_state else None  # noqa: SIM401
    if job is None or job.finished:
        return at
    assert job.wait(TIMEOUT), "the run did not end"
    return at.run()


def shown(value: str) -> str:
    """Markdown text as the reader sees it (escapes removed)."""
    return re.sub(r"\\(.)", r"\1", value)


def chart_rows(at: AppTest) -> list[dict[str, Any]]:
    """The data behind the score chart's line (the layer that has an ``overall`` column)."""
    [chart] = at.get("vega_lite_chart")
    for dataset in chart.proto.datasets:
        table = pa.ipc.open_stream(dataset.data.data).read_all()
        if "overall" in table.column_names:
            return table.to_pylist()
    raise AssertionError("the chart has no overall scores")


def test_a_run_fills_every_tab(team):
    at = submit(page(), rounds=3)
    assert not at.exception and not at.error
    labels = [tab.label for tab in at.tabs]
    assert labels[0] == "Draft" and labels[-3:] == ["Scores", "Sources", "Markdown"]
    assert [label.split(" · ")[0] for label in labels[1:-3]] == ["Round 1", "Round 2", "Round 3"]
    assert all(len(tab.children) > 0 for tab in at.tabs)
    draft = at.tabs[0].markdown[0].value
    assert draft.startswith("# A Scripted Post") and draft.count("\n## ") >= 3
    round_two = at.tabs[2]
    assert round_two.metric[0].label == "Overall"
    texts = [element.value for element in round_two.markdown]
    assert len(round_two.dataframe) == 2 and any("make it livelier" in text for text in texts)
    assert any(text.startswith("**The writer worked on** (round 1") for text in texts)
    assert any(re.match(r"\*\*Changes since round 1\*\* · \d+ words? changed", text) for text in texts)
    assert not round_two.code  # a word-level redline, not a line diff
    assert "First round" in at.tabs[1].caption[0].value
    assert at.tabs[-1].code[0].value == draft
    downloads = {button.label: button.proto.url.rsplit(".", 1)[1] for button in at.get("download_button")}
    assert downloads == {"Markdown": "md", "HTML": "html", "JSON": "json"}
    assert len(team.prompts_of("critic")) == 3 and len(team.built) == 1


def test_the_score_chart_has_one_point_per_round(team):
    at = submit(page(), rounds=3)
    rows = chart_rows(at)
    assert [row["round"] for row in rows] == [1, 2, 3]
    job = at.session_state["draftsmith_job"]
    assert [row["overall"] for row in rows] == [r.critique.overall for r in job.result.rounds]


@pytest.mark.parametrize(
    ("topic", "message"),
    [
        ("ab", "Topic: use at least 3 characters"),
        ("   ", "Topic: use at least 3 characters"),
        ("Tea\x07 time", "Topic: "),
    ],
)
def test_invalid_input_shows_an_error_in_plain_words_and_starts_no_run(team, topic, message):
    at = submit(page(), topic=topic)
    assert not at.exception
    [error] = at.error
    assert shown(error.value).startswith(message) and "Change **Topic** in the form" in error.value
    assert "String should" not in error.value and "invalid" not in error.value
    assert "draftsmith_job" not in at.session_state
    assert team.model.calls == [] and team.built == []
    assert not at.tabs


@pytest.mark.parametrize(
    ("source", "fields", "message"),
    [
        ("openai", {"base_url": "ftp://127.0.0.1:8080"}, "Server URL must start with http:// or https://"),
        ("openai", {}, "Server URL: enter the server address"),
        ("path", {}, "GGUF file: enter the path"),
        ("hub", {"hf_repo": "org/name"}, "File in the repository: enter the .gguf file name"),
    ],
)
def test_invalid_model_settings_show_an_error_and_start_no_run(team, source, fields, message):
    at = page()
    at.radio(key="model_source").set_value(source).run()
    for key, value in fields.items():
        at.text_input(key=key).input(value)
    at = submit(at)
    assert len(at.error) == 1 and shown(at.error[0].value).startswith(message), at.error[0].value
    assert "in the sidebar" in at.error[0].value and "--" not in at.error[0].value
    assert "base_url" not in shown(at.error[0].value) and "invalid" not in at.error[0].value
    assert "draftsmith_job" not in at.session_state
    assert team.model.calls == [] and team.built == []


def test_a_missing_model_file_is_reported_before_any_run(tmp_path, monkeypatch):
    calls: list[Any] = []
    monkeypatch.setattr("graph.runner.stream_draft", lambda *a, **k: calls.append(a) or iter(()))
    at = page()
    at.radio(key="model_source").set_value("path").run()
    at.text_input(key="model_path").input(str(tmp_path / "missing.gguf"))
    at = submit(at)
    assert len(at.error) == 1 and "model file not found" in shown(at.error[0].value).lower()
    assert "Check **GGUF file** in the sidebar" in at.error[0].value and "--model" not in at.error[0].value
    assert "draftsmith_job" not in at.session_state and calls == []


def test_degraded_research_shows_a_banner(team, monkeypatch):
    class BrokenSearch:
        name = "broken"

        def search(self, query: str, max_results: int = 4) -> SearchReport:
            return SearchReport(degraded=True, warnings=["web search failed: rate limited"])

    monkeypatch.setattr(session, "search_for", lambda request, settings: BrokenSearch())
    at = submit(page(), rounds=1, search="web")
    banners = [w.value for w in at.warning if "Research was degraded" in w.value]
    assert len(banners) == 1 and "rate limited" in banners[0]


def test_uploaded_notes_are_searched_and_listed_as_sources(team):
    at = page()
    at.file_uploader(key="sources").upload(
        "starter.md", b"# Starter care\n\nFeed the first query starter daily with flour and water.\n"
    )
    at = submit(at, rounds=1, search="local")
    assert not at.error
    sources = at.tabs[-2].markdown[0].value
    assert sources.startswith("1. Starter care") and "starter.md" in sources
    measures = dict(at.tabs[1].dataframe[1].value.itertuples(index=False))
    assert measures["Source names & numbers stated"] == "no names or numbers to cover"  # not "0%"
    assert any("names, numbers and quotes" in shown(c.value) for c in at.tabs[1].caption)
    folder = Path(at.session_state["draftsmith_job"].prepared.sources_dir)
    assert not folder.exists()  # the temporary copy is gone once the run ends


def test_local_search_without_notes_is_refused(team):
    at = submit(page(), search="local")
    assert "needs source files" in shown(at.error[0].value).lower() and team.model.calls == []


def test_model_text_is_never_rendered_as_html(monkeypatch):
    hostile = "<img src=x onerror=alert(1)> Tea"
    team = FakeTeam(
        critic_scores=[9],
        outline={
            "title": f"{hostile} guide",
            "sections": [{"heading": f"{hostile} part {n}", "key_points": ["a point"]} for n in range(3)],
        },
    )
    monkeypatch.setattr(session, "chat_model_for", lambda settings: team.model)
    at = submit(page(), topic=f"<script>alert(2)</script> {hostile}", rounds=1)
    assert not at.exception and "onerror" in at.tabs[0].markdown[0].value
    markdown = [*at.markdown, *at.caption]
    assert markdown and not any(element.proto.allow_html for element in markdown)
    assert not at.get("html")


def test_a_finished_run_can_be_followed_by_another(team):
    at = submit(page(), rounds=1)
    first = at.session_state["draftsmith_job"]
    at = finish(at.button(key="submit").click().run())
    second = at.session_state["draftsmith_job"]
    assert second is not first and second.result is not None
    assert len([tab for tab in at.tabs if tab.label.startswith("Round")]) == 1


def go_to_history(at: AppTest) -> AppTest:
    return at.segmented_control(key="page").set_value("history").run()


def texts(at: AppTest) -> str:
    """Every markdown, caption, alert and button label on the page, as the reader sees it."""
    elements = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info]
    return "\n".join([shown(element.value) for element in elements] + [b.label for b in at.button])


def test_the_progress_shows_the_agent_chain_above_the_folded_form(monkeypatch):
    team = FakeTeam(critic_scores=[9])
    release = threading.Event()
    reply = team.reply

    def slow_writer(messages):
        if agent_of(messages) == "writer":
            assert release.wait(30)
        return reply(messages)

    team.model.default_reply = slow_writer
    monkeypatch.setattr(session, "chat_model_for", lambda settings: team.model)
    at = page()
    at.text_input(key="topic").input("Sourdough for beginners")
    at.radio(key="search").set_value("off")
    at = at.button(key="submit").click().run()
    job = at.session_state["draftsmith_job"]
    wait_until(lambda: job.view().agent == "writer")
    at = at.run()
    try:
        chain = next(m.value for m in at.markdown if "→" in m.value)
        assert "researcher" not in chain  # search is off: the step is skipped, so not shown
        assert re.search(r":green\[:material/check: outliner\] → :blue-background\[\*\*.*writer\*\*\]", chain)
        assert chain.endswith(":gray[editor] → :gray[critic]")
        [box] = [e for e in at.status if e.label.startswith("Round 1")]
        assert box.state == "running" and box.icon == "spinner"  # the running round spins, never a tick
        assert box.proto.type == box.proto.Type.STEP  # its icon stays under the mouse (no arrow swap)
        [steps] = [m.value for m in box.markdown]
        assert steps.startswith("**outliner** — ") and steps.endswith("\n\n**writer** — working…")
        assert at.button(key="stop").label == "Stop"
        assert "cut short" in at.button(key="stop").help
        [folded] = [e for e in at.expander if e.label == "New draft (when this run ends)"]
        order = labels_in_order(at.main)
        assert order.index(folded.label) > order.index(box.label)
        assert at.button(key="submit").disabled
        at = go_to_history(at)  # the run goes on while the history is open
        assert "Drafting **Sourdough for beginners**: round 1, writer." in [i.value for i in at.info]
        at = at.button(key="back_to_run").click().run()
        assert at.session_state["page"] == "draft" and at.button(key="stop")
    finally:
        release.set()
    at = finish(at)
    assert at.tabs and not at.exception


def labels_in_order(node: Any) -> list[str]:
    """The labels of the expanders and status boxes under ``node``, top to bottom."""
    labels = [node.label] if getattr(node, "type", "") in ("expander", "status") else []
    for _, child in sorted(getattr(node, "children", {}).items()):
        labels += labels_in_order(child)
    return labels


def wait_until(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_history_lists_past_runs_and_opens_one(team):
    at = go_to_history(submit(page(), "Sourdough for beginners", rounds=1))
    assert "Sourdough for beginners" in texts(at)
    [caption] = [c.value for c in at.caption if "completed" in c.value]
    best = at.session_state["draftsmith_job"].result.score
    assert re.fullmatch(rf"\d{{4}}-\d\d-\d\d \d\d:\d\d · completed · 1 round · best {best:.1f}", caption)
    run_id = at.session_state["draftsmith_job"].result.run_id
    assert not any(b.key == f"resume_{run_id}" for b in at.button)  # a finished run has nothing to resume
    at = at.button(key=f"open_{run_id}").click().run()
    assert [tab.label.split(" · ")[0] for tab in at.tabs][:2] == ["Draft", "Round 1"]
    assert at.tabs[0].markdown[0].value.startswith("# A Scripted Post")
    at = at.button(key="back").click().run()
    assert not at.tabs and at.button(key=f"open_{run_id}")


def test_delete_asks_first_then_removes_the_run_and_its_checkpoints(team, data_dir):
    from core.settings import load_settings
    from graph.runner import run_snapshot

    at = go_to_history(submit(page(), rounds=1))
    run_id = at.session_state["draftsmith_job"].result.run_id
    at = at.button(key=f"delete_{run_id}").click().run()
    assert "cannot be undone" in texts(at)
    at = at.button(key=f"cancel_delete_{run_id}").click().run()
    assert "cannot be undone" not in texts(at) and at.button(key=f"open_{run_id}")
    at = at.button(key=f"delete_{run_id}").click().run()
    at = at.button(key=f"confirm_delete_{run_id}").click().run()
    assert "No runs yet" in texts(at) and not at.exception
    with pytest.raises(RunNotFoundError):
        run_snapshot(run_id, load_settings())
    assert not (data_dir / "logs" / f"{run_id}.jsonl").exists()


def test_a_run_stopped_before_its_first_round_offers_resume_not_a_command(team, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(DraftJob, "should_stop", lambda self: True)
        at = submit(page(), rounds=2)
    assert "stopped before its first draft was scored" in texts(at)
    assert "cli.py" not in texts(at) and "**Resume** continues from its last finished step" in texts(at)
    assert not at.tabs and team.model.calls == []
    run_id = at.session_state["draftsmith_job"].failure.run_id
    at = go_to_history(at)
    assert "stopped · 0 rounds · best –" in texts(at) and at.button(key=f"resume_{run_id}")
    at = at.button(key=f"open_{run_id}").click().run()
    assert "stopped before its first draft was scored" in texts(at) and not at.tabs
    at = at.segmented_control(key="page").set_value("draft").run()
    at = finish(at.button(key="resume_failed").click().run())
    job = at.session_state["draftsmith_job"]
    assert job.prepared.resume and job.result is not None and job.result.status == "completed"
    assert [tab.label.split(" · ")[0] for tab in at.tabs][1:3] == ["Round 1", "Round 2"]
    assert len(team.prompts_of("outliner")) == 1  # nothing ran twice


def test_history_resumes_a_stopped_run_where_it_left_off(team):
    from core.settings import load_settings
    from core.state import DraftRequest
    from graph.runner import stream_draft
    from tools.base import NoSearch

    critiques: list[int] = []

    def stop_after_round_one() -> bool:
        return len(team.prompts_of("critic")) >= 1 and not critiques.append(1)

    request = DraftRequest(topic="Composting at home", rounds=3, threshold=10, search="off")
    events = list(
        stream_draft(request, load_settings(), team.model, NoSearch(), should_stop=stop_after_round_one)
    )
    stopped = events[-1].result
    assert stopped.status == "stopped" and len(stopped.rounds) == 1
    at = go_to_history(page())
    assert "stopped · 1 round" in texts(at)
    at = finish(at.button(key=f"resume_{stopped.run_id}").click().run())
    assert at.session_state["page"] == "draft"
    result = at.session_state["draftsmith_job"].result
    assert result.run_id == stopped.run_id and [r.round for r in result.rounds] == [1, 2, 3]
    assert len(team.prompts_of("outliner")) == 1
    at = go_to_history(at)
    assert "completed · 3 rounds" in texts(at)


def test_an_unreachable_server_is_explained_with_the_sidebar_field_and_resume():
    from tests.servers import free_port

    at = page()
    at.radio(key="model_source").set_value("openai").run()
    at.text_input(key="base_url").input(f"http://127.0.0.1:{free_port()}/v1")
    at = submit(at, rounds=1)
    [error] = at.error
    assert "cannot reach the model server" in shown(error.value).lower()
    assert "Check **Server URL** in the sidebar" in error.value
    assert "--base-url" not in error.value and "cli.py" not in error.value
    assert at.button(key="resume_failed")  # the run is checkpointed and can go on once the server answers


def slow_team(monkeypatch, agent: str = "writer") -> tuple[FakeTeam, threading.Event]:
    """A team whose ``agent`` waits for the returned event before replying."""
    team = FakeTeam(critic_scores=[5, 6])
    release = threading.Event()
    reply = team.reply

    def slow(messages):
        if agent_of(messages) == agent:
            assert release.wait(30)
        return reply(messages)

    team.model.default_reply = slow
    monkeypatch.setattr(session, "chat_model_for", lambda settings: team.model)
    return team, release


def test_a_page_that_loads_during_a_run_re_attaches_and_its_stop_works(monkeypatch):
    _, release = slow_team(monkeypatch)
    first = page()
    first.text_input(key="topic").input("Sourdough for beginners")
    first.radio(key="search").set_value("off")
    first.slider(key="rounds").set_value(2)
    first = first.button(key="submit").click().run()
    job = first.session_state["draftsmith_job"]
    wait_until(lambda: job.view().agent == "writer")
    try:
        again = page()  # a reload: a new session with empty state
        assert again.session_state["draftsmith_job"] is job
        assert again.button(key="stop").label == "Stop" and "Another run" not in texts(again)
        assert [b.label for b in again.status] == ["Round 1/2 · writer working…"]
        history = go_to_history(page())  # a second tab, on the History page
        row = texts(history)
        assert "running, round 1, writer · 0 rounds · best –" in row, row
        assert history.button(key=f"watch_{job.key}") and not any(
            b.key == f"open_{job.key}" for b in history.button
        )
        assert not any(b.key == f"delete_{job.key}" for b in history.button)
        history = history.button(key=f"watch_{job.key}").click().run()
        assert history.session_state["page"] == "draft" and history.button(key="stop")
        again = again.button(key="stop").click().run()  # Stop from the reloaded page
        assert job.stop_requested
    finally:
        release.set()
    assert job.wait(TIMEOUT) and job.result is None and "stopped before" in (job.error or "")
    first = first.run()
    assert "stopped before its first draft was scored" in texts(first)  # the first page sees it too
    fresh = page()  # once it ended, a new page starts with the form
    assert "draftsmith_job" not in fresh.session_state and fresh.button(key="submit")


def test_a_stored_run_marked_running_without_a_live_job_here_is_interrupted(team, data_dir):
    from graph.store import open_run_index

    with open_run_index(data_dir) as index:
        index.start("20260101-000000-dead", "Bread that never finished", {"backend": "llama_cpp"})
    at = go_to_history(page())
    assert "interrupted · 0 rounds" in texts(at) and at.button(key="resume_20260101-000000-dead")


def test_the_round_tab_shows_how_the_overall_is_made(team):
    at = submit(page(), rounds=2)
    job = at.session_state["draftsmith_job"]
    record = next(r for r in job.result.rounds if r.round == 1)
    [panel] = [m.value for m in at.tabs[1].markdown if m.value.startswith("**How the overall is made**")]
    assert f"= **{record.critique.overall:.1f}** overall" in panel and "Rubric mean **" in panel
    assert "as the critic scored it" not in panel


def test_the_form_shows_one_decimal_and_readable_file_types(team):
    at = page()
    assert at.slider(key="threshold").proto.format == "%.1f"
    uploader = at.get("file_uploader")[0]
    assert list(uploader.proto.type) == [".md", ".txt", ".html", ".htm"]  # shown as MD, TXT, HTML


def test_resume_uses_the_server_now_in_the_sidebar_or_the_runs_own(monkeypatch):
    from tests.servers import free_port

    dead = f"http://127.0.0.1:{free_port()}/v1"
    at = page()
    at.radio(key="model_source").set_value("openai").run()
    at.text_input(key="base_url").input(dead)
    at = submit(at, rounds=1)
    assert "cannot reach the model server" in shown(at.error[0].value).lower()
    fixed = f"http://127.0.0.1:{free_port()}/v1"
    at = at.text_input(key="base_url").input(fixed).run()
    words = texts(at)
    assert f"Resume uses default at {fixed}, the model now chosen in the sidebar." in words, words
    keep = at.checkbox(key="keep_resume_failed")
    assert shown(keep.label) == f"Keep the run's own model: default at {dead}"
    at = keep.check().run()
    assert f"Resume uses default at {dead}, the model it started with." in texts(at)
    at = at.checkbox(key="keep_resume_failed").uncheck().run()
    team = FakeTeam(critic_scores=[7])
    monkeypatch.setattr(session, "chat_model_for", lambda settings: team.model)
    at = finish(at.button(key="resume_failed").click().run())
    job = at.session_state["draftsmith_job"]
    assert job.prepared.resume and job.prepared.settings.base_url == fixed
    assert job.result is not None and job.result.status == "completed"
