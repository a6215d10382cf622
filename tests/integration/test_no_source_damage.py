"""The embedded model without sources (what a newcomer sees offline): no chatter, no placeholder or
cut-off headings, no talk about the post, no names or numbers it could only have invented."""

from __future__ import annotations

import re

import pytest

from agents.checks import heading_problem, restated_facts
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import draft
from tools.base import NoSearch
from tools.specifics import Corpus, unsupported

pytestmark = pytest.mark.integration

# Phrases a reader must never meet, listed here rather than taken from the app's own filters.
FORBIDDEN = [
    r"\bhook (?:the )?readers?\b",
    r"\bI'?m (?:so )?excited\b",
    r"\bthis (?:post|article|section|blog post)\b",
    r"\bthe (?:evidence|research notes|article)\b",
    r"\bplain prose\b",
    r"\bno heading\b",
    r"<<<|>>>",
]
PLACEHOLDER = re.compile(r"^(?:part|section|step)\s*\d+$", re.IGNORECASE)


@pytest.mark.parametrize("topic", ["How heat pumps work", "Learning to read a map"])
def test_a_draft_without_sources_passes_the_damage_checks(embedded_model, tmp_path, topic):
    request = DraftRequest(topic=topic, words=300, rounds=1, search="off")
    result = draft(request, load_settings(data_dir=tmp_path), chat_model=embedded_model, search=NoSearch())
    markdown = result.markdown
    headings = [line[3:].strip() for line in markdown.splitlines() if line.startswith("## ")]
    bodies = [block for block in markdown.split("\n\n") if block and not block.startswith("#")]
    prose = "\n\n".join(bodies)
    for pattern in FORBIDDEN:
        assert not re.search(pattern, prose, re.IGNORECASE), (pattern, markdown)
    for heading in headings:
        assert not PLACEHOLDER.match(heading), markdown
        assert heading_problem(heading) not in {"is a placeholder", "is too long for a heading"}, heading
    # Nothing can back a name or number here but the request itself.
    assert unsupported(prose, Corpus([topic, request.audience, request.tone])) == [], markdown
    assert restated_facts(bodies) == [], markdown
    assert result.rounds and result.markdown.startswith("# ")
