"""One event reported in three languages with near-copies (``tests/data/rotterdam``: a seizure in Rotterdam in EN,
RU and PT, each with a syndicated copy, an English follow-up, an earlier article on the same port and sanctions, and
unrelated articles in Russian and Portuguese), ingested with the real language step, storylines and dedup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import narrascope
from narrascope.corpus.ingestion import ingest
from narrascope.io.readers import read_inputs
from narrascope.store import open_store
from narrascope.store.base import DocumentQuery, Store

ARTICLES = Path(__file__).parent.parent / "data" / "rotterdam" / "articles.jsonl"
EVENT = ["origin-en", "copy-en", "report-ru", "copy-ru", "report-pt", "copy-pt", "follow-en"]
COPIES = {"copy-en": "origin-en", "copy-ru": "report-ru", "copy-pt": "report-pt"}


@pytest.fixture(scope="module")
def event_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rotterdam") / "corpus.db"
    store = open_store(path)
    ingest(read_inputs([ARTICLES]), store, narrascope.load(steps=["language"]))
    store.close()
    return path


@pytest.fixture
def store(event_db: Path) -> Iterator[Store]:
    opened = open_store(event_db)
    yield opened
    opened.close()


@pytest.fixture
def client(event_db: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from narrascope.web import create_app

    opened = open_store(event_db)
    with TestClient(create_app(opened)) as c:
        yield c
    opened.close()


def test_the_event_in_three_languages_with_copies_is_one_storyline(store: Store) -> None:
    sid = store.storyline_of("origin-en")
    assert sid is not None
    members = {d.id for d in store.query_documents(DocumentQuery(storyline=sid, include_duplicates=True)).items}
    assert members == set(EVENT)
    assert {store.get_document(d).language for d in members} == {"en", "ru", "pt"}  # type: ignore[union-attr]
    for other in ("earlier-en", "other-ru", "other-pt"):  # same port three weeks before; other news those days
        assert store.storyline_of(other) != sid
    story = store.get_storyline(sid)
    assert story is not None and story.first_seen == "2024-05-14" and story.size == len(EVENT)
    assert {d.document_id: d.origin_id for d in store.duplicates()} == COPIES
    titles = [s.title for s in store.storylines(limit=50).items]
    assert len(titles) == len(set(titles))


def test_the_storyline_page_names_the_first_publisher_and_marks_copies(client: Any, store: Store) -> None:
    sid = store.storyline_of("origin-en")
    page = client.get(f"/storylines/{sid}").text
    first = re.search(r'<p class="first-publisher">(.*?)</p>', page, re.S)
    assert first and "harbourwatch.example" in first.group(1) and "2024-05-14" in first.group(1)
    assert 'href="/articles/origin-en"' in first.group(1)
    items = re.findall(r"<li>(.*?)</li>", page.split('class="timeline"')[1], re.S)
    marked = {re.search(r'href="/articles/([^"]+)"', item).group(1): "copy-mark" in item  # type: ignore[union-attr]
              for item in items}
    assert marked == {doc: doc in COPIES for doc in EVENT}


def test_a_copy_says_so_on_its_page_and_lists_show_copies_on_request(client: Any) -> None:
    page = client.get("/articles/copy-ru").text
    note = re.search(r'<p class="copy-of">(.*?)</p>', page, re.S)
    assert note and 'href="/articles/report-ru"' in note.group(1)
    hidden = client.get("/documents").text
    assert "/articles/copy-ru" not in hidden and "/articles/report-ru" in hidden
    shown = client.get("/documents", params={"copies": 1}).text
    item = next(i for i in re.findall(r"<li>(.*?)</li>", shown, re.S) if 'href="/articles/copy-ru"' in i)
    assert 'copy of <a href="/articles/report-ru">vesti.example.ru</a>' in item
    assert 'name="copies" value="1" checked' in shown


def test_the_language_filter_lists_the_corpus_languages_and_the_overview_narrows_to_one(client: Any) -> None:
    page = client.get("/documents").text
    select = page[page.index('<select name="language">'):].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)"', select) == ["en", "pt", "ru"]  # most articles first (copies once)
    russian = client.get("/", params={"language": "ru"}).text
    assert "<strong>3</strong> articles" in russian  # report-ru, copy-ru, other-ru
    assert "<strong>10</strong> articles" in client.get("/").text
    assert '<option value="ru" selected>' in russian
    assert "<strong>2</strong> articles" in client.get("/", params={"outlet": "vesti"}).text
    unknown = client.get("/documents", params={"language": "Russian"}).text
    assert '<option value="Russian" selected>Russian (no articles)</option>' in unknown


def test_article_exports_carry_scores_evidence_storyline_copy_of_and_review_status(event_db: Path,
                                                                                    tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from narrascope.web import create_app

    private = tmp_path / "corpus.db"
    private.write_bytes(event_db.read_bytes())
    store = open_store(private)
    with TestClient(create_app(store)) as client:
        _check_exports(client, store)
    store.close()


def _check_exports(client: Any, store: Store) -> None:
    import csv
    import io

    from narrascope.documents import Analysis, Evidence, LabelScore

    text = store.get_document("copy-ru").text  # type: ignore[union-attr]
    claim = text.split(". ")[0]
    label = "URW: Discrediting the West, Diplomacy"
    store.add_analyses([Analysis("copy-ru", narratives=[LabelScore(label, 0.8123, [Evidence(0, len(claim), claim)])])])
    store.review("copy-ru", "narrative", label, "accepted", user="tester")
    rows = client.get("/api/export/documents.json", params={"copies": 1, "language": "ru"}).json()
    row = next(r for r in rows if r["id"] == "copy-ru")
    assert row["scores"] == {label: 0.8123} and row["evidence"] == [f"{label}: {claim}"]
    assert row["storyline"] == store.storyline_of("origin-en") and row["storyline_title"].startswith("Dutch customs")
    assert row["copy_of"] == "report-ru" and row["reviewed"] is True
    assert row["review_decisions"] == [f"accepted narrative {label}"]
    assert "copy-ru" not in {r["id"] for r in client.get("/api/export/documents.json").json()}  # copies on request
    plain = client.get("/api/export/documents.csv", params={"language": "ru"}).content
    spreadsheet = client.get("/api/export/documents.csv", params={"language": "ru", "bom": 1}).content
    assert not plain.startswith(b"\xef\xbb\xbf") and spreadsheet == b"\xef\xbb\xbf" + plain
    table = list(csv.DictReader(io.StringIO(spreadsheet.decode("utf-8-sig"))))
    assert {r["id"] for r in table} == {"report-ru", "other-ru"} and "Роттердам" in table[0]["title"] + table[1]["title"]
