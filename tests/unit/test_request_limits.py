"""Every form and parser offers DraftRequest's own defaults and limits, read from its fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.request_limits import limits
from core.state import MAX_ROUNDS, DraftRequest
from ui.cli.options import make_request
from ui.cli.parser import build_parser
from ui.web import session

APP = str(Path(__file__).resolve().parents[2] / "app.py")
DEFAULTS = DraftRequest(topic="Brewing tea at home")


def test_limits_are_read_from_the_request_fields():
    assert limits("rounds").default == DEFAULTS.rounds and limits("rounds").most == MAX_ROUNDS
    assert (limits("words").least, limits("words").most) == (150, 5000)
    assert limits("threshold").span() == "1-10"
    assert limits("search").choices == ("auto", "web", "local", "off")
    assert limits("topic").default is None and limits("topic").max_length == 300
    assert limits("voice_sample").max_length == 4000


def test_the_cli_draft_command_without_options_asks_for_the_default_request(capsys):
    args = build_parser().parse_args(["draft", DEFAULTS.topic])
    assert make_request(args) == DEFAULTS
    with pytest.raises(SystemExit):
        build_parser().parse_args(["draft", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"1-{MAX_ROUNDS} (default {DEFAULTS.rounds})" in help_text
    assert f"(default {DEFAULTS.words})" in help_text and DEFAULTS.audience in help_text


def test_the_cli_batch_command_has_the_request_defaults(tmp_path):
    args = build_parser().parse_args(["batch", "topics.txt", "--out", str(tmp_path)])
    given = {name: getattr(args, name) for name in ("rounds", "threshold", "words", "search")}
    assert given == {name: getattr(DEFAULTS, name) for name in given}


def test_the_web_form_values_make_the_default_request():
    assert session.request_from(session.RunForm(topic=DEFAULTS.topic)) == DEFAULTS


@pytest.fixture
def page(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("DRAFTSMITH_DATA_DIR", str(tmp_path / "data"))
    return AppTest.from_file(APP, default_timeout=60).run()


def test_the_page_form_shows_the_request_defaults_and_limits(page):
    words, rounds, threshold = (
        page.number_input(key="words"),
        page.slider(key="rounds"),
        page.slider(key="threshold"),
    )
    for widget, name in ((words, "words"), (rounds, "rounds"), (threshold, "threshold")):
        field = limits(name)
        assert (widget.min, widget.max, widget.value) == (field.least, field.most, getattr(DEFAULTS, name))
    assert page.text_input(key="audience").value == DEFAULTS.audience
    assert page.text_input(key="tone").value == DEFAULTS.tone
    assert page.radio(key="search").value == DEFAULTS.search
    assert page.text_input(key="topic").max_chars == limits("topic").max_length
    assert page.text_area(key="feedback").max_chars == limits("feedback").max_length
