"""Coverage on the user's own notes: it measures what the notes say, not data about the notes.

Front matter (``---`` YAML, ``+++`` TOML) of a Markdown note and the menus and footers of a saved
HTML page are not the note's text: left in, their dates and names were the only "specifics" of
notes whose facts carry none, and a draft that cites a note in every sentence measured 0%.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.critic.metrics import grounding_metrics
from agents.text.evidence import build_passages
from core.state import DraftRequest, Outline, OutlineSection, Source
from tools.local_corpus import LocalCorpus

FACTS = [
    "A starter needs regular feeding with flour and water to stay active.",
    "Feed it at the same time each day so the yeast keeps a steady rhythm.",
    "Warmth speeds up fermentation, while a cool kitchen slows it down.",
    "Keep the jar away from drafts and direct sunlight, with a loose lid on top.",
]
YAML_NOTE = """---
title: How I keep my sourdough starter alive
date: 2024-03-01
description: My routine for feeding and storing a sourdough starter at home
tags: [bread, starter, baking]
---

# Feeding the starter

{0} {1}

# Keeping it warm

{2} {3}
"""
TOML_NOTE = '+++\ntitle = "Starter routine"\ndate = 2024-03-01T08:00:00Z\n+++\n\n{0} {1}\n\n{2} {3}\n'
HTML_NOTE = """<html><head><title>My starter</title></head><body>
<nav><a href="/">Home</a> | <a href="/about">About Jane Baker</a> | <a href="/2024">Archive 2024</a></nav>
<article><p>{0} {1}</p><p>{2} {3}</p></article>
<footer><p>Copyright 2024 Jane Baker. All rights reserved. Subscribe to the Weekly Loaf newsletter for
more recipes like this one, sent every Friday at 9 from my kitchen to yours.</p></footer>
</body></html>"""


def notes_sources(folder: Path) -> list[Source]:
    """The sources the researcher makes of a notes folder: each file whole, numbered from 1."""
    corpus = LocalCorpus(folder)
    urls = list(dict.fromkeys(str(chunk.path) for chunk in corpus.chunks))
    documents = [corpus.whole_document(url) for url in urls]
    return [
        Source(id=n, title=d.title, url=d.url, text=d.text, origin="local")
        for n, d in enumerate(documents, 1)
        if d is not None
    ]


def coverage_of(folder: Path, prose: str) -> tuple[float | None, list[Source]]:
    """Coverage of ``prose`` when the outline plans every passage of the notes."""
    sources = notes_sources(folder)
    passages = build_passages(sources)
    ids = [p.id for p in passages]
    sections = [
        OutlineSection(heading=f"Part {n}", key_points=["a point"], passage_ids=ids) for n in range(3)
    ]
    outline = Outline(title="Keeping a sourdough starter", sections=sections)
    request = DraftRequest(topic="Keeping a sourdough starter", search="local", sources_dir=str(folder))
    return grounding_metrics(request, outline, prose, sources, passages)["coverage"], sources


@pytest.mark.parametrize(("name", "note"), [("starter.md", YAML_NOTE), ("routine.md", TOML_NOTE)])
def test_front_matter_is_not_evidence_so_notes_without_names_or_numbers_have_none_to_cover(
    tmp_path, name, note
):
    (tmp_path / name).write_text(note.format(*FACTS), encoding="utf-8")
    every_fact_cited = " ".join(f"{fact[:-1]} [1]." for fact in FACTS)
    coverage, sources = coverage_of(tmp_path, every_fact_cited)
    assert coverage is None  # no names or numbers to cover (the front matter's date made it 0.0)
    assert "2024" not in sources[0].text and "title" not in sources[0].text
    assert sources[0].title in ("How I keep my sourdough starter alive", "Starter routine")


def test_a_note_with_front_matter_is_covered_by_its_own_specifics(tmp_path):
    facts = [*FACTS[:3], "Below 65 degrees Fahrenheit it can take twice as long."]
    (tmp_path / "starter.md").write_text(YAML_NOTE.format(*facts), encoding="utf-8")
    coverage, _ = coverage_of(tmp_path, f"{facts[3][:-1]} [1].")
    assert coverage == 1.0  # "65" and "Fahrenheit", not the front matter's date and title words


def test_a_saved_pages_menu_and_footer_are_not_evidence(tmp_path):
    (tmp_path / "starter.html").write_text(HTML_NOTE.format(*FACTS), encoding="utf-8")
    coverage, sources = coverage_of(tmp_path, " ".join(f"{fact[:-1]} [1]." for fact in FACTS))
    assert coverage is None and "Jane Baker" not in sources[0].text and "Home" not in sources[0].text


def test_a_rule_at_the_top_of_a_note_is_not_front_matter(tmp_path):
    (tmp_path / "rule.md").write_text(f"---\n{FACTS[0]}\n---\n\n{FACTS[1]}\n", encoding="utf-8")
    [source] = notes_sources(tmp_path)
    assert FACTS[0] in source.text and FACTS[1] in source.text
