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

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()


def test_feed_entries_fetched_and_robots_respected(server: tuple[str, list[str]]) -> None:
    base, hits = server
    items = list(iter_sources([f"{base}/feed.xml"], Fetcher(min_interval=0)))
    docs = [i for i in items if isinstance(i, Document)]
    failed = [i for i in items if isinstance(i, FailedInput)]
    assert [d.url for d in docs] == [f"{base}/news/1.html"]
    assert docs[0].title == "Harbour rules" and docs[0].published == "2024-05-07T10:00:00"
    assert "harbour authority" in docs[0].text
    assert len(failed) == 1 and "robots.txt" in failed[0].reason
    assert "/private/2.html" not in hits


def test_stored_urls_are_not_fetched_again(server: tuple[str, list[str]]) -> None:
    base, hits = server
    list(iter_sources([f"{base}/feed.xml"], Fetcher(min_interval=0), skip_url=lambda url: url.endswith("/1.html")))
    assert "/news/1.html" not in hits


def test_downloads_stop_at_the_size_cap(server: tuple[str, list[str]]) -> None:
    base, _ = server
    assert Fetcher().max_bytes == MAX_BYTES  # the same limit as a local file
    fetcher = Fetcher(min_interval=0, max_bytes=256 * 1024)
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
    items = list(iter_sources([f"{base}/empty.xml", f"{base}/empty-atom"], Fetcher(min_interval=0)))
    assert [type(i) for i in items] == [FailedInput, FailedInput]
    assert [i.source for i in items] == [f"{base}/empty.xml", f"{base}/empty-atom"]
    assert all("feed has no entries" in i.reason for i in items)


def test_feed_entries_without_a_link_use_their_own_text_or_fail_with_a_reason(server: tuple[str, list[str]]) -> None:
    base, _ = server
    url = f"{base}/linkless.xml"
    items = list(iter_sources([url], Fetcher(min_interval=0)))
    docs = [i for i in items if isinstance(i, Document)]
    failed = [i for i in items if isinstance(i, FailedInput)]
    assert len(docs) == 2 and len(failed) == 2
    inline = docs[0]
    assert inline.text == "The harbour authority announced new shipping rules for winter."
    assert inline.title == "Harbour rules" and inline.url is None and inline.source == url
    assert inline.id.startswith("f-") and inline.outlet == "127.0.0.1:" + base.rsplit(":", 1)[1]
    again = [i for i in iter_sources([url], Fetcher(min_interval=0)) if isinstance(i, Document)]
    assert again[0].id == inline.id  # the id derives from the feed and the entry, so a re-read finds it again
    assert docs[1].url == f"{base}/news/1.html"
    assert [f.source for f in failed] == [url, url]
    assert "entry 2 ('Only a title')" in failed[0].reason and "no link and no text" in failed[0].reason
    assert "entry 3 (entry-9)" in failed[1].reason
