"""Display helpers: escaping untrusted text, source links, diffs, score rows, file names."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from graph.result import DraftResult, SourceRef, Totals
from graph.state import Critique, DraftMetrics, RoundRecord, RubricScores
from ui import render


def record(number: int, overall: float, markdown: str = "# T\n\nText.", score: int = 5) -> RoundRecord:
    metrics = DraftMetrics(words=120, sections=4, repeated_sentence_ratio=0.1, length_ratio=0.8, citations=2)
    scores = RubricScores(grounding=score, structure=score, clarity=score, depth=score, style=score)
    return RoundRecord(
        round=number,
        title="T",
        markdown=markdown,
        critique=Critique(scores=scores, overall=overall, issues=["too short"], metrics=metrics),
    )


def html_of(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "**bold** _it_ # heading `code`",
        ":red[colour] $x^2$",
    ],
)
def test_escaped_text_renders_literally_even_with_html_allowed(hostile):
    rendered = html_of(render.escape_markdown(hostile))
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert "<strong>" not in rendered and "<em>" not in rendered and "<code>" not in rendered
    assert rendered.startswith("<p>")


def test_escaping_keeps_one_line():
    assert render.escape_markdown("a\n\n# b") == "a \\# b"


def test_web_sources_are_links_and_others_are_text():
    web = render.source_line(
        SourceRef(id=1, title="Tea [facts]", url="https://example.org/a b", origin="web")
    )
    assert web == "1. [Tea \\[facts\\]](<https://example.org/a%20b>)"
    bad = render.source_line(SourceRef(id=2, title="x", url="javascript:alert(1)", origin="web"))
    assert "](" not in bad and bad.startswith("2. x")
    local = render.source_line(SourceRef(id=3, title="Notes", url="/tmp/n`o.md", origin="local"))
    assert local == "3. Notes — `/tmp/no.md`"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/x?q=1", "https://example.org/x?q=1"),
        ("http://example.org/<b>", "http://example.org/%3Cb%3E"),
        ("ftp://example.org/x", None),
        ("https:///nohost", None),
        ("data:text/html,hi", None),
    ],
)
def test_safe_link_target(url, expected):
    assert render.safe_link_target(url) == expected


def test_round_diff_shows_changed_lines():
    diff = render.round_diff("# T\n\nold line\nsame", "# T\n\nnew line\nsame", from_round=1, to_round=2)
    assert "--- round 1" in diff and "+++ round 2" in diff
    assert "-old line" in diff and "+new line" in diff
    assert render.round_diff("same", "same", from_round=1, to_round=2) == ""


def test_diff_summary_counts_lines_and_words():
    assert render.diff_summary("a\nb b\nc", "a\nb b b\nc\nd") == "2 lines changed · +2 words"


def test_score_rows_are_one_per_round_in_order():
    rows = render.score_rows([record(2, 6.5, score=7), record(1, 4.0)])
    assert [row["round"] for row in rows] == [1, 2]
    assert rows[1] == {
        "round": 2,
        "overall": 6.5,
        "grounding": 7,
        "structure": 7,
        "clarity": 7,
        "depth": 7,
        "style": 7,
    }


def test_rubric_and_metric_rows():
    rubric = render.rubric_rows(record(1, 4.0, score=6))
    assert [row["criterion"] for row in rubric] == ["Grounding", "Structure", "Clarity", "Depth", "Style"]
    metrics = {row["measure"]: row["value"] for row in render.metric_rows(record(1, 4.0))}
    assert metrics["Length vs target"] == "80%" and metrics["Citations supported"] == "n/a"
    assert metrics["Reading ease (Flesch)"] == "n/a"  # a run from before these were measured
    measured = record(1, 4.0)
    measured.critique.metrics = measured.critique.metrics.model_copy(
        update={"reading_ease": 61.4, "repeated_ngram_ratio": 0.071}
    )
    rows = {row["measure"]: row["value"] for row in render.metric_rows(measured)}
    assert rows["Reading ease (Flesch)"] == "61" and rows["Repeated phrases (3-grams)"] == "7%"


def test_round_tab_label_stars_the_best_round():
    assert render.round_tab_label(record(2, 6.54), best_round=2) == "Round 2 · 6.5 ★"
    assert render.round_tab_label(record(1, 4.0), best_round=2) == "Round 1 · 4.0"


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("Why Local Models Matter!", "why-local-models-matter"),
        ("Crème brûlée: a guide", "creme-brulee-a-guide"),
        ("../../etc/passwd", "etc-passwd"),
        ("日本語", "draft"),
    ],
)
def test_file_stem(title, stem):
    assert render.file_stem(title) == stem


def test_bullet_list_escapes_each_item():
    assert render.bullet_list([]) == "_none_"
    assert render.bullet_list(["<b>x</b>", "ok"]) == "- \\<b\\>x\\</b\\>\n- ok"


def test_score_chart_has_one_point_per_round_and_a_threshold_rule():
    chart = render.score_chart([record(1, 4.0), record(2, 6.0), record(3, 7.5)], threshold=8.0)
    line, rule = chart.layer
    assert list(line.data["round"]) == [1, 2, 3]  # type: ignore[union-attr]
    assert list(rule.data["threshold"]) == [8.0]  # type: ignore[union-attr]


def test_run_summary():
    totals = Totals(seconds=47.26, prompt_tokens=10, completion_tokens=1349, calls=13, tokens_per_second=28.5)
    result = DraftResult.model_construct(
        model="m.gguf", backend="llama_cpp", rounds=[record(1, 5.0)], totals=totals
    )
    assert render.run_summary(result, 1.74) == (
        "m.gguf (llama_cpp) · 1 round · 47.3 s of model time · 1349 tokens at 28 tok/s"
        " · first token after 1.7 s"
    )
