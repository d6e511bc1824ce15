"""The review audit trail cannot be rewritten through the application's connection (issue 27, item 10).

SQLite: ``INSERT OR REPLACE INTO review_audit (id, ...)`` replaced a row (REPLACE fires no delete trigger); the store's
connection could also drop the triggers. PostgreSQL: the application's role owned the table, so ``ALTER TABLE
review_audit DISABLE TRIGGER USER`` succeeded; ``narrascope protect-audit`` hands the table to another role.
"""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import Store, open_store

BLAME = "URW: Blaming the war on others rather than the invader"
AUDIT_ROW = "(document_id, kind, target, action, after_state, user_name, created_at)"


def _reviewed(store: Store) -> int:
    store.add_documents([Document("d", "NATO pushed Kyiv into the war.")])
    store.add_analyses([Analysis("d", narratives=[LabelScore(BLAME, 0.9)])])
    return store.review("d", "narrative", BLAME, "accepted", user="ana").id


def _refused(store: Store, statement: str, params: tuple = ()) -> str:  # type: ignore[type-arg]
    with pytest.raises(Exception) as info:  # noqa: PT011 - sqlite3 and psycopg raise their own classes
        with store.transaction():
            store._execute(statement, params)  # type: ignore[attr-defined]
    return str(info.value)


def test_an_existing_audit_row_cannot_be_replaced(store: Store, store_location: str) -> None:
    row = _reviewed(store)
    if store_location.startswith("postgresql"):
        statement = (f"INSERT INTO review_audit (id, {AUDIT_ROW[1:]} VALUES (?, 'd', 'narrative', 'x', 'add', '{{}}', "
                     "'mallory', 'now') ON CONFLICT (id) DO UPDATE SET user_name = 'mallory'")
    else:
        statement = (f"INSERT OR REPLACE INTO review_audit (id, {AUDIT_ROW[1:]} VALUES (?, 'd', 'narrative', 'x', "
                     "'add', '{}', 'mallory', 'now')")
    assert "append-only" in _refused(store, statement, (row,))
    assert [(h.id, h.user) for h in store.review_history()] == [(row, "ana")]


@pytest.mark.parametrize("statement", [
    "DROP TRIGGER review_audit_no_update", "DROP TRIGGER review_audit_no_delete", "DROP TRIGGER review_audit_no_replace",
    "DROP TABLE review_audit", "ALTER TABLE review_audit RENAME TO old_audit", "ALTER TABLE review_audit ADD COLUMN x TEXT",
    "PRAGMA writable_schema = ON",
])
def test_the_sqlite_connection_cannot_unprotect_the_audit_trail(tmp_path, statement: str) -> None:  # type: ignore[no-untyped-def]
    store = open_store(str(tmp_path / "c.db"))
    _reviewed(store)
    assert "not authorized" in _refused(store, statement)
    assert "append-only" in _refused(store, "UPDATE review_audit SET user_name = 'mallory'")
    assert [h.user for h in store.review_history()] == ["ana"]
    store.close()
    again = open_store(str(tmp_path / "c.db"))  # the protection comes back with every connection
    assert "not authorized" in _refused(again, statement)
    again.close()


def test_protect_audit_makes_the_trail_append_only_for_the_app_role(postgres_server: str) -> None:
    import psycopg

    role = f"narrascope_app_{os.getpid()}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE audit_{role}")
    admin = postgres_server.rsplit("/", 1)[0] + f"/audit_{role}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT CREATE, USAGE ON SCHEMA public TO {role}")
    as_app = admin.replace("postgres@", f"{role}@", 1)
    store = open_store(as_app)  # the application creates its tables: it owns them, review_audit too
    first = _reviewed(store)
    assert store.audit_rewritable() == "the connection's role owns review_audit (it may disable its triggers)"  # type: ignore[attr-defined]
    store.close()

    result = CliRunner().invoke(app, ["protect-audit", "--db", admin, "--app-role", role])
    assert result.exit_code == 0, result.output

    store = open_store(as_app)
    assert store.audit_rewritable() is None  # type: ignore[attr-defined]
    for statement in ("ALTER TABLE review_audit DISABLE TRIGGER USER", "DROP TABLE review_audit",
                      "TRUNCATE review_audit", "ALTER TABLE review_audit OWNER TO CURRENT_USER"):
        assert "must be owner" in _refused(store, statement) or "permission denied" in _refused(store, statement)
    for statement in ("UPDATE review_audit SET user_name = 'mallory'", "DELETE FROM review_audit"):
        assert "permission denied" in _refused(store, statement)
    second = store.review("d", "narrative", BLAME, "rejected", user="bo")  # the application still appends
    assert [(h.id, h.user) for h in store.review_history()] == [(second.id, "bo"), (first, "ana")]
    store.close()
    refused = CliRunner().invoke(app, ["protect-audit", "--db", admin, "--app-role", "postgres"])
    assert refused.exit_code == 2 and "is a superuser" in refused.output
