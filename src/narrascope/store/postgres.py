"""The team store: PostgreSQL through psycopg 3, same schema and semantics as the SQLite store.

Full-text search uses ``to_tsvector('simple', title || text)`` with a GIN index (language-neutral, as the corpus is
multilingual). Install the driver with ``pip install 'narrascope[postgres]'``.
"""

from __future__ import annotations

from typing import Any

from narrascope.errors import ConfigError
from narrascope.store.review import ReviewSQL
from narrascope.store.schema import Migration
from narrascope.store.sql import SQLStore

_INGEST_LOCK = 0x6E617272  # the advisory lock ingests take turns on ("narr")
_TSV = "to_tsvector('simple', COALESCE(d.title, '') || ' ' || d.text)"


class PostgresStore(ReviewSQL, SQLStore):
    """A corpus in a PostgreSQL database given by a libpq ``dsn`` (``postgresql://user@host:port/db``)."""

    dialect = "postgres"
    placeholder = "%s"
    migrations: list[Migration] = [
        (2, "full-text index (GIN) over titles and texts",
         [f"CREATE INDEX documents_fts ON documents USING GIN ({_TSV.replace('d.', '')})"]),
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
            raise ConfigError(f"cannot connect to PostgreSQL at {dsn}: {exc}".strip()) from None
        super().__init__(conn)

    def lock_for_ingest(self) -> None:
        # READ COMMITTED lets two transactions write at once: ingests take turns on this lock, held until COMMIT
        self._execute("SELECT pg_advisory_xact_lock(?)", (_INGEST_LOCK,))

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if "?" in sql or "%" in sql else sql

    def _text_filter(self, text: str) -> tuple[str, list[Any]]:
        return f"{_TSV} @@ plainto_tsquery('simple', ?)", [text]
