"""PostgreSQL: an ingest merges the search index's pending entries on a second connection after each batch, so no
batch merges GIN's pending list itself (docs/scaling.md, eighth session); the store works the same where it may not."""

from __future__ import annotations

import pytest

from narrascope.corpus.ingestion import ingest
from narrascope.documents import Document
from narrascope.store import DocumentQuery, open_store

pytest.importorskip("psycopg")

from conftest import new_postgres_database  # noqa: E402  (tests/store/conftest.py)

WORDS = "harvest tractor river bridge council budget school clinic festival railway ferry orchard".split()


def _documents(n: int) -> list[Document]:
    return [Document(f"d{i}", f"Report {i}: the {WORDS[i % 12]} and the {WORDS[(i * 5) % 12]} of town{i}.",
                     language="en") for i in range(n)]


def _pending_pages(store) -> int:  # type: ignore[no-untyped-def]
    """Merges what is left in the pending list; the pages it held."""
    return int(store._one("SELECT gin_clean_pending_list('documents_search_body'::regclass)")[0])


def test_an_ingest_leaves_no_search_entries_pending(postgres_server: str) -> None:
    merged, plain = open_store(new_postgres_database(postgres_server)), open_store(new_postgres_database(postgres_server))
    plain._merger = False  # as when the merge is refused: PostgreSQL keeps the entries in the list
    for store in (merged, plain):
        summary = ingest(_documents(40), store, batch_size=8, storylines=False)
        assert summary.added == 40
    assert _pending_pages(plain) > 0  # without the merge the entries wait in the list
    assert _pending_pages(merged) == 0
    assert merged._merger  # one connection, kept for the next run
    for store in (merged, plain):
        found = {d.id for d in store.query_documents(DocumentQuery(text="town7", limit=10)).items}
        assert found == {"d7"}
        store.close()


def test_a_refused_merge_stops_merging_and_loses_nothing(postgres_server: str) -> None:
    import psycopg

    location = new_postgres_database(postgres_server)
    open_store(location).close()  # the tables, owned by the admin role
    role = "writer_" + location.rsplit("_", 1)[-1]
    with psycopg.connect(location, autocommit=True) as conn:  # a role that may write them but owns no index
        conn.execute(f"CREATE ROLE {role} LOGIN")
        for grant in ("CREATE, USAGE ON SCHEMA public", "ALL ON ALL TABLES IN SCHEMA public",
                      "ALL ON ALL SEQUENCES IN SCHEMA public"):
            conn.execute(f"GRANT {grant} TO {role}")
    store = open_store(location.replace("postgres@", f"{role}@", 1))
    summary = ingest(_documents(20), store, batch_size=5, storylines=False)
    assert summary.added == 20 and store._merger is False
    assert {d.id for d in store.query_documents(DocumentQuery(text="town13", limit=10)).items} == {"d13"}
    store.close()


def test_a_failed_batch_starts_no_merge(postgres_server: str) -> None:
    store = open_store(new_postgres_database(postgres_server))
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.lock_for_ingest()
            store.add_documents(_documents(3))
            raise RuntimeError("the batch fails")
    assert store._merger is None and not store._ingested  # rolled back: nothing to merge, no flag left behind
    with store.transaction():
        store.add_documents(_documents(3))  # not an ingest batch: no merge either
    assert store._merger is None
    store.close()


def test_a_run_ends_once_its_last_merge_has(postgres_server: str) -> None:
    store = open_store(new_postgres_database(postgres_server))
    store.merge_query = b"SELECT pg_sleep(0.5), gin_clean_pending_list('documents_search_body'::regclass)"
    run = store.start_run("ingest", [])
    with store.transaction():
        store.lock_for_ingest()
        store.add_documents(_documents(3))
    assert store._merging()  # the merge goes on while the ingest does
    store.finish_run(run, "done", 3, 0, 0)
    assert not store._merging() and _pending_pages(store) == 0
    store.close()
