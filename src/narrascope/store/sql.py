"""``SQLStore``: the ``Store`` implementation shared by SQLite and PostgreSQL over a DB-API connection.

Subclasses open the connection (in autocommit mode: transactions are explicit), name their ``dialect`` and add
their full-text index (``_save_search_rows``, ``_search_clause``, over the words of ``narrascope.store.search``) and
extra ``migrations``. SQL here is written with ``?`` placeholders;
``_sql`` turns them into the driver's style.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np

from narrascope.dates import published_or_none, stored_date, stored_day
from narrascope.documents import Analysis, Document
from narrascope.store.base import DocumentQuery, Duplicate, EntityRoleCount, Page, Run, Storyline, TrendKey, TrendRow
from narrascope.store.counts import DailyCountsSQL, language_only, one_label, period_clause, period_only, text_only
from narrascope.store.incremental import IncrementalSQL
from narrascope.store import search
from narrascope.store.schema import MIGRATIONS, MIGRATIONS_TABLE, NOT_COPY, Migration, label_group_kind, render

DOC_COLUMNS = "d.id, d.text, d.title, d.url, d.outlet, d.published, d.language, d.source"
SORTS = {  # DocumentQuery.sort -> ORDER BY
    "date": "d.published DESC NULLS LAST, d.id",
    "oldest": "d.published ASC NULLS LAST, d.id",
    "title": "LOWER(COALESCE(d.title, d.text)), d.id",
    "outlet": "LOWER(d.outlet) NULLS LAST, d.published DESC NULLS LAST, d.id",
}
STORYLINE_SORTS = {  # Store.storylines(sort=...) -> ORDER BY
    "size": "size DESC, last_seen DESC NULLS LAST, id",
    "recent": "last_seen DESC NULLS LAST, size DESC, id",
    "title": "LOWER(title), id",
}
_CHUNK = 500
FEW_MATCHES = 5_000  # a search matching this many documents or fewer is listed from their ids, not by the date index
_STEMMER_STATE = "search_stemmer:"  # store_state rows naming the stemmers of the full-text index (value unused)
_STEMMER_ROWS = "name >= 'search_stemmer:' AND name < 'search_stemmer;'"  # the names that start with it
STALE_AFTER = timedelta(hours=1)  # a running run without a heartbeat for this long is marked interrupted


def now() -> str:
    """The current UTC time, ISO-8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (another user's process counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _stale_runs(rows: Iterable[tuple]) -> list[int]:
    """The ids among running runs ``(id, host, pid, last heartbeat)`` that can no longer finish: their process on this
    host is gone, or they sent no heartbeat for ``STALE_AFTER``."""
    cutoff = (datetime.now(timezone.utc) - STALE_AFTER).isoformat(timespec="seconds")
    host = socket.gethostname()
    return [int(r[0]) for r in rows
            if r[3] < cutoff or (r[1] == host and r[2] is not None and not _process_alive(int(r[2])))]


# Taken first in a migration's transaction, so that two processes opening a new store migrate it once.
_LOCK_SCHEMA = {"sqlite": "UPDATE schema_migrations SET version = version WHERE 1 = 0",
                "postgres": "LOCK TABLE schema_migrations IN EXCLUSIVE MODE"}


def _without_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL; both stores keep U+FFFD in its place (one character, so offsets hold)."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _like_part(text: str) -> str:
    """A ``LIKE ? ESCAPE '\\'`` pattern matching ``text`` (lower case) anywhere, its wildcards taken literally."""
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SQLStore(DailyCountsSQL, IncrementalSQL):
    """Shared SQL behaviour; see ``narrascope.store.base.Store`` for the API."""

    dialect = "sqlite"
    placeholder = "?"
    begin = "BEGIN"  # the statement that opens a transaction
    migrations: list[Migration] = []  # dialect-specific, applied after the shared ones of the same version
    search_table = "documents_search"  # the full-text index: one row per document

    def __init__(self, connection: Any) -> None:
        self._conn = connection
        self._depth = 0
        self._migrate()

    # -- plumbing ---------------------------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(self._sql(sql), tuple(map(_without_nul, params)))

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(map(_without_nul, r)) for r in rows]
        if rows:
            self._conn.cursor().executemany(self._sql(sql), rows)

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return [tuple(r) for r in self._execute(sql, params).fetchall()]

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        row = self._execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together; an exception rolls it all back. Nested blocks join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._execute(self.begin)
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._execute("ROLLBACK")
            raise
        self._depth = 0
        self._execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    def tuning_advice(self) -> list[str]:
        """SQLite has nothing to tune here (its page cache is the operating system's)."""
        return []

    def _migrate(self) -> None:
        self._execute(MIGRATIONS_TABLE)
        applied = {row[0] for row in self._all("SELECT version FROM schema_migrations")}
        for version, description, statements in sorted(MIGRATIONS + self.migrations, key=lambda m: m[0]):
            if version in applied:
                continue
            with self.transaction():
                self._execute(_LOCK_SCHEMA[self.dialect])  # another process may be migrating the same store
                if self._one("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                    applied.add(version)
                    continue
                for statement in statements:
                    if callable(statement):
                        statement(self)
                    else:
                        self._execute(render(statement, self.dialect))
                self._execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    (version, description, now()),
                )
            applied.add(version)

    @property
    def schema_version(self) -> int:
        row = self._one("SELECT MAX(version) FROM schema_migrations")
        return int(row[0]) if row and row[0] is not None else 0

    # -- documents --------------------------------------------------------------------------------------------
    def _index_text(self, documents: Sequence[Document]) -> None:
        """Add ``documents`` to the full-text index: their stems, by the stemmer of their language."""
        rows = [(d.id, *search.indexed(d.title, d.text, d.language)) for d in documents]
        for name in sorted({r[1] for r in rows}):  # one row per stemmer in use: concurrent writers never lose one
            self._execute("INSERT INTO store_state (name, value) VALUES (?, '1') ON CONFLICT (name) DO NOTHING",
                          (_STEMMER_STATE + name,))
        self._save_search_rows(rows)

    def _save_search_rows(self, rows: Sequence[tuple[str, str, list[str]]]) -> None:
        """Store ``(document id, stemmer name, stems)`` in the dialect's full-text index."""
        raise NotImplementedError

    def rebuild_search_index(self) -> None:
        """Index every stored document again (the migration to stemmed search does it for existing stores)."""
        with self.transaction():
            self._execute(f"DELETE FROM {self.search_table}")
            self._execute(f"DELETE FROM store_state WHERE {_STEMMER_ROWS}")
            batch: list[Document] = []
            for doc in self.iter_documents():
                batch.append(doc)
                if len(batch) == _CHUNK:
                    self._index_text(batch)
                    batch = []
            self._index_text(batch)

    def known(self, urls: Iterable[str] = (), hashes: Iterable[str] = ()) -> tuple[set[str], set[str]]:
        found_urls: set[str] = set()
        found_hashes: set[str] = set()
        for column, values, found in (("url", list(set(urls)), found_urls), ("content_hash", list(set(hashes)), found_hashes)):
            for chunk in _chunks(values):
                marks = ",".join("?" * len(chunk))
                found.update(r[0] for r in self._all(f"SELECT {column} FROM documents WHERE {column} IN ({marks})", chunk))
        return found_urls, found_hashes

    def failed_analyses(self, urls: Iterable[str] = (), hashes: Iterable[str] = ()) -> list[Document]:
        found: dict[str, Document] = {}
        for column, values in (("url", sorted(set(urls))), ("content_hash", sorted(set(hashes)))):
            for chunk in _chunks(values):
                rows = self._all(f"SELECT {DOC_COLUMNS} FROM documents d JOIN analyses a ON a.document_id = d.id"
                                 f" WHERE a.error IS NOT NULL AND d.{column} IN ({','.join('?' * len(chunk))})", chunk)
                found.update((r[0], self._document(r)) for r in rows)
        return [found[k] for k in sorted(found)]

    def taken_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` already used by stored documents."""
        taken: set[str] = set()
        for chunk in _chunks(list(set(ids))):
            marks = ",".join("?" * len(chunk))
            taken.update(r[0] for r in self._all(f"SELECT id FROM documents WHERE id IN ({marks})", chunk))
        return taken

    def add_documents(self, documents: Sequence[Document], run_id: int | None = None,
                      ingest_seq: int | None = None) -> list[str]:
        inserted: list[Document] = []
        stamp = now()
        with self.transaction():
            for doc in documents:
                published = published_or_none(doc.published, f"document {doc.id!r}")  # readers already normalised it
                cursor = self._execute(
                    "INSERT INTO documents (id, text, title, url, outlet, published, day, language, source, content_hash,"
                    " ingested_at, run_id, ingest_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (doc.id, doc.text, doc.title, doc.url, doc.outlet, published, stored_day(published), doc.language,
                     doc.source, doc.content_hash, stamp, run_id, ingest_seq),
                )
                if cursor.rowcount == 1:
                    inserted.append(doc)
            self._index_text(inserted)
            self.update_daily_counts([d.id for d in inserted], 1)
        return [d.id for d in inserted]

    def _document(self, row: tuple) -> Document:
        return Document(id=row[0], text=row[1], title=row[2], url=row[3], outlet=row[4], published=stored_date(row[5]),
                        language=row[6], source=row[7])

    def get_document(self, document_id: str) -> Document | None:
        row = self._one(f"SELECT {DOC_COLUMNS} FROM documents d WHERE d.id = ?", (document_id,))
        return self._document(row) if row else None

    def change_marker(self) -> tuple[int, int, int, int]:
        """Changes whenever documents are added (and with them analyses, duplicates and storylines), a run starts or
        reports progress (a re-analysis counts its documents in ``added``) or a review decision is recorded:
        ``(documents, last run id, its added count, last audit id)``, cheap enough to ask on every request, so that
        results can be cached until then."""
        # the documents as the maintained daily counts have them (COUNT(*) reads every row, on every request)
        row = self._one("SELECT (SELECT SUM(count) FROM daily_counts WHERE kind = 'documents'), (SELECT MAX(id) FROM runs),"
                        " (SELECT added FROM runs ORDER BY id DESC LIMIT 1), (SELECT MAX(id) FROM review_audit)")
        return (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) if row else (0, 0, 0, 0)

    def count_documents(self, include_duplicates: bool = True) -> int:
        where = "" if include_duplicates else f" WHERE {NOT_COPY}"
        return int(self._one(f"SELECT COUNT(*) FROM documents d{where}")[0])  # type: ignore[index]

    def iter_documents(self, batch_size: int = 500) -> Iterator[Document]:
        last = ""
        while True:
            rows = self._all(f"SELECT {DOC_COLUMNS} FROM documents d WHERE d.id > ? ORDER BY d.id LIMIT ?", (last, batch_size))
            if not rows:
                return
            yield from (self._document(r) for r in rows)
            last = rows[-1][0]

    def _match_groups(self, text: str) -> list[tuple[list[list[tuple[str, ...]]], list[str]]]:
        """A search (``narrascope.store.search``) as one match per group of stemmers in the corpus that read the query
        alike, each over the documents indexed with them; none when it can match nothing."""
        query = search.parse_query(text)
        stemmers = [r[0][len(_STEMMER_STATE):] for r in
                    self._all(f"SELECT name FROM store_state WHERE {_STEMMER_ROWS}")]
        return search.match_groups(query, stemmers) if query and stemmers else []

    def _text_filter(self, text: str, ids_first: bool = False) -> tuple[str, list[Any]]:
        """The condition on ``d`` for the documents matching a search; ``ids_first``: as the matching ids, for a
        search known to match few documents (the dialect's own condition may walk the date index instead)."""
        groups = self._match_groups(text)
        if not groups:
            return "1 = 0", []
        return self._ids_clause(groups) if ids_first else self._search_clause(groups)

    def _ids_clause(self, groups: list[tuple[list[list[tuple[str, ...]]], list[str]]]) -> tuple[str, list[Any]]:
        """The condition on ``d`` that it is among the ids of ``_search_ids``."""
        ids, params = self._search_ids(groups)
        return f"d.id IN ({ids})", params

    def _search_clause(self, groups: list[tuple[list[list[tuple[str, ...]]], list[str]]]) -> tuple[str, list[Any]]:
        """The dialect's condition for ``search.match_groups`` (by default ``_ids_clause``)."""
        return self._ids_clause(groups)

    def _search_ids(self, groups: list[tuple[list[list[tuple[str, ...]]], list[str]]]) -> tuple[str, list[Any]]:
        """The dialect's query of the ids of the documents matching ``search.match_groups``, one row each."""
        raise NotImplementedError

    def _count_matching(self, query: DocumentQuery) -> int:
        """The documents a search alone matches (copies left out unless ``include_duplicates``), counted from the
        search index without reading the documents: 0.28 s against 2.2 s for a word in 300,000 of 1.48M articles
        (docs/scaling.md)."""
        groups = self._match_groups(query.text or "")
        if not groups:
            return 0
        ids, params = self._search_ids(groups)
        copies = "" if query.include_duplicates else f" WHERE {NOT_COPY}"
        counted = f"SELECT COUNT(*) FROM (SELECT document_id AS id FROM ({ids}) s) d{copies}"  # d.id for NOT_COPY
        return int(self._one(counted, params)[0])  # type: ignore[index]

    def _where(self, query: DocumentQuery, ids_first: bool = False) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for level, label in (("narrative", query.narrative), ("subnarrative", query.subnarrative)):
            if label:
                where.append("EXISTS (SELECT 1 FROM labels l WHERE l.document_id = d.id AND l.level = ? AND l.label = ?)")
                params += [level, label]
        if query.entity:
            where.append("EXISTS (SELECT 1 FROM entities e WHERE e.document_id = d.id AND (LOWER(e.entity) = LOWER(?)"
                         " OR LOWER(e.mention) = LOWER(?)))")
            params += [query.entity, query.entity]
        if query.outlet:  # a part of the outlet's name, any case
            where.append("LOWER(d.outlet) LIKE ? ESCAPE '\\'")
            params.append(_like_part(query.outlet))
        if query.language:  # any case: "RU" finds "ru"
            where.append("LOWER(d.language) = LOWER(?)")
            params.append(query.language)
        if query.storyline:
            where.append("d.storyline_id = ?")
            params.append(query.storyline)
        if query.since:
            where.append("d.day >= ?")
            params.append(query.since[:10])
        if query.until:
            where.append("d.day <= ?")
            params.append(query.until[:10])
        if query.text:
            clause, extra = self._text_filter(query.text, ids_first)
            where.append(clause)
            params += extra
        if not query.include_duplicates:
            where.append(NOT_COPY)
        return (f" WHERE {' AND '.join(where)}" if where else ""), params

    def query_documents(self, query: DocumentQuery) -> Page[Document]:
        order = SORTS[query.sort]
        searched = self._count_matching(query) if text_only(query) else None  # counted from the search index's rows
        few = searched is not None and searched <= FEW_MATCHES
        if few:  # read them, then sort, in an order no index gives: PostgreSQL walked the date index for 1 s to find
            order = order.replace("d.published", "(d.published || '')")  # 20 of 535 (30 ms so)
        condition, params = self._where(query, ids_first=few)
        labelled = one_label(query)
        counted: tuple[str, str] | None = labelled  # the daily counts (kind, key) of exactly the documents matching
        if period_only(query):  # the maintained daily counts: no scan of every document
            counted = ("documents" if query.include_duplicates else "origins", "")
            total = sum(self.counted(counted[0], query.since, query.until).values())
        elif labelled is not None:  # the label's daily counts
            total = self.counted(labelled[0], query.since, query.until).get(labelled[1], 0)
        elif searched is not None:
            total = searched
        elif language_only(query):  # the languages' daily counts (any case, as the filter)
            wanted = (query.language or "").lower()
            total = sum(n for key, n in self.counted("language", query.since, query.until).items()
                        if key.lower() == wanted)
        else:
            total = int(self._one(f"SELECT COUNT(*) FROM documents d{condition}", params)[0])  # type: ignore[index]
        offset = query.offset
        if counted is not None and query.sort in ("date", "oldest") and query.offset < total and query.limit > 0:
            condition, params, offset = self._seek_by_day(counted, query, condition, params)
        # nothing to read past the total (a filter that matches nothing walked the whole date index: 2 s at 677k)
        rows = self._all(
            f"SELECT {DOC_COLUMNS} FROM documents d{condition} ORDER BY {order} LIMIT ? OFFSET ?",
            params + [query.limit, offset],
        ) if query.offset < total and query.limit > 0 else []
        return Page([self._document(r) for r in rows], total, query.limit, query.offset)

    def _seek_by_day(self, counted: tuple[str, str], query: DocumentQuery, condition: str,
                     params: list[Any]) -> tuple[str, list[Any], int]:
        """``(condition, params, offset)`` that read the page of ``query`` (sorted by date, its documents those the
        daily counts ``counted`` count) from the day its first document is on: ``condition`` bounded by that day and
        the offset less the documents of the days before it, by the daily counts. Without it the date index was
        walked from the store's newest article: 1.0 s for a label that none of the newest 464,000 carried, 2.5 s for
        a page deep in a 1.48M-article list (docs/scaling.md). Unchanged when an undated document counts (one whose
        ``published`` is no real date, an older version's, may sort anywhere) or a day is no real date."""
        days = self.counted_days(counted[0], counted[1], query.since, query.until)
        if not all(stored_day(day) for day in days):  # undated ones counted (day ''), or a day that is no real date
            return condition, params, query.offset
        newest = query.sort == "date"
        before = 0  # the documents of the days before the page's first day, in the list's order
        for day in sorted(days, reverse=newest):
            if before + days[day] > query.offset:
                break
            before += days[day]
        if newest:  # every published value starts with its day: those before the day after it
            bound, value = "d.published < ?", (date.fromisoformat(day) + timedelta(days=1)).isoformat()
        else:
            bound, value = "d.published >= ?", day
        return condition + (" AND " if condition else " WHERE ") + bound, [*params, value], query.offset - before

    def label_counts(self, level: str, query: DocumentQuery) -> dict[str, int]:
        """Documents matching ``query`` (paging ignored) per narrative or subnarrative label, dated or not."""
        if level not in ("narrative", "subnarrative"):
            raise ValueError(f"label_counts: unknown level {level!r}; use narrative or subnarrative")
        if period_only(query) and not query.include_duplicates:
            return self.counted(level, query.since, query.until)
        labelled = one_label(query)
        if labelled is not None and labelled[0] == "narrative" and level == "subnarrative":
            return self.counted(label_group_kind("narrative_subnarrative", labelled[1]), query.since, query.until)
        condition, params = self._where(query)
        condition += (" AND" if condition else " WHERE") + " l.level = ?"
        rows = self._all(f"SELECT l.label, COUNT(*) FROM documents d JOIN labels l ON l.document_id = d.id{condition}"
                         " GROUP BY l.label ORDER BY 2 DESC, 1", params + [level])
        return {r[0]: int(r[1]) for r in rows}

    def storyline_of(self, document_id: str) -> str | None:
        """The id of the storyline ``document_id`` belongs to, if any."""
        row = self._one("SELECT storyline_id FROM documents WHERE id = ?", (document_id,))
        return row[0] if row else None

    def origin_of(self, document_id: str) -> Duplicate | None:
        """The link from ``document_id`` to the document it copies, if it is a syndicated copy."""
        row = self._one("SELECT document_id, origin_id, similarity FROM duplicates WHERE document_id = ?", (document_id,))
        return Duplicate(row[0], row[1], float(row[2])) if row else None

    def count_by(self, by: str, query: DocumentQuery) -> dict[str, int]:
        """Documents matching ``query`` (paging ignored) per ``outlet`` or ``language``, largest first."""
        if by not in ("outlet", "language"):
            raise ValueError(f"count_by: unknown grouping {by!r}; use outlet or language")
        if period_only(query) and not query.include_duplicates:
            return self.counted(by, query.since, query.until)
        labelled = one_label(query)
        if labelled is not None:
            return self.counted(label_group_kind(f"{labelled[0]}_{by}", labelled[1]), query.since, query.until)
        condition, params = self._where(query)
        condition += (" AND" if condition else " WHERE") + f" d.{by} IS NOT NULL"
        rows = self._all(f"SELECT d.{by}, COUNT(*) FROM documents d{condition} GROUP BY d.{by} ORDER BY 2 DESC, 1", params)
        return {r[0]: int(r[1]) for r in rows}

    # -- analyses ---------------------------------------------------------------------------------------------
    def add_analyses(self, analyses: Sequence[Analysis], run_id: int | None = None) -> None:
        """Store the model's analyses (replacing earlier ones); the ``labels``, ``entities`` and ``explanations``
        rows of a reviewed document hold its reviewed analysis, and the labels its reviewer left as the old model gave
        them are kept (``_keep_reviewed_labels``)."""
        stamp = now()
        with self.transaction(), self.recounted([a.document_id for a in analyses]):
            taxonomies = {a.taxonomy for a in analyses if a.taxonomy and not a.error}
            self.check_taxonomy(taxonomies)
            if taxonomies:  # the first model's taxonomy becomes the store's
                self._execute("INSERT INTO store_state (name, value) VALUES ('taxonomy', ?) ON CONFLICT (name)"
                              " DO NOTHING", (self.taxonomy_name() or next(iter(taxonomies)),))
            for a in analyses:
                self._keep_reviewed_labels(a.document_id)
                self._execute(
                    "INSERT INTO analyses (document_id, run_id, model, taxonomy, error, data, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (document_id) DO UPDATE SET run_id = excluded.run_id,"
                    " model = excluded.model, taxonomy = excluded.taxonomy, error = excluded.error,"
                    " data = excluded.data, created_at = excluded.created_at",
                    (a.document_id, run_id, a.model, a.taxonomy, a.error, json.dumps(a.to_dict(), ensure_ascii=False), stamp),
                )
                self._write_parts(self._reviewed_analysis(a))

    def _write_parts(self, a: Analysis) -> None:
        """Replace the document's ``labels``, ``entities`` and ``explanations`` rows (what counts, trends, filters
        and search read) with those of ``a``."""
        for table in ("labels", "entities", "explanations"):
            self._execute(f"DELETE FROM {table} WHERE document_id = ?", (a.document_id,))
        labels = {(lvl, s.label): s.score for lvl, scores in (("narrative", a.narratives), ("subnarrative", a.subnarratives)) for s in scores}
        self._executemany(
            "INSERT INTO labels (document_id, level, label, score) VALUES (?, ?, ?, ?)",
            [(a.document_id, lvl, label, float(score)) for (lvl, label), score in labels.items()],
        )
        self._executemany(
            "INSERT INTO entities (document_id, entity, mention, start_char, end_char, main_role, fine_roles, score)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(a.document_id, m.entity or m.text, m.text, m.start, m.end, m.main_role, json.dumps(m.fine_roles), float(m.score))
             for m in a.entities],
        )
        if a.explanation:
            e = a.explanation
            self._execute(
                "INSERT INTO explanations (document_id, narrative, subnarrative, text, explainer) VALUES (?, ?, ?, ?, ?)",
                (a.document_id, e.narrative, e.subnarrative, e.text, e.explainer),
            )

    def _keep_reviewed_labels(self, document_id: str) -> None:
        """Hook of the review mix-in (``narrascope.store.review``)."""

    def _reviewed_analysis(self, analysis: Analysis) -> Analysis:
        """Hook of the review mix-in: ``analysis`` with the document's review decisions applied."""
        return analysis

    def _model_analysis(self, document_id: str) -> Analysis | None:
        """The analysis as the model made it (no review decisions applied)."""
        row = self._one("SELECT data FROM analyses WHERE document_id = ?", (document_id,))
        return Analysis.from_dict(json.loads(row[0])) if row else None

    def get_analysis(self, document_id: str, reviewed: bool = True) -> Analysis | None:
        """The document's analysis with its review decisions applied (``reviewed=False``: as the model made it)."""
        analysis = self._model_analysis(document_id)
        return self._reviewed_analysis(analysis) if analysis is not None and reviewed else analysis

    # -- the taxonomy of the store --------------------------------------------------------------------------------
    def taxonomy_name(self) -> str | None:
        """The taxonomy this corpus is labelled with: set by the first model that analysed it (``None`` before)."""
        row = self._one("SELECT value FROM store_state WHERE name = 'taxonomy'")
        if row is not None:
            return str(row[0])
        row = self._one("SELECT taxonomy FROM analyses WHERE taxonomy IS NOT NULL ORDER BY created_at, document_id LIMIT 1")
        return str(row[0]) if row else None

    def check_taxonomy(self, names: Iterable[str]) -> None:
        """Refuse (``ConfigError``) analyses in another taxonomy than the store's (or in two at once)."""
        from narrascope.errors import ConfigError

        wanted = sorted(set(names))
        if not wanted:
            return
        fixed = self.taxonomy_name()
        foreign = [n for n in wanted if n != (fixed or wanted[0])]
        if foreign:
            raise ConfigError(
                f"this corpus is labelled with the taxonomy {fixed or wanted[0]!r} (fixed by the first model that "
                f"analysed it), not {foreign[0]!r}: analyse it with a model trained on {fixed or wanted[0]!r} "
                "(--model DIR), or put the other taxonomy's articles in a store of their own")


    def stale_documents(self, model: str, after: str = "", limit: int = 500) -> list[Document]:
        """Stored documents whose analysis is not by ``model`` (another model, none, or failed), ids after ``after``,
        by id: what a re-analysis with ``model`` still has to do."""
        rows = self._all(
            f"SELECT {DOC_COLUMNS} FROM documents d LEFT JOIN analyses a ON a.document_id = d.id WHERE d.id > ?"
            " AND (a.model IS NULL OR a.model <> ? OR a.error IS NOT NULL) ORDER BY d.id LIMIT ?", (after, model, limit))
        return [self._document(r) for r in rows]

    def analysis_models(self) -> dict[str | None, int]:
        """Stored documents per model that produced their analysis (``None``: not analysed, or by no narrative
        model), most first."""
        rows = self._all("SELECT a.model, COUNT(*) FROM documents d LEFT JOIN analyses a ON a.document_id = d.id"
                         " GROUP BY a.model ORDER BY 2 DESC")
        return {r[0]: int(r[1]) for r in rows}

    def unanalysed(self, limit: int = 1000) -> list[Document]:
        """Stored documents without an analysis (e.g. ingested with ``--no-analyze``)."""
        rows = self._all(
            f"SELECT {DOC_COLUMNS} FROM documents d WHERE NOT EXISTS (SELECT 1 FROM analyses a WHERE a.document_id = d.id)"
            " ORDER BY d.id LIMIT ?", (limit,))
        return [self._document(r) for r in rows]

    # -- duplicates -------------------------------------------------------------------------------------------
    def add_duplicates(self, duplicates: Sequence[Duplicate]) -> None:
        with self.transaction(), self.recounted([d.document_id for d in duplicates]):
            self._executemany(
                "INSERT INTO duplicates (document_id, origin_id, similarity) VALUES (?, ?, ?) ON CONFLICT (document_id)"
                " DO UPDATE SET origin_id = excluded.origin_id, similarity = excluded.similarity",
                [(d.document_id, d.origin_id, float(d.similarity)) for d in duplicates],
            )

    def duplicates(self, origin_id: str | None = None) -> list[Duplicate]:
        if origin_id is None:
            rows = self._all("SELECT document_id, origin_id, similarity FROM duplicates ORDER BY origin_id, document_id")
        else:
            rows = self._all("SELECT document_id, origin_id, similarity FROM duplicates WHERE origin_id = ? ORDER BY document_id", (origin_id,))
        return [Duplicate(r[0], r[1], float(r[2])) for r in rows]

    def save_signatures(self, signatures: dict[str, bytes]) -> None:
        with self.transaction():
            self._executemany(
                "INSERT INTO signatures (document_id, signature) VALUES (?, ?) ON CONFLICT (document_id)"
                " DO UPDATE SET signature = excluded.signature",
                list(signatures.items()),
            )

    def iter_signatures(self, ids: Iterable[str] | None = None) -> Iterator[tuple[str, str | None, bytes]]:
        """``(document id, published, signature)`` of every signature, or of the documents ``ids`` only."""
        sql = "SELECT s.document_id, d.published, s.signature FROM signatures s JOIN documents d ON d.id = s.document_id"
        if ids is None:  # page by page: a million signatures are a gigabyte
            last = ""
            while rows := self._all(f"{sql} WHERE s.document_id > ? ORDER BY s.document_id LIMIT ?", (last, _CHUNK)):
                yield from ((row[0], row[1], bytes(row[2])) for row in rows)
                last = rows[-1][0]
            return
        for chunk in _chunks(list(set(ids))):
            for row in self._all(f"{sql} WHERE s.document_id IN ({','.join('?' * len(chunk))})", chunk):
                yield row[0], row[1], bytes(row[2])

    def lock_for_ingest(self) -> None:
        """Inside a transaction: wait until no other ingest holds the store, and keep it until the transaction ends.
        SQLite's ``BEGIN IMMEDIATE`` already holds the only write lock."""

    def document_ids(self) -> set[str]:
        """The ids of every stored document."""
        return {r[0] for r in self._all("SELECT id FROM documents")}

    def documents_by_id(self, ids: Iterable[str]) -> list[tuple[Document, str | None]]:
        """The stored documents among ``ids``, each with its storyline id."""
        found: list[tuple[Document, str | None]] = []
        for chunk in _chunks(sorted(set(ids))):
            rows = self._all(f"SELECT {DOC_COLUMNS}, d.storyline_id FROM documents d WHERE d.id IN ({','.join('?' * len(chunk))})"
                             " ORDER BY d.id", chunk)
            found += [(self._document(r), r[8]) for r in rows]
        return found

    # -- storylines -------------------------------------------------------------------------------------------
    def save_storyline(self, storyline: Storyline) -> None:
        centroid = np.asarray(storyline.centroid, dtype=np.float32).tobytes()
        stamp = now()
        self._execute(
            "INSERT INTO storylines (id, title, size, first_seen, last_seen, centroid, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET title = excluded.title, size = excluded.size,"
            " first_seen = excluded.first_seen, last_seen = excluded.last_seen, centroid = excluded.centroid,"
            " updated_at = excluded.updated_at",
            (storyline.id, storyline.title, storyline.size, storyline.first_seen, storyline.last_seen, centroid, stamp, stamp),
        )

    def storylines_by_id(self, ids: Iterable[str]) -> list[Storyline]:
        """The stored storylines among ``ids`` (without their summaries)."""
        found: list[Storyline] = []
        for chunk in _chunks(sorted(set(ids))):
            found += [self._storyline(r, arrays=True) for r in self._all(
                "SELECT id, title, size, first_seen, last_seen, centroid FROM storylines WHERE id IN"
                f" ({','.join('?' * len(chunk))}) ORDER BY id", chunk)]
        return found

    def assign_storyline(self, document_ids: Sequence[str], storyline_id: str) -> None:
        self._executemany("UPDATE documents SET storyline_id = ? WHERE id = ?", [(storyline_id, i) for i in document_ids])

    def _storyline(self, row: tuple, arrays: bool = False) -> Storyline:
        """A storyline from its row; ``arrays``: its centroid as a float32 array (for an ingest, which holds thousands:
        a list of Python floats is 12 kB, the array 1.5 kB), else as a list."""
        centroid: list[float] | np.ndarray = []
        if row[5] is not None:
            centroid = np.frombuffer(bytes(row[5]), dtype=np.float32).copy()
            centroid = centroid if arrays else centroid.tolist()
        return Storyline(id=row[0], title=row[1], size=int(row[2]), first_seen=stored_day(row[3]),
                         last_seen=stored_day(row[4]), centroid=centroid)

    def storylines(self, limit: int = 50, offset: int = 0, text: str | None = None, sort: str = "size",
                   language: str | None = None, narrative: str | None = None,
                   total: int | None = None) -> Page[Storyline]:
        where, params = [], []
        if text:  # a part of the title, any case
            where.append("LOWER(s.title) LIKE ?")
            params.append("%" + text.lower().replace("%", "").replace("_", "") + "%")
        if language:
            where.append("EXISTS (SELECT 1 FROM documents d WHERE d.storyline_id = s.id AND LOWER(d.language) = LOWER(?))")
            params.append(language)
        if narrative:
            where.append("EXISTS (SELECT 1 FROM documents d JOIN labels l ON l.document_id = d.id WHERE"
                         " d.storyline_id = s.id AND l.level = 'narrative' AND l.label = ?)")
            params.append(narrative)
        condition = f" WHERE {' AND '.join(where)}" if where else ""
        if total is None:
            total = int(self._one(f"SELECT COUNT(*) FROM storylines s{condition}", params)[0])  # type: ignore[index]
        # without centroids (a listing shows none; 1.5 kB a row made PostgreSQL sort on disk); nothing to read past the
        # total (a count alone asks for no rows)
        rows = self._all(f"SELECT id, title, size, first_seen, last_seen, NULL FROM storylines s{condition}"
                         f" ORDER BY {STORYLINE_SORTS[sort]} LIMIT ? OFFSET ?", params + [limit, offset]
                         ) if offset < total and limit > 0 else []
        return Page([self._storyline(r) for r in rows], total, limit, offset)

    def get_storyline(self, storyline_id: str) -> Storyline | None:
        row = self._one("SELECT id, title, size, first_seen, last_seen, centroid FROM storylines WHERE id = ?", (storyline_id,))
        if row is None:
            return None
        story = self._storyline(row)
        base = "FROM documents d WHERE d.storyline_id = ?"
        story.outlets = {r[0]: int(r[1]) for r in self._all(f"SELECT d.outlet, COUNT(*) {base} AND d.outlet IS NOT NULL GROUP BY d.outlet ORDER BY 2 DESC", (storyline_id,))}
        story.languages = {r[0]: int(r[1]) for r in self._all(f"SELECT d.language, COUNT(*) {base} AND d.language IS NOT NULL GROUP BY d.language ORDER BY 2 DESC", (storyline_id,))}
        story.timeline = [(r[0], int(r[1])) for r in self._all(f"SELECT d.day, COUNT(*) {base} AND d.day IS NOT NULL GROUP BY d.day ORDER BY d.day", (storyline_id,)) if stored_day(r[0])]
        # every level grouped, the narrative rows kept: filtering on the level made SQLite scan all narrative labels
        story.narratives = {r[1]: int(r[2]) for r in self._all(
            "SELECT l.level, l.label, COUNT(*) FROM labels l WHERE l.document_id IN"
            " (SELECT d.id FROM documents d WHERE d.storyline_id = ?) GROUP BY l.level, l.label ORDER BY 3 DESC, 2",
            (storyline_id,)) if r[0] == "narrative"}
        return story

    # -- statistics -------------------------------------------------------------------------------------------
    def _period(self, since: str | None, until: str | None, language: str | None = None,
                outlet: str | None = None) -> tuple[str, list[Any]]:
        clause, params = period_clause("d.day", since, until, f" AND d.day IS NOT NULL AND {NOT_COPY}")
        if language:  # any case, as DocumentQuery.language
            clause += " AND LOWER(d.language) = LOWER(?)"
            params.append(language)
        if outlet:  # a part of the outlet's name, any case, as DocumentQuery.outlet
            clause += " AND LOWER(d.outlet) LIKE ? ESCAPE '\\'"
            params.append(_like_part(outlet))
        return clause, params

    def trend_rows(self, by: TrendKey = "narrative", since: str | None = None, until: str | None = None,
                   language: str | None = None, outlet: str | None = None) -> list[TrendRow]:
        """From the maintained ``daily_counts`` (``narrascope.store.counts``); for one ``language`` or ``outlet``,
        counted from the documents."""
        if by not in ("narrative", "subnarrative", "outlet", "language"):
            raise ValueError(f"trends: unknown grouping {by!r}; use narrative, subnarrative, outlet or language")
        # a stored day that is no real date (left by an older version) is never counted: stored_day
        if not (language or outlet):
            return [TrendRow(day, key, count) for day, key, count in self.counted_daily(by, since, until) if stored_day(day)]
        period, params = self._period(since, until, language, outlet)
        if by in ("narrative", "subnarrative"):
            sql = ("SELECT d.day, l.label, COUNT(*) FROM documents d JOIN labels l ON l.document_id = d.id"
                   f" WHERE l.level = ?{period} GROUP BY d.day, l.label ORDER BY d.day, l.label")
            params = [by] + params
        else:
            sql = (f"SELECT d.day, d.{by}, COUNT(*) FROM documents d WHERE d.{by} IS NOT NULL{period}"
                   f" GROUP BY d.day, d.{by} ORDER BY d.day, d.{by}")
        return [TrendRow(r[0], r[1], int(r[2])) for r in self._all(sql, params) if stored_day(r[0])]

    def daily_totals(self, since: str | None = None, until: str | None = None, language: str | None = None,
                     outlet: str | None = None) -> dict[str, int]:
        if not (language or outlet):
            return {day: count for day, _, count in self.counted_daily("origins", since, until) if stored_day(day)}
        period, params = self._period(since, until, language, outlet)
        rows = self._all(f"SELECT d.day, COUNT(*) FROM documents d WHERE 1 = 1{period} GROUP BY d.day ORDER BY d.day", params)
        return {r[0]: int(r[1]) for r in rows if stored_day(r[0])}

    def entity_role_counts(self, entity: str | None = None, since: str | None = None, until: str | None = None) -> list[EntityRoleCount]:
        where, params = [NOT_COPY], []
        if entity:
            where.append("EXISTS (SELECT 1 FROM entities f WHERE f.document_id = e.document_id AND f.entity = e.entity"
                         " AND (LOWER(f.entity) = LOWER(?) OR LOWER(f.mention) = LOWER(?)))")
            params += [entity, entity]
        if since or until:
            period, period_params = self._period(since, until)
            where.append(period.removeprefix(" AND "))
            params += period_params
        rows = self._all(
            "SELECT e.document_id, e.entity, COALESCE(e.main_role, 'Unknown'), COUNT(*), d.outlet, d.language, d.day"
            f" FROM entities e JOIN documents d ON d.id = e.document_id WHERE {' AND '.join(where)}"
            " GROUP BY e.document_id, e.entity, COALESCE(e.main_role, 'Unknown'), d.outlet, d.language, d.day"
            " ORDER BY e.document_id, e.entity, 3", params)
        return [EntityRoleCount(r[0], r[1], r[2], int(r[3]), r[4], r[5], stored_day(r[6])) for r in rows]

    # -- runs -------------------------------------------------------------------------------------------------
    def start_run(self, command: str, sources: Sequence[str]) -> int:
        """Record a new run (with this host and process id), after marking runs that died as interrupted."""
        self.mark_interrupted_runs()
        stamp = now()
        row = self._one("INSERT INTO runs (command, sources, started_at, status, host, pid, heartbeat_at)"
                        " VALUES (?, ?, ?, 'running', ?, ?, ?) RETURNING id",
                        (command, json.dumps(list(sources), ensure_ascii=False), stamp, socket.gethostname(), os.getpid(), stamp))
        return int(row[0])  # type: ignore[index]

    def heartbeat(self, run_id: int, added: int | None = None) -> None:
        """Say that run ``run_id`` is still alive (ingest calls it after every batch), with the documents it has
        done so far when given (a re-analysis reports its progress so)."""
        if added is None:
            self._execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", (now(), run_id))
        else:
            self._execute("UPDATE runs SET heartbeat_at = ?, added = ? WHERE id = ?", (now(), added, run_id))

    def mark_interrupted_runs(self) -> list[int]:
        """Mark as ``interrupted`` the ``running`` runs that can no longer finish; returns their ids.

        A run is interrupted when it ran on this host and its process is gone (``kill -9``, a crash, a reboot), or
        when it has not sent a heartbeat for ``STALE_AFTER`` (a run on another host, or a process id reused since).
        A live run wrongly marked (a batch slower than ``STALE_AFTER``) still records its real status when it ends.
        An interrupted run's ``added`` is the number of its documents that were committed before it died.
        """
        rows = self._all("SELECT id, host, pid, COALESCE(heartbeat_at, started_at) FROM runs WHERE status = 'running'")
        stale = _stale_runs(rows)
        for chunk in _chunks(stale):
            # its committed batches stay stored: ``added`` counts them
            self._execute(f"UPDATE runs SET status = 'interrupted', finished_at = ?, added = (SELECT COUNT(*) FROM "
                          f"documents WHERE documents.run_id = runs.id) WHERE status = 'running'"
                          f" AND id IN ({','.join('?' * len(chunk))})", (now(), *chunk))
        return stale

    def finish_run(self, run_id: int, status: str, added: int, skipped: int, failed: int) -> None:
        self._execute("UPDATE runs SET finished_at = ?, status = ?, added = ?, skipped = ?, failed = ? WHERE id = ?",
                      (now(), status, added, skipped, failed, run_id))

    def runs(self, limit: int = 20) -> list[Run]:
        """The latest runs, newest first. A ``running`` run that can no longer finish (``mark_interrupted_runs``)
        reads as ``stale`` until the next run marks it ``interrupted``."""
        rows = self._all("SELECT id, command, started_at, finished_at, status, sources, added, skipped, failed, host, pid,"
                         " COALESCE(heartbeat_at, started_at) FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        stale = set(_stale_runs([(r[0], r[9], r[10], r[11]) for r in rows if r[4] == "running"]))
        return [Run(int(r[0]), r[1], r[2], r[3], "stale" if int(r[0]) in stale else r[4], json.loads(r[5]), int(r[6]),
                    int(r[7]), int(r[8])) for r in rows]
