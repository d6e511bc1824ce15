"""Ids and URLs from untrusted inputs: every stored id is reachable by its page and API URL, and only http(s)
URLs are accepted at the API boundary or ever rendered as a link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape, unescape
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from narrascope.documents import Analysis, Document
from narrascope.store import open_store
from narrascope.web import create_app

from .conftest import serving
from .corpus import TOKEN, build_corpus, make_pipeline

AUTH = {"Authorization": f"Bearer {TOKEN}"}
ODD_IDS = ["line\nbreak", "trailing newline\n", "\nleading", "cr\rand\ttab", "bell\x07and\x1bescape", "del\x7f",
           "slash/es//double", "/leading slash", "trailing/", "question?mark#hash", "percent%2Fencoded", "space d",
           "dots/../up", "ünïcödé/字", "a\u2028line separator", "nul\x00byte"]


def _store_documents(db: Path, docs: list[Document]) -> None:
    store = open_store(db)
    try:
        with store.transaction():
            store.add_documents(docs)
            store.add_analyses([Analysis(document_id=d.id, language="en") for d in docs])
    finally:
        store.close()


@pytest.fixture(scope="module")
def odd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A uvicorn server (a real one: the test client decodes a path twice) over a corpus with ``ODD_IDS``."""
    db = build_corpus(tmp_path_factory.mktemp("odd") / "corpus.db")
    _store_documents(db, [Document(id=i, text=f"An article whose id is {i!r}, stored as given.", title="Odd id",
                                   published="2024-04-10") for i in ODD_IDS])
    store = open_store(db)
    with serving(create_app(store, pipeline=make_pipeline(), token=TOKEN), warm_up=None) as base:
        yield base
    store.close()


@pytest.mark.parametrize("doc_id", ODD_IDS)
def test_every_stored_id_round_trips_through_its_urls(odd_server: str, doc_id: str) -> None:
    stored = doc_id.replace("\x00", "\ufffd")  # both stores keep a NUL as U+FFFD (PostgreSQL cannot hold NUL)
    api = httpx.get(odd_server + "/api/documents/" + quote(doc_id, safe=""), timeout=60)
    assert api.status_code == 200, api.text
    assert api.json()["document"]["id"] == stored
    listing = httpx.get(odd_server + "/documents", params={"q": f"{doc_id!r}"[1:-1]}, timeout=60)
    links = {unescape(link) for link in re.findall(r'class="doc-title" href="([^"]+)"', listing.text)}
    assert "/articles/" + quote(stored, safe="") in links
    page = httpx.get(odd_server + "/articles/" + quote(stored, safe=""), timeout=60)  # the link the listing renders
    assert page.status_code == 200, page.text
    assert "stored as given" in page.text and escape(repr(doc_id)) in page.text  # the text quotes it as written


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
                                 "ftp://example.org/a", "//evil.example/x", "http://", "https//no-colon.example",
                                 "example.org/page", "http://exa mple.org/"])
def test_api_refuses_a_url_that_is_not_http(client: TestClient, url: str) -> None:
    response = client.post("/api/analyze", json={"text": "NATO is at war.", "url": url}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert "url" in response.json()["error"] and "http" in response.json()["error"]


def test_api_accepts_http_and_https_urls(client: TestClient) -> None:
    for url in ("https://news.example/a?b=c#d", "HTTP://News.Example:8080/path"):
        response = client.post("/api/analyze", params={"store": False}, json={"text": "NATO is at war.", "url": url},
                               headers=AUTH)
        assert response.status_code == 200, response.text
        assert response.json()["document"]["url"] == url


def test_a_stored_non_http_url_is_never_rendered_as_a_link(web_db: Path) -> None:
    docs = [Document(id="evil-1", text="First article with a hostile link.", url="javascript:alert(1)"),
            Document(id="evil-2", text="Second article with a hostile link.", url=" data:text/html,x"),
            Document(id="fine", text="An article with a fine link.", url="https://news.example/fine")]
    _store_documents(web_db, docs)
    store = open_store(web_db)
    try:
        with TestClient(create_app(store, pipeline=make_pipeline(), token=TOKEN)) as client:
            for doc in docs[:2]:
                page = client.get("/articles/" + doc.id)
                assert page.status_code == 200
                assert "javascript:" not in page.text and "data:text" not in page.text
                assert ">source</a>" not in page.text
            fine = client.get("/articles/fine")
            assert 'href="https://news.example/fine"' in fine.text
    finally:
        store.close()
