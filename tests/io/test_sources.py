"""Pages and feeds from a local HTTP server: extraction, robots.txt, no refetch of stored URLs, the download cap,
empty feeds and feed entries without a link."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from narrascope.documents import Document, FailedInput
from narrascope.io.readers import MAX_BYTES
from narrascope.io.sources import Fetcher, iter_sources

BODY = "<p>" + "The harbour authority announced new shipping rules for the winter season. " * 6 + "</p>"
PAGES = {
    "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /private/\n"),
    "/news/1.html": ("text/html", f"<html><head><title>Harbour rules</title></head><body><article>{BODY}</article></body></html>"),
    "/private/2.html": ("text/html", f"<html><body><article>{BODY}</article></body></html>"),
    "/feed.xml": ("application/rss+xml", """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Harbour rules</title><link>/news/1.html</link><pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate></item>
<item><title>Secret</title><link>/private/2.html</link></item></channel></rss>"""),
    "/empty.xml": ("application/rss+xml", """<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>
<link>http://example.org/</link><description>Nothing yet</description></channel></rss>"""),
    "/empty-atom": ("text/html", """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet</title><id>urn:quiet</id></feed>"""),
    "/linkless.xml": ("application/rss+xml", """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Harbour rules</title><guid isPermaLink="false">entry-7</guid>
<description>&lt;p&gt;The harbour authority announced new &lt;b&gt;shipping rules&lt;/b&gt; for winter.&lt;/p&gt;</description>
</item>
<item><title>Only a title</title></item>
<item><guid isPermaLink="false">entry-9</guid><description>   </description></item>
<item><title>Harbour rules</title><link>/news/1.html</link></item></channel></rss>"""),
    "/big-feed.xml": ("application/rss+xml", """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Huge</title><link>/huge.html</link></item></channel></rss>"""),
}
HUGE = 3 * 1024 * 1024  # bytes streamed by /huge.html (chunked, no Content-Length) and /huge-declared.html


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            if self.path == "/drip.html":
                self._drip()
                return
            if self.path == "/drip-headers.html":  # a header line a byte at a time: no read ever times out
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    for _ in range(600):
                        self.wfile.write(b"X")
                        self.wfile.flush()
                        time.sleep(0.2)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            if self.path == "/redirect-home":
                self.send_response(302)
                self.send_header("Location", "/news/1.html")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path in ("/huge.html", "/huge-declared.html"):
                self._huge(declared=self.path == "/huge-declared.html")
                return
            if self.path in ("/gzip.html", "/bomb.html"):
                page = PAGES["/news/1.html"][1].encode() if self.path == "/gzip.html" else b" " * HUGE
                data = gzip.compress(page)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if self.path not in PAGES:
                self.send_error(404)
                return
            kind, body = PAGES[self.path]
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _huge(self, declared: bool) -> None:
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if declared:
                self.send_header("Content-Length", str(HUGE))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"The harbour authority announced new rules. " * 1500 + b"</p>"
            sent = 0
            try:
                while sent < HUGE:
                    part = chunk[: HUGE - sent]
                    self.wfile.write(part if declared else b"%x\r\n%s\r\n" % (len(part), part))
                    sent += len(part)
                if not declared:
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def _drip(self) -> None:
            """11 bytes a second of a 5 MB page (the audit's dripping server)."""
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(5 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(b"<p>drip</p>")
                    self.wfile.flush()
                    time.sleep(1.0)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()


def test_feed_entries_fetched_and_robots_respected(server: tuple[str, list[str]]) -> None:
    base, hits = server
    items = list(iter_sources([f"{base}/feed.xml"], Fetcher(min_interval=0, allow_private=True)))
    docs = [i for i in items if isinstance(i, Document)]
    failed = [i for i in items if isinstance(i, FailedInput)]
    assert [d.url for d in docs] == [f"{base}/news/1.html"]
    assert docs[0].title == "Harbour rules" and docs[0].published == "2024-05-07T10:00:00"
    assert "harbour authority" in docs[0].text
    assert len(failed) == 1 and "robots.txt" in failed[0].reason
    assert "/private/2.html" not in hits


def test_stored_urls_are_not_fetched_again(server: tuple[str, list[str]]) -> None:
    base, hits = server
    list(iter_sources([f"{base}/feed.xml"], Fetcher(min_interval=0, allow_private=True), skip_url=lambda url: url.endswith("/1.html")))
    assert "/news/1.html" not in hits


def test_downloads_stop_at_the_size_cap(server: tuple[str, list[str]]) -> None:
    base, _ = server
    assert Fetcher().max_bytes == MAX_BYTES  # the same limit as a local file
    fetcher = Fetcher(min_interval=0, allow_private=True, max_bytes=256 * 1024)
    started = time.perf_counter()
    items = list(iter_sources([f"{base}/huge.html", f"{base}/huge-declared.html", f"{base}/big-feed.xml",
                               f"{base}/news/1.html"], fetcher))
    elapsed = time.perf_counter() - started
    assert [type(i).__name__ for i in items] == ["FailedInput", "FailedInput", "FailedInput", "Document"]
    for item, path in zip(items[:3], ("/huge.html", "/huge-declared.html", "/huge.html")):
        assert isinstance(item, FailedInput) and item.source == base + path
        assert "over the 0.2 MB download limit" in item.reason and base + path in item.reason
    assert "feed " + base + "/big-feed.xml" in items[2].reason
    assert elapsed < 5
    zipped = list(iter_sources([f"{base}/gzip.html", f"{base}/bomb.html"], fetcher))
    assert isinstance(zipped[0], Document) and "harbour authority" in zipped[0].text
    assert isinstance(zipped[1], FailedInput) and "download limit" in zipped[1].reason  # counted after decoding


def test_a_feed_without_entries_is_an_empty_feed_not_an_article(server: tuple[str, list[str]]) -> None:
    base, _ = server
    items = list(iter_sources([f"{base}/empty.xml", f"{base}/empty-atom"], Fetcher(min_interval=0, allow_private=True)))
    assert [type(i) for i in items] == [FailedInput, FailedInput]
    assert [i.source for i in items] == [f"{base}/empty.xml", f"{base}/empty-atom"]
    assert all("feed has no entries" in i.reason for i in items)


def test_feed_entries_without_a_link_use_their_own_text_or_fail_with_a_reason(server: tuple[str, list[str]]) -> None:
    base, _ = server
    url = f"{base}/linkless.xml"
    items = list(iter_sources([url], Fetcher(min_interval=0, allow_private=True)))
    docs = [i for i in items if isinstance(i, Document)]
    failed = [i for i in items if isinstance(i, FailedInput)]
    assert len(docs) == 2 and len(failed) == 2
    inline = docs[0]
    assert inline.text == "The harbour authority announced new shipping rules for winter."
    assert inline.title == "Harbour rules" and inline.url is None and inline.source == url
    assert inline.id.startswith("f-") and inline.outlet == "127.0.0.1:" + base.rsplit(":", 1)[1]
    again = [i for i in iter_sources([url], Fetcher(min_interval=0, allow_private=True)) if isinstance(i, Document)]
    assert again[0].id == inline.id  # the id derives from the feed and the entry, so a re-read finds it again
    assert docs[1].url == f"{base}/news/1.html"
    assert [f.source for f in failed] == [url, url]
    assert "entry 2 ('Only a title')" in failed[0].reason and "no link and no text" in failed[0].reason
    assert "entry 3 (entry-9)" in failed[1].reason


def test_a_dripping_server_fails_its_url_at_the_deadline(server: tuple[str, list[str]]) -> None:
    """The audit's server dripped 11 bytes/s: ingest hung for good. Each fetch now has a total deadline."""
    base, _ = server
    started = time.monotonic()
    items = list(iter_sources([f"{base}/drip.html", f"{base}/news/1.html"], Fetcher(min_interval=0, deadline=2.0)))
    elapsed = time.monotonic() - started
    assert isinstance(items[0], FailedInput) and items[0].source == f"{base}/drip.html"
    assert "no complete answer within 2 s (fetch deadline)" in items[0].reason
    assert isinstance(items[1], Document)  # the next URL is read
    assert elapsed < 2.0 + 5.0


def test_a_server_dripping_its_headers_fails_at_the_deadline(server: tuple[str, list[str]]) -> None:
    base, _ = server
    started = time.monotonic()
    items = list(iter_sources([f"{base}/drip-headers.html"], Fetcher(min_interval=0, deadline=2.0)))
    assert time.monotonic() - started < 2.0 + 3.0
    assert isinstance(items[0], FailedInput) and "no complete answer within 2 s (fetch deadline)" in items[0].reason


def test_the_address_rule_holds_at_connect_time_too() -> None:
    """A checked name is connected to at the address that was checked (no second lookup to rebind)."""
    import httpcore

    from narrascope.io.network import GuardedBackend

    backend = GuardedBackend()
    backend.public_only = True
    with pytest.raises(httpcore.ConnectError, match="refused: localhost is the non-public address"):
        backend.connect_tcp("localhost", 80, timeout=1.0)
    backend.public_only, backend.deadline = False, time.monotonic() - 1
    with pytest.raises(httpcore.ReadTimeout, match="deadline"):
        backend.connect_tcp("127.0.0.1", 9, timeout=1.0)


def test_ingest_reports_a_dripping_url_and_finishes_its_run(server: tuple[str, list[str]], tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from narrascope.cli import app
    from narrascope.store import open_store

    base, _ = server
    db = tmp_path / "c.db"
    result = CliRunner().invoke(app, ["ingest", f"{base}/drip.html", "--db", str(db), "--no-analyze",
                                      "--fetch-deadline", "1.5", "--rate", "0"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["failed"] == 1
    store = open_store(str(db))
    assert [run.status for run in store.runs()] == ["done"]
    store.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "0x7f000001", "localhost", "[::1]", "::ffff:127.0.0.1", "0.0.0.0",
                                  "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "fc00::1",
                                  "fe80::1", "224.0.0.1"])
def test_non_public_addresses_are_recognised(host: str) -> None:
    from narrascope.io.sources import non_public_address

    assert non_public_address(host) is not None


def test_public_and_unresolvable_hosts_pass_the_address_check() -> None:
    from narrascope.io.sources import non_public_address

    assert non_public_address("8.8.8.8") is None and non_public_address("2001:4860:4860::8888") is None
    assert non_public_address("no-such-host.invalid") is None  # the request fails on its own


def test_feed_links_to_loopback_are_refused_unless_allowed(server: tuple[str, list[str]]) -> None:
    """The audit's feed linked to a loopback page; its text was stored and shown on the dashboard."""
    base, hits = server
    items = list(iter_sources([f"{base}/feed.xml"], Fetcher(min_interval=0)))
    refused = [i for i in items if isinstance(i, FailedInput)]
    assert [i.source for i in refused] == [f"{base}/news/1.html", f"{base}/private/2.html"]
    assert all("non-public address 127.0.0.1" in i.reason and "--allow-private-links" in i.reason for i in refused)
    assert "/news/1.html" not in hits and "/private/2.html" not in hits  # never requested
    allowed = list(iter_sources([f"{base}/feed.xml"], Fetcher(min_interval=0, allow_private=True)))
    assert [d.url for d in allowed if isinstance(d, Document)] == [f"{base}/news/1.html"]


def test_a_named_local_url_is_fetched_and_its_redirects_followed(server: tuple[str, list[str]]) -> None:
    base, _ = server
    items = list(iter_sources([f"{base}/redirect-home"], Fetcher(min_interval=0)))
    assert isinstance(items[0], Document) and "harbour" in items[0].text.lower()


def test_redirects_from_a_public_link_to_a_private_address_are_refused() -> None:
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "news.example" and request.url.path == "/feed":
            return httpx.Response(200, headers={"content-type": "application/rss+xml"}, content=(
                b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                b"<item><title>A</title><link>http://news.example/a</link></item></channel></rss>"))
        if request.url.host == "news.example" and request.url.path == "/a":
            return httpx.Response(302, headers={"location": "http://169.254.169.254/latest/meta-data/"})
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(200, text="<html><body><article>internal secrets of the cloud host</article></body></html>")

    fetcher = Fetcher(min_interval=0, transport=httpx.MockTransport(handler))
    items = list(iter_sources(["http://news.example/feed"], fetcher))
    assert len(items) == 1 and isinstance(items[0], FailedInput)
    assert "169.254.169.254" in items[0].reason and "refused" in items[0].reason
    fetcher = Fetcher(min_interval=0, transport=httpx.MockTransport(handler), allow_private=True)
    assert isinstance(next(iter_sources(["http://news.example/feed"], fetcher)), Document)
