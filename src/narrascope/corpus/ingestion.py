"""Incremental ingest: sources → new documents → analysis → duplicates → storylines → store, batch by batch.

Each batch is written in one transaction, so a run killed at any moment leaves whole batches only; the next run
skips what is stored (by URL and content hash) and goes on. Nothing is fetched twice for a URL already stored.

Memory does not grow with the store: the duplicate index is read from the store batch by batch, storylines are held
for a time window only (``narrascope.corpus.dedup``, ``narrascope.corpus.storylines``), and the documents other
processes stored meanwhile are found by the store's ingest sequence, not by comparing every stored id. docs/scaling.md
has the measurements.

The analysis can run on an engine (``narrascope.engines``: a process pool, Ray): this process stays the only writer,
reads and checks the next batches while the engine's workers analyse them, and stores each batch as its analyses come
back, in input order. The engine holds a few chunks in flight (a Ray window at most), never the whole input.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

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


class BatchAnalyser(Protocol):
    """What ``ingest`` can hand its batches to besides a ``Pipeline``: ``narrascope.engines.EngineRun`` (the same
    pipeline on a process pool or a Ray cluster). It reads ``batches`` lazily, a few ahead of what it gives back, and
    yields each batch's analyses, as ``Pipeline.analyze(batch)`` would give them, in order."""

    def analyze_batches(self, batches: Iterable[Sequence[Document]]) -> Iterator[list[Analysis]]: ...


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
    again. ``record_ids``: keep ``summary.stored`` (the ids of every document added).

    ``pipeline`` is a ``Pipeline`` (analysis in this process, one batch after the other) or a ``BatchAnalyser`` such
    as ``EngineRun(create_engine("local", workers=2), spec)``: then the engine's workers analyse the next batches
    while this process, the one writer, stores the last one; the store ends the same either way."""
    run_id = store.start_run("ingest", list(sources))
    summary = IngestSummary(run_id)
    detector = detector if loaded and detector is not None else (detector or DuplicateDetector()).load(store)
    builder = None
    if storylines:
        builder = storylines if isinstance(storylines, StorylineBuilder) else StorylineBuilder()
        if not (loaded and isinstance(storylines, StorylineBuilder)):
            builder = builder.load(store)
    status = "failed"
    staged: deque[_Staged] = deque()  # batches read and checked, in analysis, not yet stored (oldest first)
    ahead = _Ahead()

    def done(count: int) -> None:
        store.heartbeat(run_id)
        if progress:
            progress(count)

    def to_analyse() -> Iterator[list[Document]]:
        for batch in _batches(items, batch_size):
            work = _stage(batch, store, summary, ahead, retry=pipeline is not None)
            if work is None:  # nothing to store: no transaction, no turn on the ingest lock (a re-ingest is all this)
                done(len(batch))
                continue
            staged.append(work)
            ahead.add(work)
            yield work.new + work.retry

    results: Generator[list[Analysis], None, None] = (
        _analyse_batches(pipeline, to_analyse()) if pipeline is not None else ([] for _ in to_analyse()))
    try:
        for found in results:
            work = staged.popleft()
            ahead.remove(work)  # nothing is staged while it is written (the engine reads ahead only when asked)
            _write(work, found, store, detector, builder, summary, analyses if pipeline is None else None, record_ids)
            done(work.read)
        status = "done"
    finally:
        results.close()  # an engine stops its workers
        store.finish_run(run_id, status, summary.added, summary.skipped, summary.failed)
    return summary


def _analyse_batches(pipeline: Any, batches: Iterable[list[Document]]) -> Generator[list[Analysis], None, None]:
    """Each batch's analyses: from an engine (``analyze_batches``), or from a ``Pipeline`` one batch at a time (the
    next batch is read only once the last one is stored)."""
    if hasattr(pipeline, "analyze_batches"):
        yield from pipeline.analyze_batches(batches)
        return
    for batch in batches:
        yield list(pipeline.analyze(batch))


@dataclass
class _Staged:
    """A batch read and checked against the store: its new documents (renamed where their id is taken) and the
    stored documents to analyse again, waiting for their analyses."""

    read: int
    new: list[Document]
    retry: list[Document]
    given: dict[int, str]  # id(document) -> the id it was given, for ``summary.stored``


@dataclass
class _Ahead:
    """What the staged batches will store: a later batch is checked against it as it would be against the store once
    they are written, so that analysing ahead changes nothing (a text or URL twice in the stream is still stored
    once, an id twice still renamed, a failed analysis analysed again once)."""

    urls: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    retried: set[str] = field(default_factory=set)

    def stores(self, doc: Document) -> bool:
        """Whether a staged batch stores ``doc``'s URL or text."""
        return bool(doc.url and doc.url in self.urls) or doc.content_hash in self.hashes

    def add(self, work: _Staged) -> None:
        self.urls.update(d.url for d in work.new if d.url)
        self.hashes.update(d.content_hash for d in work.new)
        self.ids.update(d.id for d in work.new)
        self.retried.update(d.id for d in work.retry)

    def remove(self, work: _Staged) -> None:
        self.urls.difference_update(d.url for d in work.new if d.url)
        self.hashes.difference_update(d.content_hash for d in work.new)
        self.ids.difference_update(d.id for d in work.new)
        self.retried.difference_update(d.id for d in work.retry)


def _stage(batch: list[Document | FailedInput], store: Store, summary: IngestSummary, ahead: _Ahead,
           retry: bool) -> _Staged | None:
    """Count and report the batch's failed inputs, drop what is stored (or staged), rename new documents whose id is
    taken, and find the stored documents whose analysis failed; ``None`` when nothing is left to store."""
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
        if (doc.url and doc.url in urls) or doc.content_hash in hashes or ahead.stores(doc):
            summary.skipped += 1
            continue
        urls.add(doc.url) if doc.url else None
        hashes.add(doc.content_hash)
        new.append(doc)
    # stored documents whose analysis failed in a step (a damaged model, a crash) are analysed again, not skipped
    again = store.failed_analyses([d.url for d in docs if d.url], [d.content_hash for d in docs]) if retry else []
    again = [d for d in again if d.id not in ahead.retried]
    if not new and not again:
        return None
    given = {id(doc): doc.id for doc in new}
    taken = store.taken_ids([d.id for d in new]) | ({d.id for d in new} & ahead.ids) if new else set()
    for doc in new:
        if doc.id in taken:
            doc.id = _renamed(doc)
    return _Staged(len(batch), new, again, given)


def _write(work: _Staged, analyses: list[Analysis], store: Store, detector: DuplicateDetector,
           builder: StorylineBuilder | None, summary: IngestSummary,
           precomputed: Mapping[str, Analysis] | None = None, record_ids: bool = True) -> None:
    """Store a staged batch with its analyses (``analyses``: one per new then per retried document, or none when
    they are ``precomputed``), its duplicates and storylines, in one transaction."""
    new, given = work.new, work.given
    retried = analyses[len(new):]
    analyses = analyses[:len(new)]
    for doc, made in zip(new, analyses):
        if doc.language is None:  # set by the language step, on this process' copy only when it ran here
            doc.language = made.language
    if precomputed is not None:
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
