"""``narrascope ingest`` reports progress like ``analyze``: the bar advances by each committed batch (issue 20)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope import cli


def test_ingest_advances_a_progress_bar_per_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for i in range(5):
        (articles / f"a{i}.txt").write_text(f"Article number {i} about the harbour and the council meeting.\n",
                                            encoding="utf-8")
    seen: list[tuple[str, int]] = []

    @contextmanager
    def recording(label: str, delay: float = 2.0) -> Iterator:
        yield lambda count: seen.append((label, count))

    monkeypatch.setattr(cli, "_progress", recording)
    result = CliRunner().invoke(cli.app, ["ingest", str(articles), "--db", str(tmp_path / "c.db"), "--no-analyze",
                                          "--no-storylines", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["added"] == 5
    assert seen == [("ingesting", 2), ("ingesting", 2), ("ingesting", 1)]
