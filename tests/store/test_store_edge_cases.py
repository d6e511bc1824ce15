"""Store edge cases on every store (SQLite and PostgreSQL): an empty store, undated documents, non-Latin outlet
names, and the inclusive period filters."""

from __future__ import annotations

from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import DocumentQuery, Store

NARR = "URW: Discrediting Ukraine"


def test_an_empty_store_answers_every_query_with_nothing(store: Store) -> None:
    query = DocumentQuery(since="2024-01-01", until="2024-12-31")
    assert store.count_documents() == 0 and store.count_documents(include_duplicates=False) == 0
    page = store.query_documents(DocumentQuery())
    assert page.total == 0 and page.items == []
    assert store.query_documents(query).total == 0
    assert store.count_by("outlet", DocumentQuery()) == {} and store.count_by("language", query) == {}
    assert store.label_counts("narrative", DocumentQuery()) == {}
    assert store.trend_rows() == [] and store.trend_rows("outlet", "2024-01-01", "2024-12-31") == []
    assert store.daily_totals() == {} and store.entity_role_counts() == []
    assert store.storylines().total == 0 and store.duplicates() == []
    assert store.get_document("nothing") is None and store.get_analysis("nothing") is None
    assert list(store.iter_documents()) == [] and list(store.iter_signatures()) == []


def _add(store: Store, docs: list[Document]) -> None:
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(NARR, 0.8)]) for d in docs])


def test_undated_documents_are_listed_and_labelled_but_in_no_daily_count(store: Store) -> None:
    _add(store, [
        Document("dated", "A dated article about the front.", outlet="a.test", published="2024-03-02T10:00:00Z"),
        Document("undated", "An article without a date.", outlet="a.test"),
        Document("blank", "An article with an empty date.", outlet="b.test", published=""),
    ])
    assert store.count_documents() == 3
    assert {d.id for d in store.query_documents(DocumentQuery()).items} == {"dated", "undated", "blank"}
    assert store.label_counts("narrative", DocumentQuery()) == {NARR: 3}  # dated or not
    assert store.daily_totals() == {"2024-03-02": 1}
    assert [(r.day, r.key, r.count) for r in store.trend_rows()] == [("2024-03-02", NARR, 1)]
    # a period filter keeps dated documents only
    assert [d.id for d in store.query_documents(DocumentQuery(since="2000-01-01")).items] == ["dated"]
    assert [d.id for d in store.query_documents(DocumentQuery(until="2100-01-01")).items] == ["dated"]
    assert store.get_document("undated").published is None  # type: ignore[union-attr]


OUTLETS = ["Профиль.ru", "Ελληνικά Νέα", "日本経済新聞", "Le Monde — édition", "Profil.ru"]


def test_non_latin_outlet_names_round_trip_count_and_filter_in_any_case(store: Store) -> None:
    _add(store, [Document(f"d{i}", f"Article number {i} of the outlet.", outlet=outlet, published=f"2024-03-0{i + 1}")
                 for i, outlet in enumerate(OUTLETS)])
    assert [store.get_document(f"d{i}").outlet for i in range(len(OUTLETS))] == OUTLETS  # type: ignore[union-attr]
    assert store.count_by("outlet", DocumentQuery()) == {outlet: 1 for outlet in OUTLETS}
    assert {r.key for r in store.trend_rows("outlet")} == set(OUTLETS)

    def outlets(part: str) -> set[str]:
        return {d.outlet for d in store.query_documents(DocumentQuery(outlet=part)).items}  # type: ignore[misc]

    assert outlets("профиль") == {"Профиль.ru"}  # case-insensitive beyond ASCII
    assert outlets("ΕΛΛΗΝΙΚΆ") == {"Ελληνικά Νέα"}
    assert outlets("経済") == {"日本経済新聞"}
    assert outlets("ÉDITION") == {"Le Monde — édition"}
    assert outlets(".ru") == {"Профиль.ru", "Profil.ru"}
    assert outlets("%") == set() and outlets("_") == set()  # LIKE wildcards are literal


def test_period_filters_are_inclusive_iso_days_whatever_the_time_of_day(store: Store) -> None:
    _add(store, [
        Document("first", "The first day of the period.", outlet="a.test", published="2024-03-01T00:00:00"),
        Document("last", "The last day of the period, late.", outlet="a.test", published="2024-03-07T23:59:59+02:00"),
        Document("before", "The day before the period.", outlet="a.test", published="2024-02-29"),
        Document("after", "The day after the period.", outlet="a.test", published="2024-03-08T00:00:01"),
    ])
    query = DocumentQuery(since="2024-03-01", until="2024-03-07")
    assert {d.id for d in store.query_documents(query).items} == {"first", "last"}
    assert store.count_by("outlet", query) == {"a.test": 2}
    assert store.label_counts("narrative", query) == {NARR: 2}
    assert store.daily_totals("2024-03-01", "2024-03-07") == {"2024-03-01": 1, "2024-03-07": 1}
    assert store.daily_totals("2024-03-01T12:00:00", "2024-03-07T00:00:00") == {"2024-03-01": 1, "2024-03-07": 1}
    assert [r.day for r in store.trend_rows("narrative", "2024-03-01", "2024-03-07")] == ["2024-03-01", "2024-03-07"]
    assert store.daily_totals("2024-03-08", "2024-03-01") == {}  # an empty period, not an error
    assert store.query_documents(DocumentQuery(since="2024-03-02", until="2024-03-06")).total == 0
