"""Only http(s) URLs are kept: the check itself, and readers dropping any other URL with a warning."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from narrascope.documents import Document
from narrascope.io.readers import read_inputs
from narrascope.io.urls import is_http_url

HOSTILE = ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "file:///etc/passwd",
           "ftp://example.org/", "//example.org/x", "/relative/path", "example.org", "http://", "http:///path",
           "http://exa mple.org", "http://example.org:99999/", "http://[::1", "https://x\n.example"]


@pytest.mark.parametrize("url", HOSTILE)
def test_non_http_urls_are_refused(url: str) -> None:
    assert not is_http_url(url)


@pytest.mark.parametrize("url", ["http://example.org", "https://news.example/a/b?c=d#e", "HTTPS://Example.ORG:8443/",
                                 "http://127.0.0.1:8000/x", "http://[::1]/x", "https://пример.рф/статья"])
def test_http_urls_are_kept(url: str) -> None:
    assert is_http_url(url)


def test_readers_drop_a_non_http_url_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = [{"id": "a", "text": "One.", "url": "javascript:alert(1)"},
            {"id": "b", "text": "Two.", "url": "https://news.example/b"},
            {"id": "c", "text": "Three.", "url": "data:text/html,x"}]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "rows.csv").write_text('id,text,url\nd,Four.,"javascript:alert(1)"\ne,Five.,http://news.example/e\n',
                                       encoding="utf-8")
    (tmp_path / "page.html").write_text(
        '<html><head><link rel="canonical" href="javascript:alert(1)"><title>T</title></head><body><article><p>'
        + "The harbour authority announced new shipping rules for the winter season. " * 5
        + "</p></article></body></html>", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="narrascope.io.readers"):
        docs = [d for d in read_inputs([tmp_path]) if isinstance(d, Document)]
    urls = {d.id: d.url for d in docs}
    assert urls == {"page": None, "d": None, "e": "http://news.example/e", "a": None, "b": "https://news.example/b",
                    "c": None}
    dropped = [r.getMessage() for r in caplog.records if "not an http(s) URL" in r.getMessage()]
    assert len(dropped) == 3  # trafilatura already ignores a non-http canonical URL; the reader checks it again
    assert any("rows.jsonl:1" in m and "javascript:alert(1)" in m for m in dropped)
