"""A list by date (one label's articles, or the whole corpus's) is read from the day its page starts on, found in the
daily counts: a label no recent article carries does not walk every newer article, nor a deep page every article
before it. The answers stay those of a plain query, on both stores."""

from __future__ import annotations

import pytest

from narrascope.corpus.ingestion import ingest
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import DocumentQuery, Store, open_store
from narrascope.store.sql import SQLStore

OLD = "URW: Old"


class ByPrefix:
    """``old…`` articles carry OLD, the others another narrative."""

    def analyze(self, documents: list[Document]) -> list[Analysis]:
        return [Analysis(d.id, "en", narratives=[LabelScore(OLD if d.id.startswith("old") else "URW: New", 0.9)])
                for d in documents]


def _documents() -> list[Document]:
    old = [Document(f"old{d}", f"Old report number {d} on the harbour and the {d} ships that left it.", language="en",
                    published=f"2024-01-0{d}") for d in range(1, 5)]
    old.append(Document("old5", "Old report number 5, late in the evening, on the harbour.", language="en",
                        published="2024-01-05T22:30:00+02:00"))  # a time on the label's last day
    new = [Document(f"new{d:02d}", f"New report number {d} about the bridge, the council and {d} votes.", language="en",
                    published=f"2024-02-{d:02d}") for d in range(1, 29)]
    return old + new


def _pages(store: Store) -> list[list[str]]:
    return [[d.id for d in store.query_documents(DocumentQuery(narrative=OLD, sort=sort, limit=limit, offset=offset)).items]
            for sort in ("date", "oldest") for limit, offset in ((10, 0), (2, 0), (2, 3), (3, 4), (10, 5))]


def _statements(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = store._all  # type: ignore[attr-defined]

    def recorded(sql: str, params=()):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return original(sql, params)

    monkeypatch.setattr(store, "_all", recorded)
    return seen


def test_a_label_is_listed_from_its_own_days_with_the_same_answers(store_location: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(store_location)
    ingest(_documents(), store, ByPrefix(), storylines=False, batch_size=8)
    seen = _statements(store, monkeypatch)
    bounded = _pages(store)
    assert bounded[0] == ["old5", "old4", "old3", "old2", "old1"] and bounded[5] == ["old1", "old2", "old3", "old4", "old5"]
    assert bounded[2] == ["old2", "old1"] and bounded[7] == ["old4", "old5"]
    assert bounded[4] == bounded[9] == []  # past the total: not read
    assert any("d.published < ?" in s for s in seen) and any("d.published >= ?" in s for s in seen)
    _plain(monkeypatch)
    assert _pages(store) == bounded  # as the plain query answers
    store.close()


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SQLStore, "_seek_by_day", lambda self, counted, query, condition, params:
                        (condition, params, query.offset))


def test_a_deep_page_of_the_corpus_starts_on_its_day(store_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(store_location)
    topics = ["the ferry strike and its pickets", "a museum fire at dawn", "the budget vote in the council"]
    docs = _documents() + [Document(f"same{i}", f"Also on the second of February: {topics[i]}.", language="en",
                                    published=f"2024-02-02T0{i}:00:00") for i in range(3)]
    copy = Document("copy", "By staff. " + docs[7].text, language="en", published="2024-02-04", outlet="x.example")
    ingest(docs + [copy], store, ByPrefix(), storylines=False, batch_size=8)
    queries = [DocumentQuery(sort=sort, limit=limit, offset=offset, include_duplicates=copies)
               for sort in ("date", "oldest") for copies in (False, True)
               for limit, offset in ((3, 0), (4, 24), (5, 26), (2, 30), (10, 31), (1, 34))]
    queries.append(DocumentQuery(since="2024-02-02", until="2024-02-03", limit=2, offset=3))
    seen = _statements(store, monkeypatch)
    sought = [[d.id for d in store.query_documents(q).items] for q in queries]
    assert sought[1] == ["new04", "new03", "same2", "same1"]  # after 24 newer: the 28th of February to the 5th
    assert sought[7] == ["copy", "new04", "new03", "same2"]  # with the copies: the copy of the 3rd's on the 4th
    assert sought[5] == ["old2"] and sought[11] == ["old3"] and sought[17] == ["new27"] and sought[23] == ["new26"]
    assert sought[24] == ["same0", "new02"]
    assert sum("d.published < ?" in s for s in seen) == 13 and sum("d.published >= ?" in s for s in seen) == 12
    _plain(monkeypatch)
    assert [[d.id for d in store.query_documents(q).items] for q in queries] == sought
    store.close()


def test_an_undated_article_of_the_label_lifts_the_bound(store_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(store_location)
    undated = Document("old-undated", "Old report without a date, on the harbour and its cranes.", language="en")
    ingest(_documents() + [undated], store, ByPrefix(), storylines=False, batch_size=8)
    seen = _statements(store, monkeypatch)
    pages = _pages(store)
    assert pages[0] == ["old5", "old4", "old3", "old2", "old1", "old-undated"]
    assert pages[4] == ["old-undated"] and pages[9] == ["old-undated"]  # undated last in either order
    assert not any("d.published < ?" in s or "d.published >= ?" in s for s in seen)
    assert [d.id for d in store.query_documents(DocumentQuery(limit=1, offset=33)).items] == ["old-undated"]
    # a bounded period leaves the undated out, so the bound holds again
    within = store.query_documents(DocumentQuery(narrative=OLD, since="2024-01-02", limit=2))
    assert [d.id for d in within.items] == ["old5", "old4"] and within.total == 4
    assert any("d.published < ?" in s for s in seen)
    store.close()
