"""Display helpers: escaping untrusted text, source links, diffs, score rows, file names."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from core.result import DraftResult, SourceRef, Totals
from core.state import Critique, DraftMetrics, RoundRecord, RubricScores
from ui.web import redline, render, scores


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


def test_the_word_diff_marks_only_the_words_that_changed():
    before = "# Tea\n\nGreen tea is steamed soon after picking.\n\nSame paragraph."
    after = "# Tea\n\nGreen tea is steamed right after picking.\n\nSame paragraph."
    [line] = [line for line in redline.word_diff(before, after) if any(p.change != "same" for p in line)]
    assert [(p.change, p.text) for p in line] == [
        ("same", "Green tea is steamed"),
        ("removed", "soon"),
        ("added", "right"),
        ("same", "after picking."),
    ]
    assert redline.diff_summary(before, after) == "1 word changed · same length"


def test_the_redline_folds_unchanged_lines_and_escapes_every_word():
    before = "# Tea\n\nOne.\n\nTwo.\n\nOld <b>end</b>."
    after = "# Tea\n\nOne.\n\nTwo.\n\nNew <script>x</script> end."
    marked = redline.redline(before, after)
    assert marked.startswith(":gray[_… 3 unchanged lines …_]")
    assert ":red-background[~~Old \\<b\\>end\\</b\\>\\.~~]" in marked
    assert ":green-background[New \\<script\\>x\\</script\\> end\\.]" in marked
    rendered = html_of(marked)
    assert "<script" not in rendered and "<b>" not in rendered
    assert redline.redline("same", "same") == ""


@pytest.mark.parametrize(
    ("before", "after", "summary"),
    [
        ("a b c", "a b c", "no words changed"),
        ("a b c", "a x c d", "2 words changed · +1 word"),
        ("a\nb b\nc", "a\nb b b\nc\nd", "2 words changed · +2 words"),
        ("one two three four", "one", "3 words changed · -3 words"),
    ],
)
def test_the_diff_summary_counts_changed_words(before, after, summary):
    assert redline.diff_summary(before, after) == summary


def test_scores_show_one_decimal_and_no_arrow_without_a_change():
    assert [row["score"] for row in scores.rubric_rows(record(1, 4.0, score=5))] == ["5.0"] * 5
    table = scores.score_table([record(1, 5.37), record(2, 10.0)])
    assert table[0]["overall"] == "5.4" and table[1]["overall"] == "10.0" and table[0]["round"] == "1"
    assert scores.score_delta(5.5, 5.5) is None and scores.score_delta(5.52, 5.5) is None
    assert scores.score_delta(6.0, 5.5) == "+0.5" and scores.score_delta(5.0, 5.5) == "-0.5"
    assert scores.score_delta(6.0, None) is None


def test_measured_signals_include_coverage_and_unsupported_specifics_once_measured():
    plain = {row["measure"] for row in scores.signal_rows(record(1, 4.0))}
    assert plain >= {"Repeated sentences", "Length vs target", "Citations"}
    measured = record(1, 4.0)
    measured.critique.metrics = measured.critique.metrics.model_copy(
        update={"coverage": 0.42, "unsupported_specifics": ["1987", "Dr. Smith"]}
    )
    rows = {row["measure"]: row["value"] for row in scores.signal_rows(measured)}
    assert rows["Source names & numbers stated"] == "42%" and rows["Unsupported specifics"] == "2"
    assert scores.unsupported_specifics(measured) == ["1987", "Dr. Smith"]
    [row] = scores.signal_table([measured])
    assert row["round"] == "1" and row["Source names & numbers stated"] == "42%"


def test_coverage_says_what_it_measures_and_when_there_is_nothing_to_cover():
    nothing = record(1, 4.0)  # coverage None: the planned passages hold no names or numbers
    rows = {row["measure"]: row["value"] for row in scores.signal_rows(nothing, grounded=True)}
    assert rows["Source names & numbers stated"] == "no names or numbers to cover"
    assert "Source names & numbers stated" not in {row["measure"] for row in scores.signal_rows(nothing)}
    [row] = scores.signal_table([nothing], grounded=True)
    assert row["Source names & numbers stated"] == "no names or numbers to cover"
    assert "names, numbers and quotes" in scores.COVERAGE_HELP and "citations" in scores.COVERAGE_HELP


def test_the_weakest_rubric_items_explain_a_score_without_issues():
    weak = record(1, 5.5, score=6)
    weak.critique.scores = weak.critique.scores.model_copy(update={"depth": 4.0, "style": 5.04})
    assert scores.weakest_items(weak) == "depth 4.0, style 5.0"


SHORT = (
    "the draft is {} of 600 words: most of the model's own sentences were off the subject or stated "
    "things no source says, so the post keeps the sources' facts only"
)


def test_research_notes_hold_research_and_a_remark_of_every_round_is_said_once():
    groups = render.group_warnings(
        [
            "web search failed: rate limited",
            SHORT.format(120),
            "the outliner's plan was off topic; using a simple outline",
            "skipped notes.bin: not text",
            "research found no sources: the draft is written without citations",
            SHORT.format(131),
            "could not read 2 of 4 pages, used their snippets (timeout)",
            "critic reply was unusable (bad json); ending with the best draft so far",
        ]
    )
    assert groups.research == [
        "web search failed: rate limited",
        "skipped notes.bin: not text",
        "research found no sources: the draft is written without citations",
        "could not read 2 of 4 pages, used their snippets (timeout)",
    ]
    assert (
        len(groups.fallbacks) == 2 and "outliner" in groups.fallbacks[0] and "critic" in groups.fallbacks[1]
    )
    assert groups.writing == [SHORT.format(131)]  # the length remark once, the last round's


def test_the_sources_tab_says_where_local_sources_came_from(tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "run-1").mkdir(parents=True)
    kept = uploads / "run-1" / "kept.md"
    kept.write_text("x")
    mine = tmp_path / "notes" / "mine.md"
    mine.parent.mkdir()
    mine.write_text("x")
    sources = [
        SourceRef(
            id=1, title="Notes", url="notes.md", origin="local", path=str(uploads / "run-2" / "notes.md")
        ),
        SourceRef(id=2, title="Kept", url="kept.md", origin="local", path=str(kept)),
        SourceRef(id=3, title="Mine", url="mine.md", origin="local", path=str(mine)),
        SourceRef(id=4, title="Gone", url="gone.md", origin="local", path="/nowhere/gone.md"),
        SourceRef(id=5, title="Web", url="https://example.org/", origin="web"),
    ]
    assert render.source_line(sources[0]) == "1. Notes — `notes.md`"
    assert render.local_origins(sources, uploads) == [
        "1. uploaded on this page as `notes.md`",
        "2. uploaded on this page as `kept.md` (its copy is kept until the run completes)",
        f"3. `{mine}`",
        "4. `/nowhere/gone.md` (no longer there)",
    ]
    assert "path" not in sources[0].model_dump()  # never exported


def test_score_rows_are_one_per_round_in_order():
    rows = scores.score_rows([record(2, 6.5, score=7), record(1, 4.0)])
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
    rubric = scores.rubric_rows(record(1, 4.0, score=6))
    assert [row["criterion"] for row in rubric] == ["Grounding", "Structure", "Clarity", "Depth", "Style"]
    metrics = {row["measure"]: row["value"] for row in scores.metric_rows(record(1, 4.0))}
    assert metrics["Length vs target"] == "80%" and metrics["Citations supported"] == "n/a"
    assert metrics["Reading ease (Flesch)"] == "n/a"  # a run from before these were measured
    measured = record(1, 4.0)
    measured.critique.metrics = measured.critique.metrics.model_copy(
        update={"reading_ease": 61.4, "repeated_ngram_ratio": 0.071}
    )
    rows = {row["measure"]: row["value"] for row in scores.metric_rows(measured)}
    assert rows["Reading ease (Flesch)"] == "61" and rows["Repeated phrases (3-grams)"] == "7%"


def test_a_star_marks_only_a_round_that_is_really_better_and_a_tie_says_so():
    better = [record(1, 4.0), record(2, 6.54)]
    assert [scores.round_tab_label(r, better) for r in better] == ["Round 1 · 4.0", "Round 2 · 6.5 ★"]
    assert scores.tie_note(better, 2) is None
    tied = [record(1, 6.5), record(2, 6.54), record(3, 5.0)]  # 6.5 and 6.54 both show as 6.5
    labels = [scores.round_tab_label(r, tied) for r in tied]
    assert labels == ["Round 1 · 6.5 · tie", "Round 2 · 6.5 · tie", "Round 3 · 5.0"]
    assert (
        scores.tie_note(tied, 2)
        == "Rounds 1 and 2 tie at 6.5: the post shows round 2's draft, the latest of them."
    )
    alone = [record(1, 6.5)]
    assert scores.round_tab_label(alone[0], alone) == "Round 1 · 6.5"  # nothing to compare with


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
    chart = scores.score_chart([record(1, 4.0), record(2, 6.0), record(3, 7.5)], threshold=8.0)
    line, rule, label = chart.layer
    assert list(line.data["round"]) == [1, 2, 3]  # type: ignore[union-attr]
    assert list(rule.data["threshold"]) == [8.0]  # type: ignore[union-attr]
    assert list(label.data["label"]) == ["good enough: 8.0"]  # type: ignore[union-attr]


def test_run_summary():
    totals = Totals(seconds=47.26, prompt_tokens=10, completion_tokens=1349, calls=13, tokens_per_second=28.5)
    result = DraftResult.model_construct(
        model="m.gguf", backend="llama_cpp", rounds=[record(1, 5.0)], totals=totals
    )
    assert render.run_summary(result, 1.74) == (
        "m.gguf (llama.cpp on this computer) · 1 round · 47.3 s of model time · 1349 tokens at 28 tok/s"
        " · first token after 1.7 s"
    )
    served = result.model_copy(update={"model": "qwen at http://127.0.0.1:8080/v1", "backend": "openai"})
    assert render.run_summary(served).startswith(
        "qwen at http://127.0.0.1:8080/v1 (an OpenAI-compatible server)"
    )
