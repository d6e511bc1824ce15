"""The team store: PostgreSQL through psycopg 3, same schema and semantics as the SQLite store.

Full-text search keeps the stems of each title and text (``narrascope.store.search``, the words SQLite's index holds)
as a ``tsvector`` with a GIN index. Install the driver with ``pip install 'narrascope[postgres]'``.
"""

from __future__ import annotations

import re
import select
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from narrascope.errors import ConfigError
from narrascope.store import search
from narrascope.store.review import ReviewSQL
from narrascope.store.schema import Migration
from narrascope.store.sql import SQLStore

AUDIT_OWNER = "narrascope_audit_owner"  # the role that owns review_audit after protect_audit
_INGEST_LOCK = 0x6E617272  # the advisory lock ingests take turns on ("narr")
_TSV = "to_tsvector('simple', COALESCE(title, '') || ' ' || text)"  # the index of migration 2, dropped by 9


_URL_PASSWORD = re.compile(r"(://[^/@:\s]*:)[^/@\s]*@")
_PARAM_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)", re.IGNORECASE)


def redact_password(text: str, dsn: str) -> str:
    """``text`` (an error message quoting ``dsn``) with the password of ``dsn`` shown as ``***``, whether it is given
    in the URL (``postgresql://user:secret@host``), as ``password=secret`` or as a ``?password=`` parameter."""
    secrets = [m.group(0)[len(m.group(1)):-1] for m in _URL_PASSWORD.finditer(dsn)]
    secrets += [m.group(2)[1:-1].replace("\\'", "'") if m.group(2).startswith("'") else m.group(2)
                for m in _PARAM_PASSWORD.finditer(dsn)]
    text = _PARAM_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):  # as the server may echo it
        text = text.replace(secret, "***")
        text = text.replace(unquote(secret), "***")
    return text


LARGE_STORE = 200_000  # articles: from here PostgreSQL's default 128 MB of shared buffers slows every ingest batch
LEAST_BUFFERS = 1 << 30  # bytes of shared_buffers that tuning_advice asks for


class PostgresStore(ReviewSQL, SQLStore):
    """A corpus in a PostgreSQL database given by a libpq ``dsn`` (``postgresql://user@host:port/db``)."""

    dialect = "postgres"
    placeholder = "%s"
    merge_query = b"SELECT gin_clean_pending_list('documents_search_body'::regclass)"  # the pending search entries
    migrations: list[Migration] = [
        (2, "full-text index (GIN) over titles and texts",
         [f"CREATE INDEX documents_fts ON documents USING GIN ({_TSV})"]),
        (9, "full-text search with stemming per language and phrases: the stems of titles and texts (GIN)",
         ["DROP INDEX documents_fts",
          "CREATE TABLE documents_search (document_id TEXT PRIMARY KEY REFERENCES documents (id), stemmer TEXT NOT NULL,"
          " body TSVECTOR NOT NULL)",
          "CREATE INDEX documents_search_body ON documents_search USING GIN (body)",
          SQLStore.rebuild_search_index]),
    ]

    def __init__(self, dsn: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise ConfigError("the PostgreSQL store needs psycopg: pip install 'narrascope[postgres]'") from None
        self.dsn = dsn
        try:
            conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise ConfigError(redact_password(f"cannot connect to PostgreSQL at {dsn}: {exc}".strip(), dsn)) from None
        self._merger: Any = None  # the connection that merges the search index's pending entries; False: not allowed
        self._ingested = False  # the open transaction took the ingest lock
        super().__init__(conn)

    def tuning_advice(self) -> list[str]:
        """Advice when the store holds ``LARGE_STORE`` articles or more (PostgreSQL's estimate, no count) and the
        server's ``shared_buffers`` is below ``LEAST_BUFFERS`` bytes: an ingest then reads its indexes from disk at every
        batch (docs/scaling.md: a 2,000-article run into a 1M store took 58 s at 128 MB, 33-35 s at 3 GB)."""
        row = self._one("SELECT GREATEST(c.reltuples, 0)::BIGINT, pg_size_bytes(current_setting('shared_buffers'))"
                        " FROM pg_class c WHERE c.oid = to_regclass('documents')")
        if row is None or row[0] < LARGE_STORE or row[1] >= LEAST_BUFFERS:
            return []
        return [f"PostgreSQL's shared_buffers is {row[1] / 2**20:,.0f} MB for a store of about {row[0]:,} articles: each"
                " ingest batch reads the indexes from disk. Give it a few GB (shared_buffers in postgresql.conf, then"
                " restart PostgreSQL; docs/scaling.md, \"The million\")."]

    def audit_rewritable(self) -> str | None:
        """Why this connection's role could rewrite the append-only ``review_audit`` (it owns the table, so it can
        disable its triggers, or it is a superuser), or ``None`` when ``protect_audit`` made it append-only for it."""
        row = self._one("SELECT r.rolsuper, t.tableowner = current_user FROM pg_roles r, pg_tables t "
                        "WHERE r.rolname = current_user AND t.tablename = 'review_audit' AND t.schemaname = current_schema()")
        if row is None:
            return None
        if row[0]:
            return "the connection's role is a superuser"
        return "the connection's role owns review_audit (it may disable its triggers)" if row[1] else None

    def protect_audit(self, app_role: str) -> None:
        """Make ``review_audit`` append-only for ``app_role``, the role the application connects as: the table (and
        its sequence and trigger function) is handed to the role ``AUDIT_OWNER`` (no login, created if missing), and
        ``app_role`` may only read it and add rows. Run it once, connected as the database owner or a superuser;
        ``app_role`` must not be a superuser nor own the database or its schema (an owner can drop the table)."""
        import psycopg
        from psycopg import sql

        role = self._one("SELECT rolsuper FROM pg_roles WHERE rolname = ?", (app_role,))
        if role is None:
            raise ConfigError(f"no PostgreSQL role {app_role!r}; give the role the application connects as")
        if role[0]:
            raise ConfigError(f"{app_role!r} is a superuser, which can rewrite any table: let the application "
                              "connect as an ordinary role")
        app, owner = sql.Identifier(app_role), sql.Identifier(AUDIT_OWNER)
        try:
            with self.transaction():
                if self._one("SELECT 1 FROM pg_roles WHERE rolname = ?", (AUDIT_OWNER,)) is None:
                    self._conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(owner))
                if (self._one("SELECT pg_has_role(?, ?, 'MEMBER')", (app_role, AUDIT_OWNER)) or (False,))[0]:
                    raise ConfigError(f"{app_role!r} is a member of {AUDIT_OWNER!r}: revoke that membership first")
                for statement in ("ALTER TABLE review_audit OWNER TO {owner}",
                                  "ALTER FUNCTION review_audit_append_only() OWNER TO {owner}",
                                  "REVOKE ALL ON review_audit FROM PUBLIC, {app}",
                                  "GRANT SELECT, INSERT ON review_audit TO {app}",
                                  "GRANT USAGE, SELECT ON SEQUENCE review_audit_id_seq TO {app}"):
                    self._conn.execute(sql.SQL(statement).format(owner=owner, app=app))
        except psycopg.Error as exc:
            raise ConfigError(f"cannot protect review_audit: {exc}; connect as the database owner or a superuser") from None

    def lock_for_ingest(self) -> None:
        # READ COMMITTED lets two transactions write at once: ingests take turns on this lock, held until COMMIT
        self._execute("SELECT pg_advisory_xact_lock(?)", (_INGEST_LOCK,))
        self._ingested = True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        outer = not self._depth
        try:
            with super().transaction():
                yield
        except BaseException:
            if outer:  # rolled back: nothing to merge
                self._ingested = False
            raise
        if outer and self._ingested:
            self._ingested = False
            self._merge_search_entries()

    def _merge_search_entries(self) -> None:
        """Start merging the entries an ingest batch left in the search index's pending list into the index, on a
        second connection, while this process goes on with the next batch; unless the last merge is still running.
        Without it the batch that fills GIN's pending list (4 MB) merges it itself, and each merge into a large
        index dirties most of its pages (docs/scaling.md, eighth session)."""
        if self._merging() or self._merger is False:  # still running, or refused
            return
        import psycopg
        try:
            if self._merger is None:
                self._merger = psycopg.connect(self.dsn, autocommit=True)
            self._merger.pgconn.send_query(self.merge_query)
        except psycopg.Error:
            self._stop_merging()

    def _merging(self, wait: bool = False) -> bool:
        """Whether the last merge still runs (``wait``: until it ends); a merge refused (the index not owned by this
        role, a standby) stops the merges: the inserts then merge the list as PostgreSQL does by itself."""
        if not self._merger:
            return False
        import psycopg
        from psycopg import pq
        pg = self._merger.pgconn
        try:
            while True:
                pg.consume_input()
                while not pg.is_busy():
                    result = pg.get_result()
                    if result is None:
                        return False
                    if result.status != pq.ExecStatus.TUPLES_OK:
                        self._stop_merging()
                        return False
                if not wait:
                    return True
                select.select([pg.socket], [], [])
        except psycopg.Error:
            self._stop_merging()
            return False

    def _stop_merging(self) -> None:
        if self._merger:
            self._merger.close()
        self._merger = False

    def finish_run(self, run_id: int, status: str, added: int, skipped: int, failed: int) -> None:
        self._merging(wait=True)  # the run's entries are in the index when it is done
        super().finish_run(run_id, status, added, skipped, failed)

    def close(self) -> None:
        self._merging(wait=True)
        self._stop_merging()
        super().close()

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if "?" in sql or "%" in sql else sql

    def _save_search_rows(self, rows: Sequence[tuple[str, str, list[str]]]) -> None:
        self._executemany("INSERT INTO documents_search (document_id, stemmer, body) VALUES (?, ?, ?::tsvector)",
                          [(doc_id, name, search.tsvector(stems)) for doc_id, name, stems in rows])

    def _search_clause(self, groups: list[tuple[list[list[tuple[str, ...]]], list[str]]]) -> tuple[str, list[Any]]:
        parts, params = [], []
        for match, stemmers in groups:
            parts.append(f"(stemmer IN ({','.join('?' * len(stemmers))}) AND body @@ ?::tsquery)")
            params += [*stemmers, search.tsquery(match)]
        return f"d.id IN (SELECT document_id FROM documents_search WHERE {' OR '.join(parts)})", params

    def _search_ids(self, groups: list[tuple[list[list[tuple[str, ...]]], list[str]]]) -> tuple[str, list[Any]]:
        # a query per group: each reads its word's rows by the index alone, where the OR above checks every row's
        # tsvector again (for a count of 300,000 rows, 1.5M pages read); a list sorted by date keeps the OR, for which
        # PostgreSQL walks the date index and stops at the page (the UNION took 2.6-4.4 s there)
        parts, params = [], []
        for match, stemmers in groups:
            parts.append(f"SELECT document_id FROM documents_search WHERE stemmer IN ({','.join('?' * len(stemmers))})"
                         " AND body @@ ?::tsquery")
            params += [*stemmers, search.tsquery(match)]
        return " UNION ALL ".join(parts), params
