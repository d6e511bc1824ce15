"""Syndication and near-duplicate detection with MinHash LSH (datasketch).

Documents whose word-shingle Jaccard similarity (estimated from MinHash signatures) reaches ``threshold`` form a
group; the earliest published is the group's origin and every other member is recorded as a ``Duplicate`` of it.
Copies stay in the store but statistics count only origins. Signatures are persisted so that later runs extend the
same groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
from datasketch import MinHash, MinHashLSH

from narrascope.documents import Document
from narrascope.store.base import Duplicate, Store

_WORD = re.compile(r"\w+", re.UNICODE)


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

    def __init__(self, threshold: float = 0.5, num_perm: int = 128, shingle_size: int = 3) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._hashes: dict[str, MinHash] = {}
        self._published: dict[str, str | None] = {}
        self._origin: dict[str, str] = {}  # copy -> origin
        self._members: dict[str, set[str]] = {}  # origin -> copies
        self.documents: set[str] = set()  # the stored documents taken in (by ``load`` and ``catch_up``), signed or not
        probe = MinHash(num_perm=num_perm)  # permutations drawn once: drawing them per document was ~5% of ingest
        self._scheme, self._permutations = probe.scheme, probe.permutations

    def signature(self, text: str) -> MinHash:
        minhash = MinHash(num_perm=self.num_perm, permutations=self._permutations, scheme=self._scheme)
        minhash.update_batch(list(shingles(text, self.shingle_size)))
        return minhash

    def load(self, store: Store) -> DuplicateDetector:
        """Continue from the signatures and groups already in ``store``."""
        # the ids first: a document committed after this read is left to ``catch_up``, its signature with it
        ids = store.document_ids() if hasattr(store, "document_ids") else None
        self._take_signatures(store.iter_signatures(), ids)
        self.documents.update(self._hashes if ids is None else ids)
        self._take_links(store)
        return self

    def catch_up(self, store: Store, ids: set[str]) -> None:
        """Take in the stored documents ``ids`` that another process added since ``load``, and the groups as stored
        now (its links may have moved members of known groups to an earlier origin)."""
        self._take_signatures(store.iter_signatures(ids), ids)
        self.documents.update(ids)
        self._origin.clear()
        self._members.clear()
        self._take_links(store)

    def _take_signatures(self, rows: Iterable[tuple[str, str | None, bytes]], ids: set[str] | None) -> None:
        for doc_id, published, raw in rows:
            values = np.frombuffer(raw, dtype=np.uint64)
            if len(values) != self.num_perm or doc_id in self._hashes or (ids is not None and doc_id not in ids):
                continue
            self._add(doc_id, published, MinHash(num_perm=self.num_perm, hashvalues=values, permutations=self._permutations,
                                                    scheme=self._scheme))

    def _take_links(self, store: Store) -> None:
        for dup in store.duplicates():
            if dup.document_id not in self._hashes or dup.origin_id not in self._hashes:
                continue  # committed by another process after the signatures were read: seen on the next load
            self._origin[dup.document_id] = dup.origin_id
            self._members.setdefault(dup.origin_id, set()).add(dup.document_id)

    def _add(self, doc_id: str, published: str | None, minhash: MinHash) -> None:
        self._hashes[doc_id] = minhash
        self._published[doc_id] = published
        self._lsh.insert(doc_id, minhash)

    def process(self, documents: Sequence[Document]) -> tuple[list[Duplicate], dict[str, bytes]]:
        """Index ``documents``; returns the duplicate links to (re)write and the new signatures to store."""
        changed: dict[str, Duplicate] = {}
        signatures: dict[str, bytes] = {}
        for doc in documents:
            minhash = self.signature(doc.text)
            best, best_sim = None, 0.0
            for candidate in self._lsh.query(minhash):
                similarity = minhash.jaccard(self._hashes[candidate])
                if similarity >= self.threshold and similarity > best_sim:
                    best, best_sim = candidate, similarity
            self._add(doc.id, doc.published, minhash)
            signatures[doc.id] = minhash.hashvalues.astype(np.uint64).tobytes()
            if best is None:
                continue
            origin = self._origin.get(best, best)
            if _sort_key(doc.published, doc.id) < _sort_key(self._published.get(origin), origin):
                # the new document is earlier: it becomes the origin of the whole group
                members = self._members.pop(origin, set()) | {origin}
                for member in members:
                    self._origin[member] = doc.id
                    similarity = self._hashes[member].jaccard(minhash)
                    changed[member] = Duplicate(member, doc.id, similarity)
                self._members[doc.id] = members
            else:
                self._origin[doc.id] = origin
                self._members.setdefault(origin, set()).add(doc.id)
                changed[doc.id] = Duplicate(doc.id, origin, self._hashes[origin].jaccard(minhash))
        return list(changed.values()), signatures

    def origin_of(self, doc_id: str) -> str:
        """The origin of ``doc_id``'s group (itself when it is not a copy)."""
        return self._origin.get(doc_id, doc_id)
