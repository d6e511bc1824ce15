"""Fuzzing the readers and the feed parsing: any input yields Documents or FailedInputs with a reason, never an
exception (about 1,100 generated inputs a run: arbitrary bytes and structured-but-broken text per format)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.documents import Document, FailedInput
from narrascope.io.readers import read_inputs
from narrascope.io.sources import Fetcher, read_url
from narrascope.io.urls import is_http_url



def fuzz(examples: int) -> settings:
    """Hypothesis settings of a fuzz test: ``examples`` inputs, no deadline (trafilatura's first call is slow)."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# Pieces that readers treat specially: BOMs, NULs, magic numbers, odd line ends, zero-width and bidi characters.
SPECIAL = st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b"%PDF", b"\x89PNG", b"PK\x03\x04",
                           b"\r", b"\n", b"\r\n", b"\x85", b"\xe2\x80\x8b", b"\xe2\x80\xae", b"\xc3", b"\xed\xa0\x80",
                           b"\xf4\x90\x80\x80", b",", b'"', b"{", b"}", b"<", b">", b"&amp;", b"&#0;", b"&#xD800;"])
TEXTS = st.text(st.characters(codec="utf-8"), max_size=60)
WORDS = st.sampled_from(["NATO", "Ukraine", "the", "war", "said", "Kremlin", "é", "字", "\u200b", "\u202e", " ", "\t",
                         "\n", "\r\n", "\x00", "\x0b", "\ufeff", "\ud800"]).map(lambda w: w.encode("utf-8", "surrogatepass"))
CHUNKS = st.lists(st.one_of(st.binary(max_size=40), SPECIAL, WORDS), max_size=30).map(b"".join)
FIELD_NAMES = st.sampled_from(["id", "text", "title", "url", "outlet", "published", "language", "TEXT", " text ",
                               "", "id,text", "x\ny"])
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXTS,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
                           max_leaves=6)
URLS = st.one_of(st.sampled_from(["javascript:alert(1)", "http://", "http://[::1", "http://x:99999/", "//x",
                                  "https://news.example/a", "/relative", "http://exa mple.org"]), TEXTS)


def _check(items: Iterable[object]) -> int:
    """Every item a Document (non-blank text, an id, an http(s) URL or none) or a FailedInput with a reason."""
    count = 0
    for item in items:
        count += 1
        if isinstance(item, Document):
            assert isinstance(item.id, str) and item.id
            assert isinstance(item.text, str) and item.text.strip()
            assert item.url is None or is_http_url(item.url)
        else:
            assert isinstance(item, FailedInput), item
            assert isinstance(item.reason, str) and item.reason.strip()
    return count


def _read(name: str, data: bytes, max_bytes: int | None = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        items = read_inputs([path]) if max_bytes is None else read_inputs([path], max_bytes=max_bytes)
        assert _check(items) >= 1  # even an empty file is reported


@fuzz(300)
@given(suffix=st.sampled_from([".txt", ".html", ".jsonl", ".csv", ".htm", ".TXT"]), data=CHUNKS,
       max_bytes=st.none() | st.integers(1, 64))
def test_arbitrary_bytes_in_any_format(suffix: str, data: bytes, max_bytes: int | None) -> None:
    _read("doc" + suffix, data, max_bytes)


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        row = draw(st.dictionaries(FIELD_NAMES, JSON_VALUES | URLS, max_size=5))
        if draw(st.booleans()):
            row["text"] = draw(TEXTS | JSON_VALUES)
        line = json.dumps(row, ensure_ascii=draw(st.booleans()))
        mangle = draw(st.sampled_from(["keep", "cut", "bytes", "value"]))
        if mangle == "cut":
            line = line[: draw(st.integers(0, len(line)))]
        raw = line.encode("utf-8", "surrogatepass")
        if mangle == "bytes":
            raw = raw + draw(CHUNKS)
        elif mangle == "value":
            raw = json.dumps(draw(JSON_VALUES)).encode()
        lines.append(raw)
    return draw(st.sampled_from([b"\n", b"\r\n", b"\r"])).join(lines)


@fuzz(250)
@given(data=jsonl_files())
def test_broken_jsonl(data: bytes) -> None:
    _read("rows.jsonl", data)


def _csv_field(value: str, quoting: str) -> str:
    if quoting == "quoted":
        return '"' + value.replace('"', '""') + '"'
    if quoting == "half":
        return '"' + value
    return value


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    columns = draw(st.lists(FIELD_NAMES, min_size=1, max_size=5))
    if draw(st.integers(0, 4)):
        columns.append("text")
    rows = [",".join(columns)]
    for _ in range(draw(st.integers(0, 5))):
        width = len(columns) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        values = draw(st.lists(st.one_of(TEXTS, URLS), min_size=max(0, width), max_size=max(0, width)))
        rows.append(",".join(_csv_field(v, draw(st.sampled_from(["plain", "quoted", "quoted", "half"]))) for v in values))
    raw = draw(st.sampled_from(["\n", "\r\n"])).join(rows).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(CHUNKS) + raw[at:]
    return raw


@fuzz(250)
@given(data=csv_files())
def test_broken_csv(data: bytes) -> None:
    _read("rows.csv", data)


TAGS = st.sampled_from(["<html>", "</html>", "<head>", "<title>", "</title>", "<body>", "<article>", "<p>", "</p>",
                        "<div>", "<script>", "</script>", "<!--", "-->", "<![CDATA[", "<meta charset=\"koi8-r\">",
                        "<meta charset=\"nonsense\">", '<meta property="og:url" content="javascript:alert(1)">',
                        '<link rel="canonical" href="//evil.example">', '<meta name="date" content="99999-99-99">',
                        "<time datetime=\"-1\">", "<br>", "&", "&#0;", "&#xFFFFFF;", "<?xml version=\"1.0\"?>"])


@fuzz(150)
@given(parts=st.lists(st.one_of(TAGS, TEXTS, st.just("The harbour authority announced new shipping rules. " * 4)),
                      max_size=25),
       noise=st.binary(max_size=16))
def test_broken_html(parts: list[str], noise: bytes) -> None:
    _read("page.html", "".join(parts).encode("utf-8", "surrogatepass") + noise)


ENTRY_PARTS = st.sampled_from([
    "<title>Harbour rules</title>", "<title>&#xD800;</title>", "<title>&#0;</title>", "<title></title>", "<link>/page</link>", "<link>javascript:alert(1)</link>",
    "<link>http://[::1</link>", "<link>http://feed.example/missing</link>", "<link></link>", "<guid>e-1</guid>",
    "<description>The harbour authority announced new shipping rules for the winter.</description>",
    "<description>&lt;p&gt;&lt;/p&gt;</description>", "<description><![CDATA[<b>bold</b> words]]></description>",
    "<pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate>", "<pubDate>not a date</pubDate>",
    "<pubDate>Tue, 07 May 99999 10:00:00 GMT</pubDate>", "<updated>0000-00-00T00:00:00Z</updated>",
    '<content type="html">&lt;p&gt;Entry text.&lt;/p&gt;</content>', "<summary></summary>", "<id></id>",
])


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    atom = draw(st.booleans())
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        inner = "".join(draw(st.lists(st.one_of(ENTRY_PARTS, TEXTS.map(lambda t: t.replace("<", ""))), max_size=6)))
        entries.append(f"<entry>{inner}</entry>" if atom else f"<item>{inner}</item>")
    body = "".join(entries)
    doc = (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>{body}</feed>' if atom
           else f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{body}</channel></rss>')
    raw = doc.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 3)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))] + draw(CHUNKS)
    return raw


@fuzz(150)
@given(feed=st.one_of(feeds(), CHUNKS), page=st.one_of(CHUNKS, TAGS.map(str.encode)),
       content_type=st.sampled_from(["application/rss+xml", "text/html", "application/xml", "text/plain", ""]))
def test_feeds_and_pages(feed: bytes, page: bytes, content_type: str) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        if request.url.path == "/feed":
            return httpx.Response(200, content=feed, headers={"content-type": content_type})
        if request.url.path == "/missing":
            return httpx.Response(404)
        return httpx.Response(200, content=page, headers={"content-type": "text/html"})

    fetcher = Fetcher(min_interval=0, transport=httpx.MockTransport(respond), max_bytes=4096)
    try:
        assert _check(read_url("http://feed.example/feed", fetcher)) >= 1
    finally:
        fetcher.close()


def test_inputs_the_fuzzing_found() -> None:
    """Regressions: a CSV with only a header yielded nothing at all; an entry link with an unbalanced IPv6 bracket
    raised ValueError out of the feed reader; a character reference to a surrogate made feedparser raise."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.csv"
        path.write_bytes(b"id,text\r\n\r\n")
        assert [(f.reason, f.line) for f in read_inputs([path])] == [("no rows after the header", 1)]  # type: ignore[union-attr]
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item><title>T</title>'
            b"<link>http://[::1</link><description>Entry text.</description></item></channel></rss>")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=feed) if request.url.path == "/feed"
                                    else httpx.Response(404))
    fetcher = Fetcher(min_interval=0, transport=transport)
    items = list(read_url("http://feed.example/feed", fetcher))
    fetcher.close()
    assert [(type(i).__name__, getattr(i, "text", None)) for i in items] == [("Document", "Entry text.")]
    broken = b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>&#xD800;</title></item></channel></rss>'
    fetcher = Fetcher(min_interval=0, transport=httpx.MockTransport(lambda request: httpx.Response(200, content=broken)))
    items = list(read_url("http://feed.example/feed", fetcher))
    fetcher.close()
    assert len(items) == 1 and isinstance(items[0], FailedInput) and "cannot parse the feed" in items[0].reason


HOSTILE_LINES = st.sampled_from([
    b"[" * 5000 + b"]" * 5000, b'{"text": "x", "n": ' + b"9" * 5000 + b"}", b'{"text": "\\ud800 x", "id": "\\udc00"}',
    b'{"text": "a\\u0000b", "published": "Mon, 01 Jan 2024 10:00:00 GMT"}', b'{"text": "a", "published": "2024-02-30"}',
    b'{"text": "a", "published": "0000-01-01", "labels": "Other"}', b'{"text": "a", "published": 99999, "labels": []}',
    b'{"text": "caf\xe9"}', b"\xef\xbb\xbf{}", b'{"text": "a", "labels": "URW: Discrediting Ukraine"}'])


@fuzz(150)
@given(lines=st.lists(st.one_of(HOSTILE_LINES, st.binary(max_size=20)), min_size=1, max_size=6),
       suffix=st.sampled_from([".jsonl", ".csv"]))
def test_hostile_rows_in_analysis_and_training_files(lines: list[bytes], suffix: str) -> None:
    """Deep nesting, huge integers, lone surrogates, NULs and bad dates: a per-row failure in the analysis readers
    (documents that come out are storable), an InputError naming the file in the training reader."""
    from narrascope.dates import stored_day
    from narrascope.errors import InputError
    from narrascope.taxonomy import load_default_taxonomy
    from narrascope.training.data import read_training_data

    data = (b"id,text,labels\n" if suffix == ".csv" else b"") + b"\n".join(lines)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"rows{suffix}"
        path.write_bytes(data)
        for item in read_inputs([path]):
            if isinstance(item, Document):
                assert all(v is None or v.encode("utf-8") for v in (item.id, item.text, item.title, item.outlet))
                assert item.published is None or stored_day(item.published)
            else:
                assert isinstance(item, FailedInput) and item.reason
        try:
            read_training_data([path], load_default_taxonomy())
        except InputError as exc:
            assert exc.path == str(path)


def test_the_fuzz_script_counts_inputs_and_tracebacks() -> None:
    """``scripts/fuzz_readers.py`` (the figure of issue 27: inputs across all readers, tracebacks) on a small run."""
    import os
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / "fuzz_readers.py"
    result = subprocess.run([sys.executable, str(script), "--inputs", "150", "--seed", "3"], capture_output=True,
                            text=True, timeout=600, env={**os.environ})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "inputs: 150  tracebacks: 0" in result.stdout
