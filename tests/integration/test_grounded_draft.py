"""A grounded draft on the real embedded model: the notes' facts reach the post, with citations."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.markers import cited_ids
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import draft
from tools.factory import make_search_tool
from tools.specifics import coverage, key_specifics

pytestmark = pytest.mark.integration

NOTES = Path(__file__).resolve().parent.parent / "data" / "notes"


def test_one_round_grounded_draft_cites_two_sources_and_states_their_specifics(embedded_model, tmp_path):
    request = DraftRequest(
        topic="Baking and keeping sourdough bread at home",
        words=300,
        rounds=1,
        search="local",
        sources_dir=str(NOTES),
    )
    settings = load_settings(data_dir=tmp_path)
    result = draft(request, settings, chat_model=embedded_model, search=make_search_tool("local", NOTES))
    body = result.markdown.split("## References")[0]
    assert len(set(cited_ids(body))) >= 2, body
    notes = [path.read_text(encoding="utf-8") for path in sorted(NOTES.iterdir())]
    evidence = key_specifics(notes)
    stated = [s.text for s in evidence if coverage(body, [s])]
    assert len(stated) >= 2, (stated, body)
    assert not result.rounds[0].critique.metrics.unsupported_specifics, result.rounds[0].critique.metrics
