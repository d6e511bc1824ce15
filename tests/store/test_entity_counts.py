"""The entity framing counts that the entities page and API read (``entity_counts`` and the ``framed`` daily counts)
stay equal to a direct computation from the stored mentions, after an ingest, a review decision that changes a role,
a re-analysis and copies that regroup, on both stores."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from narrascope.corpus.entities import entity_table
from narrascope.documents import Analysis, Document, EntityMention
from narrascope.store import Duplicate, open_store
from narrascope.store.base import EntityRoleTotal, Store

ENTITIES = ["NATO", "Kyiv", "Moscow", "EU", "Zelensky", "Putin", "Ärzte", "eu"]
ROLES = ["Protagonist", "Antagonist", "Innocent", None]
def _order(rows: list[EntityRoleTotal]) -> list[EntityRoleTotal]:
    return sorted(rows, key=lambda r: (r.entity, str(r.group), r.role))


PERIODS = [(None, None), ("2024-03-03", None), (None, "2024-03-04"), ("2024-03-02", "2024-03-05")]


def _analysis(doc_id: str, seed: int) -> Analysis:
    """Two to eight mentions of a few entities with random roles (ties between roles included)."""
    rng = random.Random(seed)
    mentions = [EntityMention(name, 10 * i, 10 * i + len(name), name, rng.choice(ROLES), [], 0.5)
                for i, name in enumerate(rng.choices(ENTITIES[: rng.randint(2, len(ENTITIES))], k=rng.randint(2, 8)))]
    return Analysis(doc_id, entities=mentions)


def _corpus(store: Store) -> list[str]:
    docs = [Document(f"d{i}", f"Article {i} on the war.", outlet=f"o{i % 3}.test" if i % 7 else None,
                     language=["en", "de", "fr"][i % 3] if i % 5 else None,
                     published=f"2024-03-{1 + i % 6:02d}" if i % 9 else None) for i in range(40)]
    store.add_documents(docs)
    store.add_analyses([_analysis(d.id, i) for i, d in enumerate(docs) if i % 11])
    store.add_duplicates([Duplicate("d12", "d2", 0.9), Duplicate("d13", "d3", 0.9)])
    return [d.id for d in docs]


def _direct(store: Store, by: str | None, since: str | None, until: str | None) -> tuple[list[EntityRoleTotal], int, int]:
    """The totals computed from the mentions (``Store.entity_role_counts``), each document by its majority role."""
    per_document: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    groups = {}
    for row in store.entity_role_counts(None, since, until):
        per_document[(row.entity, row.document_id)][row.main_role] += row.mentions
        groups[(row.entity, row.document_id)] = getattr(row, by) if by else None
    documents: Counter[tuple[str, str | None, str]] = Counter()
    mentions: Counter[tuple[str, str | None, str]] = Counter()
    for (name, doc_id), roles in per_document.items():
        role = min(roles, key=lambda r: (-roles[r], r))
        documents[(name, groups[(name, doc_id)], role)] += 1
        mentions[(name, groups[(name, doc_id)], role)] += sum(roles.values())
    rows = _order([EntityRoleTotal(name, role, n, mentions[(name, group, role)], group)
                   for (name, group, role), n in documents.items()])
    return rows, len({name for name, _ in per_document}), len({doc_id for _, doc_id in per_document})


def _assert_counts_equal_the_mentions(store: Store) -> None:
    for by in (None, "outlet", "language"):
        for since, until in PERIODS:
            counted = store.entity_role_totals(by, since, until, limit=100)  # type: ignore[arg-type]
            rows, entities, documents = _direct(store, by, since, until)
            assert (_order(counted.rows), counted.entities, counted.documents) == (rows, entities, documents), \
                (by, since, until)
            totals = Counter[str]()
            for row in rows:
                totals[row.entity] += row.documents
            ranked = sorted(totals, key=lambda name: (-totals[name], name))
            page = store.entity_role_totals(by, since, until, limit=2, offset=1)  # type: ignore[arg-type]
            assert {r.entity for r in page.rows} == set(ranked[1:3]) and page.entities == entities


def test_entity_counts_equal_the_mentions_after_ingest_review_and_reanalysis(store_location: str) -> None:
    store = open_store(store_location)
    ids = _corpus(store)
    _assert_counts_equal_the_mentions(store)
    for by in (None, "outlet"):  # the page's rows from the counts equal those the page computes for one entity
        table = entity_table(store, by=by, limit=100)  # type: ignore[arg-type]
        assert table.entities == _direct(store, None, None, None)[1]
        for name in ("NATO", "Kyiv"):
            assert [r for r in table.rows if r.entity == name] == entity_table(store, name, by).rows  # type: ignore[arg-type]
    # a review decision that changes a role, and one that rejects an entity
    store.review("d1", "entity", store.get_analysis("d1").entities[0].entity, "accepted", value="Innocent")  # type: ignore[union-attr]
    store.review("d4", "entity", store.get_analysis("d4").entities[0].entity, "rejected")  # type: ignore[union-attr]
    _assert_counts_equal_the_mentions(store)
    # a re-analysis with other mentions, one that leaves none, and copies that regroup
    store.add_analyses([_analysis(doc_id, 1000 + i) for i, doc_id in enumerate(ids[:10])] + [Analysis("d14")])
    store.add_duplicates([Duplicate("d2", "d22", 0.9), Duplicate("d15", "d5", 0.9)])
    _assert_counts_equal_the_mentions(store)
    kept = [store.entity_role_totals(by, s, u, limit=100) for by in (None, "outlet") for s, u in PERIODS]  # type: ignore[arg-type]
    store.rebuild_daily_counts()  # type: ignore[attr-defined]
    assert kept == [store.entity_role_totals(by, s, u, limit=100) for by in (None, "outlet") for s, u in PERIODS]  # type: ignore[arg-type]
    store.close()


def test_a_store_of_version_10_gains_the_entity_counts_when_opened(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The migration counts what a store written before it holds."""
    path = str(tmp_path / "old.db")
    store = open_store(path)
    _corpus(store)
    store._execute("DROP TABLE entity_counts")  # type: ignore[attr-defined]
    store._execute("DELETE FROM daily_counts WHERE kind = 'framed'")  # type: ignore[attr-defined]
    store._execute("DELETE FROM schema_migrations WHERE version = 11")  # type: ignore[attr-defined]
    store.close()
    store = open_store(path)
    assert store.schema_version >= 11
    _assert_counts_equal_the_mentions(store)
    store.close()
