"""The default store: one SQLite file in WAL mode, full-text search with FTS5 over stemmed words."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from narrascope.errors import ConfigError
from narrascope.store import search
from narrascope.store.review import ReviewSQL
from narrascope.store.schema import Migration
from narrascope.store.sql import SQLStore


_BUSY_WAIT_S = 30.0  # how long opening or writing waits for another process that holds the file


def _locked(exc: sqlite3.DatabaseError) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc) for w in ("locked", "busy"))


def _wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, retrying while another process does the same: SQLite does not call its busy handler here."""
    deadline = time.monotonic() + _BUSY_WAIT_S
    delay = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _locked(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


_AUDIT = "review_audit"
_AUDIT_TRIGGERS = ("review_audit_no_update", "review_audit_no_delete", "review_audit_no_replace")


def _protect_audit(action: int, arg1: str | None, arg2: str | None, database: str | None, source: str | None) -> int:
    """SQLite authorizer of the store's connection: the append-only audit trail cannot be dropped, altered or
    unprotected through it (DROP/ALTER of ``review_audit``, dropping its triggers, setting ``PRAGMA writable_schema``);
    its triggers refuse UPDATE, DELETE and INSERT OR REPLACE. Another connection to the file (the sqlite3 shell of
    whoever may write the file) can still drop the triggers first: file permissions are the limit there."""
    if action in (sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_ALTER_TABLE):  # UPDATE and DELETE: the triggers refuse
        table = arg2 if action == sqlite3.SQLITE_ALTER_TABLE else arg1
        if table == _AUDIT:
            return sqlite3.SQLITE_DENY
    if action in (sqlite3.SQLITE_DROP_TRIGGER, sqlite3.SQLITE_DROP_TEMP_TRIGGER) and (arg1 in _AUDIT_TRIGGERS or arg2 == _AUDIT):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in ("writable_schema",):
        return sqlite3.SQLITE_DENY if arg2 is not None else sqlite3.SQLITE_OK  # reading it is fine, setting it is not
    return sqlite3.SQLITE_OK


def _lower(value: Any) -> Any:
    """Unicode lower case for SQL ``LOWER`` (other values unchanged, NULL stays NULL)."""
    return value.lower() if isinstance(value, str) else value


class SQLiteStore(ReviewSQL, SQLStore):
    """A corpus in one SQLite file (``":memory:"`` for a throw-away one). Readers never block the writer (WAL)."""

    dialect = "sqlite"
    placeholder = "?"
    # a write lock from the start: a deferred transaction that reads and then writes fails at once (SQLITE_BUSY, no
    # waiting) when another process committed in between
    begin = "BEGIN IMMEDIATE"
    migrations: list[Migration] = [
        (2, "full-text index (FTS5) over titles and texts",
         ["CREATE VIRTUAL TABLE documents_fts USING fts5 (document_id UNINDEXED, title, text, tokenize = 'unicode61')"]),
        (9, "full-text search with stemming per language and phrases: the stems of titles and texts (FTS5)",
         ["DROP TABLE documents_fts",
          # the words are narrascope.store.search's, separated by spaces: the ascii tokenizer splits there and nowhere
          # else inside them (it keeps every non-ASCII character), so FTS5 holds exactly the words PostgreSQL holds
          "CREATE VIRTUAL TABLE documents_search USING fts5 (document_id UNINDEXED, stemmer UNINDEXED, body,"
          " tokenize = 'ascii')",
          SQLStore.rebuild_search_index]),
    ]

    def __init__(self, path: str | Path = "narrascope.db") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=_BUSY_WAIT_S, check_same_thread=False)
            _wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # SQLite's own LOWER folds ASCII only: entity names in Cyrillic or Greek would never match case-insensitively
            conn.create_function("LOWER", 1, _lower, deterministic=True)
        except sqlite3.DatabaseError as exc:
            if _locked(exc):
                raise ConfigError(f"{self.path}: another process has held this database for over "
                                  f"{_BUSY_WAIT_S:.0f} s ({exc})") from None
            raise ConfigError(f"{self.path}: not a narrascope SQLite database ({exc})") from None
        super().__init__(conn)
        conn.set_authorizer(_protect_audit)  # after the migrations: from here on, the audit trail only grows

    def _save_search_rows(self, rows: Sequence[tuple[str, str, list[str]]]) -> None:
        self._executemany("INSERT INTO documents_search (document_id, stemmer, body) VALUES (?, ?, ?)",
                          [(doc_id, name, " ".join(stems)) for doc_id, name, stems in rows])

    def _search_ids(self, groups: list[tuple[list[list[tuple[str, ...]]], list[str]]]) -> tuple[str, list[Any]]:
        parts, params = [], []
        for match, stemmers in groups:
            parts.append("SELECT document_id FROM documents_search WHERE documents_search MATCH ? AND stemmer IN"
                         f" ({','.join('?' * len(stemmers))})")
            params += [search.fts5_expression(match), *stemmers]
        return " UNION ALL ".join(parts), params
