"""The embedded model without sources (what a newcomer sees offline): no chatter, no placeholder,
generic or cut-off headings, no prompt markers, no talk about the post, no anecdotes or invented
history, no names or numbers it could only have invented; a section that cannot be made usable
is left out (no bare heading) and the result says so."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agents.text.checks import restated_facts
from agents.text.headings import heading_problem
from bench.damage import damage
from core.settings import load_settings
from core.state import DraftRequest
from core.text import content_words
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
    r"\b(?:your|my|this) blog\b",
    r"\bthe (?:first|next|opening) paragraph\b",
    r"\bplain prose\b",
    r"\bno heading\b",
    r"<<|>>|[{}]",
    r"\bstudies (?:have )?(?:\w+ )?(?:show|suggest|found|prove)",
    r"\b(?:for|over) centuries\b|\bsince ancient times\b",
]
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|my|me)\b")  # an anecdote the model cannot have
PLACEHOLDER = re.compile(r"^(?:part|section|step)\s*\d+$", re.IGNORECASE)
# The fallback headings every topic used to get, whatever it was about.
GENERIC = {"why it matters", "how it works", "getting started", "overview", "key points", "introduction"}


@pytest.fixture(scope="module")
def embedded_model() -> Any:
    """The embedded model on one llama.cpp thread (the machine's other core is someone else's)."""
    from backends.factory import make_chat_model

    return make_chat_model(load_settings(n_ctx=4096, max_tokens=256, n_threads=1))


@pytest.mark.parametrize(
    "topic", ["How heat pumps work", "Learning to read a map", "Sourdough for beginners"]
)
def test_a_draft_without_sources_passes_the_damage_checks(embedded_model, tmp_path, topic):
    request = DraftRequest(topic=topic, words=300, rounds=1, search="off")
    result = draft(request, load_settings(data_dir=tmp_path), chat_model=embedded_model, search=NoSearch())
    markdown = result.markdown
    headings = [line[3:].strip() for line in markdown.splitlines() if line.startswith("## ")]
    bodies = [block for block in markdown.split("\n\n") if block and not block.startswith("#")]
    prose = "\n\n".join(bodies)
    for pattern in FORBIDDEN:
        assert not re.search(pattern, prose, re.IGNORECASE), (pattern, markdown)
    assert not FIRST_PERSON.search(prose), markdown
    for heading in headings:
        assert not PLACEHOLDER.match(heading), markdown
        assert heading_problem(heading) not in {"is a placeholder", "is too long for a heading"}, heading
        assert heading.lower() not in GENERIC, markdown
        if heading != "Conclusion":  # a body heading says what of the topic it covers
            assert content_words(heading) & content_words(topic), (heading, markdown)
    # Every heading has text under it; a section left out is named in the warnings instead.
    blocks = markdown.rstrip().split("\n\n")
    for block, following in zip(blocks, [*blocks[1:], ""], strict=True):
        assert not (block.startswith("## ") and (not following or following.startswith("#"))), markdown
    planned = len(headings) + sum("was left out" in w for w in result.warnings)
    assert planned >= 4, (result.warnings, markdown)  # three or more body sections and a conclusion
    # Nothing can back a name or number here but the request itself.
    assert unsupported(prose, Corpus([topic, request.audience, request.tone])) == [], markdown
    assert restated_facts(bodies) == [], markdown
    counted = damage(markdown, [], topic, request.words)  # the bench's own damage counts
    assert counted["meta_sentences"] == counted["restated_facts"] == counted["bad_headings"] == [], counted
    assert result.rounds and result.markdown.startswith("# ")
