"""``narrascope analyze`` and ``ingest`` with ``--workers/--engine``: the pool gives the same records (the same store)
as the in-process run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from narrascope.cli import app

from .test_ingest import contents


def test_analyze_with_a_process_pool_matches_in_process(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(5):
        (folder / f"doc{i}.txt").write_text(f"Article {i}. " + "word " * (i + 2), encoding="utf-8")
    runner = CliRunner()
    args = ["analyze", str(folder), "--steps", "test_words", "--batch-size", "2"]
    one = runner.invoke(app, args)
    two = runner.invoke(app, [*args, "--workers", "2"])
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    assert one.stdout == two.stdout and one.stdout.count("\n") == 5


def test_analyze_rejects_an_unknown_engine(tmp_path: Path):
    (tmp_path / "a.txt").write_text("text", encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(tmp_path), "--engine", "spark", "--steps", "test_words"])
    assert result.exit_code == 2 and "unknown engine 'spark'" in result.output


def test_ingest_with_a_process_pool_stores_what_the_in_process_ingest_stores(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(7):
        (folder / f"doc{i}.txt").write_text(f"Article {i} about the {['harbour', 'council', 'railway'][i % 3]}. "
                                            + "word " * (i + 2) + ("BOOM" if i == 4 else ""), encoding="utf-8")
    runner = CliRunner()
    args = ["ingest", str(folder), "--steps", "test_words", "--batch-size", "3", "--no-storylines"]
    one = runner.invoke(app, [*args, "--db", str(tmp_path / "one.db")])
    two = runner.invoke(app, [*args, "--db", str(tmp_path / "two.db"), "--workers", "2"])
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    summaries = [json.loads(result.stdout.strip().splitlines()[-1]) for result in (one, two)]
    assert summaries[0] == summaries[1] and (summaries[1]["added"], summaries[1]["analysis_failed"]) == (7, 1)
    assert contents(tmp_path / "one.db") == contents(tmp_path / "two.db")
    again = runner.invoke(app, [*args, "--db", str(tmp_path / "two.db"), "--workers", "2"])
    assert json.loads(again.stdout.strip().splitlines()[-1])["added"] == 0
