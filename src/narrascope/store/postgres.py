"""The team store: PostgreSQL through psycopg 3, same schema and semantics as the SQLite store.

Full-text search uses ``to_tsvector('simple', title || text)`` with a GIN index (language-neutral, as the corpus is
multilingual). Install the driver with ``pip install 'narrascope[postgres]'``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from narrascope.errors import ConfigError
from narrascope.store.review import ReviewSQL
from narrascope.store.schema import Migration
from narrascope.store.sql import SQLStore

_INGEST_LOCK = 0x6E617272  # the advisory lock ingests take turns on ("narr")
_TSV = "to_tsvector('simple', COALESCE(d.title, '') || ' ' || d.text)"


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
            raise ConfigError(redact_password(f"cannot connect to PostgreSQL at {dsn}: {exc}".strip(), dsn)) from None
        super().__init__(conn)

    def lock_for_ingest(self) -> None:
        # READ COMMITTED lets two transactions write at once: ingests take turns on this lock, held until COMMIT
        self._execute("SELECT pg_advisory_xact_lock(?)", (_INGEST_LOCK,))

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if "?" in sql or "%" in sql else sql

    def _text_filter(self, text: str) -> tuple[str, list[Any]]:
        return f"{_TSV} @@ plainto_tsquery('simple', ?)", [text]
