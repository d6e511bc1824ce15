"""A search alone is counted from the search index's rows (without reading the documents): the same totals as the
documents it lists, copies left out or not, on both stores."""

from __future__ import annotations

import pytest

from narrascope.documents import Document
from narrascope.store import DocumentQuery, Store
from narrascope.store.base import Duplicate
from narrascope.store import sql as store_sql

DOCS = [
    Document("en1", "Floods in Valencia: rescuers searched the ravine.", language="en", published="2024-05-01"),
    Document("en2", "The flooded ravine near Valencia was searched again.", language="en", published="2024-05-02"),
    Document("en3", "A copy: floods in Valencia, rescuers searched the ravine.", language="en", published="2024-05-03"),
    Document("ru1", "Наводнение в Валенсии: спасатели обыскали овраг.", language="ru", published="2024-05-01"),
    Document("ru2", "Наводнения в Испании и в Валенсии.", language="ru"),
    Document("pt1", "Inundações em Valência: socorristas no barranco.", language="pt", published="2024-05-04"),
    Document("x1", "Valencia floods, in a language nobody detected.", language=None),
]
QUERIES = ["floods", "flood", "Valencia", "Валенсии", "наводнение", '"rescuers searched"', "ravine OR Испании",
           "Valência", "nothing-matches", "", "floods -ravine"]


@pytest.mark.parametrize("copies", [False, True])
def test_a_search_is_counted_as_the_documents_it_lists(store: Store, copies: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store.add_documents(DOCS)
    store.add_duplicates([Duplicate("en3", "en1", 0.9)])
    counted = []
    for text in QUERIES:
        page = store.query_documents(DocumentQuery(text=text, include_duplicates=copies, limit=100))
        assert page.total == len(page.items), text
        counted.append(page.total)
    assert counted[0] == (4 if copies else 3) and counted[5] == (2 if copies else 1) and counted[8] == 0
    monkeypatch.setattr(store_sql, "text_only", lambda query: False)  # counted through the documents
    assert [store.query_documents(DocumentQuery(text=text, include_duplicates=copies)).total
            for text in QUERIES] == counted


@pytest.mark.parametrize("sort", ["date", "oldest", "title", "outlet"])
def test_a_search_lists_the_same_pages_from_its_ids_as_through_the_dates(store: Store, sort: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store.add_documents(DOCS)
    store.add_duplicates([Duplicate("en3", "en1", 0.9)])

    def pages() -> list[list[str]]:
        return [[d.id for d in store.query_documents(DocumentQuery(text=text, sort=sort, limit=limit, offset=offset)).items]
                for text in QUERIES for limit, offset in ((2, 0), (2, 1), (10, 0))]

    from_ids = pages()  # few matches: listed from their ids
    assert sort != "date" or from_ids[6] == ["pt1", "en2"]  # "Valencia": Valência too, newest first
    monkeypatch.setattr(store_sql, "FEW_MATCHES", -1)  # as for a search that matches many
    assert pages() == from_ids
