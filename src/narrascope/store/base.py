"""The ``Store`` protocol: where documents, analyses, duplicates, storylines and runs persist.

Two implementations share one schema (``narrascope.store.schema``): ``SQLiteStore`` (default, one file, WAL) and
``PostgresStore``. Open one with ``narrascope.store.open_store("corpus.db")`` or
``open_store("postgresql://user@host/db")``.

    store = open_store("corpus.db")
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses(analyses)
    page = store.query_documents(DocumentQuery(narrative="URW: Blaming the war on others", limit=20))

Dates are ISO-8601 strings; a document's ``day`` is the first ten characters of ``published``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

import numpy as np

from narrascope.documents import Analysis, Document, Record
from narrascope.training.labelled import LabelledDocument

T = TypeVar("T")
TrendKey = Literal["narrative", "subnarrative", "outlet", "language"]
DocumentSort = Literal["date", "oldest", "title", "outlet"]
StorylineSort = Literal["size", "recent", "title"]


@dataclass
class DocumentQuery:
    """Filters for ``Store.query_documents``; every set field must match (AND).

    ``text`` is a full-text query, the same on every store: words in any form (each article's words are stemmed
    by its language: "javelins" finds "javelin"), ``"quoted phrases"`` (words in a row) and ``OR`` between
    alternatives; all must occur (``narrascope.store.search``). ``since``/``until`` are
    inclusive ISO dates. ``outlet`` matches a part of the outlet's name and ``language`` the code, both in any case.
    Syndicated copies are left out unless ``include_duplicates``. ``sort``: newest first (``date``), ``oldest``,
    ``title`` or ``outlet``.
    """

    narrative: str | None = None
    subnarrative: str | None = None
    entity: str | None = None
    outlet: str | None = None
    language: str | None = None
    since: str | None = None
    until: str | None = None
    text: str | None = None
    storyline: str | None = None
    include_duplicates: bool = False
    sort: DocumentSort = "date"
    limit: int = 50
    offset: int = 0


@dataclass
class Page(Generic[T]):
    """One page of results and the total number of matches."""

    items: list[T]
    total: int
    limit: int
    offset: int

    def to_dict(self) -> dict[str, Any]:
        items = [i.to_dict() if hasattr(i, "to_dict") else i for i in self.items]
        return {"items": items, "total": self.total, "limit": self.limit, "offset": self.offset}


@dataclass
class Duplicate(Record):
    """``document_id`` is a syndicated copy (or near-duplicate) of ``origin_id``, the group's earliest document."""

    document_id: str
    origin_id: str
    similarity: float


@dataclass
class Storyline:
    """Documents on the same story across outlets and languages.

    ``centroid`` is the mean embedding of its documents (used to assign new ones); the summary fields
    (``narratives``, ``outlets``, ``languages``, ``timeline``) are filled by ``Store.get_storyline``.
    """

    id: str
    title: str
    size: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    centroid: list[float] | np.ndarray = field(default_factory=list)  # an ingest holds float32 arrays (smaller)
    narratives: dict[str, int] = field(default_factory=dict)
    outlets: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    timeline: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self, centroid: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not centroid:
            data.pop("centroid")
        else:
            data["centroid"] = [float(x) for x in self.centroid]
        data["timeline"] = [list(t) for t in self.timeline]
        return data


@dataclass
class Run(Record):
    """One ingest run: what was read and what it added. ``status`` is ``running``, ``done``, ``failed``,
    ``interrupted`` (its process died: see ``SQLStore.mark_interrupted_runs``), or ``stale`` when read: still marked
    running, but its process is gone (killed with kill -9) and no run has started since to mark it interrupted."""

    id: int
    command: str
    started_at: str
    finished_at: str | None = None
    status: str = "running"
    sources: list[str] = field(default_factory=list)
    added: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass
class TrendRow:
    """``count`` documents (syndicated copies counted once) on ``day`` for ``key`` (a narrative, outlet, …)."""

    day: str
    key: str
    count: int


@dataclass
class EntityRoleCount:
    """``mentions`` of ``entity`` cast as ``main_role`` in one document, with the document's outlet, language and day."""

    document_id: str
    entity: str
    main_role: str
    mentions: int
    outlet: str | None = None
    language: str | None = None
    day: str | None = None


ReviewKind = Literal["narrative", "subnarrative", "entity"]
ReviewStatus = Literal["accepted", "rejected"]


@dataclass
class StoredKeys:
    """A stored document's story keys (``narrascope.corpus.storylines.story_keys``) and language; ``keys`` is None
    for a document stored without them (before schema version 12), which comes with its ``story_text`` (its title and
    lead) to compute them from."""

    document_id: str
    language: str | None
    keys: frozenset[str] | None
    story_text: str | None = None


@dataclass
class EntityRoleTotal:
    """``documents`` casting ``entity`` as ``role`` (each by the role of most of its mentions there) and their
    ``mentions`` of it, in ``group`` (an outlet or language; None for all, or for documents without one)."""

    entity: str
    role: str
    documents: int
    mentions: int
    group: str | None = None


@dataclass
class EntityRoleTotals:
    """A page of entities' ``EntityRoleTotal`` rows, the number of ``entities`` framed in the period and of the
    ``documents`` with an entity mention in it (syndicated copies left out of all)."""

    rows: list[EntityRoleTotal]
    entities: int
    documents: int


@dataclass
class Review(Record):
    """A person's current decision on one narrative, subnarrative or entity role of a document.

    ``target`` is the label, or the entity key for ``kind="entity"`` (then ``value`` is the main role it has).
    """

    document_id: str
    kind: str
    target: str
    status: str
    value: str | None = None
    user: str = "analyst"
    updated_at: str = ""


@dataclass
class ReviewChange(Record):
    """One row of the append-only audit trail: ``user`` changed ``target`` from ``before`` to ``after`` at
    ``created_at``. ``before`` is the previous decision, else what the model said (``{"status": "predicted", ...}``
    with its ``score``, or an entity's ``value``: its role), else ``None``; ``after`` is ``{"status", "value"}`` (the
    role of an entity; ``None`` for a label). ``action`` is ``accept``, ``reject``, ``add`` (a label or entity the
    model did not give), ``change`` (another role than before), ``label`` (a new article labelled by hand) or
    ``keep`` (a label the reviewer left as the model gave it, pinned when a new model re-analysed the article)."""

    id: int
    document_id: str
    kind: str
    target: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    user: str
    created_at: str


@dataclass
class QueueItem(Record):
    """A document waiting for review: ``margin`` is the distance of its least certain label's score from the
    decision threshold (``None`` without scored labels); ``label``/``score`` are that label and its score."""

    document_id: str
    title: str | None
    language: str | None
    margin: float | None
    label: str | None = None
    score: float | None = None
    reviewed: bool = False



@runtime_checkable
class Store(Protocol):
    """Persistence for a corpus. Writes inside ``with store.transaction():`` commit together or not at all."""

    schema_version: int

    def transaction(self) -> AbstractContextManager[None]: ...
    def close(self) -> None: ...
    def tuning_advice(self) -> list[str]:
        """What to change in the database's settings for a store of this size (none when nothing)."""
        ...

    # documents and analyses
    def add_documents(self, documents: Sequence[Document], run_id: int | None = None,
                      ingest_seq: int | None = None) -> list[str]:
        """Insert documents whose id, url and content hash are all new; returns the inserted ids. ``ingest_seq``: the
        ingest batch that stores them (``next_ingest_sequence``)."""
        ...
    def get_document(self, document_id: str) -> Document | None: ...
    def known(self, urls: Iterable[str] = (), hashes: Iterable[str] = ()) -> tuple[set[str], set[str]]:
        """The subsets of ``urls`` and content ``hashes`` already stored."""
        ...
    def taken_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` already used by stored documents."""
        ...
    def failed_analyses(self, urls: Iterable[str] = (), hashes: Iterable[str] = ()) -> list[Document]:
        """The stored documents with one of ``urls`` or content ``hashes`` whose analysis failed in a step (its
        ``error`` is set): what a later ingest analyses again."""
        ...
    def add_analyses(self, analyses: Sequence[Analysis], run_id: int | None = None) -> None:
        """Insert or replace analyses (and their labels, entities and explanation)."""
        ...
    def get_analysis(self, document_id: str, reviewed: bool = True) -> Analysis | None:
        """The document's analysis with its review decisions applied (``narrascope.store.review.apply_decisions``,
        the one rule every page, count and export follows); ``reviewed=False``: as the model made it."""
        ...
    def taxonomy_name(self) -> str | None:
        """The taxonomy the corpus is labelled with, fixed by the first model that analysed it (``None`` before)."""
        ...
    def check_taxonomy(self, names: Iterable[str]) -> None:
        """Raise ``ConfigError`` unless analyses in the taxonomies ``names`` may be stored (the store's own, or any
        one taxonomy in a store without analyses yet: it becomes the store's)."""
        ...
    def query_documents(self, query: DocumentQuery) -> Page[Document]: ...
    def count_by(self, by: Literal["outlet", "language"], query: DocumentQuery) -> dict[str, int]:
        """Documents matching ``query`` (paging ignored) per outlet or language, largest first."""
        ...
    def label_counts(self, level: Literal["narrative", "subnarrative"], query: DocumentQuery) -> dict[str, int]:
        """Documents matching ``query`` (paging ignored) per label, dated or not, largest first."""
        ...
    def storyline_of(self, document_id: str) -> str | None: ...
    def origin_of(self, document_id: str) -> Duplicate | None:
        """The document ``document_id`` is a syndicated copy of (``None`` if it is not a copy)."""
        ...
    def count_documents(self, include_duplicates: bool = True) -> int: ...
    def change_marker(self) -> tuple[int, ...]:
        """A cheap value that changes whenever the corpus does (documents added, a run started or progressing, a review
        decision): caches key on it."""
        ...
    def iter_documents(self, batch_size: int = 500) -> Iterator[Document]: ...
    def stale_documents(self, model: str, after: str = "", limit: int = 500) -> list[Document]:
        """Documents (ids after ``after``, by id) whose analysis is not by ``model``: a re-analysis' to-do list."""
        ...
    def analysis_models(self) -> dict[str | None, int]:
        """Documents per model that produced their analysis (``None``: not analysed), most first."""
        ...

    # duplicates
    def add_duplicates(self, duplicates: Sequence[Duplicate]) -> None:
        """Insert or replace duplicate links (a document has at most one origin)."""
        ...
    def duplicates(self, origin_id: str | None = None) -> list[Duplicate]: ...
    def save_signatures(self, signatures: dict[str, bytes]) -> None: ...
    def iter_signatures(self, ids: Iterable[str] | None = None) -> Iterator[tuple[str, str | None, bytes]]:
        """``(document_id, published, signature)`` of every stored MinHash signature (of the documents ``ids`` only,
        when given)."""
        ...

    # what concurrent ingests need to see each other's documents
    def lock_for_ingest(self) -> None:
        """Inside a transaction: wait until no other ingest writes, and hold the store until the transaction ends."""
        ...
    def document_ids(self) -> set[str]: ...
    def documents_by_id(self, ids: Iterable[str]) -> list[tuple[Document, str | None]]:
        """The stored documents among ``ids``, each with its storyline id."""
        ...
    def storylines_by_id(self, ids: Iterable[str]) -> list[Storyline]:
        """The stored storylines among ``ids`` (without summaries)."""
        ...
    def ingest_sequence(self) -> int:
        """The number of the last ingest batch committed (0 for none)."""
        ...
    def next_ingest_sequence(self) -> int:
        """Inside the ingest lock: the number of a new ingest batch."""
        ...
    def documents_ingested_after(self, seq: int, but: int | None = None) -> list[tuple[Document, str | None]]:
        """The documents stored by ingest batches after ``seq`` (but batch ``but``), each with its storyline id."""
        ...

    # what keeps an ingest's memory flat (narrascope.store.incremental)
    def state(self, name: str) -> str | None: ...
    def set_state(self, name: str, value: str) -> None: ...
    def add_bands(self, rows: Iterable[tuple[int, str]]) -> None:
        """Index ``(LSH band key, document id)`` rows of MinHash signatures."""
        ...
    def band_matches(self, keys: Iterable[int]) -> list[tuple[int, str]]:
        """The ``(band key, document id)`` rows of any of the band ``keys``."""
        ...
    def clear_bands(self) -> None: ...
    def duplicate_links(self, document_ids: Iterable[str] = (), origin_ids: Iterable[str] = ()) -> list[Duplicate]:
        """The copy links from any of ``document_ids`` and to any of ``origin_ids``."""
        ...
    def storylines_seen_since(self, since: str, before: str | None = None, page: int = 1000) -> Iterator[Storyline]:
        """The storylines last seen on day ``since`` or later (and before ``before``), without summaries but
        ``languages`` when all their documents have one (``{language: size}``), read ``page`` at a time."""
        ...
    def undated_storylines(self, limit: int) -> list[Storyline]: ...
    def save_story_keys(self, keys: Mapping[str, Iterable[str]]) -> None:
        """Keep the story keys of stored documents (``{document id: keys}``; those kept already stay)."""
        ...
    def storyline_story_keys(self, storyline_id: str, lead: int, limit: int = 100) -> list[StoredKeys]:
        """The story keys of the storyline's ``limit`` latest documents (copies included); one stored without keys
        comes with its title and first ``lead`` characters."""
        ...
    def documents_without_story_keys(self, lead: int, limit: int) -> list[StoredKeys]:
        """Up to ``limit`` documents stored without story keys, with their title and first ``lead`` characters."""
        ...
    def sample_story_keys(self, lead: int, limit: int) -> list[StoredKeys]:
        """The story keys of the first ``limit`` stored documents (by id)."""
        ...

    # maintained daily counts (narrascope.store.counts)
    def update_daily_counts(self, document_ids: Iterable[str], sign: int) -> None: ...
    def recounted(self, document_ids: Iterable[str]) -> AbstractContextManager[None]:
        """Wrap any change of what stored documents count for (labels, copy link, day, language, outlet) that does
        not go through ``add_analyses`` / ``add_duplicates``: keeps the daily counts true."""
        ...
    def rebuild_daily_counts(self) -> None: ...

    # storylines
    def save_storyline(self, storyline: Storyline) -> None: ...
    def assign_storyline(self, document_ids: Sequence[str], storyline_id: str) -> None: ...
    def storylines(self, limit: int = 50, offset: int = 0, text: str | None = None, sort: StorylineSort = "size",
                   language: str | None = None, narrative: str | None = None,
                   total: int | None = None) -> Page[Storyline]:
        """Storylines by size (largest first; or ``recent``, ``title``), without summaries; centroids included.
        ``text`` keeps titles containing it; ``language`` and ``narrative`` keep storylines with such a document.
        ``total``: how many storylines match, when the caller knows it (counted since the store last changed), so
        that they are not counted again (a count of every storyline took 215 ms at 330k)."""
        ...
    def get_storyline(self, storyline_id: str) -> Storyline | None:
        """A storyline with its narratives, outlets, languages and daily timeline."""
        ...

    # statistics
    def trend_rows(self, by: TrendKey = "narrative", since: str | None = None, until: str | None = None,
                   language: str | None = None, outlet: str | None = None) -> list[TrendRow]:
        """Daily counts per key; syndicated copies are counted once (only their origin counts); ``language``
        (any case) and ``outlet`` (a part of its name, any case) keep that language's or outlet's documents."""
        ...
    def daily_totals(self, since: str | None = None, until: str | None = None, language: str | None = None,
                     outlet: str | None = None) -> dict[str, int]: ...
    def entity_role_counts(self, entity: str | None = None, since: str | None = None, until: str | None = None) -> list[EntityRoleCount]:
        """Framed mentions per document, entity and main role (syndicated copies left out); ``entity`` keeps the
        entities with that key or a mention of that name (case-insensitive); ``since``/``until`` keep dated
        documents of that period."""
        ...
    def entity_role_totals(self, by: Literal["outlet", "language"] | None = None, since: str | None = None,
                           until: str | None = None, limit: int = 20, offset: int = 0) -> EntityRoleTotals:
        """What ``entity_role_counts`` gives, counted per entity (and outlet or language with ``by``) and role: the
        ``limit`` entities framed in the most documents (then by name, by code point) from the ``offset``-th on;
        ``limit`` 0 gives only the totals."""
        ...

    # runs
    def start_run(self, command: str, sources: Sequence[str]) -> int: ...
    def heartbeat(self, run_id: int, added: int | None = None) -> None:
        """Run ``run_id`` is alive (and has done ``added`` documents, when given)."""
        ...
    def mark_interrupted_runs(self) -> list[int]: ...
    def finish_run(self, run_id: int, status: str, added: int, skipped: int, failed: int) -> None: ...
    def runs(self, limit: int = 20) -> list[Run]: ...

    # the review loop (narrascope.store.review)
    def review(self, document_id: str, kind: ReviewKind, target: str, status: ReviewStatus, value: str | None = None,
               user: str = "analyst", action: str | None = None) -> ReviewChange:
        """Record a decision on a label or entity role: the current one in ``reviews``, the change in the
        append-only ``review_audit``; returns the audit row."""
        ...
    def reviews(self, document_id: str) -> list[Review]: ...
    def review_history(self, document_id: str | None = None, limit: int = 100, user: str | None = None,
                       action: str | None = None, kind: str | None = None, offset: int = 0) -> list[ReviewChange]:
        """Audit rows, newest first; each given filter must match (``action``: accept, reject, add, change, label or
        keep)."""
        ...
    def review_queue(self, limit: int = 20, offset: int = 0, coarse_threshold: float = 0.4,
                     fine_threshold: float = 0.25) -> Page[QueueItem]:
        """Analysed documents to review: unreviewed first, then by the smallest margin to the threshold."""
        ...
    def reviewed_examples(self, document_id: str | None = None) -> list[LabelledDocument]:
        """Every reviewed document (or just ``document_id``) with its reviewed labels and roles (training and export
        data)."""
        ...
