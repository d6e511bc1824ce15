"""Shared web queries (web/queries.py): blank filters, the accepted period and the order of a storyline."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from narrascope.documents import Document
from narrascope.store.base import DocumentQuery, Page
from narrascope.web.queries import check_period, storyline_documents
from narrascope.web.state import WebState


def test_blank_filters_mean_no_filter(client: TestClient) -> None:
    # a submitted form sends its empty fields as empty strings; search words of only spaces are no search either
    everything = client.get("/api/documents").json()["total"]
    blanks = {"narrative": "", "subnarrative": "", "entity": "", "outlet": "", "language": "", "q": "   "}
    assert client.get("/api/documents", params=blanks).json()["total"] == everything > 0


def test_the_accepted_period_is_1900_to_2199_inclusive() -> None:
    check_period(date(1900, 1, 1), date(2199, 12, 31))
    check_period(date(2024, 5, 1), date(2024, 5, 1))  # a single day
    for since, until in ((date(1899, 12, 31), None), (None, date(2200, 1, 1)), (date(2024, 5, 2), date(2024, 5, 1))):
        with pytest.raises(HTTPException) as error:
            check_period(since, until)
        assert error.value.status_code == 400


def test_storyline_documents_are_earliest_first_with_undated_ones_last() -> None:
    docs = [Document("undated", "x"), Document("late", "x", published="2024-05-03"), Document("early", "x", published="2024-05-01")]

    class Store:
        def query_documents(self, query: DocumentQuery) -> Page[Document]:
            assert query.storyline == "s1" and query.include_duplicates  # copies belong to the storyline too
            return Page(docs, len(docs), query.limit, 0)

    state = WebState(store=Store())  # type: ignore[arg-type]
    assert [d.id for d in storyline_documents(state, "s1")] == ["early", "late", "undated"]


def test_build_query_maps_every_parameter_and_blanks_to_none() -> None:
    from narrascope.web.queries import build_query

    query = build_query(narrative="N", subnarrative="N: S", entity="NATO", outlet="rt", language="en",
                        since=date(2024, 1, 2), until=date(2024, 3, 4), q="  tanks  ", storyline="s9",
                        include_duplicates=True, limit=7, offset=14)
    assert query == DocumentQuery(narrative="N", subnarrative="N: S", entity="NATO", outlet="rt", language="en",
                                  since="2024-01-02", until="2024-03-04", text="tanks", storyline="s9",
                                  include_duplicates=True, limit=7, offset=14)
    blank = build_query(narrative="", subnarrative="", entity="", outlet="", language="", q=" \t ")
    assert blank == DocumentQuery(limit=20, offset=0)
    assert build_query() == DocumentQuery(limit=20, offset=0, include_duplicates=False)


@pytest.mark.parametrize("name", ["narrative", "subnarrative", "entity", "outlet", "language", "q"])
def test_a_nul_character_in_any_text_parameter_is_a_400_naming_it(name: str) -> None:
    from narrascope.web.queries import build_query

    with pytest.raises(HTTPException) as error:
        build_query(**{name: "a\x00b"})
    assert (error.value.status_code, error.value.detail) == (400, f"query parameter {name!r} contains a NUL character")


@pytest.mark.parametrize(("since", "until", "detail"), [
    (date(1899, 12, 31), None, "since (1899-12-31) is outside 1900-2199"),
    (None, date(1899, 1, 1), "until (1899-01-01) is outside 1900-2199"),
    (None, date(2200, 1, 1), "until (2200-01-01) is outside 1900-2199"),
    (date(2200, 1, 1), date(2201, 1, 1), "since (2200-01-01) is outside 1900-2199"),
    (date(2024, 5, 2), date(2024, 5, 1), "since (2024-05-02) is after until (2024-05-01)"),
])
def test_period_errors_are_400s_that_say_what_is_wrong(since: date | None, until: date | None, detail: str) -> None:
    with pytest.raises(HTTPException) as error:
        check_period(since, until)
    assert (error.value.status_code, error.value.detail) == (400, detail)
    check_period(None, None)
    check_period(date(2024, 5, 2), None)
    check_period(None, date(1900, 1, 1))


def test_a_search_the_store_rejects_is_a_400_other_errors_propagate() -> None:
    from narrascope.web.queries import run_query

    class Store:
        def query_documents(self, query: DocumentQuery) -> Page[Document]:
            raise RuntimeError("fts5: syntax error near \"\"")

    state = WebState(store=Store())  # type: ignore[arg-type]
    with pytest.raises(HTTPException) as error:
        run_query(state, DocumentQuery(text='"'))
    assert (error.value.status_code, error.value.detail) == (400, "cannot search for q='\"': fts5: syntax error near \"\"")
    with pytest.raises(RuntimeError):
        run_query(state, DocumentQuery(narrative="N"))


def test_storyline_and_document_lookups() -> None:
    from narrascope.web.queries import document_with_analysis, storyline_with_documents

    asked: list[tuple[str, object]] = []

    class Store:
        def get_document(self, doc_id: str) -> Document | None:
            asked.append(("document", doc_id))
            return Document(doc_id, "x") if doc_id == "d1" else None

        def get_analysis(self, doc_id: str) -> str:
            asked.append(("analysis", doc_id))
            return f"analysis of {doc_id}"

        def get_storyline(self, story_id: str) -> str | None:
            return "story" if story_id == "s1" else None

        def query_documents(self, query: DocumentQuery) -> Page[Document]:
            asked.append(("query", (query.storyline, query.include_duplicates, query.limit)))
            return Page([Document("d2", "x", published="2024-01-02"), Document("d1", "x", published="2024-01-01")],
                        2, query.limit, 0)

    state = WebState(store=Store())  # type: ignore[arg-type]
    doc, analysis = document_with_analysis(state, "d1")
    assert (doc.id if doc else None, analysis) == ("d1", "analysis of d1")
    assert document_with_analysis(state, "nope") == (None, None)
    assert ("analysis", "nope") not in asked                 # no analysis looked up for a missing document
    story, docs = storyline_with_documents(state, "s1")
    assert (story, [d.id for d in docs]) == ("story", ["d1", "d2"])
    assert ("query", ("s1", True, 500)) in asked
    asked.clear()
    assert storyline_with_documents(state, "s0") == (None, [])
    assert asked == []                                       # no documents read for a missing storyline
