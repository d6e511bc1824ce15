"""Store queries the dashboard relies on (issue 20): label totals of undated documents, case-insensitive filters,
sorting, storyline filters, a document's storyline and origin. Runs against SQLite and PostgreSQL."""

from __future__ import annotations

from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import DocumentQuery, Duplicate, Store, Storyline
from narrascope.store.sql import STORYLINE_SORTS

NARR = "URW: Discrediting Ukraine"
SUB = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"


def _fill(store: Store) -> None:
    docs = [Document("u1", "Undated one.", title="Beta", outlet="Daily-Courier.example", language="RU"),
            Document("u2", "Undated two.", title="alpha", outlet="post_50%.example", language="ru"),
            Document("d3", "Dated three.", title="Gamma", outlet="daily-courier.example", published="2024-03-05",
                     language="en"),
            Document("c4", "Dated three, copied.", title="Gamma", outlet="copy.example", published="2024-03-06")]
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(NARR, 0.8)], subnarratives=[LabelScore(SUB, 0.6)])
                            for d in docs])
        store.add_duplicates([Duplicate("c4", "d3", 0.97)])
        store.save_storyline(Storyline("s1", "Kyiv and the West", size=2, centroid=[0.0]))
        store.save_storyline(Storyline("s2", "Another story", size=1, first_seen="2024-03-05", last_seen="2024-03-05",
                                       centroid=[0.0]))
        store.assign_storyline(["u1", "u2"], "s1")
        store.assign_storyline(["d3"], "s2")


def test_label_counts_include_undated_documents(store: Store) -> None:
    _fill(store)
    assert store.label_counts("narrative", DocumentQuery()) == {NARR: 3}  # the copy counts once
    assert store.label_counts("subnarrative", DocumentQuery(narrative=NARR)) == {SUB: 3}
    assert store.label_counts("narrative", DocumentQuery(since="2024-03-01")) == {NARR: 1}


def test_language_and_outlet_filters_ignore_case_and_match_parts(store: Store) -> None:
    _fill(store)
    ids = lambda q: sorted(d.id for d in store.query_documents(q).items)  # noqa: E731
    assert ids(DocumentQuery(language="RU")) == ["u1", "u2"] == ids(DocumentQuery(language="ru"))
    assert ids(DocumentQuery(outlet="COURIER")) == ["d3", "u1"]
    assert ids(DocumentQuery(outlet="_50%")) == ["u2"]  # LIKE wildcards are literal
    assert ids(DocumentQuery(outlet="%")) == ["u2"]


def test_sorting(store: Store) -> None:
    _fill(store)
    order = lambda sort: [d.id for d in store.query_documents(DocumentQuery(sort=sort)).items]  # noqa: E731
    assert order("date")[0] == "d3" and order("title") == ["u2", "u1", "d3"]
    assert order("outlet") == ["d3", "u1", "u2"]  # same outlet in any case: newest first


def test_storyline_filters_sorting_and_links(store: Store) -> None:
    _fill(store)
    assert [s.id for s in store.storylines().items] == ["s1", "s2"]
    assert [s.id for s in store.storylines(sort="title").items] == ["s2", "s1"]
    assert [s.id for s in store.storylines(sort="recent").items] == ["s2", "s1"]
    page = store.storylines(text="KYIV")
    assert page.total == 1 and page.items[0].id == "s1"
    assert [s.id for s in store.storylines(language="en").items] == ["s2"]
    assert store.storylines(narrative="URW: Praise of Russia").total == 0
    assert store.storyline_of("u1") == "s1" and store.storyline_of("c4") is None
    assert store.origin_of("c4") == Duplicate("c4", "d3", 0.97) and store.origin_of("d3") is None


def test_a_storylines_page_is_read_in_index_order_without_centroids(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from narrascope.store import open_store

    store = open_store(tmp_path / "s.db")
    with store.transaction():
        for n in range(30):  # sizes tie in threes; one undated storyline of each size band
            day = None if n % 10 == 0 else f"2024-03-{1 + n % 28:02d}"
            store.save_storyline(Storyline(f"s{n:02d}", f"story {n}", size=n // 3, first_seen=day, last_seen=day,
                                           centroid=[float(n), 1.0]))
    page = store.storylines(limit=7, offset=5)
    every = sorted((-(n // 3), -(1 + n % 28) if n % 10 else 1, f"s{n:02d}") for n in range(30))  # NULL days last
    assert [s.id for s in page.items] == [key[2] for key in every[5:12]] and page.total == 30
    assert all(len(s.centroid) == 0 for s in page.items)
    for sort, index in (("size", "storylines_by_size"), ("recent", "storylines_by_recent")):
        plan = " ".join(str(r) for r in store._all(  # type: ignore[attr-defined]
            f"EXPLAIN QUERY PLAN SELECT id FROM storylines s ORDER BY {STORYLINE_SORTS[sort]} LIMIT 50 OFFSET 500"))
        assert index in plan and "TEMP B-TREE" not in plan, plan
    store.close()


def test_the_articles_list_reads_its_date_index_also_within_one_language(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from narrascope.store import open_store
    from narrascope.store.sql import SORTS

    store = open_store(tmp_path / "s.db")
    for where, index in (("", "documents_by_date"), (" WHERE LOWER(d.language) = LOWER('ru')", "documents_by_language_date")):
        plan = " ".join(str(r) for r in store._all(  # type: ignore[attr-defined]
            f"EXPLAIN QUERY PLAN SELECT d.id FROM documents d{where} ORDER BY {SORTS['date']} LIMIT 20 OFFSET 40"))
        assert index in plan and "TEMP B-TREE" not in plan, plan
    store.close()
