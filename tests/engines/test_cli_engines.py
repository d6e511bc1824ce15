"""``narrascope analyze --workers/--engine``: the pool gives the same records as the in-process run."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from narrascope.cli import app


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
