"""Issue 27, item 1: a stored ``published`` that is no real date (written by an older version or by hand) never
breaks a page, the trends API, ``narrascope trends`` or ``narrascope report``; the API stores RFC 2822 dates in ISO
form."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.store import open_store

from .corpus import BLAME, TOKEN

BAD = ["Mon, 01 Jan 2024 10:00:00 GMT", "2024-02-30", "2024-99-99", "0000-01-01", "99999-01-01", "not a date"]


@pytest.fixture
def spoiled_db(web_db: Path) -> Path:
    """The web corpus with the storyline's documents (and a few others) dated with values that are no dates."""
    with sqlite3.connect(web_db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM documents WHERE storyline_id IS NOT NULL ORDER BY id")]
        ids += [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id LIMIT 6")]
        for doc_id, value in zip(ids, BAD * 3):
            conn.execute("UPDATE documents SET published = ?, day = ? WHERE id = ?", (value, value[:10], doc_id))
        conn.execute("UPDATE storylines SET first_seen = '2024-99-99', last_seen = '0000-01-01'")
    store = open_store(web_db)
    store.rebuild_daily_counts()  # as the migration to maintained counts does over such rows
    store.close()
    return web_db


def test_pages_and_the_trends_api_answer_over_stored_values_that_are_no_dates(spoiled_db: Path) -> None:
    from fastapi.testclient import TestClient

    from narrascope.web import create_app

    store = open_store(spoiled_db)
    with TestClient(create_app(store, token=TOKEN)) as client:
        story = client.get("/api/storylines").json()["items"][0]["id"]
        doc = client.get("/api/documents?limit=1&sort=oldest").json()["items"][0]["id"]
        for path in ["/", "/api/trends", f"/narratives/{quote(BLAME)}", f"/storylines/{story}", f"/api/storylines/{story}",
                     "/storylines", "/documents", "/documents?sort=oldest", f"/articles/{doc}", "/entities",
                     "/api/export/documents.csv", "/api/export/storylines.csv", "/api/trends?by=outlet"]:
            assert client.get(path).status_code == 200, path
    store.close()


def test_trends_and_report_commands_skip_stored_values_that_are_no_dates(spoiled_db: Path, tmp_path: Path) -> None:
    trends = CliRunner().invoke(app, ["trends", "--db", str(spoiled_db), "--by", "outlet"])
    assert trends.exit_code == 0, trends.output
    assert trends.output.count("\n") > 10 and "0000" not in trends.output and "2024-99" not in trends.output
    report = CliRunner().invoke(app, ["report", "--db", str(spoiled_db), "--out", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    assert "<svg" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_the_api_stores_an_rfc_2822_date_in_iso_form_and_refuses_an_impossible_one(client) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    text = "The harbour authority announced new shipping rules for the winter season."
    ok = client.post("/api/analyze?store=true", headers=headers,
                     json={"id": "rfc", "text": text, "published": "Mon, 01 Jan 2024 10:00:00 GMT"})
    assert ok.status_code == 200, ok.text
    assert client.get("/api/documents/rfc").json()["document"]["published"] == "2024-01-01T10:00:00+00:00"
    bad = client.post("/api/analyze", headers=headers, json={"text": text, "published": "2024-02-30"})
    assert bad.status_code == 422 and "2024-02-30" in bad.text
