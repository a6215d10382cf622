"""One construction path: every front end hands the same settings to the search tool and the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cli
from core.settings import load_settings
from core.state import DraftRequest
from graph import assembly, batch
from tests.team import FakeTeam
from tools.base import NoSearch
from ui.web import history, session
from ui.web.models import ModelForm
from ui.web.session import RunForm

SEARCH_ENV = {
    "DRAFTSMITH_SEARCH_CACHE": "false",
    "DRAFTSMITH_SEARCH_MIN_INTERVAL": "2.5",
    "DRAFTSMITH_FETCH_PAGES": "false",
    "DRAFTSMITH_ALLOW_HOSTS": '["wiki.intranet.example"]',
}


@pytest.fixture
def built(monkeypatch) -> dict[str, list[Any]]:
    """Records every call of the low-level factories; the search finds nothing, the model is scripted."""
    for name, value in SEARCH_ENV.items():
        monkeypatch.setenv(name, value)
    calls: dict[str, list[Any]] = {"search": [], "model": []}
    team = FakeTeam(critic_scores=[9])

    def make_search_tool(mode: str, sources_dir: Path | None = None, **options: Any) -> NoSearch:
        calls["search"].append((mode, sources_dir, options))
        return NoSearch()

    def make_chat_model(settings: Any) -> Any:
        calls["model"].append(settings)
        return team.model

    monkeypatch.setattr("tools.factory.make_search_tool", make_search_tool)
    monkeypatch.setattr("backends.factory.make_chat_model", make_chat_model)
    return calls


def test_the_cli_and_the_ui_hand_the_same_search_settings_to_the_search_tool(built, capsys):
    assert cli.main(["draft", "Brewing tea at home", "--search", "web", "--rounds", "1", "--quiet"]) == 0
    capsys.readouterr()
    session.prepare_run(RunForm(topic="Brewing tea at home", search="web", rounds=1), ModelForm(), [])
    from_cli, from_ui = built["search"]
    assert from_cli == from_ui
    mode, sources_dir, options = from_cli
    assert (mode, sources_dir) == ("web", None)
    assert options == {
        "cache_path": load_settings().cache_dir / assembly.SEARCH_CACHE_FILE,
        "use_cache": False,
        "min_interval": 2.5,
        "allow_hosts": frozenset({"wiki.intranet.example"}),
        "fetch_pages": False,
    }


def test_resuming_from_the_history_page_builds_search_like_a_new_run(built):
    from graph.runner import stream_draft

    request = DraftRequest(topic="Brewing tea at home", search="web", rounds=1, review_outline=True)
    settings = load_settings()
    paused = list(stream_draft(request, settings, FakeTeam().model, NoSearch()))[-1]
    assert paused.kind == "input_needed" and built["search"] == []
    history.prepare_resume(paused.run_id)
    assert built["search"] == [("web", None, assembly.search_options(settings))]


def test_the_server_graph_uses_every_search_setting_and_its_own_mode(built, monkeypatch):
    monkeypatch.setenv("DRAFTSMITH_SERVER_SEARCH", "off")
    parts = assembly.server_parts(load_settings())
    mode, sources_dir, options = built["search"][0]
    assert (mode, sources_dir) == ("off", None) and options == assembly.search_options(load_settings())
    assert isinstance(parts.search, NoSearch) and len(built["model"]) == 1


def test_a_bad_server_search_mode_is_one_line_bad_input(monkeypatch):
    monkeypatch.setenv("DRAFTSMITH_SERVER_SEARCH", "google")
    with pytest.raises(Exception, match="invalid server_search"):
        load_settings()


def test_a_batch_builds_its_one_model_and_each_topic_its_search_through_the_same_path(built, tmp_path):
    topics = [(1, "Brewing tea at home"), (2, "Growing basil indoors")]
    outcomes = batch.run_batch(topics, {"rounds": 1, "search": "web"}, load_settings())
    assert [o.status for o in outcomes] == ["done", "done"]
    assert len(built["model"]) == 1
    assert [call[2] for call in built["search"]] == [assembly.search_options(load_settings())] * 2


def test_injected_parts_are_kept_and_nothing_else_is_built(built):
    model, search = FakeTeam().model, NoSearch()
    parts = assembly.assemble(DraftRequest(topic="Brewing tea"), load_settings(), model=model, search=search)
    assert parts.model is model and parts.search is search
    assert built == {"search": [], "model": []}
