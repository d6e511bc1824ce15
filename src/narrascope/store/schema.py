"""The versioned schema shared by the SQLite and PostgreSQL stores.

Each migration is ``(version, description, statements)``; statements use ``{serial}`` (an auto-increment primary
key), ``{blob}`` (binary) and ``{float}`` (double), filled per dialect; a statement that differs per dialect is a
``{dialect: statement}`` dict (the append-only triggers of ``review_audit``), and a callable is given the store
(to rebuild an index in Python). Applied versions are recorded in
``schema_migrations``; a store applies the missing ones, in order, when it opens. Dialect-specific migrations (full
text search) live with their store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Statement = str | dict[str, str] | Callable[[Any], None]
Migration = tuple[int, str, list[Statement]]

DIALECT_TYPES = {
    # nulls_last: SQLite sorts NULL first, so DESC puts it last already (and an index column takes no NULLS LAST)
    "sqlite": {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB", "float": "REAL", "binary": "BINARY",
               "nulls_last": ""},
    "postgres": {"serial": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA", "float": "DOUBLE PRECISION", "binary": '"C"',
                 "nulls_last": " NULLS LAST"},
}

MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
    "applied_at TEXT NOT NULL)"
)

_APPEND_ONLY = "review_audit is append-only: changes are recorded as new rows, never updated or deleted"

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
    (
        3,
        "review loop: reviews (current reviewed labels and roles per document) and review_audit (append-only history)",
        [
            """CREATE TABLE reviews (
                document_id TEXT NOT NULL REFERENCES documents (id), kind TEXT NOT NULL, target TEXT NOT NULL,
                status TEXT NOT NULL, value TEXT, user_name TEXT NOT NULL, updated_at TEXT NOT NULL,
                PRIMARY KEY (document_id, kind, target))""",
            """CREATE TABLE review_audit (
                id {serial}, document_id TEXT NOT NULL REFERENCES documents (id), kind TEXT NOT NULL, target TEXT NOT NULL,
                action TEXT NOT NULL, before_state TEXT, after_state TEXT NOT NULL, user_name TEXT NOT NULL, created_at TEXT NOT NULL)""",
            "CREATE INDEX review_audit_document ON review_audit (document_id)",
            {"sqlite": f"CREATE TRIGGER review_audit_no_update BEFORE UPDATE ON review_audit BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
             "postgres": "CREATE FUNCTION review_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                         f"RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"},
            {"sqlite": f"CREATE TRIGGER review_audit_no_delete BEFORE DELETE ON review_audit BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
             "postgres": "CREATE TRIGGER review_audit_no_change BEFORE UPDATE OR DELETE ON review_audit FOR EACH ROW "
                         "EXECUTE FUNCTION review_audit_append_only()"},
            {"sqlite": "SELECT 1",  # SQLite has no TRUNCATE
             "postgres": "CREATE TRIGGER review_audit_no_truncate BEFORE TRUNCATE ON review_audit FOR EACH STATEMENT "
                         "EXECUTE FUNCTION review_audit_append_only()"},
        ],
    ),
    (
        4,
        "runs: host, process id and heartbeat, to tell a run that died from one still running",
        [
            "ALTER TABLE runs ADD COLUMN host TEXT",
            "ALTER TABLE runs ADD COLUMN pid INTEGER",
            "ALTER TABLE runs ADD COLUMN heartbeat_at TEXT",
        ],
    ),
    (
        5,
        "documents: index on the publication date, for the newest-first and oldest-first lists",
        ["CREATE INDEX documents_published ON documents (published, id)"],
    ),
    (
        6,
        "review_audit: an insert over an existing row (SQLite's INSERT OR REPLACE, which fires no delete trigger) fails",
        [{"sqlite": "CREATE TRIGGER review_audit_no_replace BEFORE INSERT ON review_audit "
                    "WHEN EXISTS (SELECT 1 FROM review_audit WHERE id = NEW.id) "
                    f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END",
          "postgres": "SELECT 1"}],  # PostgreSQL: the primary key refuses it, ON CONFLICT DO UPDATE fires the trigger
    ),
    (
        7,
        "bounded memory: MinHash LSH band keys as indexed rows, the ingest sequence, storylines by last day, and "
        "daily counts maintained on every write",
        [
            {"sqlite": "CREATE TABLE minhash_bands (band_key INTEGER NOT NULL, document_id TEXT NOT NULL,"
                       " PRIMARY KEY (band_key, document_id)) WITHOUT ROWID",
             "postgres": "CREATE TABLE minhash_bands (band_key BIGINT NOT NULL, document_id TEXT NOT NULL,"
                         " PRIMARY KEY (band_key, document_id))"},
            "CREATE TABLE store_state (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "ALTER TABLE documents ADD COLUMN ingest_seq INTEGER",
            "CREATE INDEX documents_ingest_seq ON documents (ingest_seq)",
            "CREATE INDEX storylines_last_seen ON storylines (last_seen)",
            """CREATE TABLE daily_counts (
                kind TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
                PRIMARY KEY (kind, day, key))""",
            "INSERT INTO daily_counts (kind, day, key, count) SELECT kind, day, key, COUNT(*) FROM ({contributions}) c"
            " GROUP BY kind, day, key",
        ],
    ),
    (
        8,
        "analyses indexed by model, for re-analysis (the store's taxonomy is kept in store_state)",
        ["CREATE INDEX analyses_model ON analyses (model)"],
    ),
    (
        10,
        "daily counts per label and outlet, language or subnarrative (narrative pages)",
        [
            "DELETE FROM daily_counts WHERE kind NOT IN ({base_kinds})",  # a new store counted them at version 7
            "INSERT INTO daily_counts (kind, day, key, count) SELECT kind, day, key, COUNT(*) FROM"
            " ({label_group_contributions}) c GROUP BY kind, day, key",
        ],
    ),
    (
        11,
        "entity framing counts per day (and in all), entity, role and outlet or language (entities page)",
        [
            """CREATE TABLE entity_counts (
                grouped_by TEXT NOT NULL, day TEXT NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL,
                role TEXT NOT NULL, documents INTEGER NOT NULL, mentions INTEGER NOT NULL,
                PRIMARY KEY (grouped_by, day, entity, key, role))""",
            "DELETE FROM daily_counts WHERE kind = 'framed'",  # none: version 10 dropped those a new store counted
            "INSERT INTO daily_counts (kind, day, key, count) SELECT kind, day, key, COUNT(*) FROM"
            " ({framed_contributions}) c GROUP BY kind, day, key",
            "INSERT INTO entity_counts (grouped_by, day, entity, key, role, documents, mentions) SELECT grouped_by, day,"
            " entity, key, role, COUNT(*), SUM(mentions) FROM ({entity_contributions}) c"
            " GROUP BY grouped_by, day, entity, key, role",
        ],
    ),
    (
        12,
        "story keys of stored documents, so that an ingest reads a storyline's keys instead of computing them again",
        ["CREATE TABLE story_keys (document_id TEXT PRIMARY KEY REFERENCES documents (id), keys TEXT NOT NULL)"],
    ),
    (
        13,
        "storylines listed in their page order through an index (the storylines page sorted 116,000 of them, 0.6 s)",
        ["CREATE INDEX storylines_by_size ON storylines (size DESC, last_seen DESC{nulls_last}, id)",
         "CREATE INDEX storylines_by_recent ON storylines (last_seen DESC{nulls_last}, size DESC, id)"],
    ),
    (
        14,
        "the articles list in its default order, also within one language, through an index (a 500k store was "
        "scanned and sorted per page: 0.3-0.4 s)",
        ["CREATE INDEX documents_by_date ON documents (published DESC{nulls_last}, id)",
         "CREATE INDEX documents_by_language_date ON documents (LOWER(language), published DESC{nulls_last}, id)"],
    ),
]

NOT_COPY = "NOT EXISTS (SELECT 1 FROM duplicates x WHERE x.document_id = d.id)"
_CONTRIBUTION_PARTS = [
    "SELECT 'documents' AS kind, COALESCE(d.day, '') AS day, '' AS key FROM documents d WHERE {where}",
    "SELECT 'origins', COALESCE(d.day, ''), '' FROM documents d WHERE {where} AND " + NOT_COPY,
    "SELECT 'language', COALESCE(d.day, ''), d.language FROM documents d WHERE {where} AND d.language IS NOT NULL AND "
    + NOT_COPY,
    "SELECT 'outlet', COALESCE(d.day, ''), d.outlet FROM documents d WHERE {where} AND d.outlet IS NOT NULL AND "
    + NOT_COPY,
    "SELECT l.level, COALESCE(d.day, ''), l.label FROM documents d JOIN labels l ON l.document_id = d.id WHERE {where}"
    " AND " + NOT_COPY,
]
BASE_KINDS = ("documents", "origins", "language", "outlet", "narrative", "subnarrative")
LABEL_GROUPS = {  # what a label's documents are counted by -> its label's level
    "narrative_outlet": "narrative", "narrative_language": "narrative", "narrative_subnarrative": "narrative",
    "subnarrative_outlet": "subnarrative", "subnarrative_language": "subnarrative",
}


def label_group_kind(grouping: str, label: str) -> str:
    """The ``daily_counts`` kind of ``label``'s documents by outlet, language or subnarrative (``grouping``:
    ``narrative_outlet``...): the grouping and the label, tab-separated, so that a page reads it by the primary key."""
    return f"{grouping}\t{label}"


_LABEL_GROUP_PARTS = [
    f"SELECT '{grouping}\t' || l.label AS kind, COALESCE(d.day, '') AS day, "
    + (f"d.{grouping.split('_')[1]} AS key FROM documents d JOIN labels l ON l.document_id = d.id WHERE {{where}}"
       f" AND d.{grouping.split('_')[1]} IS NOT NULL"
       if not grouping.endswith("_subnarrative") else
       "s.label AS key FROM documents d JOIN labels l ON l.document_id = d.id JOIN labels s ON s.document_id = d.id"
       " AND s.level = 'subnarrative' WHERE {where}")
    + f" AND l.level = '{level}' AND " + NOT_COPY
    for grouping, level in LABEL_GROUPS.items()
]
LABEL_GROUP_CONTRIBUTIONS = " UNION ALL ".join(_LABEL_GROUP_PARTS)
"""Per narrative (or subnarrative) label, its documents that are not copies by outlet, language or subnarrative
(kind ``label_group_kind``, key the outlet, language or subnarrative): what a narrative page counts (schema
version 10)."""
_FRAMED_PART = ("SELECT 'framed' AS kind, COALESCE(d.day, '') AS day, '' AS key FROM documents d WHERE {where} AND"
                " EXISTS (SELECT 1 FROM entities e WHERE e.document_id = d.id) AND " + NOT_COPY)
"""Documents that are not copies with at least one entity mention (framed or not): the articles the entities page
says were analysed (kind ``framed``, schema version 11)."""
_CONTRIBUTION_PARTS += _LABEL_GROUP_PARTS + [_FRAMED_PART]
CONTRIBUTIONS = " UNION ALL ".join(_CONTRIBUTION_PARTS)
"""What documents add to ``daily_counts``, one row per count (``{where}`` picks the documents): every document
(``documents``), every document that is not a syndicated copy (``origins``), and per language, outlet and
narrative/subnarrative label the documents that are not copies. ``day`` is ``''`` for undated documents."""


ALL_DAYS = "*"
"""The ``entity_counts`` day under which every document counts, dated or not (an unbounded period reads only it)."""
ENTITY_GROUPINGS = ("", "outlet", "language")
"""What ``entity_counts`` counts an entity's documents by: nothing (key ``''``), the outlet or the language (key the
outlet or language, ``''`` for none)."""
_MAIN_ROLES = (  # per document and entity: its mentions per role, their total, and the role of most (ties: first by code point)
    "SELECT document_id, day, outlet, language, entity, role, SUM(n) OVER (PARTITION BY document_id, entity) AS mentions,"
    " ROW_NUMBER() OVER (PARTITION BY document_id, entity ORDER BY n DESC, role COLLATE {binary}) AS rank FROM ("
    "SELECT e.document_id, d.day, COALESCE(d.outlet, '') AS outlet, COALESCE(d.language, '') AS language, e.entity,"
    " COALESCE(e.main_role, 'Unknown') AS role, COUNT(*) AS n FROM entities e JOIN documents d ON d.id = e.document_id"
    " WHERE {where} AND " + NOT_COPY + " GROUP BY e.document_id, d.day, d.outlet, d.language, e.entity,"
    " COALESCE(e.main_role, 'Unknown')) m"
)
ENTITY_CONTRIBUTIONS = (
    "SELECT g.grouped_by, CASE WHEN a.all_days = 1 THEN '" + ALL_DAYS + "' ELSE r.day END AS day, r.entity,"
    " CASE g.grouped_by WHEN 'outlet' THEN r.outlet WHEN 'language' THEN r.language ELSE '' END AS key, r.role,"
    " r.mentions FROM (" + _MAIN_ROLES + ") r"
    " CROSS JOIN (" + " UNION ALL ".join(f"SELECT '{g}' AS grouped_by" for g in ENTITY_GROUPINGS) + ") g"
    " CROSS JOIN (SELECT 1 AS all_days UNION ALL SELECT 0) a WHERE r.rank = 1 AND (a.all_days = 1 OR r.day IS NOT NULL)"
)
"""What documents add to ``entity_counts``, one row per document, entity, grouping and day (its own, when dated, and
``ALL_DAYS``) with the document's mentions of the entity and its main role there (the role of most of them; ties:
the first by code point, as ``corpus.entities``): the entities page's table (schema version 11). ``{where}`` picks
the documents, ``{binary}`` is the dialect's code-point collation; copies count nothing."""


def render(statement: str | dict[str, str], dialect: str) -> str:
    """``statement`` (for ``dialect`` when it differs per dialect) with the dialect's type names filled in."""
    if isinstance(statement, dict):
        statement = statement[dialect]
    return statement.format(**DIALECT_TYPES[dialect], contributions=CONTRIBUTIONS.format(where="1 = 1"),
                            base_kinds=", ".join(f"'{kind}'" for kind in BASE_KINDS),
                            label_group_contributions=LABEL_GROUP_CONTRIBUTIONS.format(where="1 = 1"),
                            framed_contributions=_FRAMED_PART.format(where="1 = 1"),
                            entity_contributions=ENTITY_CONTRIBUTIONS.format(where="1 = 1",
                                                                             binary=DIALECT_TYPES[dialect]["binary"]))
