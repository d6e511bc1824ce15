"""Sources beyond local files: web pages and RSS/Atom feeds over HTTP, politely.

``iter_sources`` reads each SOURCE — a file or folder (via ``narrascope.io.readers.read_inputs``), an
``http(s)://`` page, or a feed (recognised by its content) — and yields ``Document`` or ``FailedInput``. The
``Fetcher`` respects robots.txt, waits ``min_interval`` seconds between requests to one host, stops a download at
``max_bytes`` (5 MB, the limit of a local file) and gives up on a fetch that has not completed within ``deadline``
seconds (redirects included; a server dripping its answer byte by byte is reported for that URL, the run goes on).
URLs for which ``skip_url`` returns True (already stored) are not fetched at all.

Links found inside a feed, and every redirect, may point anywhere, so they are refused when their host is (or
resolves to) a loopback, private, link-local or otherwise non-public address, unless ``allow_private`` is set: a
feed must not make narrascope read the pages of its own machine or network and store them. A URL the user names
(a source on the command line) is fetched wherever it points. Both limits are enforced on the sockets as well
(``narrascope.io.network.GuardedBackend``): a server dripping its headers is cut off at the deadline, and a checked
name is connected to at the address that was checked.

A feed without entries is reported as an empty feed. A feed entry without an http(s) link becomes a document of its own text
(content or summary, HTML stripped) with an id derived from the feed URL and the entry's id or title; an entry with
neither a link nor text is reported as failed.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
import urllib.robotparser
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from narrascope.dates import normalise_date, published_or_none
from narrascope.documents import Document, FailedInput
from narrascope.io.network import GuardedBackend, non_public_address
from narrascope.io.readers import MAX_BYTES
from narrascope.io.urls import is_http_url

USER_AGENT = "narrascope/0.1 (+https://github.com/narrascope)"
Item = Document | FailedInput
ROBOTS_MAX_BYTES = 512 * 1024


FETCH_DEADLINE = 60.0  # seconds for one fetch, redirects included
MAX_REDIRECTS = 10


class TooLargeError(httpx.HTTPError):
    """A response over the download limit (raised before the rest of it is read)."""


class DeadlineError(httpx.HTTPError):
    """A fetch that did not complete within the fetcher's deadline (a slow or dripping server)."""


class PrivateAddressError(httpx.HTTPError):
    """A link or redirect to a loopback, private or link-local address, refused without ``allow_private``."""


class Fetcher:
    """HTTP GET with robots.txt, a per-host rate limit, a cap on the bytes read per response, a total deadline per
    fetch, and (unless ``allow_private``) no links or redirects to non-public addresses.

    ``transport`` replaces the network (``httpx.MockTransport`` in tests).
    """

    def __init__(self, min_interval: float = 1.0, timeout: float = 20.0, user_agent: str = USER_AGENT,
                 max_bytes: int = MAX_BYTES, transport: httpx.BaseTransport | None = None,
                 deadline: float = FETCH_DEADLINE, allow_private: bool = False) -> None:
        if deadline <= 0:
            raise ValueError(f"deadline must be > 0 seconds, got {deadline}")
        self.min_interval = min_interval
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.allow_private = allow_private
        # the deadline and the address rule are enforced on the sockets (GuardedBackend): a server dripping its
        # headers or body is cut off, and a checked name is connected to at the address that was checked
        self._network: GuardedBackend | None = None
        if transport is None:
            transport = httpx.HTTPTransport()
            pool = getattr(transport, "_pool", None)
            if pool is not None and hasattr(pool, "_network_backend"):
                self._network = pool._network_backend = GuardedBackend()
        self.client = httpx.Client(timeout=min(timeout, deadline), follow_redirects=False,
                                   headers={"User-Agent": user_agent}, transport=transport)
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
                response = self._download(urljoin(host, "/robots.txt"), ROBOTS_MAX_BYTES)
                if response.status_code >= 400:
                    parser = None
                else:
                    parser.parse(response.text.splitlines())  # type: ignore[union-attr]
            except httpx.HTTPError:
                parser = None
            self._robots[host] = parser
        robots = self._robots[host]
        return robots is None or robots.can_fetch(self.user_agent, url)

    def get(self, url: str, check_address: bool = False) -> httpx.Response:
        """GET ``url``; raises ``PermissionError`` when robots.txt disallows it, ``httpx.HTTPError`` on failures
        (``PrivateAddressError`` for a non-public address when ``check_address`` is set or after a redirect,
        ``DeadlineError`` past the deadline). A URL found in a feed is fetched with ``check_address``."""
        if check_address:
            self._check_address(url)
        if not self.allowed(url):
            raise PermissionError("robots.txt disallows fetching it")
        self._wait(urlsplit(url).netloc)
        # redirects are checked unless the user named a non-public URL (a local server's own redirects stay allowed)
        guard = check_address or non_public_address(urlsplit(url).hostname or "") is None
        response = self._download(url, self.max_bytes, guard, first_public=check_address)
        response.raise_for_status()
        return response

    def _check_address(self, url: str) -> None:
        if self.allow_private:
            return
        host = urlsplit(url).hostname or ""
        address = non_public_address(host)
        if address is not None:
            raise PrivateAddressError(f"{url}: refused: {host} is the non-public address {address} (loopback, private "
                                      "or link-local); pass --allow-private-links to fetch such links from feeds")

    def _download(self, url: str, max_bytes: int, guard: bool = True, first_public: bool = False) -> httpx.Response:
        """The response to GET ``url`` (redirects followed, each checked like a feed link when ``guard``; ``url``
        itself too when ``first_public``) with its body read up to ``max_bytes`` (decoded); ``TooLargeError``
        beyond, ``DeadlineError`` when it takes over the deadline."""
        started = time.monotonic()
        network = self._network
        if network is not None:
            network.deadline, network.public_only = started + self.deadline, first_public and not self.allow_private
        try:
            return self._follow(url, max_bytes, guard, started)
        except httpx.TimeoutException as exc:
            if time.monotonic() - started >= self.deadline:
                raise DeadlineError(f"{url}: no complete answer within {self.deadline:g} s (fetch deadline); the "
                                    "server is too slow or drips its answer") from exc
            raise
        finally:
            if network is not None:
                network.deadline, network.public_only = None, False

    def _follow(self, url: str, max_bytes: int, guard: bool, started: float) -> httpx.Response:
        first = url

        def too_large() -> TooLargeError:
            return TooLargeError(f"{url} is over the {max_bytes / 1_048_576:.1f} MB download limit "
                                 "(Fetcher max_bytes)")

        def check_deadline() -> None:
            if time.monotonic() - started > self.deadline:
                raise DeadlineError(f"{first}: no complete answer within {self.deadline:g} s (fetch deadline); the "
                                    "server is too slow or drips its answer")

        for _ in range(MAX_REDIRECTS + 1):
            with self.client.stream("GET", url) as response:
                check_deadline()
                if response.is_redirect and "location" in response.headers:
                    url = str(response.url.join(response.headers["location"]))
                    if guard:
                        self._check_address(url)
                        if self._network is not None:
                            self._network.public_only = not self.allow_private
                    continue
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in response.headers:
                    raise too_large()
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise too_large()
                    check_deadline()
            headers = [(k, v) for k, v in response.headers.multi_items()
                       if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
            return httpx.Response(response.status_code, headers=headers, content=bytes(body), request=response.request)
        raise httpx.TooManyRedirects(f"{first}: more than {MAX_REDIRECTS} redirects")

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
        published=published_or_none(fallback.get("published") or meta.get("date"), url),
        source=url,
    )


def _entry_date(entry: Any) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # feedparser's updated/published fallback notice
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    try:
        return normalise_date(time.strftime("%Y-%m-%dT%H:%M:%S", parsed)) if parsed else None
    except (TypeError, ValueError, OverflowError):
        return None


_BLOCK_TAGS = re.compile(r"</?(?:p|div|br|li|h[1-6]|blockquote|tr|section|article)\b[^>]*>", re.I)


def _plain_text(markup: str) -> str:
    """Text of an entry's (sanitised) HTML content or summary: tags dropped, blocks on their own lines."""
    text = html.unescape(re.sub(r"<[^>]*>", "", _BLOCK_TAGS.sub("\n", markup)))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _entry_text(entry: Any) -> str:
    for content in entry.get("content") or []:
        text = _plain_text(str(content.get("value") or ""))
        if text:
            return text
    return _plain_text(str(entry.get("summary") or ""))


def _entry_document(feed_url: str, number: int, entry: Any) -> Item:
    """A feed entry without a link, as a document of its own text, or a ``FailedInput`` when it has none."""
    key = str(entry.get("id") or entry.get("title") or "").strip()
    text = _entry_text(entry)
    if not text:
        name = repr(entry["title"]) if entry.get("title") else (key or "no id or title")
        return FailedInput(source=feed_url, reason=f"feed entry {number} ({name}) has no link and no text")
    seed = f"{feed_url}\n{key or text}"
    return Document(
        id="f-" + hashlib.sha1(seed.encode("utf-8", "surrogatepass")).hexdigest()[:16],
        text=text,
        title=str(entry.get("title") or "").strip() or None,
        outlet=urlsplit(feed_url).netloc or None,
        published=_entry_date(entry),
        source=feed_url,
    )


def read_url(url: str, fetcher: Fetcher, skip_url: Callable[[str], bool] = lambda u: False) -> Iterator[Item]:
    """The page at ``url``, or — when it is an RSS/Atom feed — the article behind each entry."""
    import feedparser

    try:
        response = fetcher.get(url)
    except (httpx.HTTPError, httpx.InvalidURL, PermissionError, ValueError) as exc:
        yield FailedInput(source=url, reason=f"cannot fetch: {exc}")
        return
    content_type = response.headers.get("content-type", "")
    head = response.content[:500].lstrip().lower()
    is_feed = any(t in content_type for t in ("rss", "atom", "xml")) or head.startswith((b"<?xml", b"<rss", b"<feed"))
    try:
        feed = feedparser.parse(response.content) if is_feed else None
    except Exception as exc:  # noqa: BLE001 - hostile XML can break feedparser itself (e.g. &#xD800; in a title)
        yield FailedInput(source=url, reason=f"cannot parse the feed ({type(exc).__name__}: {exc})")
        return
    if feed is not None and feed.get("version") and not feed.entries:
        yield FailedInput(source=url, reason="feed has no entries (empty feed)")
        return
    if not feed or not feed.entries:
        if skip_url(url):
            return
        try:
            yield _page_document(url, response.content)
        except ValueError as exc:
            yield FailedInput(source=url, reason=str(exc))
        return
    for number, entry in enumerate(feed.entries, 1):
        link = _entry_link(url, entry)
        if link is None:
            yield _entry_document(url, number, entry)
            continue
        if skip_url(link):
            continue
        summary = {"title": entry.get("title"), "published": _entry_date(entry), "text": _entry_text(entry)}
        try:
            page = fetcher.get(link, check_address=True)
            yield _page_document(link, page.content, summary)
        except (httpx.HTTPError, httpx.InvalidURL, PermissionError, ValueError) as exc:
            yield FailedInput(source=link, reason=f"feed {url}: {exc}")


def _entry_link(feed_url: str, entry: Any) -> str | None:
    """The entry's link resolved against the feed's URL; ``None`` when it has none or it is not http(s)."""
    link = entry.get("link")
    try:
        link = urljoin(feed_url, str(link)) if link else None
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    return link if is_http_url(link) else None


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
