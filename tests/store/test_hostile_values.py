"""Issue 27, items 1, 3, 4 and 14 on both stores: bad dates, malformed JSONL rows and NUL characters cost only their
own row or value, stored values that are no real dates never break trends, reports or storylines, and a run killed
with kill -9 reads as stale."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from narrascope.corpus.ingestion import ingest
from narrascope.corpus.report import render_report
from narrascope.corpus.trends import period_changes, trends
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.io.readers import read_inputs
from narrascope.store.base import DocumentQuery, Storyline

NARR = "URW: Discrediting Ukraine"
TEXT = "The harbour authority announced new shipping rules for the winter season."


def _row(**fields: Any) -> str:
    return json.dumps({"text": f"{TEXT} {fields.get('id', '')}", **fields}, ensure_ascii=True)


HOSTILE_ROWS = [
    _row(id="rfc", published="Mon, 01 Jan 2024 10:00:00 GMT"),
    _row(id="iso-zone", published="2024-03-01T10:00:00Z"),
    _row(id="feb30", published="2024-02-30"),
    _row(id="month99", published="2024-99-99"),
    _row(id="year0", published="0000-01-01"),
    _row(id="year99999", published="99999-01-01"),
    _row(id="words", published="not a date"),
    "[" * 5000 + "]" * 5000,  # nesting deeper than the parser's recursion limit
    '{"text": "' + TEXT + '", "n": ' + "9" * 5000 + "}",  # an integer Python refuses to convert
    _row(id="surrogate-text").replace(TEXT, TEXT + " \\ud800"),
    *[_row(id=f"surrogate-{name}", **{name: "x \ud800 y"}) for name in ("title", "outlet", "published", "language")],
    _row(id="nul", title="a\u0000b", outlet="out\u0000let").replace(TEXT, "NUL \\u0000 inside. " + TEXT),
    _row(id="last", published="2024-03-02"),
]
KEPT = {"rfc": "2024-01-01T10:00:00+00:00", "iso-zone": "2024-03-01T10:00:00+00:00", "feb30": None, "month99": None,
        "year0": None, "year99999": None, "words": None, "nul": None, "last": "2024-03-02"}


def test_hostile_jsonl_rows_cost_only_themselves(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(HOSTILE_ROWS) + "\n", encoding="ascii")
    summary = ingest(read_inputs([source]), store, storylines=False)
    assert store.runs()[0].status == "done"
    assert (summary.added, summary.failed) == (len(KEPT), len(HOSTILE_ROWS) - len(KEPT))
    stored = {d.id: d for d in store.iter_documents()}
    assert {i: d.published for i, d in stored.items()} == KEPT
    nul = stored["nul"]  # the same on SQLite and PostgreSQL, which cannot hold NUL: U+FFFD, offsets unchanged
    assert (nul.text[:7], nul.title, nul.outlet) == ("NUL \ufffd i", "a\ufffdb", "out\ufffdlet")
    assert store.get_document("nul\u0000") is None  # a NUL in a query is no error on PostgreSQL either
    rows, _ = trends(store, "outlet")
    assert [(r.day, r.key) for r in rows] == [] and render_report(store).startswith("<!DOCTYPE html>")


def test_stored_values_that_are_no_real_dates_never_break_trends_reports_or_storylines(store) -> None:  # type: ignore[no-untyped-def]
    docs = [Document(f"d{i}", f"{TEXT} {i}", outlet="o.example", published=f"2024-03-0{i + 1}") for i in range(8)]
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(NARR, 0.9)]) for d in docs])
        store.save_storyline(Storyline("s1", "Harbour rules", size=8, first_seen="2024-99-99", last_seen="not a date"))
        store.assign_storyline([d.id for d in docs], "s1")
    bad = ["Mon, 01 Jan 2024 10:00:00 GMT", "2024-02-30", "2024-99-99", "0000-01-01", "99999-01-01", "not a date"]
    for i, value in enumerate(bad):  # as an older version (or a hand-written INSERT) left them
        store._execute("UPDATE documents SET published = ?, day = ? WHERE id = ?", (value, value[:10], f"d{i}"))
    store.rebuild_daily_counts()  # as the migration to maintained counts does over such rows
    rows, _ = trends(store)
    assert [(r.day, r.key, r.count) for r in rows] == [("2024-03-07", NARR, 1), ("2024-03-08", NARR, 1)]
    assert trends(store, "outlet", since="2024-03-01")[0] and period_changes(store)[0] is not None
    assert "2024-03-08" in render_report(store)
    story = store.get_storyline("s1")
    assert story is not None and story.timeline == [("2024-03-07", 1), ("2024-03-08", 1)]
    assert (story.first_seen, story.last_seen) == (None, None)
    published = {d.id: d.published for d in store.query_documents(DocumentQuery(limit=20)).items}
    assert published == {**{f"d{i}": None for i in range(6)}, "d6": "2024-03-07", "d7": "2024-03-08"}
    assert [r.day for r in store.entity_role_counts()] == []


def test_a_run_killed_with_kill_9_reads_as_stale_before_the_next_run(store) -> None:  # type: ignore[no-untyped-def]
    run_id = store.start_run("ingest", ["feed.jsonl"])
    assert store.runs()[0].status == "running"  # its process (this one) is alive
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    store._execute("UPDATE runs SET pid = ? WHERE id = ?", (int(gone.stdout), run_id))
    assert [(r.id, r.status) for r in store.runs()] == [(run_id, "stale")]
    store.finish_run(run_id, "done", 0, 0, 0)  # a live run wrongly thought dead still records how it ended
    assert store.runs()[0].status == "done"


def test_a_nul_character_is_stored_alike_on_both_stores(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join([_row(id="a\u0000", title="t\u0000", outlet="o\u0000"), _row(id="b")]), encoding="ascii")
    summary = ingest(read_inputs([source]), store, storylines=False)
    assert (summary.added, summary.failed, store.runs()[0].status) == (2, 0, "done")
    assert {(d.id, d.title, d.outlet) for d in store.iter_documents()} == {("a\ufffd", "t\ufffd", "o\ufffd"), ("b", TEXT + " b", None)}
