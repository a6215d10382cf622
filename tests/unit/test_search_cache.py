"""Persistent search cache: keys, TTL, sharing across threads and processes, and what is not cached."""

import multiprocessing
import sqlite3
import threading
from pathlib import Path

from tools.base import Document, SearchReport, StaticSearch
from tools.cache import CachedSearch, SearchCache, cache_key, default_cache_path, normalise_query

DOCS = [Document(title="Sourdough", url="https://bread.example/a", text="Wild yeast.")]


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class ScriptedTool:
    """Returns queued reports and counts calls."""

    name = "scripted"

    def __init__(self, *reports: SearchReport) -> None:
        self.reports = list(reports)
        self.calls = 0

    def search(self, query: str, max_results: int = 4) -> SearchReport:
        self.calls += 1
        return self.reports.pop(0)


def test_queries_are_normalised_for_the_key():
    assert normalise_query("  Sourdough\tSTARTER  ") == "sourdough starter"
    assert normalise_query("ｓｏｕｒｄｏｕｇｈ") == "sourdough"
    assert cache_key("ddgs", "A  b", 4) == cache_key("ddgs", "a b", 4)
    assert cache_key("ddgs", "a b", 4) != cache_key("ddgs", "a b", 5) != cache_key("local", "a b", 5)


def test_round_trip_and_key_parts(tmp_path):
    cache = SearchCache(tmp_path / "c.sqlite3")
    cache.put("ddgs", "Sourdough Starter", 4, DOCS)
    assert cache.get("ddgs", "  sourdough   starter ", 4) == DOCS
    assert cache.get("ddgs", "sourdough starter", 3) is None
    assert cache.get("other", "sourdough starter", 4) is None


def test_entries_expire_after_ttl(tmp_path):
    clock = Clock()
    cache = SearchCache(tmp_path / "c.sqlite3", ttl=60.0, clock=clock)
    cache.put("ddgs", "q", 4, DOCS)
    clock.now += 59.0
    assert cache.get("ddgs", "q", 4) == DOCS
    clock.now += 2.0
    assert cache.get("ddgs", "q", 4) is None
    assert cache.purge_expired() == 1


def test_cached_search_serves_a_rerun_from_disk(tmp_path):
    path = tmp_path / "nested" / "cache.sqlite3"
    first_inner = StaticSearch(DOCS)
    first = CachedSearch(first_inner, SearchCache(path))
    assert first.search("sourdough").documents == DOCS
    assert first.search("Sourdough ").documents == DOCS
    assert first_inner.queries == ["sourdough"]
    assert (first.stats.hits, first.stats.misses, first.stats.hit_rate) == (1, 1, 0.5)

    second_inner = StaticSearch([])
    rerun = CachedSearch(second_inner, SearchCache(path))
    assert rerun.search("sourdough").documents == DOCS
    assert second_inner.queries == [] and rerun.stats.hit_rate == 1.0


def test_degraded_and_empty_reports_are_not_cached(tmp_path):
    degraded = SearchReport(documents=DOCS, degraded=True, warnings=["web search failed: x"])
    inner = ScriptedTool(degraded, SearchReport(), SearchReport(documents=DOCS), SearchReport())
    cached = CachedSearch(inner, SearchCache(tmp_path / "c.sqlite3"))
    assert cached.search("q").degraded
    assert cached.search("q").documents == []
    assert cached.search("q").documents == DOCS
    assert cached.search("q").documents == DOCS
    assert inner.calls == 3


def test_cache_trouble_is_a_warning_not_a_failure(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cached = CachedSearch(StaticSearch(DOCS), SearchCache(blocker / "cache.sqlite3"))
    report = cached.search("q")
    assert report.documents == DOCS
    assert any(warning.startswith("search cache unavailable") for warning in report.warnings)


def test_corrupt_entry_is_treated_as_missing(tmp_path):
    path = tmp_path / "c.sqlite3"
    cache = SearchCache(path)
    cache.put("ddgs", "q", 4, DOCS)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE search_cache SET documents = '[{\"nope\": 1}]'")
    connection.close()
    assert cache.get("ddgs", "q", 4) is None


def test_threads_share_one_cache_file(tmp_path):
    cache = SearchCache(tmp_path / "c.sqlite3")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for index in range(20):
                cache.put("ddgs", f"q{worker}-{index}", 4, DOCS)
                assert cache.get("ddgs", f"q{worker}-{index}", 4) == DOCS
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(cache.get("ddgs", f"q{w}-19", 4) == DOCS for w in range(6))


def _write_entries(path: str, worker: int) -> int:
    cache = SearchCache(Path(path))
    for index in range(15):
        cache.put("ddgs", f"p{worker}-{index}", 4, DOCS)
    return worker


def test_processes_share_one_cache_file(tmp_path):
    path = tmp_path / "c.sqlite3"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert sorted(pool.starmap(_write_entries, [(str(path), 0), (str(path), 1)])) == [0, 1]
    cache = SearchCache(path)
    assert all(cache.get("ddgs", f"p{w}-{i}", 4) == DOCS for w in range(2) for i in range(15))


def test_default_path_is_in_the_user_cache_folder():
    path = default_cache_path()
    assert path.parts[-2:] == ("draftsmith", "search-cache.sqlite3")
