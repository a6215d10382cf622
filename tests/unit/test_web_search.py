"""Web search resilience with a scripted ddgs client, a fake clock and no real sleeping; the real
ddgs client against a DuckDuckGo stub on 127.0.0.1."""

import random
import threading
import time
from urllib.parse import parse_qs

import pytest
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from tests.local_pages import Route, serve_pages
from tools.search_results import parse_results
from tools.web_search import RetryPolicy, WebSearch

GOOD = [
    {
        "title": "Sourdough 101",
        "href": "https://bread.example/sourdough",
        "body": "Wild yeast  and\nbacteria.",
    },
    {"title": "Starter care", "href": "https://bread.example/starter", "body": "Feed it daily."},
]
DNS_ERROR = DDGSException("DNSError: error sending request > error resolving DNS > no records found")


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class ScriptedClient:
    """Per-backend queues of outcomes: a list to return, an exception to raise, or a callable."""

    def __init__(self, script: dict, default=None) -> None:
        self.script = {backend: list(outcomes) for backend, outcomes in script.items()}
        self.default = default if default is not None else DNS_ERROR
        self.calls: list[tuple[str, str, int]] = []

    def text(self, query, **kwargs):
        backend = kwargs["backend"]
        self.calls.append((backend, query, kwargs["max_results"]))
        queue = self.script.get(backend, [])
        outcome = queue.pop(0) if queue else self.default
        if callable(outcome) and not isinstance(outcome, BaseException):
            outcome = outcome()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    @property
    def backends_called(self) -> list[str]:
        return [backend for backend, _, _ in self.calls]


def make_search(client, fake_time, **policy):
    options = {"base_delay": 1.0, "max_delay": 8.0, "jitter": 0.0, "attempts_per_backend": 2, **policy}
    return WebSearch(
        backends=("duckduckgo", "brave", "mojeek"),
        min_interval=0.0,
        policy=RetryPolicy(**options),
        client=client,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        rng=random.Random(7),
    )


def test_rate_limit_then_success_backs_off_and_retries_same_backend():
    fake_time = FakeTime()
    client = ScriptedClient({"duckduckgo": [RatelimitException("202 Ratelimit"), GOOD]})
    report = make_search(client, fake_time).search("sourdough starter", max_results=2)
    assert not report.degraded and report.warnings == []
    assert [document.url for document in report.documents] == [item["href"] for item in GOOD]
    assert report.documents[0].text == "Wild yeast and bacteria." and report.documents[0].origin == "web"
    assert client.backends_called == ["duckduckgo", "duckduckgo"]
    assert fake_time.sleeps == [1.0]


def test_backoff_is_exponential_and_falls_back_to_other_backends_in_order():
    fake_time = FakeTime()
    limited = [RatelimitException("202 Ratelimit")] * 3
    client = ScriptedClient({"duckduckgo": list(limited), "brave": [TimeoutException("timed out")] * 3})
    client.script["mojeek"] = [GOOD]
    report = make_search(client, fake_time, attempts_per_backend=3).search("q")
    assert client.backends_called == ["duckduckgo"] * 3 + ["brave"] * 3 + ["mojeek"]
    assert fake_time.sleeps == [1.0, 2.0, 1.0, 2.0]
    assert not report.degraded and len(report.documents) == 2


def test_backoff_has_jitter_within_bounds():
    fake_time = FakeTime()
    client = ScriptedClient({}, default=RatelimitException("202 Ratelimit"))
    make_search(client, fake_time, jitter=0.5, attempts_per_backend=4, total_budget=1000).search("q")
    nominal = [1.0, 2.0, 4.0] * 3
    assert len(fake_time.sleeps) == len(nominal)
    assert all(0.5 * n <= slept <= 1.5 * n for slept, n in zip(fake_time.sleeps, nominal, strict=True))
    assert fake_time.sleeps != nominal


def test_all_backends_failing_gives_degraded_report_with_one_line_warning():
    fake_time = FakeTime()
    client = ScriptedClient({}, default=RatelimitException("202 Ratelimit"))
    report = make_search(client, fake_time).search("q")
    assert report.degraded and report.documents == []
    assert len(report.warnings) == 1
    warning = report.warnings[0]
    assert warning.startswith("web search failed: ") and "\n" not in warning
    assert "duckduckgo, brave, mojeek: rate limited" in warning
    assert client.backends_called == ["duckduckgo"] * 2 + ["brave"] * 2 + ["mojeek"] * 2


def test_network_down_moves_on_without_retrying_or_sleeping():
    fake_time = FakeTime()
    client = ScriptedClient({})
    report = make_search(client, fake_time).search("q")
    assert client.backends_called == ["duckduckgo", "brave", "mojeek"]
    assert fake_time.sleeps == []
    assert report.degraded and "network unreachable" in report.warnings[0]


def test_garbage_answers_are_skipped_and_next_backend_tried():
    fake_time = FakeTime()
    garbage = [{"title": "no link"}, 42, None, {"href": "ftp://x.example/"}, {"href": ["not", "a", "string"]}]
    client = ScriptedClient({"duckduckgo": ["not a list"], "brave": [garbage], "mojeek": [GOOD]})
    report = make_search(client, fake_time).search("q")
    assert client.backends_called == ["duckduckgo", "brave", "mojeek"]
    assert [document.title for document in report.documents] == ["Sourdough 101", "Starter care"]


def test_unexpected_exception_from_client_is_contained():
    fake_time = FakeTime()
    client = ScriptedClient({}, default=KeyError("body"))
    report = make_search(client, fake_time).search("q")
    assert report.degraded and client.backends_called == ["duckduckgo", "brave", "mojeek"]


def test_hung_call_is_abandoned_after_its_timeout():
    release = threading.Event()
    client = ScriptedClient({}, default=lambda: release.wait(10) and GOOD)
    search = make_search(client, FakeTime(), call_timeout=0.2, attempts_per_backend=1)
    started = time.monotonic()
    try:
        report = search.search("q")
    finally:
        release.set()
    assert time.monotonic() - started < 2.0
    assert report.degraded and "timed out" in report.warnings[0]


def test_time_budget_bounds_retries():
    fake_time = FakeTime()

    def slow_failure():
        fake_time.now += 6.0
        return RatelimitException("202 Ratelimit")

    client = ScriptedClient({}, default=slow_failure)
    report = make_search(client, fake_time, total_budget=20.0, attempts_per_backend=5).search("q")
    assert report.degraded
    assert fake_time.now - 1000.0 <= 20.0 + 6.0
    assert len(client.calls) < 15


def test_min_interval_spaces_requests_to_the_same_backend():
    fake_time = FakeTime()
    client = ScriptedClient({"duckduckgo": [GOOD, GOOD]})
    search = make_search(client, fake_time)
    search.min_interval = 2.5
    search.search("first")
    search.search("second")
    assert fake_time.sleeps == [2.5]


def test_rate_limited_backend_is_tried_last_for_a_while():
    fake_time = FakeTime()
    client = ScriptedClient({"duckduckgo": [RatelimitException("202 Ratelimit")] * 2, "brave": [GOOD, GOOD]})
    search = make_search(client, fake_time)
    search.search("first")
    client.calls.clear()
    search.search("second")
    assert client.backends_called == ["brave"]


def test_repeated_total_failures_open_the_breaker():
    fake_time = FakeTime()
    client = ScriptedClient({})
    search = make_search(client, fake_time, breaker_threshold=2, breaker_cooldown=60.0)
    search.search("one")
    search.search("two")
    calls_before = len(client.calls)
    report = search.search("three")
    assert len(client.calls) == calls_before
    assert report.degraded and "skipped" in report.warnings[0]
    fake_time.now += 61.0
    search.search("four")
    assert len(client.calls) > calls_before


def test_empty_query_asks_nobody():
    client = ScriptedClient({})
    report = make_search(client, FakeTime()).search("   ")
    assert client.calls == [] and report.documents == [] and not report.degraded


def test_parse_results_dedupes_cleans_and_limits():
    raw = [*GOOD, GOOD[0], {"href": "https://x.example/", "title": "   ", "body": None}]
    documents = parse_results(raw, limit=10)
    assert [document.url for document in documents] == [
        "https://bread.example/sourdough",
        "https://bread.example/starter",
        "https://x.example/",
    ]
    assert documents[2].title == "https://x.example/" and documents[2].text == ""
    assert len(parse_results(raw, limit=1)) == 1
    assert parse_results({"results": GOOD}, limit=3) == []


# A DuckDuckGo HTML results page in the layout ddgs 9.16 parses (result bodies holding an h2
# title and a snippet link), written by hand: this machine cannot record a real one.
DDG_PAGE = """<!DOCTYPE html><html><head><title>sourdough starter at DuckDuckGo</title></head><body>
<div class="serp__results"><div id="links" class="results">
<div class="result results_links results_links_deep result--ad">
 <div class="links_main links_deep result__body">
  <h2 class="result__title"><a class="result__a" href="https://duckduckgo.com/y.js?ad_domain=flour.example">
  Buy flour now</a></h2>
  <a class="result__snippet" href="https://duckduckgo.com/y.js?ad_domain=flour.example">Cheap flour.</a>
 </div>
</div>
<div class="result results_links results_links_deep web-result">
 <div class="links_main links_deep result__body">
  <h2 class="result__title"><a rel="nofollow" class="result__a" href="https://bread.example/starter">
  How to keep a <b>sourdough</b> <b>starter</b> alive</a></h2>
  <div class="result__extras"><a class="result__url" href="https://bread.example/starter">bread.example/starter</a></div>
  <a class="result__snippet" href="https://bread.example/starter">Feed the <b>starter</b> equal weights
  of flour and water once a day.</a>
 </div>
</div>
<div class="result results_links results_links_deep web-result">
 <div class="links_main links_deep result__body">
  <h2 class="result__title"><a rel="nofollow" class="result__a" href="https://kitchen.example/rye-starter">
  Rye <b>starter</b> schedule</a></h2>
  <a class="result__snippet" href="https://kitchen.example/rye-starter">A rye <b>sourdough</b> culture
  rises faster in a warm kitchen.</a>
 </div>
</div>
</div></div></body></html>"""


@pytest.fixture
def duckduckgo_on_loopback(monkeypatch):
    """ddgs's real duckduckgo engine, its search address moved to a stub on 127.0.0.1 that answers
    the POST to /html/ with DDG_PAGE."""
    from ddgs.engines.duckduckgo import Duckduckgo

    with serve_pages({"/html/": Route(body=DDG_PAGE.encode())}) as server:
        monkeypatch.setattr(Duckduckgo, "search_url", f"{server.base_url}/html/")
        monkeypatch.delenv("DDGS_PROXY")  # straight to the stub, not through the conftest's dead proxy
        yield server


@pytest.mark.timeout(60)
def test_the_real_ddgs_client_parses_titles_urls_and_snippets(duckduckgo_on_loopback):
    """The real ``ddgs.DDGS`` (HTTP client, HTML parsing, ad filter, ranking) end to end, then ours."""
    search = WebSearch(backends=("duckduckgo",), min_interval=0.0, policy=RetryPolicy(attempts_per_backend=1))
    report = search.search("sourdough starter", max_results=3)
    assert not report.degraded and report.warnings == []
    assert [(d.title, d.url, d.text, d.origin) for d in report.documents] == [
        (
            "How to keep a sourdough starter alive",
            "https://bread.example/starter",
            "Feed the starter equal weights of flour and water once a day.",
            "web",
        ),
        (
            "Rye starter schedule",
            "https://kitchen.example/rye-starter",
            "A rye sourdough culture rises faster in a warm kitchen.",
            "web",
        ),
    ]
    forms = [parse_qs(body.decode()) for body in duckduckgo_on_loopback.posted]
    assert [form["q"] for form in forms] == [["sourdough starter"]]
