"""Persistence: the ``Store`` protocol and its SQLite (default) and PostgreSQL implementations."""

from __future__ import annotations

from pathlib import Path

from narrascope.errors import ConfigError
from narrascope.store.base import DocumentQuery, Duplicate, Page, Run, Store, Storyline, TrendRow

__all__ = ["DocumentQuery", "Duplicate", "Page", "Run", "Store", "Storyline", "TrendRow", "open_store"]


def open_store(location: str | Path) -> Store:
    """The store at ``location``, chosen by its URL scheme in ``narrascope.registry.stores``: ``postgresql://…`` (or
    ``postgres://…``), ``sqlite:///relative.db`` / ``sqlite:////absolute.db``, a plugin's scheme, or a plain SQLite file path (created if missing)."""
    from narrascope.registry import stores

    text = str(location)
    scheme, sep, rest = text.partition("://")
    if not sep or len(scheme) < 2:  # a file path (a Windows drive letter is not a scheme)
        return stores.get("sqlite")(text)
    if scheme == "sqlite":  # as SQLAlchemy: sqlite:///relative.db, sqlite:////absolute.db
        return stores.get("sqlite")(rest[1:] if rest.startswith("/") else rest)
    if scheme not in stores:
        raise ConfigError(f"no store for {scheme}:// URLs; known schemes: {', '.join(stores.names())}")
    return stores.get(scheme)(text)
