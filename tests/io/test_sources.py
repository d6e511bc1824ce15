"""Pages and feeds from a local HTTP server: extraction, robots.txt, and no refetch of stored URLs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from narrascope.documents import Document, FailedInput
from narrascope.io.sources import Fetcher, iter_sources

BODY = "<p>" + "The harbour authority announced new shipping rules for the winter season. " * 6 + "</p>"
PAGES = {
    "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /private/\n"),
    "/news/1.html": ("text/html", f"<html><head><title>Harbour rules</title></head><body><article>{BODY}</article></body></html>"),
    "/private/2.html": ("text/html", f"<html><body><article>{BODY}</article></body></html>"),
    "/feed.xml": ("application/rss+xml", """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Harbour rules</title><link>/news/1.html</link><pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate></item>
<item><title>Secret</title><link>/private/2.html</link></item></channel></rss>"""),
}


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
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
