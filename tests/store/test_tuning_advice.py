"""Store.tuning_advice: a large PostgreSQL store on default shared buffers is told so, at every ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.store import open_store

pytest.importorskip("psycopg")


def test_sqlite_has_no_advice(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.db")
    assert store.tuning_advice() == []
    store.close()


def test_postgres_advises_shared_buffers_only_for_a_large_store_on_small_buffers(postgres_server: str, tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from narrascope.store import postgres

    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute("CREATE DATABASE tuning_advice")
    store_location = postgres_server.rsplit("/", 1)[0] + "/tuning_advice"

    store = open_store(store_location)
    assert store.tuning_advice() == []  # an empty store: nothing to say
    buffers = store._one("SELECT pg_size_bytes(current_setting('shared_buffers'))")[0]
    monkeypatch.setattr(postgres, "LARGE_STORE", 0)
    monkeypatch.setattr(postgres, "LEAST_BUFFERS", buffers)
    assert store.tuning_advice() == []  # buffers at the least asked for
    monkeypatch.setattr(postgres, "LEAST_BUFFERS", buffers + 1)
    (advice,) = store.tuning_advice()
    assert f"{buffers / 2**20:,.0f} MB" in advice and "shared_buffers" in advice and "docs/scaling.md" in advice
    store.close()
    source = tmp_path / "a.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "A short article about the harvest."}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(source), "--db", store_location, "--no-analyze"])
    assert result.exit_code == 0, result.output
    assert "shared_buffers" in result.stderr and json.loads(result.stdout)["added"] == 1
