"""Blog packaging and exports: front matter, sanitised HTML with linked citations, slugs."""

from __future__ import annotations

import re

import pytest
import yaml
from langgraph.checkpoint.memory import InMemorySaver

from core.packaging import meta_description, package, slugify, tags_for
from core.settings import load_settings
from core.state import DraftRequest
from graph.runner import draft
from tests.team import FakeTeam
from tools.base import Document, StaticSearch
from ui.exports import render, to_html, to_markdown, write_atomically

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def result(tmp_path):
    search = StaticSearch(
        [
            Document(
                title=f"Tea {HOSTILE}",
                url="https://example.org/tea",
                text="Green tea is steamed soon after picking.",
            ),
        ]
    )
    return draft(
        DraftRequest(topic=f"Brewing tea {HOSTILE}", rounds=1, search="web"),
        load_settings(data_dir=tmp_path),
        chat_model=FakeTeam(critic_scores=[9], cite=1).model,
        search=search,
        checkpointer=InMemorySaver(),
    )


def test_markdown_front_matter_is_yaml_with_the_blog_fields(result):
    text = to_markdown(result)
    assert text.startswith("---\n")
    _, header, body = text.split("---\n", 2)
    meta = yaml.safe_load(header)
    assert meta["title"].startswith("A Scripted Post on Brewing tea <script>")  # the YAML keeps it as text
    assert meta["slug"].startswith("a-scripted-post-on-brewing-tea-")
    assert 3 <= len(meta["tags"]) <= 6 and meta["draft"] is True
    assert 0 < len(meta["description"]) <= 160 and meta["reading_time"] >= 1
    assert re.match(r"\d{4}-\d\d-\d\dT", str(meta["date"]))
    assert body.lstrip().startswith("# A Scripted Post")


def test_html_escapes_hostile_text_and_links_citations(result):
    page = to_html(result)
    assert (
        "<script>" not in page
        and "<img" not in page
        and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    )
    assert "&lt;script&gt;" in page  # the source title is shown as text
    assert '<a href="#ref-1">[1]</a>' in page and '<li id="ref-1">' in page


def test_json_export_is_the_result(result):
    assert '"packaging"' in render(result, "json") and '"run_id"' in render(result, "json")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Crème brûlée: a guide!", "creme-brulee-a-guide"),
        ("  Tea -- & -- coffee  ", "tea-coffee"),
        ("Ünïcödé 😀 Titles", "unicode-titles"),
    ],
)
def test_slugs_are_url_safe(title, expected):
    assert slugify(title) == expected


@pytest.mark.parametrize("title", ["الشاي في المنزل", "茶の淹れ方", "😀😀", "ab"])
def test_slugs_for_other_scripts_fall_back_to_a_stable_hash(title):
    slug = slugify(title)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and slug == slugify(title)


def test_meta_description_is_cut_at_a_word_boundary():
    text = "# T\n\n" + "Tea " * 100
    description = meta_description(text)
    assert len(description) <= 160 and description.endswith("…") and "Te…" not in description


def test_tags_prefer_title_and_headings():
    markdown = (
        "# Green tea basics\n\nWater matters. Water temperature too.\n\n"
        "## Steeping green tea\n\nSteep briefly."
    )
    tags = tags_for("Green tea basics", markdown)
    assert tags[:2] == ["green", "tea"] and 3 <= len(tags) <= 6


def test_package_counts_words_and_reading_time():
    markdown = "# T\n\n" + "word " * 401 + "[1]\n\n## References\n\n1. [S](https://x.org)\n"
    meta = package("A title", markdown)
    assert meta.words == 401 and meta.reading_minutes == 3


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "post.md"
    target.write_text("old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(Exception, match="No space left"):
        write_atomically(target, "new text")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["post.md"]
