"""Incremental ingest: sources → new documents → analysis → duplicates → storylines → store, batch by batch.

Each batch is written in one transaction, so a run killed at any moment leaves whole batches only; the next run
skips what is stored (by URL and content hash) and goes on. Nothing is fetched twice for a URL already stored.

Memory does not grow with the store: the duplicate index is read from the store batch by batch, storylines are held
for a time window only (``narrascope.corpus.dedup``, ``narrascope.corpus.storylines``), and the documents other
processes stored meanwhile are found by the store's ingest sequence, not by comparing every stored id. docs/scaling.md
has the measurements.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from narrascope.corpus.dedup import DuplicateDetector
from narrascope.corpus.storylines import StorylineBuilder
from narrascope.documents import Analysis, Document, FailedInput
from narrascope.store.base import Duplicate, Store

log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    run_id: int
    read: int = 0
    added: int = 0
    skipped: int = 0
    failed: int = 0
    reanalysed: int = 0  # stored documents whose analysis had failed in a step, analysed again
    analysis_failed: int = 0  # documents stored with an analysis that failed in a step (analysed again next time)
    duplicates: int = 0
    stored: dict[str, str] = field(default_factory=dict)  # id given -> id stored, for the documents really added
    # (only when ``ingest(record_ids=True)``: a stream of millions would hold every id)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("stored")
        return data


def _batches(items: Iterable[Document | FailedInput], size: int) -> Iterator[list[Document | FailedInput]]:
    batch: list[Document | FailedInput] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest(
    items: Iterable[Document | FailedInput],
    store: Store,
    pipeline: Any = None,
    sources: Iterable[str] = (),
    batch_size: int = 64,
    detector: DuplicateDetector | None = None,
    storylines: StorylineBuilder | None | bool = True,
    progress: Callable[[int], None] | None = None,
    analyses: Mapping[str, Analysis] | None = None,
    loaded: bool = False,
    record_ids: bool = True,
) -> IngestSummary:
    """Store the new documents among ``items`` with their analyses: from ``pipeline`` when given, else the
    already computed ``analyses`` by document id (as the web API has them); returns the counts. ``loaded``: the
    given ``detector`` and ``storylines`` were loaded from this store by an earlier ingest, so they are not loaded
    again. ``record_ids``: keep ``summary.stored`` (the ids of every document added)."""
    run_id = store.start_run("ingest", list(sources))
    summary = IngestSummary(run_id)
    detector = detector if loaded and detector is not None else (detector or DuplicateDetector()).load(store)
    builder = None
    if storylines:
        builder = storylines if isinstance(storylines, StorylineBuilder) else StorylineBuilder()
        if not (loaded and isinstance(storylines, StorylineBuilder)):
            builder = builder.load(store)
    status = "failed"
    try:
        for batch in _batches(items, batch_size):
            _ingest_batch(batch, store, pipeline, detector, builder, summary, analyses, record_ids)
            store.heartbeat(run_id)
            if progress:
                progress(len(batch))
        status = "done"
    finally:
        store.finish_run(run_id, status, summary.added, summary.skipped, summary.failed)
    return summary


def _ingest_batch(batch: list[Document | FailedInput], store: Store, pipeline: Any, detector: DuplicateDetector,
                  builder: StorylineBuilder | None, summary: IngestSummary,
                  precomputed: Mapping[str, Analysis] | None = None, record_ids: bool = True) -> None:
    summary.read += len(batch)
    failures = [i for i in batch if isinstance(i, FailedInput)]
    for failure in failures:
        where = failure.source
        if failure.line is not None and not where.endswith(f":{failure.line}"):
            where = f"{where}:{failure.line}"
        log.warning("%s: %s", where, failure.reason)
    summary.failed += len(failures)
    docs = [i for i in batch if isinstance(i, Document)]
    urls, hashes = store.known([d.url for d in docs if d.url], [d.content_hash for d in docs])
    new: list[Document] = []
    for doc in docs:
        if (doc.url and doc.url in urls) or doc.content_hash in hashes:
            summary.skipped += 1
            continue
        urls.add(doc.url) if doc.url else None
        hashes.add(doc.content_hash)
        new.append(doc)
    # stored documents whose analysis failed in a step (a damaged model, a crash) are analysed again, not skipped
    retry = store.failed_analyses([d.url for d in docs if d.url], [d.content_hash for d in docs]) if pipeline is not None else []
    if not new and not retry:
        return  # nothing to store: no transaction, no turn on the ingest lock (a re-ingest of a stream is all this)
    given = {id(doc): doc.id for doc in new}
    taken = store.taken_ids([d.id for d in new]) if new else set()
    for doc in new:
        if doc.id in taken:
            doc.id = _renamed(doc)
    analyses: list[Analysis] = list(pipeline.analyze(new + retry)) if pipeline is not None and (new or retry) else []
    retried = analyses[len(new):]
    analyses = analyses[:len(new)]
    if pipeline is None and precomputed is not None:
        for doc in new:
            analysis = precomputed.get(given[id(doc)])
            if analysis is not None:
                analysis.document_id = doc.id  # renamed when its id was taken
                analyses.append(analysis)
    with store.transaction():
        # Ingests take turns from here to COMMIT: the documents another process stored since this one last looked are
        # taken in first, so that copies link to them and storylines grow from what is stored, not from a stale view.
        store.lock_for_ingest()
        seq = _catch_up(store, builder)
        before = {id(doc): doc.id for doc in new}
        stored = _insert_documents(store, new, summary.run_id, seq)  # renames a document whose id was taken meanwhile
        inserted = [doc for doc in new if before[id(doc)] in stored]
        duplicates, signatures = detector.process(inserted)
        assigned, changed = builder.assign(inserted) if builder is not None else ({}, [])
        if builder is not None:  # so that the next ingest reads them
            store.save_story_keys(builder.take_story_keys())
        for analysis in analyses:
            analysis.document_id = stored.get(analysis.document_id, analysis.document_id)
        store.add_analyses([a for a in analyses if a.document_id in stored.values()] + retried, summary.run_id)
        store.save_signatures(signatures)
        kept = duplicates  # links of earlier stored documents too: an earlier copy becomes their group's origin
        store.add_duplicates(kept)
        for story in changed:
            store.save_storyline(story)
        for story_id, ids in assigned.items():
            store.assign_storyline(ids, story_id)
    if builder is not None:
        builder.seen_seq = seq  # committed: the builder has seen every batch up to this one
    summary.added += len(stored)
    if record_ids:
        summary.stored.update({given[id(doc)]: doc.id for doc in inserted})
    summary.skipped += len(new) - len(stored)
    summary.reanalysed += len(retried)
    summary.analysis_failed += sum(1 for a in analyses if a.error and a.document_id in stored.values())
    summary.analysis_failed += sum(1 for a in retried if a.error)
    summary.duplicates += len(kept)


def _catch_up(store: Store, builder: StorylineBuilder | None) -> int:
    """Inside the ingest lock: give ``builder`` the documents that other processes stored since it last looked
    (cheap when there are none: one read of the ingest sequence), and number this batch. The duplicate detector
    needs none: it reads the store in every batch."""
    if builder is not None and store.ingest_sequence() > builder.seen_seq:
        builder.catch_up(store, store.documents_ingested_after(builder.seen_seq))
    return store.next_ingest_sequence()


def _renamed(doc: Document) -> str:
    """A new id for a document whose id another stored document (with another text) already has."""
    return f"{doc.id}~{doc.content_hash[:10]}"


def _insert_documents(store: Store, documents: list[Document], run_id: int, seq: int) -> dict[str, str]:
    """Insert ``documents``; returns ``{id the batch knows it by: id stored}`` of those really inserted.

    Another process ingesting at the same time may have stored the same text or URL since ``known`` was asked (the
    document is then skipped: the store keeps one copy), or a different text under the same id (the document is then
    stored under a new id, so that nothing is lost). Counting from the insert, not from the check, keeps ``added``
    true when ingests run concurrently.
    """
    stored = {doc_id: doc_id for doc_id in store.add_documents(documents, run_id, ingest_seq=seq)}
    missed = [d for d in documents if d.id not in stored]
    if not missed:
        return stored
    urls, hashes = store.known([d.url for d in missed if d.url], [d.content_hash for d in missed])
    for doc in missed:
        if (doc.url and doc.url in urls) or doc.content_hash in hashes:
            continue
        original, doc.id = doc.id, _renamed(doc)
        if store.add_documents([doc], run_id, ingest_seq=seq):
            stored[original] = doc.id
        else:
            doc.id = original
    return stored
