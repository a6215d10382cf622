"""Local notes: indexing, skipping, BM25 ranking and actionable errors."""

import pytest

from core.errors import BadInputError
from tools.local_corpus import LocalCorpus, split_paragraphs


@pytest.fixture
def notes(tmp_path):
    folder = tmp_path / "notes"
    (folder / "bread").mkdir(parents=True)
    (folder / "bread" / "starter.md").write_text(
        "# Keeping a sourdough starter\n\nFeed the starter with flour and water every day.\n\n"
        "A healthy starter doubles within six hours at room temperature.\n",
        encoding="utf-8",
    )
    (folder / "pets.txt").write_text("Cats purr when they are content.\n\nDogs bark at strangers.\n")
    (folder / "hydration.html").write_text(
        "<html><head><title>Dough hydration</title><script>alert('RUNME')</script></head>"
        "<body><p>Hydration is the ratio of water to flour in a dough.</p></body></html>"
    )
    (folder / "photo.txt").write_bytes(b"\x89PNG\x00\x00binary")
    (folder / "latin1.txt").write_bytes("Caf\xe9 notes".encode("latin-1"))
    (folder / "huge.md").write_text("sourdough " * 5000)
    (folder / "paper.pdf").write_bytes(b"%PDF-1.4 sourdough")
    (folder / ".secret").mkdir()
    (folder / ".secret" / "private.md").write_text("sourdough secret recipe")
    return folder


def test_search_ranks_relevant_chunks_with_file_paths(notes):
    corpus = LocalCorpus(notes, max_file_bytes=10_000)
    report = corpus.search("how often to feed a sourdough starter", max_results=3)
    assert report.documents, report
    best = report.documents[0]
    assert best.origin == "local"
    assert best.url == str((notes / "bread" / "starter.md").resolve())
    assert best.title == "Keeping a sourdough starter"
    assert "flour and water" in best.text
    assert not report.degraded


def test_html_is_read_as_text_without_scripts(notes):
    report = LocalCorpus(notes, max_file_bytes=10_000).search("water flour ratio hydration")
    html = [document for document in report.documents if document.url.endswith("hydration.html")]
    assert html and html[0].title == "Dough hydration"
    assert "RUNME" not in html[0].text and "alert" not in html[0].text


def test_unreadable_files_are_skipped_with_warnings_once(notes):
    corpus = LocalCorpus(notes, max_file_bytes=10_000)
    first = corpus.search("cats")
    warnings = " | ".join(first.warnings)
    assert "photo.txt: binary file" in warnings
    assert "latin1.txt: not UTF-8 text" in warnings
    assert "huge.md: larger than 10000 bytes" in warnings
    assert "paper.pdf" not in warnings and "private" not in warnings
    assert corpus.search("cats").warnings == []
    indexed = {chunk.path.name for chunk in corpus.chunks}
    assert indexed == {"starter.md", "pets.txt", "hydration.html"}


def test_only_matching_chunks_are_returned_and_max_results_respected(notes):
    corpus = LocalCorpus(notes, max_file_bytes=10_000, chunk_chars=80)
    assert corpus.search("zebra giraffe").documents == []
    assert corpus.search("the and of").documents == []
    assert len(corpus.search("starter flour water dough", max_results=2).documents) == 2


def test_search_matches_other_forms_of_a_word(notes):
    # Words are Snowball-stemmed on both sides: "feeding" finds "Feed", "doubling" finds "doubles".
    corpus = LocalCorpus(notes, max_file_bytes=10_000, chunk_chars=80)
    fed, doubled = corpus.search("feeding").documents, corpus.search("doubling").documents
    assert len(fed) == 1 and "Feed the starter" in fed[0].text
    assert len(doubled) == 1 and "starter doubles" in doubled[0].text


def test_missing_folder_is_an_actionable_bad_input(tmp_path):
    with pytest.raises(BadInputError, match="sources folder not found") as caught:
        LocalCorpus(tmp_path / "nope")
    assert "\n" not in str(caught.value) and caught.value.exit_code == 2


def test_file_instead_of_folder_is_bad_input(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# hi")
    with pytest.raises(BadInputError, match="sources folder not found"):
        LocalCorpus(path)


@pytest.mark.parametrize("content", [None, b"\x00\x01\x02", b"   \n\n  "])
def test_folder_without_readable_text_is_bad_input(tmp_path, content):
    if content is not None:
        (tmp_path / "only.txt").write_bytes(content)
    with pytest.raises(BadInputError, match=r"no readable \.md, \.txt or \.html text"):
        LocalCorpus(tmp_path)


def test_paragraph_chunks_respect_the_size_and_keep_paragraphs_together():
    text = "First short paragraph.\n\nSecond short one.\n\n" + "A long sentence here. " * 20
    chunks = split_paragraphs(text, max_chars=100)
    assert chunks[0] == "First short paragraph.\n\nSecond short one."
    assert all(len(chunk) <= 100 for chunk in chunks)
    assert "".join(chunks).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_unbroken_text_is_hard_split():
    chunks = split_paragraphs("x" * 250, max_chars=100)
    assert [len(chunk) for chunk in chunks] == [100, 100, 50]
