"""Corpus entity framing: documents per role (each document once, by its majority role), groups, filters, errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.corpus.entities import EntityFraming, entity_framing
from narrascope.documents import Analysis, Document, EntityMention
from narrascope.errors import ConfigError
from narrascope.store import Duplicate, open_store


def _mentions(entity: str, *roles: str) -> list[EntityMention]:
    return [EntityMention(entity, 10 * i, 10 * i + len(entity), entity, role, [], 0.5) for i, role in enumerate(roles)]


@pytest.fixture
def db(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "corpus.db"
    store = open_store(str(path))
    docs = [
        Document("a1", "NATO text one.", outlet="a.test", language="en", published="2024-05-01"),
        Document("a2", "NATO text two.", outlet="a.test", language="en", published="2024-05-02"),
        Document("b1", "NATO texto tres.", outlet="b.test", language="pt", published="2024-05-03"),
        Document("b1-copy", "NATO texto tres (copy).", outlet="c.test", language="pt", published="2024-05-03"),
    ]
    store.add_documents(docs)
    store.add_analyses([
        # a1: one long article, 2 Protagonist mentions of NATO against 1 Antagonist -> the document casts it as Protagonist
        Analysis("a1", entities=_mentions("NATO", "Protagonist", "Protagonist", "Antagonist") + _mentions("Kyiv", "Innocent")),
        Analysis("a2", entities=_mentions("NATO", "Antagonist")),
        Analysis("b1", entities=_mentions("NATO", "Antagonist", "Antagonist")),
        Analysis("b1-copy", entities=_mentions("NATO", "Protagonist") * 3),
    ])  # fmt: skip
    store.add_duplicates([Duplicate("b1-copy", "b1", 0.9)])
    store.close()
    return path


def test_each_document_counts_once_by_its_majority_role_and_copies_are_left_out(db) -> None:
    store = open_store(str(db))
    rows = entity_framing(store)
    assert rows == [
        EntityFraming("NATO", 3, {"Protagonist": 1, "Antagonist": 2}, "Antagonist", 0.6667, 6),
        EntityFraming("Kyiv", 1, {"Innocent": 1}, "Innocent", 1.0, 1),
    ]
    by_outlet = entity_framing(store, entity="nato", by="outlet")
    assert [(r.group, r.documents, r.roles, r.main_role) for r in by_outlet] == [
        ("a.test", 2, {"Protagonist": 1, "Antagonist": 1}, "Antagonist"),  # tie: the alphabetically first role
        ("b.test", 1, {"Antagonist": 1}, "Antagonist"),
    ]
    assert [r.group for r in entity_framing(store, by="language", limit=1)] == ["en", "pt"]  # NATO only
    assert [r.documents for r in entity_framing(store, since="2024-05-02")] == [2]
    assert entity_framing(store, entity="Zelensky") == []
    with pytest.raises(ConfigError, match="unknown grouping"):
        entity_framing(store, by="day")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="limit"):
        entity_framing(store, limit=0)
    store.close()


def test_entities_command_prints_jsonl_and_says_when_nothing_is_framed(db, tmp_path) -> None:
    import json

    result = CliRunner().invoke(app, ["entities", "--db", str(db), "--by", "language"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["entity"], r["group"], r["documents"]) for r in rows] == [("NATO", "en", 2), ("NATO", "pt", 1), ("Kyiv", "en", 1)]
    empty = CliRunner().invoke(app, ["entities", "--db", str(tmp_path / "empty.db")])
    assert empty.exit_code == 0 and empty.stdout == "" and "no framed entities" in empty.output
    bad = CliRunner().invoke(app, ["ingest", str(tmp_path), "--db", str(tmp_path / "x.db"), "--steps", "language,nope"])
    assert bad.exit_code == 2 and "unknown step 'nope'" in bad.output


def test_ingest_with_the_entities_step_fills_what_the_entities_command_reports(tmp_path) -> None:
    import json
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    db = str(tmp_path / "seeds.db")
    ingest = CliRunner().invoke(app, ["ingest", str(examples), "--db", db, "--steps", "language,entities", "--no-storylines"])
    assert ingest.exit_code == 0, ingest.output
    result = CliRunner().invoke(app, ["entities", "--db", db, "--entity", "NATO"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["entity"] == "NATO" and rows[0]["documents"] >= 3
    assert rows[0]["main_role"] == "Antagonist" and sum(rows[0]["roles"].values()) == rows[0]["documents"]


def test_entity_table_counts_entities_and_analysed_articles_and_pages(db) -> None:  # type: ignore[no-untyped-def]
    from narrascope.corpus.entities import entity_table

    store = open_store(str(db))
    whole = entity_table(store, limit=1)
    assert [r.entity for r in whole.rows] == ["NATO"] and whole.entities == 2 and whole.documents == 3  # copy left out
    assert [r.entity for r in entity_table(store, limit=1, offset=1).rows] == ["Kyiv"]
    kyiv = entity_table(store, entity="kyiv")
    assert kyiv.entities == 1 and kyiv.documents == 3  # the articles analysed for entities, not only Kyiv's
    assert entity_table(store, since="2024-05-02").documents == 2
    with pytest.raises(ConfigError):
        entity_table(store, offset=-1)
    store.close()
