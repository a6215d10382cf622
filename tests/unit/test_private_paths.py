"""Nothing private is published: a post grounded in local notes names each file by its title and
file name; the notes folder's absolute path stays out of every export (Markdown, HTML, JSON), from
the result object, the command line and a batch alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from core.result import build_result
from core.settings import load_settings
from core.state import Critique, DraftMetrics, DraftRequest, DraftState, RoundRecord, RubricScores
from tests.team import FakeTeam
from tools.local_corpus import LocalCorpus
from ui.cli.batch import draft_all
from ui.exports import render

NOTE = (
    "# Keeping a sourdough starter\n\n"
    "Most bakers feed their starter once a day with equal weights of flour and water.\n"
)


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A private notes folder with an absolute path unlike anything else in a post."""
    folder = tmp_path / "home" / "ada-private" / "notes"
    folder.mkdir(parents=True)
    (folder / "starter-care.md").write_text(NOTE, encoding="utf-8")
    return folder


def exports_of(result) -> dict[str, str]:
    return {fmt: render(result, fmt) for fmt in ("md", "html", "json")}


def assert_private(texts: dict[str, str], folder: Path) -> None:
    for fmt, text in texts.items():
        for private in {str(folder), str(folder.resolve()), str(folder.parent)}:
            assert private not in text, f"{fmt} export holds {private}"


def grounded_state(folder: Path) -> DraftState:
    """A finished one-round state whose draft cites a note found by the real local search."""
    [document] = LocalCorpus(folder).search("starter flour water").documents
    from core.state import Source

    source = Source(id=1, title=document.title, url=document.url, text=document.text, origin="local")
    assert source.url.startswith(str(folder.resolve()))  # the run store keeps the full path
    metrics = DraftMetrics(words=12, sections=1, repeated_sentence_ratio=0, length_ratio=0.1, citations=1)
    scores = RubricScores(grounding=7, structure=7, clarity=7, depth=7, style=7)
    record = RoundRecord(
        round=1,
        title="Starters",
        markdown="# Starters\n\nFeed the starter once a day with flour and water [1].\n",
        critique=Critique(scores=scores, overall=7.0, metrics=metrics),
    )
    request = DraftRequest(topic="Sourdough starters", search="local", sources_dir=str(folder))
    return {
        "request": request,
        "sources": [source],
        "rounds": [record],
        "telemetry": [],
        "warnings": [f"indexed only the first 1 of 2 files in {folder.resolve()}"],
    }


def test_no_export_of_a_grounded_result_holds_the_notes_folder(notes):
    result = build_result(
        grounded_state(notes), run_id="r1", backend="llama_cpp", model=str(notes / "m.gguf")
    )
    texts = exports_of(result)
    assert_private(texts, notes)
    assert "1. Keeping a sourdough starter — starter-care.md" in texts["md"]  # title and file name
    assert '<li id="ref-1">Keeping a sourdough starter — starter-care.md</li>' in texts["html"]
    published = json.loads(texts["json"])
    assert published["sources"][0]["url"] == "starter-care.md" and "path" not in published["sources"][0]
    assert published["request"]["sources_dir"] == "notes" and published["model"] == "m.gguf"
    assert published["warnings"] == ["indexed only the first 1 of 2 files in notes"]
    assert result.sources[0].path == str((notes / "starter-care.md").resolve())  # for the author's view


def test_the_command_line_publishes_no_local_path(notes, tmp_path, monkeypatch, capsys):
    team = FakeTeam(critic_scores=[9], cite=1)
    monkeypatch.setattr("backends.factory.make_chat_model", lambda settings: team.model)
    args = ["draft", "Sourdough starter care", "--rounds", "1", "--search", "local", "--sources", str(notes)]
    outputs = {fmt: tmp_path / f"post.{fmt}" for fmt in ("md", "html")}
    for path in outputs.values():
        assert cli.main([*args, "--quiet", "--out", str(path)]) == 0
    assert cli.main([*args, "--quiet", "--json"]) == 0
    texts = {fmt: path.read_text() for fmt, path in outputs.items()} | {"json": capsys.readouterr().out}
    assert json.loads(texts["json"])["sources"][0]["url"] == "starter-care.md"
    assert "— starter-care.md" in texts["md"]  # the References list names the file
    assert_private(texts, notes)


def test_a_batch_publishes_no_local_path(notes, tmp_path):
    out = tmp_path / "posts"
    out.mkdir()
    options = {"rounds": 1, "search": "local", "sources_dir": str(notes)}
    team = FakeTeam(critic_scores=[9], cite=1)
    [outcome] = draft_all(
        [(1, "Sourdough starter care")], options, load_settings(), out, chat_model=team.model
    )
    assert outcome.status == "done", outcome.error
    assert_private({"md": Path(outcome.path or "").read_text()}, notes)
