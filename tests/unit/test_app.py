"""The Streamlit page driven by ``AppTest`` with the scripted team standing in for the model."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.team import FakeTeam
from tools.base import SearchReport
from ui import session

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Every run's store goes to a temporary folder, never the user's data folder."""
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(tmp_path / "data"))
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
    return at.button(key="submit").click().run()


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
    ("topic", "field"),
    [("ab", "topic"), ("   ", "topic"), ("Tea\x07 time", "topic")],
)
def test_invalid_input_shows_an_error_and_starts_no_run(team, topic, field):
    at = submit(page(), topic=topic)
    assert not at.exception
    assert len(at.error) == 1 and f"invalid {field}" in shown(at.error[0].value)
    assert "draftsmith_job" not in at.session_state
    assert team.model.calls == [] and team.built == []
    assert not at.tabs


@pytest.mark.parametrize(
    ("source", "fields", "message"),
    [
        ("openai", {"base_url": "ftp://127.0.0.1:8080"}, "base_url must start with http"),
        ("openai", {}, "invalid base_url: enter the server address"),
        ("path", {}, "invalid model_path"),
        ("hub", {"hf_repo": "org/name"}, "invalid hf_file"),
    ],
)
def test_invalid_model_settings_show_an_error_and_start_no_run(team, source, fields, message):
    at = page()
    at.radio(key="model_source").set_value(source).run()
    for key, value in fields.items():
        at.text_input(key=key).input(value)
    at = submit(at)
    assert len(at.error) == 1 and message in shown(at.error[0].value)
    assert "in the sidebar" in at.error[0].value and "--" not in at.error[0].value
    assert "draftsmith_job" not in at.session_state
    assert team.model.calls == [] and team.built == []


def test_a_missing_model_file_is_reported_before_any_run(tmp_path, monkeypatch):
    calls: list[Any] = []
    monkeypatch.setattr("graph.runner.stream_draft", lambda *a, **k: calls.append(a) or iter(()))
    at = page()
    at.radio(key="model_source").set_value("path").run()
    at.text_input(key="model_path").input(str(tmp_path / "missing.gguf"))
    at = submit(at)
    assert len(at.error) == 1 and "model file not found" in shown(at.error[0].value)
    assert "Check **GGUF file** in the sidebar" in at.error[0].value and "--model" not in at.error[0].value
    assert "draftsmith_job" not in at.session_state and calls == []


def test_degraded_research_shows_a_banner(team, monkeypatch):
    class BrokenSearch:
        name = "broken"

        def search(self, query: str, max_results: int = 4) -> SearchReport:
            return SearchReport(degraded=True, warnings=["web search failed: rate limited"])

    monkeypatch.setattr(session, "search_for", lambda request: BrokenSearch())
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
    folder = Path(at.session_state["draftsmith_job"].prepared.sources_dir)
    assert not folder.exists()  # the temporary copy is gone once the run ends


def test_local_search_without_notes_is_refused(team):
    at = submit(page(), search="local")
    assert "needs source files" in shown(at.error[0].value) and team.model.calls == []


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
    at = at.button(key="submit").click().run()
    second = at.session_state["draftsmith_job"]
    assert second is not first and second.result is not None
    assert len([tab for tab in at.tabs if tab.label.startswith("Round")]) == 1
