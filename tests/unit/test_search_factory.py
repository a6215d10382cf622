"""Search modes, combined results, and web research reading pages from a local server."""

import random

import pytest
from ddgs.exceptions import DDGSException

from core.errors import BadInputError
from tests.local_pages import ARTICLE, Route, serve_pages
from tools.base import Document, NoSearch, SearchReport, SearchTool, StaticSearch
from tools.cache import CachedSearch
from tools.factory import CombinedSearch, interleave, make_search_tool
from tools.fetch import PageFetcher
from tools.local_corpus import LocalCorpus
from tools.web_research import WebResearch
from tools.web_search import RetryPolicy, WebSearch

FAST = RetryPolicy(attempts_per_backend=1, base_delay=0.0, total_budget=5.0, call_timeout=2.0)


class FakeClient:
    def __init__(self, results=None, error: Exception | None = None) -> None:
        self.results = results or []
        self.error = error
        self.calls = 0

    def text(self, query, **kwargs):
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.results


@pytest.fixture
def notes(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "starter.md").write_text("# Starter\n\nFeed the sourdough starter flour and water daily.\n")
    (folder / "oven.md").write_text("# Oven\n\nBake sourdough bread in a hot oven with steam.\n")
    return folder


def web_results(*urls: str):
    return [{"title": f"Result {i}", "href": url, "body": f"snippet {i}"} for i, url in enumerate(urls)]


def test_off_mode_does_no_research():
    tool = make_search_tool("off")
    assert isinstance(tool, NoSearch) and tool.search("q") == SearchReport()


def test_unknown_mode_is_bad_input():
    with pytest.raises(BadInputError, match="unknown search mode 'google'"):
        make_search_tool("google")  # type: ignore[arg-type]


def test_local_mode_needs_a_folder(notes):
    with pytest.raises(BadInputError, match="needs a folder of notes") as refused:
        make_search_tool("local")
    assert "--" not in str(refused.value)  # the front end words its own advice (the CLI: --sources)
    tool = make_search_tool("local", notes)
    assert isinstance(tool, LocalCorpus)
    assert all(document.origin == "local" for document in tool.search("sourdough oven").documents)


def test_web_mode_is_cached_research_and_reruns_hit_the_cache(tmp_path):
    client = FakeClient(web_results("https://a.example/1", "https://a.example/2"))
    options = dict(cache_path=tmp_path / "cache.sqlite3", fetch_pages=False, min_interval=0.0, client=client)
    tool = make_search_tool("web", **options)
    assert isinstance(tool, CachedSearch) and isinstance(tool, SearchTool)
    assert [document.url for document in tool.search("bread").documents] == [
        "https://a.example/1",
        "https://a.example/2",
    ]
    rerun = make_search_tool("web", **options)
    assert len(rerun.search("Bread").documents) == 2
    assert client.calls == 1


def test_auto_mode_keeps_local_documents_when_web_fails(tmp_path, notes):
    client = FakeClient(error=DDGSException("error resolving DNS"))
    tool = make_search_tool("auto", notes, cache_path=tmp_path / "c.sqlite3", client=client, policy=FAST)
    report = tool.search("sourdough starter")
    assert report.degraded
    assert any(warning.startswith("web search failed:") for warning in report.warnings)
    assert report.documents and all(document.origin == "local" for document in report.documents)


def test_auto_mode_without_sources_and_failing_web_is_degraded_and_empty(tmp_path):
    client = FakeClient(error=DDGSException("error resolving DNS"))
    tool = make_search_tool("auto", cache_path=tmp_path / "c.sqlite3", client=client, policy=FAST)
    report = tool.search("sourdough")
    assert report.degraded and report.documents == []


def test_auto_mode_interleaves_web_and_local(tmp_path, notes):
    client = FakeClient(web_results("https://a.example/1", "https://a.example/2", "https://a.example/3"))
    tool = make_search_tool(
        "auto", notes, cache_path=tmp_path / "c.sqlite3", client=client, fetch_pages=False, min_interval=0.0
    )
    report = tool.search("sourdough starter", max_results=4)
    assert [document.origin for document in report.documents] == ["web", "local", "web", "local"]
    assert not report.degraded


def test_auto_mode_with_bad_sources_folder_fails_early(tmp_path):
    with pytest.raises(BadInputError):
        make_search_tool("auto", tmp_path / "missing", cache_path=tmp_path / "c.sqlite3")


def test_combined_search_contains_a_tool_that_raises():
    class Broken:
        name = "broken"

        def search(self, query: str, max_results: int = 4) -> SearchReport:
            raise RuntimeError("index exploded")

    document = Document(title="t", url="/n.md", text="x", origin="local")
    report = CombinedSearch([Broken(), StaticSearch([document])]).search("q")
    assert report.degraded and report.documents == [document]
    assert report.warnings == ["broken search failed: index exploded"]


def test_interleave_skips_duplicates_and_limits():
    a = [Document(title=str(i), url=f"https://a/{i}", text="t") for i in range(3)]
    b = [Document(title="dup", url="https://a/0", text="t"), Document(title="b", url="/b.md", text="b")]
    assert [d.title for d in interleave([a, b], 10)] == ["0", "1", "b", "2"]
    assert len(interleave([a, b], 2)) == 2 and interleave([], 3) == []


def test_web_research_reads_pages_and_falls_back_to_snippets():
    routes = {
        "/article": Route(body=ARTICLE.encode()),
        "/photo": Route(body=b"PNG", content_type="image/png"),
    }
    with serve_pages(routes) as server:
        results = web_results(
            f"{server.base_url}/article",
            "http://10.0.0.1/intranet",  # refused by the guard before any connection
            f"{server.base_url}/photo",
            f"{server.base_url}/not-fetched",
        )
        search = WebSearch(min_interval=0.0, policy=FAST, client=FakeClient(results), rng=random.Random(1))
        fetcher = PageFetcher(allow_hosts=frozenset({"127.0.0.1"}), timeout=5.0)
        report = WebResearch(search, fetcher, fetch_top=3).search("sourdough", max_results=4)
        requested = list(server.requests)
    texts = [document.text for document in report.documents]
    assert "wild yeast and lactic acid bacteria" in texts[0]
    assert texts[1:] == ["snippet 1", "snippet 2", "snippet 3"]
    assert sorted(requested) == ["/article", "/photo"]  # fetched concurrently
    assert not report.degraded
    assert len(report.warnings) == 1 and report.warnings[0].startswith("could not read 2 of 3 pages")


def test_web_research_passes_degraded_search_through():
    failing = WebSearch(
        min_interval=0.0, policy=FAST, client=FakeClient(error=DDGSException("error resolving DNS"))
    )
    report = WebResearch(failing, PageFetcher(), fetch_top=3).search("q")
    assert report.degraded and report.documents == []
