"""Results cached in ``WebState`` until the store changes, and the ingest state kept between saves."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from narrascope.documents import Document
from narrascope.store import open_store

from .corpus import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _store_article(client: TestClient, text: str) -> None:
    response = client.post("/api/analyze?store=true", json={"text": text, "outlet": "cache.example"}, headers=AUTH)
    assert response.status_code == 200, response.text


def test_cache_is_dropped_when_another_process_adds_documents(client: TestClient, web_db: Path) -> None:
    state = client.app.state.web  # type: ignore[attr-defined]
    assert state.cached(("test",), lambda: 1) == 1
    assert state.cached(("test",), lambda: 2) == 1  # unchanged store: remembered
    other = open_store(web_db)
    try:
        other.add_documents([Document(id="cache-other", text="A document added by another process entirely.")])
    finally:
        other.close()
    assert state.cached(("test",), lambda: 3) == 3


def test_pages_show_documents_saved_after_they_were_cached(client: TestClient) -> None:
    assert client.get("/entities").status_code == 200
    assert client.get("/").status_code == 200
    _store_article(client, "Zyxwvut Qwertyland announced a new programme in the capital on Monday. "
                           "Zyxwvut Qwertyland said the programme would start next year.")
    assert client.get("/").status_code == 200
    assert client.get("/entities").status_code == 200
    state = client.app.state.web  # type: ignore[attr-defined]
    assert state._cache_marker == state.store.change_marker()


def test_save_keeps_detector_and_storylines_until_the_store_changes_elsewhere(client: TestClient, web_db: Path) -> None:
    state = client.app.state.web  # type: ignore[attr-defined]
    _store_article(client, "The harbour authority opened a third terminal for container ships this week.")
    first = state._ingest_state
    assert first is not None and first[0] == state.store.change_marker()
    _store_article(client, "Farmers in the valley reported the earliest cherry harvest in forty years.")
    second = state._ingest_state
    assert second is not None and second[1] is first[1] and second[2] is first[2]  # reused, not reloaded
    other = open_store(web_db)
    try:
        other.add_documents([Document(id="save-other", text="Another writer stored this document in between.")])
    finally:
        other.close()
    _store_article(client, "The city council voted to extend the tram line to the northern suburbs.")
    third = state._ingest_state
    assert third is not None and third[1] is not first[1]  # the store changed elsewhere: loaded afresh


def test_the_storylines_total_is_counted_once_until_the_store_changes(client: TestClient, web_db: Path) -> None:
    """Every page of the storylines listing (and the API's) shares one count of the storylines, made again only
    when the store changes; pages still show the right total and their own rows."""
    from narrascope.store.base import Storyline

    state = client.app.state.web  # type: ignore[attr-defined]
    counted: list[int | None] = []
    real = state.store.storylines

    def storylines(*args, **kwargs):  # type: ignore[no-untyped-def]
        counted.append(kwargs.get("total"))
        return real(*args, **kwargs)

    state.store.storylines = storylines
    first = client.get("/storylines").text
    client.get("/storylines", params={"page": 2})
    listed = client.get("/api/storylines", params={"limit": 1, "offset": 1}).json()
    assert counted.count(None) == 1  # one count for the three requests; the others were given it
    assert "1 storyline." in first and listed["total"] == 1 and listed["items"] == []
    other = open_store(web_db)
    try:
        with other.transaction():
            other.save_storyline(Storyline("s-later", "A later story", size=1, centroid=[0.0]))
        other.add_documents([Document(id="story-other", text="A document another process added with its storyline.")])
        other.assign_storyline(["story-other"], "s-later")
    finally:
        other.close()
    assert "2 storylines" in client.get("/storylines").text and counted.count(None) == 2  # counted again
