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
