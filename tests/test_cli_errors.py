"""CLI errors name their file and line, or the database: bad file names, bad rows, foreign or corrupt stores."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app

runner = CliRunner()


def test_ingest_reports_a_bad_file_name_and_stores_the_rest(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "good.txt").write_text("Good article.\n", encoding="utf-8")
    Path(os.fsdecode(bytes(folder) + b"/bad\xffname.txt")).write_bytes(b"x\n")
    db = tmp_path / "mini.db"
    result = runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--no-analyze", "--no-storylines"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 1
    assert "bad\\xffname.txt: file name is not valid UTF-8" in caplog.text  # the warning, on stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1


def test_ingest_warnings_name_the_line_and_read_well(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"text": "A fine article about the harbour."}\n{"text": "abc\n{"text": "\u200b\u200d"}\n', encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(rows), "--db", str(tmp_path / "c.db"), "--no-analyze", "--no-storylines"])
    assert result.exit_code == 0, result.output
    assert "rows.jsonl:2: invalid JSON (Invalid control character at column 14)" in caplog.text
    assert "rows.jsonl:3: empty 'text'" in caplog.text
    assert "at at" not in caplog.text


@pytest.mark.parametrize("kind", ["foreign", "text", "truncated", "folder"])
def test_a_database_that_is_not_a_store_is_one_line_naming_it(tmp_path: Path, kind: str) -> None:
    db = tmp_path / f"{kind}.db"
    if kind == "foreign":
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE runs (x)")
    elif kind == "text":
        db.write_text("hello\n", encoding="utf-8")
    elif kind == "truncated":
        runner.invoke(app, ["ingest", str(tmp_path / "none"), "--db", str(tmp_path / "full.db"), "--no-analyze"])
        db.write_bytes((tmp_path / "full.db").read_bytes()[:3000])
    else:
        db.mkdir()
    for command in (["trends"], ["ingest", str(tmp_path), "--no-analyze"]):
        result = runner.invoke(app, [*command, "--db", str(db)])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and str(db) in lines[0], result.stderr
