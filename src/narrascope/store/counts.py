"""Daily counts maintained on every write, so that the overview and trends read a few hundred rows, not every article.

``daily_counts`` (schema version 7) holds ``(kind, day, key) -> count``: ``documents`` (every document), ``origins``
(documents that are not syndicated copies) and, over origins, ``language``, ``outlet``, ``narrative`` and
``subnarrative`` (the ``labels`` rows). Undated documents count under the day ``''``. What one document adds is
``schema.CONTRIBUTIONS``: a pure function of the stored rows, so a write keeps the table true by subtracting what the
documents it changes added before and adding what they add after (``recounted``). ``SQLStore.add_documents``,
``add_analyses`` and ``add_duplicates`` do this themselves; any other change to a document's labels, copy link, day,
language or outlet (a review decision that changes the labels, say) must happen inside ``with store.recounted(ids):``.
``entity_counts`` (schema version 11) is kept the same way, by the same calls: per grouping (none, outlet or language),
day (and ``ALL_DAYS``, for an unbounded period), entity, group and role, the documents that cast the entity in that
role by most of its mentions and their mentions of it (``schema.ENTITY_CONTRIBUTIONS``), with the ``framed`` daily
count (documents with an entity mention): the entities page reads a page of entities from it
(``entity_role_totals``), not every mention. ``rebuild_daily_counts`` recomputes both tables from scratch
(``narrascope`` never needs it; a test compares the two).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from narrascope.store.base import DocumentQuery, EntityRoleTotal, EntityRoleTotals
from narrascope.store.schema import ALL_DAYS, CONTRIBUTIONS, DIALECT_TYPES, ENTITY_CONTRIBUTIONS

_CHUNK = 500
_UPSERT = ("INSERT INTO daily_counts (kind, day, key, count) SELECT kind, day, key, {sign} * COUNT(*) FROM ({rows}) c"
           " WHERE 1 = 1 GROUP BY kind, day, key ON CONFLICT (kind, day, key) DO UPDATE SET count ="
           " daily_counts.count + excluded.count")
_ENTITY_UPSERT = ("INSERT INTO entity_counts (grouped_by, day, entity, key, role, documents, mentions) SELECT grouped_by,"
                  " day, entity, key, role, {sign} * COUNT(*), {sign} * SUM(mentions) FROM ({rows}) c WHERE 1 = 1"
                  " GROUP BY grouped_by, day, entity, key, role ON CONFLICT (grouped_by, day, entity, key, role)"
                  " DO UPDATE SET documents = entity_counts.documents + excluded.documents,"
                  " mentions = entity_counts.mentions + excluded.mentions")


def period_only(query: DocumentQuery) -> bool:
    """Whether ``query`` filters on the period alone (so that ``daily_counts`` answers its counts)."""
    return not (query.narrative or query.subnarrative or query.entity or query.outlet or query.language
                or query.storyline or query.text)


def text_only(query: DocumentQuery) -> bool:
    """Whether ``query`` filters on a search alone (so that the search index's rows answer its count)."""
    return bool(query.text) and period_only(replace(query, text=None)) and not (query.since or query.until)


def period_clause(column: str, since: str | None, until: str | None, clause: str = "") -> tuple[str, list[Any]]:
    """``clause`` and `` AND ...`` on the day ``column`` for an inclusive period."""
    params: list[Any] = []
    if since:
        clause += f" AND {column} >= ?"
        params.append(since[:10])
    if until:
        clause += f" AND {column} <= ?"
        params.append(until[:10])
    return clause, params


def _counted_period(since: str | None, until: str | None, dated: bool) -> tuple[str, list[Any]]:
    """The period on ``daily_counts.day``: undated rows (day ``''``) only when no bound and not ``dated``."""
    return period_clause("day", since, until, " AND day <> ''" if dated or until else "")


class DailyCountsSQL:
    """Maintenance and reads of ``daily_counts`` over ``SQLStore``'s plumbing (``_execute``, ``_all``, ``transaction``)."""

    _all: Any
    _one: Any
    _execute: Any
    transaction: Any
    dialect: str

    def update_daily_counts(self, document_ids: Iterable[str], sign: int) -> None:
        """Add (``sign`` 1) or subtract (-1) what the stored documents ``document_ids`` count for, as stored now."""
        ids = sorted(set(document_ids))
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            where = f"d.id IN ({','.join('?' * len(chunk))})"
            parts = CONTRIBUTIONS.count("{where}")
            self._execute(_UPSERT.format(sign=int(sign), rows=CONTRIBUTIONS.format(where=where)), chunk * parts)
            self._execute(_ENTITY_UPSERT.format(sign=int(sign), rows=self._entity_contributions(where)), chunk)

    def _entity_contributions(self, where: str) -> str:
        return ENTITY_CONTRIBUTIONS.format(where=where, binary=DIALECT_TYPES[self.dialect]["binary"])

    @contextmanager
    def recounted(self, document_ids: Iterable[str]) -> Iterator[None]:
        """Keep ``daily_counts`` true across a change of the documents ``document_ids`` made inside the block: their
        counts are taken out before and put back after, in the same transaction. The one way to change what a stored
        document counts for (its labels, copy link, day, language or outlet)."""
        ids = sorted(set(document_ids))
        with self.transaction():
            self.update_daily_counts(ids, -1)
            yield
            self.update_daily_counts(ids, 1)

    def rebuild_daily_counts(self) -> None:
        """Recompute ``daily_counts`` from every stored document."""
        with self.transaction():
            self._execute("DELETE FROM daily_counts")
            self._execute("INSERT INTO daily_counts (kind, day, key, count) SELECT kind, day, key, COUNT(*) FROM ("
                          f"{CONTRIBUTIONS.format(where='1 = 1')}) c GROUP BY kind, day, key")
            self._execute("DELETE FROM entity_counts")
            self._execute("INSERT INTO entity_counts (grouped_by, day, entity, key, role, documents, mentions) SELECT"
                          " grouped_by, day, entity, key, role, COUNT(*), SUM(mentions) FROM"
                          f" ({self._entity_contributions('1 = 1')}) c GROUP BY grouped_by, day, entity, key, role")

    def counted(self, kind: str, since: str | None = None, until: str | None = None, dated: bool = False) -> dict[str, int]:
        """``{key: count}`` of ``kind`` over a period, largest first (then by key)."""
        clause, params = _counted_period(since, until, dated)
        rows = self._all(f"SELECT key, SUM(count) FROM daily_counts WHERE kind = ?{clause} GROUP BY key"
                         " HAVING SUM(count) > 0 ORDER BY 2 DESC, 1", [kind, *params])
        return {r[0]: int(r[1]) for r in rows}

    def counted_days(self, kind: str, key: str, since: str | None = None,
                     until: str | None = None) -> dict[str, int]:
        """``{day: count}`` of ``key`` of ``kind`` over a period, ``''`` for the undated (none once the period is
        bounded)."""
        clause, params = _counted_period(since, until, dated=False)
        rows = self._all(f"SELECT day, SUM(count) FROM daily_counts WHERE kind = ? AND key = ?{clause} GROUP BY day"
                         " HAVING SUM(count) > 0", [kind, key, *params])
        return {r[0]: int(r[1]) for r in rows}

    def counted_daily(self, kind: str, since: str | None = None, until: str | None = None) -> list[tuple[str, str, int]]:
        """``(day, key, count)`` of ``kind`` per dated day of a period, by day and key."""
        clause, params = _counted_period(since, until, dated=True)
        rows = self._all(f"SELECT day, key, count FROM daily_counts WHERE kind = ? AND count > 0{clause}"
                         " ORDER BY day, key", [kind, *params])
        return [(r[0], r[1], int(r[2])) for r in rows]

    def entity_role_totals(self, by: str | None = None, since: str | None = None, until: str | None = None,
                           limit: int = 20, offset: int = 0) -> EntityRoleTotals:
        """From ``entity_counts``: an unbounded period reads its ``ALL_DAYS`` rows (one per entity, role and group,
        whatever the store's size), a bounded one the days in it."""
        if since or until:
            clause, params = period_clause("day", since, until, f" AND day NOT IN ('', '{ALL_DAYS}')")
        else:
            clause, params = " AND day = ?", [ALL_DAYS]
        documents = sum(self.counted("framed", since, until).values())
        collate = DIALECT_TYPES[self.dialect]["binary"]
        totals = "SELECT entity, SUM(documents) AS total FROM entity_counts WHERE grouped_by = ''" + clause + \
                 " GROUP BY entity HAVING SUM(documents) > 0"
        top = self._all(f"SELECT entity, total, COUNT(*) OVER () FROM ({totals}) t"
                        f" ORDER BY total DESC, entity COLLATE {collate} LIMIT ? OFFSET ?", [*params, limit, offset]) \
            if limit > 0 else []
        if top:
            entities = int(top[0][2])
        else:
            entities = int((self._one(f"SELECT COUNT(*) FROM ({totals}) t", params) or (0,))[0])
        names = [r[0] for r in top]
        if not names:
            return EntityRoleTotals([], entities, documents)
        rows = self._all(f"SELECT entity, key, role, SUM(documents), SUM(mentions) FROM entity_counts WHERE grouped_by = ?"
                         f"{clause} AND entity IN ({','.join('?' * len(names))}) GROUP BY entity, key, role"
                         " HAVING SUM(documents) > 0 ORDER BY entity, key, role", [by or "", *params, *names])
        return EntityRoleTotals([EntityRoleTotal(r[0], r[2], int(r[3]), int(r[4]), (r[1] or None) if by else None)
                                 for r in rows], entities, documents)


def language_only(query: DocumentQuery) -> bool:
    """Whether ``query`` filters on one language and the period alone, over origins (so that the ``language`` kind
    of ``daily_counts`` answers its total)."""
    return bool(query.language) and not query.include_duplicates and period_only(replace(query, language=None))


def one_label(query: DocumentQuery) -> tuple[str, str] | None:
    """``(level, label)`` when ``query`` filters on one narrative or subnarrative label and the period alone, over
    origins (so that the label's ``daily_counts`` kinds answer its counts), else None."""
    if query.include_duplicates or query.entity or query.outlet or query.language or query.storyline or query.text:
        return None
    if query.narrative and not query.subnarrative:
        return "narrative", query.narrative
    if query.subnarrative and not query.narrative:
        return "subnarrative", query.subnarrative
    return None
