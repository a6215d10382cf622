"""Page fetch and address guard against a real HTTP server on 127.0.0.1 (no other traffic)."""

import time

import pytest

from tests.local_pages import ARTICLE, Route, serve_pages
from tools.address_guard import BlockedAddressError, FetchError, check_url
from tools.fetch import PageFetcher, extract_main_text

LOCAL = frozenset({"127.0.0.1"})


def routes() -> dict[str, Route]:
    return {
        "/page": Route(body=ARTICLE.encode()),
        "/notes.txt": Route(
            body=b"Plain notes about starters.\n\nSecond paragraph.", content_type="text/plain"
        ),
        "/image.png": Route(body=b"\x89PNG\r\n\x1a\n0000", content_type="image/png"),
        "/no-type": Route(body=b"<p>hello</p>", content_type=None),
        "/big": Route(body=b"<p>" + b"x" * 50_000 + b"</p>"),
        "/big-undeclared": Route(body=b"<p>" + b"y" * 50_000 + b"</p>", send_length=False),
        "/slow": Route(body=ARTICLE.encode(), delay=3.0),
        "/to-metadata": Route(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
        "/to-private": Route(status=301, headers={"Location": "http://10.0.0.1/admin"}),
        "/to-file": Route(status=302, headers={"Location": "file:///etc/passwd"}),
        "/to-page": Route(status=302, headers={"Location": "/page"}),
        "/loop": Route(status=302, headers={"Location": "/loop"}),
        "/missing": Route(status=404, body=b"gone"),
    }


@pytest.fixture
def server():
    with serve_pages(routes()) as running:
        yield running


def test_loopback_server_is_refused_without_allow_list_and_never_contacted(server):
    with pytest.raises(BlockedAddressError, match=r"non-public address 127\.0\.0\.1"):
        PageFetcher().fetch(f"{server.base_url}/page")
    assert server.requests == []


def test_allow_listed_host_is_fetched_and_main_text_extracted(server):
    page = PageFetcher(allow_hosts=LOCAL).fetch(f"{server.base_url}/page")
    assert page.content_type == "text/html"
    assert "wild yeast and lactic acid bacteria" in page.text
    assert "SECRET-SCRIPT-TEXT" not in page.text and "color: red" not in page.text
    assert server.requests == ["/page"]


def test_plain_text_is_accepted(server):
    page = PageFetcher(allow_hosts=LOCAL).fetch(f"{server.base_url}/notes.txt")
    assert page.text == "Plain notes about starters.\n\nSecond paragraph."


def test_extracted_text_is_trimmed_to_the_budget(server):
    page = PageFetcher(allow_hosts=LOCAL, max_chars=120).fetch(f"{server.base_url}/page")
    assert len(page.text) <= 120
    assert page.text.endswith("…")


@pytest.mark.parametrize("path", ["/image.png", "/no-type"])
def test_non_text_content_types_are_refused(server, path):
    with pytest.raises(FetchError, match="unsupported content type"):
        PageFetcher(allow_hosts=LOCAL).fetch(f"{server.base_url}{path}")


@pytest.mark.parametrize("path", ["/big", "/big-undeclared"])
def test_size_cap_applies_to_declared_and_streamed_bodies(server, path):
    with pytest.raises(FetchError, match="larger than 10000 bytes"):
        PageFetcher(allow_hosts=LOCAL, max_bytes=10_000).fetch(f"{server.base_url}{path}")
    page = PageFetcher(allow_hosts=LOCAL, max_bytes=100_000, max_chars=100_000).fetch(
        f"{server.base_url}{path}"
    )
    assert len(page.text) >= 50_000


def test_slow_server_times_out(server):
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        PageFetcher(allow_hosts=LOCAL, timeout=0.5).fetch(f"{server.base_url}/slow")
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("path", ["/to-metadata", "/to-private"])
def test_redirect_to_private_address_is_refused_even_from_an_allowed_host(server, path):
    with pytest.raises(BlockedAddressError, match="non-public address"):
        PageFetcher(allow_hosts=LOCAL).fetch(f"{server.base_url}{path}")


def test_redirect_to_other_scheme_is_refused(server):
    with pytest.raises(BlockedAddressError, match="only http and https"):
        PageFetcher(allow_hosts=LOCAL).fetch(f"{server.base_url}/to-file")


def test_redirect_to_loopback_under_another_name_is_refused(server):
    server.routes["/to-localhost"] = Route(
        status=302, headers={"Location": f"http://localhost:{server.port}/page"}
    )
    with pytest.raises(BlockedAddressError, match="refusing localhost"):
        PageFetcher(allow_hosts=LOCAL).fetch(f"{server.base_url}/to-localhost")
    assert server.requests == ["/to-localhost"]


def test_allowed_redirect_is_followed_and_final_url_reported(server):
    page = PageFetcher(allow_hosts=LOCAL).fetch(f"{server.base_url}/to-page")
    assert page.url == f"{server.base_url}/page"
    assert server.requests == ["/to-page", "/page"]


def test_redirect_loops_stop(server):
    with pytest.raises(FetchError, match="more than 3 redirects"):
        PageFetcher(allow_hosts=LOCAL, max_redirects=3).fetch(f"{server.base_url}/loop")
    assert len(server.requests) == 4


def test_http_errors_are_fetch_errors(server):
    with pytest.raises(FetchError, match="HTTP 404"):
        PageFetcher(allow_hosts=LOCAL).fetch(f"{server.base_url}/missing")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/_GET",
        "ftp://example.com/file",
        "javascript:alert(1)",
        "http:///no-host",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0.0.0.0/",
        "http://0/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://example.com@127.0.0.1/",
        "http://127.0.0.1:99999/",
    ],
)
def test_tricky_urls_are_refused(url):
    with pytest.raises(BlockedAddressError):
        check_url(url)


def fixed_resolver(*addresses: str):
    return lambda host, port: list(addresses)


def test_public_addresses_pass_and_the_checked_address_is_used():
    target = check_url("https://example.org/a?b=1#frag", resolver=fixed_resolver("93.184.215.14"))
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "example.org",
        443,
        "/a?b=1",
        "93.184.215.14",
    )
    assert check_url("http://v6.example/", resolver=fixed_resolver("2606:4700:4700::1111")).address


@pytest.mark.parametrize(
    "addresses",
    [
        ("93.184.215.14", "10.1.2.3"),  # one private answer among public ones (DNS rebinding)
        ("::ffff:10.0.0.1",),  # IPv4-mapped private
        ("2002:0a00:0001::1",),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::a00:1",),  # NAT64 prefix is not global
        ("fd12:3456::1",),  # unique local
    ],
)
def test_names_resolving_to_non_public_addresses_are_refused(addresses):
    with pytest.raises(BlockedAddressError):
        check_url("http://sneaky.example/", resolver=fixed_resolver(*addresses))


def test_allow_list_exempts_only_the_named_host():
    resolver = fixed_resolver("10.0.0.5")
    assert check_url("http://intranet.lan/", {"intranet.lan"}, resolver).address == "10.0.0.5"
    with pytest.raises(BlockedAddressError):
        check_url("http://other.lan/", {"intranet.lan"}, resolver)
    with pytest.raises(BlockedAddressError):
        check_url("file:///etc/passwd", {"", "intranet.lan"}, resolver)


def test_unresolvable_host_is_a_fetch_error_not_a_block():
    with pytest.raises(FetchError, match="cannot resolve") as caught:
        check_url("http://nowhere.example/", resolver=fixed_resolver())
    assert not isinstance(caught.value, BlockedAddressError)


def test_html_extraction_falls_back_to_plain_parser_and_never_keeps_scripts():
    text = extract_main_text("<div><script>steal()</script>Hi <b>there</b></div>", "text/html")
    assert "Hi there" in text and "steal" not in text
