"""Citation markers, the References list and the citation support check."""

import re

import pytest

from core.markers import (
    cited_ids,
    finalize_references,
    format_reference,
    remove_reference_sections,
    split_sentences,
    strip_citations,
)
from core.state import Section, Source
from tools.citations import citation_support, weak_citation_issues

SOURCES = [
    Source(id=1, title="Bread basics", url="https://bread.example/basics", text=""),
    Source(id=2, title="Starter care", url="https://bread.example/starter", text=""),
    Source(id=3, title="My notes", url="/home/me/notes/starter.md", text="", origin="local"),
    Source(id=4, title="My notes (part 2)", url="/home/me/notes/starter.md", text="", origin="local"),
]


def markers(markdown: str) -> set[int]:
    body = markdown.split("## References")[0]
    return {int(n) for group in re.findall(r"\[(\d+(?:, \d+)*)\]", body) for n in group.split(", ")}


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Yeast [2] rises [1].", [2, 1]),
        ("Both [3, 1] and [1; 2].", [3, 1, 2]),
        ("Adjacent [2][4] markers [ 5 ].", [2, 4, 5]),
        ("A range [2-4].", [2, 3, 4]),
        ("A [link](http://x) and [1](http://y) and [7]: http://def", []),
        ("Code `arr[1]` and\n```\nx[2]\n```\nprose [3].", [3]),
        ("Text [1].\n\n## References\n\n[2] Something\n", [1]),
        ("No citations here.", []),
    ],
)
def test_cited_ids(markdown, expected):
    assert cited_ids(markdown) == expected


def test_finalize_renumbers_by_first_use_and_lists_exactly_the_cited_sources():
    draft = "# Bread\n\nStarters need care [2]. Bread is old [1][2]. Notes agree [3].\n"
    final = finalize_references(draft, SOURCES)
    assert "Starters need care [1]. Bread is old [2][1]. Notes agree [3]." in final
    references = final.split("## References\n\n")[1].strip().splitlines()
    assert references == [
        "1. [Starter care](https://bread.example/starter)",
        "2. [Bread basics](https://bread.example/basics)",
        "3. My notes — /home/me/notes/starter.md",
    ]


def test_every_marker_resolves_and_unknown_ids_are_dropped():
    draft = "Claim [9]. Another [2, 9] here [7][1].\n\n## References\n\n1. [Invented](http://fake.example)\n"
    final = finalize_references(draft, SOURCES)
    assert "fake.example" not in final and "[9]" not in final
    assert "Claim. Another [1] here [2]." in final
    entries = final.split("## References")[1].strip().splitlines()
    assert markers(final) == {1, 2} == {int(entry.split(".")[0]) for entry in entries}
    assert final.count("## References") == 1


def test_chunks_of_one_file_share_a_reference():
    final = finalize_references("Feed daily [3]. Doubles in six hours [4].", SOURCES)
    assert "Feed daily [1]. Doubles in six hours [1]." in final
    assert final.count("starter.md") == 1


def test_no_references_section_without_citations():
    draft = "Plain text [8].\n\n### Sources\n\n- http://made-up.example\n\n## Next section\n\nMore.\n"
    final = finalize_references(draft, SOURCES)
    assert "References" not in final and "made-up" not in final and "[8]" not in final
    assert "## Next section\n\nMore." in final


def test_strip_citations_removes_markers_and_reference_sections():
    draft = "Claim [1]. Other [2, 3][4].\n\n**References:**\n1. [A](http://a.example)\n"
    stripped = strip_citations(draft)
    assert stripped == "Claim. Other.\n"
    assert cited_ids(stripped) == []


def test_code_is_left_alone():
    draft = "Use `items[1]` here [2].\n\n```python\nprint(data[0])\n```\n"
    assert "`items[1]`" in strip_citations(draft) and "data[0]" in strip_citations(draft)
    assert "`items[1]`" in finalize_references(draft, SOURCES)


def test_reference_sections_end_at_the_next_heading_of_same_level():
    text = "# Post\n\nBody.\n\n## References\n\n1. x\n\n### Sub\n\nstill refs\n\n## After\n\nkept"
    assert remove_reference_sections(text) == "# Post\n\nBody.\n\n## After\n\nkept"


def test_format_reference_escapes_link_text_and_url():
    assert format_reference(1, "A [b] c", "https://x.example/p (1)") == (
        "1. [A \\[b\\] c](https://x.example/p%20%281%29)"
    )
    assert format_reference(2, "", "/notes/a.md") == "2. a.md — /notes/a.md"


def test_split_sentences_keeps_trailing_markers_with_their_sentence():
    text = "- First claim. [1] Second claim [2].\n## Heading\nThird one? Yes."
    assert split_sentences(text) == ["First claim. [1]", "Second claim [2].", "Heading", "Third one?", "Yes."]


def test_split_sentences_joins_wrapped_lines_and_keeps_closing_quotes():
    text = 'The starter doubles in\nsix hours. She said "feed it." Then (at night.) It rests.\n\n'
    text += "1. Item one\n> Quoted."
    assert split_sentences(text) == [
        "The starter doubles in six hours.",
        'She said "feed it."',
        "Then (at night.)",
        "It rests.",
        "Item one",
        "Quoted.",
    ]
    assert split_sentences("Use e.g. flour. Feed it [1] Then wait.") == [
        "Use e.g. flour.",
        "Feed it [1]",
        "Then wait.",
    ]


def test_citation_support_scores_claims_against_their_sources():
    draft = (
        "A sourdough starter is a culture of wild yeast and bacteria [1]. "
        "Rockets reach orbit using liquid oxygen [2]. "
        "It doubles within hours [7].\n\n## References\n\n1. ignored [1]\n"
    )
    sources = {
        1: "Intro. A starter is a culture of wild yeasts and lactic bacteria. Bakers feed it flour.",
        2: "Feed the starter with flour and water every day.",
    }
    report = citation_support(draft, sources)
    assert [(claim.source_id, claim.supported) for claim in report.claims] == [
        (1, True),
        (2, False),
        (7, False),
    ]
    assert report.claims[0].score >= 0.6 and report.claims[1].score < 0.3
    assert not report.claims[2].source_found
    assert report.rate == pytest.approx(1 / 3)
    issues = weak_citation_issues(report)
    assert [(issue.kind, issue.source_id) for issue in issues] == [
        ("weak_citation", 2),
        ("unknown_source", 7),
    ]
    assert "[2]" in issues[0].text and "points to no source" in issues[1].text


def test_a_weak_citation_names_the_section_that_holds_it():
    sections = [
        Section(heading="", body="Bread is old [1]."),
        Section(heading="Rockets", body="Rockets reach orbit\nusing liquid oxygen [1]. More."),
    ]
    report = citation_support("Rockets reach orbit using liquid oxygen [1].", {1: "Bread is old."})
    (issue,) = weak_citation_issues(report, sections=sections)
    assert (issue.kind, issue.section, issue.source_id) == ("weak_citation", "Rockets", 1)
    assert weak_citation_issues(report)[0].section is None


def test_citation_support_threshold_and_multi_source_claims():
    draft = "Feed the starter flour daily [1, 2]."
    sources = {1: "Feed the starter flour daily.", 2: "Starters like warm kitchens."}
    report = citation_support(draft, sources, threshold=0.5)
    assert [claim.supported for claim in report.claims] == [True, False]
    assert report.rate == 0.5
    assert citation_support(draft, sources, threshold=0.1).rate == 1.0


def test_citation_support_rate_is_none_without_claims():
    report = citation_support("Nothing cited here.", {1: "text"})
    assert report.claims == [] and report.rate is None
