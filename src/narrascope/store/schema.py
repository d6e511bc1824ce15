"""The versioned schema shared by the SQLite and PostgreSQL stores.

Each migration is ``(version, description, statements)``; statements use ``{serial}`` (an auto-increment primary
key), ``{blob}`` (binary) and ``{float}`` (double), filled per dialect. Applied versions are recorded in
``schema_migrations``; a store applies the missing ones, in order, when it opens. Dialect-specific migrations (full
text search) live with their store.
"""

from __future__ import annotations

Migration = tuple[int, str, list[str]]

DIALECT_TYPES = {
    "sqlite": {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB", "float": "REAL"},
    "postgres": {"serial": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA", "float": "DOUBLE PRECISION"},
}

MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
    "applied_at TEXT NOT NULL)"
)

MIGRATIONS: list[Migration] = [
    (
        1,
        "documents, analyses, labels, entities, explanations, duplicates, storylines, runs",
        [
            """CREATE TABLE runs (
                id {serial}, command TEXT NOT NULL, sources TEXT NOT NULL, started_at TEXT NOT NULL,
                finished_at TEXT, status TEXT NOT NULL, added INTEGER NOT NULL DEFAULT 0,
                skipped INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0)""",
            """CREATE TABLE storylines (
                id TEXT PRIMARY KEY, title TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0, first_seen TEXT,
                last_seen TEXT, centroid {blob}, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
            """CREATE TABLE documents (
                id TEXT PRIMARY KEY, text TEXT NOT NULL, title TEXT, url TEXT UNIQUE, outlet TEXT, published TEXT,
                day TEXT, language TEXT, source TEXT, content_hash TEXT NOT NULL UNIQUE, ingested_at TEXT NOT NULL,
                run_id INTEGER, storyline_id TEXT)""",
            "CREATE INDEX documents_day ON documents (day)",
            "CREATE INDEX documents_outlet ON documents (outlet)",
            "CREATE INDEX documents_language ON documents (language)",
            "CREATE INDEX documents_storyline ON documents (storyline_id)",
            """CREATE TABLE analyses (
                document_id TEXT PRIMARY KEY REFERENCES documents (id), run_id INTEGER, model TEXT, taxonomy TEXT,
                error TEXT, data TEXT NOT NULL, created_at TEXT NOT NULL)""",
            """CREATE TABLE labels (
                document_id TEXT NOT NULL REFERENCES documents (id), level TEXT NOT NULL, label TEXT NOT NULL,
                score {float} NOT NULL, PRIMARY KEY (document_id, level, label))""",
            "CREATE INDEX labels_label ON labels (level, label)",
            """CREATE TABLE entities (
                id {serial}, document_id TEXT NOT NULL REFERENCES documents (id), entity TEXT NOT NULL,
                mention TEXT NOT NULL, start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, main_role TEXT,
                fine_roles TEXT NOT NULL, score {float} NOT NULL)""",
            "CREATE INDEX entities_document ON entities (document_id)",
            "CREATE INDEX entities_entity ON entities (entity)",
            """CREATE TABLE explanations (
                document_id TEXT PRIMARY KEY REFERENCES documents (id), narrative TEXT NOT NULL, subnarrative TEXT,
                text TEXT NOT NULL, explainer TEXT)""",
            """CREATE TABLE duplicates (
                document_id TEXT PRIMARY KEY REFERENCES documents (id), origin_id TEXT NOT NULL,
                similarity {float} NOT NULL)""",
            "CREATE INDEX duplicates_origin ON duplicates (origin_id)",
            """CREATE TABLE signatures (
                document_id TEXT PRIMARY KEY REFERENCES documents (id), signature {blob} NOT NULL)""",
        ],
    ),
]


def render(statement: str, dialect: str) -> str:
    """``statement`` with the dialect's type names filled in."""
    return statement.format(**DIALECT_TYPES[dialect])
