"""Syndication and near-duplicate detection with MinHash LSH (datasketch).

Documents whose word-shingle Jaccard similarity (estimated from MinHash signatures) reaches ``threshold`` form a
group; the earliest published is the group's origin and every other member is recorded as a ``Duplicate`` of it.
Copies stay in the store but statistics count only origins. Signatures are persisted so that later runs extend the
same groups.

Documents are compared within a window of publication time: two dated articles are candidates only when they were
published within ``window_weeks`` calendar weeks of each other (Monday to Sunday; the default 4 weeks takes in every
pair published up to 28 days apart, and some up to 34). A copy published later than that after its origin is not
linked: it counts as an original. A dated article is also compared with every undated one; an undated article with
the other undated ones and with those published within the window of the day it is processed (UTC): in a live
stream, the articles of its days. (So an undated copy of an old article is linked when the old article comes
second, not when it was stored first.)

With a store (``load``) nothing is held between batches: the LSH index lives in the store as one indexed row per band
of every signature (``minhash_bands``: the band's hash in the low 40 bits of the key, the article's week in the bits
above, so that the rows of one week are neighbours in the index), and each batch reads only its
neighbourhood (the documents of its weeks sharing a band with it, their groups' origins and members, with signatures
and dates) into a throw-away in-memory index. Memory is that of a batch, whatever the store holds, and so is the part
of the band index a batch reads and writes: the weeks of its window, not the whole store's (at a million stored
articles, random reads over the whole index were most of a run's wait for PostgreSQL). Without a store
(``DuplicateDetector().process(...)``) every signature stays in memory, as the tests use it; the window is the same.

The in-memory index is a dict from band key to documents, the same keys as the store's rows: a document's candidates
are those sharing a band with it, exactly as datasketch's ``MinHashLSH.query`` gives them (its bands and rows are
used), without building a ``MinHash`` and an LSH entry for every stored neighbour of every batch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone

import numpy as np
from datasketch import MinHash, MinHashLSH

from narrascope.dates import normalise_date, stored_day
from narrascope.documents import Document
from narrascope.store.base import Duplicate, Store

_WORD = re.compile(r"\w+", re.UNICODE)
UNDATED = -1
"""The week under which an article without a (readable) publication date is indexed."""
LAYOUT = "{}x{} by week"
"""The band index's layout in ``store_state``: bands x rows, keyed by week (a store with another is indexed again)."""
BAND_BITS = 40
"""The bits of a band's hash kept in a stored key; the week (plus one) goes above them."""
_BAND_MASK = (1 << BAND_BITS) - 1


def stored_key(week: int, band: int) -> int:
    """The key of a band row: ``week`` (``UNDATED`` or a ``week_of``) in the high bits, the band's hash in the low
    ``BAND_BITS``, so that one week's rows are one stretch of the index (a positive 64-bit integer)."""
    return ((week + 1) << BAND_BITS) | (band & _BAND_MASK)


def week_of(published: str | None) -> int:
    """The calendar week of a publication date (weeks from Monday 0001-01-01), or ``UNDATED``."""
    day = stored_day(published)
    if day is None and published:
        try:
            day = stored_day(normalise_date(published))
        except ValueError:
            day = None
    return (date.fromisoformat(day).toordinal() - 1) // 7 if day else UNDATED  # ordinal 1: Monday 0001-01-01


def shingles(text: str, size: int = 3) -> set[bytes]:
    """Lower-cased word ``size``-grams of ``text`` (the whole text when it is shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def _sort_key(published: str | None, doc_id: str) -> tuple[str, str]:
    return (published or "9999", doc_id)


class DuplicateDetector:
    """Groups near-duplicates; ``threshold`` is the Jaccard similarity of 3-word shingles that makes a copy."""

    def __init__(self, threshold: float = 0.5, num_perm: int = 128, shingle_size: int = 3,
                 window_weeks: int = 4) -> None:
        if window_weeks < 0:
            raise ValueError(f"window_weeks must be 0 or more, not {window_weeks}")
        self.threshold = threshold
        self.window_weeks = window_weeks
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)  # its (bands, rows) for this threshold
        self._bands = (lsh.b, lsh.r)
        self._postings: dict[int, list[str]] = {}  # band key -> documents with that band
        self._hashes: dict[str, np.ndarray] = {}  # document -> signature (uint64 values)
        self._published: dict[str, str | None] = {}
        self._week: dict[str, int] = {}  # document -> the week it is indexed under
        self._origin: dict[str, str] = {}  # copy -> origin
        self._members: dict[str, set[str]] = {}  # origin -> copies
        self._store: Store | None = None
        self.today: Callable[[], date] = lambda: datetime.now(timezone.utc).date()  # the day an undated article is seen
        probe = MinHash(num_perm=num_perm)  # permutations drawn once: drawing them per document was ~5% of ingest
        self._scheme, self._permutations = probe.scheme, probe.permutations

    def signature(self, text: str) -> MinHash:
        minhash = MinHash(num_perm=self.num_perm, permutations=self._permutations, scheme=self._scheme)
        minhash.update_batch(list(shingles(text, self.shingle_size)))
        return minhash

    @property
    def bands(self) -> tuple[int, int]:
        """``(bands, rows per band)`` of the LSH index (datasketch's choice for ``threshold`` and ``num_perm``)."""
        return self._bands

    def band_keys(self, hashvalues: np.ndarray) -> list[int]:
        """One signed 64-bit key per LSH band of a signature: the band's number and values hashed (stable across
        processes and machines)."""
        b, r = self.bands
        raw = np.asarray(hashvalues, dtype=np.uint64)
        return [int.from_bytes(hashlib.blake2b(i.to_bytes(2, "little") + raw[i * r : (i + 1) * r].tobytes(),
                                               digest_size=8).digest(), "little", signed=True) for i in range(b)]

    def weeks_near(self, week: int) -> frozenset[int]:
        """The weeks whose articles are compared with an article of ``week``: those within the window, and the
        undated; for an undated one (``UNDATED``), those within the window of today."""
        centre = week_of(self.today().isoformat()) if week == UNDATED else week
        return frozenset(range(max(centre - self.window_weeks, 0), centre + self.window_weeks + 1)) | {UNDATED}

    def load(self, store: Store) -> DuplicateDetector:
        """Work through ``store``: its band index answers each batch's candidates (built from the stored signatures
        the first time, or when ``threshold``/``num_perm`` changed the bands)."""
        self._store = store
        layout = LAYOUT.format(*self.bands)
        if store.state("minhash_bands") != layout:
            with store.transaction():
                store.lock_for_ingest()
                if store.state("minhash_bands") != layout:
                    store.clear_bands()
                    self._index_stored(store)
                    store.set_state("minhash_bands", layout)
        return self

    def _index_stored(self, store: Store) -> None:
        batch: list[tuple[int, str]] = []
        for doc_id, published, raw in store.iter_signatures():
            values = np.frombuffer(raw, dtype=np.uint64)
            if len(values) == self.num_perm:
                week = week_of(published)
                batch += [(stored_key(week, key), doc_id) for key in self.band_keys(values)]
            if len(batch) >= 50_000:
                store.add_bands(batch)
                batch = []
        store.add_bands(batch)

    def _take_neighbourhood(self, store: Store, keys: Iterable[int], weeks: Iterable[int]) -> None:
        """Read into memory the stored documents of ``weeks`` that share one of the band ``keys``, with their
        groups."""
        self._postings, self._hashes, self._published, self._week, self._origin, self._members = {}, {}, {}, {}, {}, {}
        wanted_keys = set(keys)
        matches = store.band_matches(stored_key(week, key) for week in weeks for key in wanted_keys)
        candidates = {doc_id for _, doc_id in matches}
        links = store.duplicate_links(document_ids=candidates)
        origins = candidates | {d.origin_id for d in links}
        # every link of those groups (a candidate's own link too: its origin is one of ``origins``)
        links = store.duplicate_links(origin_ids=origins)
        wanted = origins | {d.document_id for d in links}
        self._take_signatures(store.iter_signatures(wanted))
        for key, doc_id in matches:
            if doc_id in self._hashes:  # a document stored without a usable signature is no candidate
                self._postings.setdefault(key & _BAND_MASK, []).append(doc_id)
                self._week[doc_id] = (key >> BAND_BITS) - 1
        self._take_links(links)

    def _take_signatures(self, rows: Iterable[tuple[str, str | None, bytes]]) -> None:
        for doc_id, published, raw in rows:
            values = np.frombuffer(raw, dtype=np.uint64)
            if len(values) == self.num_perm:  # a signature of another ``num_perm`` is no candidate
                self._hashes[doc_id], self._published[doc_id] = values, published

    def _take_links(self, links: Iterable[Duplicate]) -> None:
        for dup in links:
            if dup.document_id not in self._hashes or dup.origin_id not in self._hashes:
                continue  # a document stored without a signature (not by an ingest) is no candidate
            self._origin[dup.document_id] = dup.origin_id
            self._members.setdefault(dup.origin_id, set()).add(dup.document_id)

    def _add(self, doc_id: str, published: str | None, values: np.ndarray, keys: Sequence[int], week: int) -> None:
        if doc_id in self._hashes:
            raise ValueError(f"document {doc_id!r} is already in the duplicate index")
        self._hashes[doc_id] = values
        self._published[doc_id] = published
        self._week[doc_id] = week
        for key in keys:
            self._postings.setdefault(key, []).append(doc_id)

    def _candidates(self, keys: Sequence[int], near: frozenset[int]) -> list[str]:
        """The documents of the weeks ``near`` sharing a band with ``keys`` (their low ``BAND_BITS``), each once, in
        the order they were indexed per band."""
        found = dict.fromkeys(doc_id for key in keys for doc_id in self._postings.get(key, ()))
        return [doc_id for doc_id in found if self._week[doc_id] in near]

    def process(self, documents: Sequence[Document]) -> tuple[list[Duplicate], dict[str, bytes]]:
        """Index ``documents``; returns the duplicate links to (re)write and the new signatures to store. With a
        store, their band keys are written to it too (in the caller's transaction, with the signatures)."""
        changed: dict[str, Duplicate] = {}
        signatures: dict[str, bytes] = {}
        values = [self.signature(doc.text).hashvalues.astype(np.uint64) for doc in documents]
        keys = [[key & _BAND_MASK for key in self.band_keys(v)] for v in values]  # the bits a stored key keeps
        weeks = [week_of(doc.published) for doc in documents]
        near = {week: self.weeks_near(week) for week in set(weeks)}  # once a batch: "today" the same for all of it
        if self._store is not None:
            self._take_neighbourhood(self._store, (key for doc_keys in keys for key in doc_keys),
                                     sorted(set().union(*near.values())))
            self._store.add_bands((stored_key(week, key), doc.id)
                                  for doc, doc_keys, week in zip(documents, keys, weeks) for key in doc_keys)
        for doc, minhash, doc_keys, week in zip(documents, values, keys, weeks):
            best, best_sim = None, 0.0
            for candidate in self._candidates(doc_keys, near[week]):
                similarity = _jaccard(minhash, self._hashes[candidate])
                if similarity >= self.threshold and similarity > best_sim:
                    best, best_sim = candidate, similarity
            self._add(doc.id, doc.published, minhash, doc_keys, week)
            signatures[doc.id] = minhash.tobytes()
            if best is None:
                continue
            origin = self._origin.get(best, best)
            if _sort_key(doc.published, doc.id) < _sort_key(self._published.get(origin), origin):
                # the new document is earlier: it becomes the origin of the whole group
                members = self._members.pop(origin, set()) | {origin}
                for member in members:
                    self._origin[member] = doc.id
                    similarity = _jaccard(self._hashes[member], minhash)
                    changed[member] = Duplicate(member, doc.id, similarity)
                self._members[doc.id] = members
            else:
                self._origin[doc.id] = origin
                self._members.setdefault(origin, set()).add(doc.id)
                changed[doc.id] = Duplicate(doc.id, origin, _jaccard(self._hashes[origin], minhash))
        return list(changed.values()), signatures

    def origin_of(self, doc_id: str) -> str:
        """The origin of ``doc_id``'s group (itself when it is not a copy)."""
        return self._origin.get(doc_id, doc_id)


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity two MinHash signatures estimate (as ``datasketch.MinHash.jaccard``)."""
    return float(np.count_nonzero(a == b)) / float(len(a))
