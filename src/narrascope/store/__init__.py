"""Persistence: the ``Store`` protocol and its SQLite (default) and PostgreSQL implementations."""

from __future__ import annotations

from pathlib import Path

from narrascope.store.base import DocumentQuery, Duplicate, Page, Run, Store, Storyline, TrendRow

__all__ = ["DocumentQuery", "Duplicate", "Page", "Run", "Store", "Storyline", "TrendRow", "open_store"]


def open_store(location: str | Path) -> Store:
    """The store at ``location``: a ``postgresql://`` URL, or a SQLite file path (created if missing)."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from narrascope.store.postgres import PostgresStore

        return PostgresStore(text)
    from narrascope.store.sqlite import SQLiteStore

    return SQLiteStore(text)
