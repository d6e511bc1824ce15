"""What an ingest needs from the store so that it never holds the whole corpus: the near-duplicate index as rows, the
ingest sequence, and storylines by the day they were last seen (schema version 7).

- ``minhash_bands``: one row per LSH band of every MinHash signature (``band_key``: the band's number and values
  hashed to 64 bits), indexed, so that the candidates of a new document are one indexed look-up
  (``band_matches``) instead of an in-memory index of every signature.
- ``store_state``: named values; ``ingest_seq`` counts ingest batches, and ``documents.ingest_seq`` says which batch
  stored a document, so that an ingest finds the documents other processes stored since it last looked
  (``documents_ingested_after``) without holding every stored id.
- ``storylines_seen_since``: the storylines active in a period, read through an index on ``last_seen``.
- ``story_keys`` (schema version 12): each document's story keys, newline-separated, written by the ingest that
  placed it, so that a storyline's keys are read, not computed again from its documents' text (0.8 ms of CPU a
  document, measured on the 48k store). A document stored before has none until an ingest computes them (``StoredKeys.story_text``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from narrascope.documents import Document
from narrascope.store.base import Duplicate, StoredKeys, Storyline

_CHUNK = 500
STORYLINE_COLUMNS = "id, title, size, first_seen, last_seen, centroid"
# the language of a storyline's documents when they all have that one (else NULL)
_ONE_LANGUAGE = ("SELECT CASE WHEN COUNT(*) = COUNT(d.language) AND MIN(d.language) = MAX(d.language) THEN MIN(d.language)"
                 " END FROM documents d WHERE d.storyline_id = s.id")
_KEY_SOURCES = ("SELECT d.id, d.language, k.keys, CASE WHEN k.keys IS NULL THEN COALESCE(d.title, '') || ? ||"
                " SUBSTR(d.text, 1, ?) END FROM documents d LEFT JOIN story_keys k ON k.document_id = d.id")


def _stored_keys(row: Sequence[Any]) -> StoredKeys:
    # interned: the storylines held share their keys' strings (``narrascope.corpus.storylines``)
    keys = frozenset(map(sys.intern, filter(None, row[2].split("\n")))) if row[2] is not None else None
    return StoredKeys(row[0], row[1], keys, row[3])


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class IncrementalSQL:
    """Over ``SQLStore``'s plumbing (``_execute``, ``_executemany``, ``_all``, ``_one``, ``_document``, ``_storyline``)."""

    _all: Any
    _one: Any
    _execute: Any
    _executemany: Any
    _document: Any
    _storyline: Any
    transaction: Any

    # -- the near-duplicate index ---------------------------------------------------------------------------------
    def add_bands(self, rows: Iterable[tuple[int, str]]) -> None:
        """Index ``(band key, document id)`` rows (rows already there are kept)."""
        self._executemany("INSERT INTO minhash_bands (band_key, document_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                          list(rows))

    def band_matches(self, keys: Iterable[int]) -> list[tuple[int, str]]:
        """The ``(band key, document id)`` rows of any of the band ``keys``."""
        found: list[tuple[int, str]] = []
        for chunk in _chunks(sorted(set(keys))):
            found += [(int(r[0]), r[1]) for r in self._all(
                f"SELECT band_key, document_id FROM minhash_bands WHERE band_key IN ({','.join('?' * len(chunk))})",
                chunk)]
        return found

    def clear_bands(self) -> None:
        self._execute("DELETE FROM minhash_bands")

    def duplicate_links(self, document_ids: Iterable[str] = (), origin_ids: Iterable[str] = ()) -> list[Duplicate]:
        """The copy links from any of ``document_ids`` and to any of ``origin_ids``."""
        links: dict[str, Duplicate] = {}
        for column, ids in (("document_id", document_ids), ("origin_id", origin_ids)):
            for chunk in _chunks(sorted(set(ids))):
                for r in self._all(f"SELECT document_id, origin_id, similarity FROM duplicates WHERE {column} IN"
                                   f" ({','.join('?' * len(chunk))})", chunk):
                    links[r[0]] = Duplicate(r[0], r[1], float(r[2]))
        return sorted(links.values(), key=lambda d: (d.origin_id, d.document_id))

    # -- named state and the ingest sequence ----------------------------------------------------------------------
    def state(self, name: str) -> str | None:
        row = self._one("SELECT value FROM store_state WHERE name = ?", (name,))
        return str(row[0]) if row else None

    def set_state(self, name: str, value: str) -> None:
        self._execute("INSERT INTO store_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET"
                      " value = excluded.value", (name, value))

    def ingest_sequence(self) -> int:
        """The number of the last ingest batch committed (0 for none)."""
        return int(self.state("ingest_seq") or 0)

    def next_ingest_sequence(self) -> int:
        """Inside the ingest lock: the number of a new batch (committed with it, so a rolled-back batch reuses it)."""
        seq = self.ingest_sequence() + 1
        self.set_state("ingest_seq", str(seq))
        return seq

    def documents_ingested_after(self, seq: int, but: int | None = None) -> list[tuple[Document, str | None]]:
        """The documents that ingest batches after ``seq`` stored (but batch ``but``), each with its storyline id."""
        rows = self._all("SELECT d.id, d.text, d.title, d.url, d.outlet, d.published, d.language, d.source,"
                         " d.storyline_id FROM documents d WHERE d.ingest_seq > ? AND d.ingest_seq <> ? ORDER BY d.id",
                         (seq, -1 if but is None else but))
        return [(self._document(r), r[8]) for r in rows]

    # -- storylines by time -----------------------------------------------------------------------------------
    def storylines_seen_since(self, since: str, before: str | None = None, page: int = 1000) -> Iterator[Storyline]:
        """The storylines last seen on ``since`` or later (and before ``before``), without summaries (centroids as
        float32 arrays) but ``languages`` when all their documents have one (``{language: size}``; else empty), read
        ``page`` rows at a time (keyset on ``last_seen, id``): a window of 20,000 storylines
        never has all its rows in memory besides the storylines themselves (32 MB of result rows at once, before)."""
        after: tuple[str, str] | None = None
        while True:
            sql = f"SELECT {STORYLINE_COLUMNS}, ({_ONE_LANGUAGE}) FROM storylines s WHERE last_seen >= ?"
            params: list[Any] = [since]
            if before is not None:
                sql += " AND last_seen < ?"
                params.append(before)
            if after is not None:
                sql += " AND (last_seen > ? OR (last_seen = ? AND id > ?))"
                params += [after[0], after[0], after[1]]
            rows = self._all(sql + " ORDER BY last_seen, id LIMIT ?", [*params, page])
            for row in rows:
                story = self._storyline(row, arrays=True)
                if row[6] is not None:
                    story.languages = {row[6]: story.size}
                yield story
            if len(rows) < page:
                return
            after = (rows[-1][4], rows[-1][0])

    def save_story_keys(self, keys: Mapping[str, Iterable[str]]) -> None:
        """Keep ``{document id: story keys}`` (a document's keys already kept stay as they are)."""
        self._executemany("INSERT INTO story_keys (document_id, keys) VALUES (?, ?) ON CONFLICT DO NOTHING",
                          [(doc_id, "\n".join(sorted(doc_keys))) for doc_id, doc_keys in keys.items()])

    def storyline_story_keys(self, storyline_id: str, lead: int, limit: int = 100) -> list[StoredKeys]:
        """The story keys of the storyline's ``limit`` latest documents, copies included (as ``query_documents``
        orders them by default); a document without them comes with its title and first ``lead`` characters."""
        return [_stored_keys(r) for r in self._all(
            f"{_KEY_SOURCES} WHERE d.storyline_id = ? ORDER BY d.published DESC NULLS LAST, d.id LIMIT ?",
            ("\n", lead, storyline_id, limit))]

    def sample_story_keys(self, lead: int, limit: int) -> list[StoredKeys]:
        """The story keys of the first ``limit`` stored documents by id (as ``iter_documents`` gives them)."""
        return [_stored_keys(r) for r in self._all(f"{_KEY_SOURCES} ORDER BY d.id LIMIT ?", ("\n", lead, limit))]

    def documents_without_story_keys(self, lead: int, limit: int) -> list[StoredKeys]:
        """Up to ``limit`` stored documents that have no story keys kept (by id), with their title and lead."""
        return [_stored_keys(r) for r in self._all(f"{_KEY_SOURCES} WHERE k.document_id IS NULL ORDER BY d.id LIMIT ?",
                                                   ("\n", lead, limit))]

    def undated_storylines(self, limit: int) -> list[Storyline]:
        """The ``limit`` storylines without a date updated last (centroids as float32 arrays)."""
        return [self._storyline(r, arrays=True) for r in self._all(
            f"SELECT {STORYLINE_COLUMNS} FROM storylines WHERE last_seen IS NULL ORDER BY updated_at DESC, id LIMIT ?",
            (limit,))]
