"""Sources beyond local files: web pages and RSS/Atom feeds over HTTP, politely.

``iter_sources`` reads each SOURCE — a file or folder (via ``narrascope.io.readers.read_inputs``), an
``http(s)://`` page, or a feed (recognised by its content) — and yields ``Document`` or ``FailedInput``. The
``Fetcher`` respects robots.txt and waits ``min_interval`` seconds between requests to one host. URLs for which
``skip_url`` returns True (already stored) are not fetched at all.
"""

from __future__ import annotations

import hashlib
import time
import urllib.robotparser
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from narrascope.documents import Document, FailedInput

USER_AGENT = "narrascope/0.1 (+https://github.com/narrascope)"
Item = Document | FailedInput


class Fetcher:
    """HTTP GET with robots.txt and a per-host rate limit."""

    def __init__(self, min_interval: float = 1.0, timeout: float = 20.0, user_agent: str = USER_AGENT) -> None:
        self.min_interval = min_interval
        self.user_agent = user_agent
        self.client = httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": user_agent})
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._last: dict[str, float] = {}

    def _wait(self, host: str) -> None:
        delay = self._last.get(host, 0.0) + self.min_interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._last[host] = time.monotonic()

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of ``url``'s host lets us fetch it (a missing robots.txt allows everything)."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host not in self._robots:
            parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser()
            try:
                self._wait(parts.netloc)
                response = self.client.get(urljoin(host, "/robots.txt"))
                if response.status_code >= 400:
                    parser = None
                else:
                    parser.parse(response.text.splitlines())  # type: ignore[union-attr]
            except httpx.HTTPError:
                parser = None
            self._robots[host] = parser
        robots = self._robots[host]
        return robots is None or robots.can_fetch(self.user_agent, url)

    def get(self, url: str) -> httpx.Response:
        """GET ``url``; raises ``PermissionError`` when robots.txt disallows it, ``httpx.HTTPError`` on failures."""
        if not self.allowed(url):
            raise PermissionError("robots.txt disallows fetching it")
        self._wait(urlsplit(url).netloc)
        response = self.client.get(url)
        response.raise_for_status()
        return response

    def close(self) -> None:
        self.client.close()


def _page_document(url: str, html: bytes | str, fallback: dict[str, Any] | None = None) -> Document:
    import trafilatura

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extracted = trafilatura.bare_extraction(html, url=url, with_metadata=True, favor_recall=True)
    meta: dict[str, Any] = {}
    if extracted is not None:
        meta = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    fallback = fallback or {}
    text = (meta.get("text") or fallback.get("text") or "").strip()
    if not text:
        raise ValueError("no main text found in the page")
    return Document(
        id="u-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:16],
        text=text,
        title=fallback.get("title") or meta.get("title"),
        url=url,
        outlet=urlsplit(url).netloc or meta.get("sitename"),
        published=fallback.get("published") or meta.get("date"),
        source=url,
    )


def _entry_date(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return time.strftime("%Y-%m-%dT%H:%M:%S", parsed) if parsed else None


def read_url(url: str, fetcher: Fetcher, skip_url: Callable[[str], bool] = lambda u: False) -> Iterator[Item]:
    """The page at ``url``, or — when it is an RSS/Atom feed — the article behind each entry."""
    import feedparser

    try:
        response = fetcher.get(url)
    except (httpx.HTTPError, PermissionError) as exc:
        yield FailedInput(source=url, reason=f"cannot fetch: {exc}")
        return
    content_type = response.headers.get("content-type", "")
    head = response.content[:500].lstrip().lower()
    is_feed = any(t in content_type for t in ("rss", "atom", "xml")) or head.startswith((b"<?xml", b"<rss", b"<feed"))
    feed = feedparser.parse(response.content) if is_feed else None
    if not feed or not feed.entries:
        if skip_url(url):
            return
        try:
            yield _page_document(url, response.content)
        except ValueError as exc:
            yield FailedInput(source=url, reason=str(exc))
        return
    for entry in feed.entries:
        link = entry.get("link")
        if not link:
            continue
        link = urljoin(url, link)
        if skip_url(link):
            continue
        summary = {"title": entry.get("title"), "published": _entry_date(entry), "text": entry.get("summary", "")}
        try:
            page = fetcher.get(link)
            yield _page_document(link, page.content, summary)
        except (httpx.HTTPError, PermissionError, ValueError) as exc:
            yield FailedInput(source=link, reason=f"feed {url}: {exc}")


def iter_sources(sources: Iterable[str], fetcher: Fetcher | None = None,
                 skip_url: Callable[[str], bool] = lambda u: False) -> Iterator[Item]:
    """Documents from files, folders, pages and feeds, in the order given."""
    from narrascope.io.readers import read_inputs

    own = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        for source in sources:
            if source.startswith(("http://", "https://")):
                yield from read_url(source, fetcher, skip_url)
            else:
                yield from read_inputs([source])
    finally:
        if own:
            fetcher.close()
