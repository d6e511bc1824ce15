"""``narrascope ingest --dedup-weeks``: how far apart in publication time a copy may be from its origin."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from narrascope import cli
from narrascope.store import open_store

TEXT = ("The parliament approved a new budget for military aid on Tuesday after a long debate. Opposition members said "
        "the money would be better spent on hospitals and schools. The minister of finance promised that taxes would "
        "not rise next year despite the additional spending on weapons.")


def test_a_copy_six_weeks_later_is_linked_only_with_a_wider_window(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(row) for row in [
        {"id": "agency", "text": TEXT, "published": "2024-05-01"},
        {"id": "copy", "text": TEXT + " (Agency)", "published": "2024-06-12"},  # six weeks later
    ]) + "\n", encoding="utf-8")
    for weeks, linked in ((None, False), ("5", False), ("6", True)):
        db = tmp_path / f"c{weeks}.db"
        result = CliRunner().invoke(cli.app, ["ingest", str(feed), "--db", str(db), "--no-analyze", "--no-storylines",
                                              *(["--dedup-weeks", weeks] if weeks else [])])
        assert result.exit_code == 0, result.output
        store = open_store(db)
        assert [(d.document_id, d.origin_id) for d in store.duplicates()] == ([("copy", "agency")] if linked else [])
        store.close()
    refused = CliRunner().invoke(cli.app, ["ingest", str(feed), "--db", str(tmp_path / "x.db"), "--dedup-weeks", "-1"])
    assert refused.exit_code != 0
