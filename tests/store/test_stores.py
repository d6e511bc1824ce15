"""The same behaviour suite for every store (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from narrascope.documents import Analysis, Document, EntityMention, Explanation, LabelScore
from narrascope.store.schema import MIGRATIONS
from narrascope.store import DocumentQuery, Duplicate, Store, Storyline, open_store

NARR = "URW: Discrediting Ukraine"
SUB = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"


def _docs() -> list[Document]:
    return [
        Document("d1", "Kyiv officials met NATO generals on Monday.", title="Generals meet", url="http://a.test/1",
                 outlet="a.test", published="2024-03-01T08:00:00", language="en"),
        Document("d2", "Флот был замечен в Черном море.", title="Флот", url="http://b.test/2", outlet="b.test",
                 published="2024-03-02", language="ru"),
        Document("d3", "Wind farms and the climate agenda of Brussels.", outlet="a.test", published="2024-03-05", language="en"),
    ]


def _analysis(doc_id: str) -> Analysis:
    return Analysis(
        doc_id, language="en", model="test-model-1", taxonomy="semeval2025",
        narratives=[LabelScore(NARR, 0.8)], subnarratives=[LabelScore(SUB, 0.7)],
        entities=[EntityMention("NATO", 18, 22, entity="NATO", main_role="Antagonist", fine_roles=["Instigator"], score=0.6,
                                salience=0.42)],
        explanation=Explanation("Kyiv is shown as obeying NATO.", NARR, SUB, explainer="extractive"),
    )


def test_store_satisfies_protocol_and_migrates(store: Store, store_location: str) -> None:
    assert isinstance(store, Store)
    latest = max(m[0] for m in MIGRATIONS + type(store).migrations)  # type: ignore[attr-defined]
    assert store.schema_version == latest
    store.close()
    reopened = open_store(store_location)  # reopening applies nothing twice
    assert reopened.schema_version == latest
    reopened.close()


def test_add_documents_skips_known_id_url_and_content(store: Store) -> None:
    assert store.add_documents(_docs()) == ["d1", "d2", "d3"]
    again = [
        Document("d1", "different text, same id"),
        Document("new-url", "other text", url="http://a.test/1"),
        Document("same-content", _docs()[2].text),
        Document("d4", "A genuinely new article."),
    ]
    assert store.add_documents(again) == ["d4"]
    assert store.count_documents() == 4
    urls, hashes = store.known(urls=["http://a.test/1", "http://x.test/"], hashes=[_docs()[1].content_hash, "0" * 64])
    assert urls == {"http://a.test/1"} and hashes == {_docs()[1].content_hash}
    got = store.get_document("d2")
    assert got == _docs()[1]
    assert store.get_document("missing") is None


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_documents(_docs()[:2])
            raise RuntimeError("killed mid-batch")
    assert store.count_documents() == 0
    with store.transaction():
        store.add_documents(_docs()[:2])
    assert store.count_documents() == 2


def test_analyses_round_trip_and_replace(store: Store) -> None:
    store.add_documents(_docs())
    store.add_analyses([_analysis("d1")], run_id=None)
    got = store.get_analysis("d1")
    assert got is not None and got.to_dict() == _analysis("d1").to_dict()
    assert got.entities[0].salience == 0.42 and got.to_dict()["entity_summary"][0]["salience"] == 0.42  # kept in the stored JSON
    replaced = Analysis("d1", narratives=[LabelScore("Other", 1.0)])
    store.add_analyses([replaced])
    assert store.get_analysis("d1").narrative_labels == ["Other"]  # type: ignore[union-attr]
    assert store.query_documents(DocumentQuery(narrative=NARR)).total == 0
    assert store.entity_role_counts() == []


def test_query_filters_and_paging(store: Store) -> None:
    store.add_documents(_docs())
    store.add_analyses([_analysis("d1"), _analysis("d2")])
    by = lambda **kw: [d.id for d in store.query_documents(DocumentQuery(**kw)).items]  # noqa: E731
    assert by(narrative=NARR) == ["d2", "d1"]  # newest first
    assert by(subnarrative=SUB, language="ru") == ["d2"]
    assert by(entity="nato", outlet="a.test") == ["d1"]
    assert by(since="2024-03-02", until="2024-03-04") == ["d2"]
    assert by(text="climate") == ["d3"]
    assert by(text="Черном") == ["d2"]
    assert by(text='NATO "unbalanced') == []  # user input never breaks the query syntax
    page = store.query_documents(DocumentQuery(limit=2, offset=2))
    assert page.total == 3 and [d.id for d in page.items] == ["d1"]


def test_duplicates_are_counted_once(store: Store) -> None:
    docs = _docs()
    copy = Document("d1-copy", docs[0].text + " (syndicated)", outlet="c.test", published="2024-03-01T12:00:00")
    store.add_documents(docs + [copy])
    store.add_analyses([_analysis("d1"), _analysis("d1-copy")])
    store.add_duplicates([Duplicate("d1-copy", "d1", 0.93)])
    assert store.duplicates() == [Duplicate("d1-copy", "d1", pytest.approx(0.93))]
    assert store.count_documents(include_duplicates=False) == 3
    rows = store.trend_rows("narrative")
    assert [(r.day, r.key, r.count) for r in rows] == [("2024-03-01", NARR, 1)]
    assert [(r.entity, r.main_role, r.document_id) for r in store.entity_role_counts()] == [("NATO", "Antagonist", "d1")]
    assert store.query_documents(DocumentQuery(include_duplicates=True)).total == 4
    assert store.daily_totals() == {"2024-03-01": 1, "2024-03-02": 1, "2024-03-05": 1}
    assert sorted((r.day, r.key, r.count) for r in store.trend_rows("outlet")) == [
        ("2024-03-01", "a.test", 1), ("2024-03-02", "b.test", 1), ("2024-03-05", "a.test", 1)]



def test_entity_role_counts_per_document_skip_copies_and_match_mentions(store: Store) -> None:
    from narrascope.store.base import EntityRoleCount

    docs = _docs()
    copy = Document("d1-copy", docs[0].text + " (syndicated)", outlet="c.test", published="2024-03-01T12:00:00")
    store.add_documents(docs + [copy])
    mixed = Analysis("d2", entities=[
        EntityMention("Путин", 0, 5, entity="Vladimir Putin", main_role="Antagonist", fine_roles=["Tyrant"]),
        EntityMention("Путина", 9, 15, entity="Vladimir Putin", main_role="Antagonist", fine_roles=["Tyrant"]),
        EntityMention("президент", 20, 29, entity="Vladimir Putin", main_role=None, fine_roles=[]),
    ])  # fmt: skip
    store.add_analyses([_analysis("d1"), _analysis("d1-copy"), mixed])
    store.add_duplicates([Duplicate("d1-copy", "d1", 0.93)])
    assert store.entity_role_counts() == [
        EntityRoleCount("d1", "NATO", "Antagonist", 1, "a.test", "en", "2024-03-01"),
        EntityRoleCount("d2", "Vladimir Putin", "Antagonist", 2, "b.test", "ru", "2024-03-02"),
        EntityRoleCount("d2", "Vladimir Putin", "Unknown", 1, "b.test", "ru", "2024-03-02"),
    ]  # the copy of d1 is left out
    assert [r.mentions for r in store.entity_role_counts("путин")] == [2, 1]  # a mention's text finds the entity
    assert [d.id for d in store.query_documents(DocumentQuery(entity="ПУТИН")).items] == ["d2"]  # Unicode case folding
    assert [r.document_id for r in store.entity_role_counts("nato")] == ["d1"]
    assert store.entity_role_counts("Zelensky") == []
    assert [r.document_id for r in store.entity_role_counts(since="2024-03-02")] == ["d2", "d2"]
    assert [r.document_id for r in store.entity_role_counts(until="2024-03-01")] == ["d1"]


def test_storylines_seen_since_reads_a_period_page_by_page(store: Store) -> None:
    days = ["2024-03-01", "2024-03-02", "2024-03-02", "2024-03-02", "2024-03-03", "2024-03-05", None]
    with store.transaction():
        for n, day in enumerate(days):  # three storylines share a day: the page boundary falls inside it
            store.save_storyline(Storyline(f"s{n}", f"story {n}", size=1, first_seen=day, last_seen=day,
                                           centroid=[float(n), 1.0]))
    for page in (1, 2, 3, 1000):
        seen = list(store.storylines_seen_since("2024-03-02", page=page))
        assert [s.id for s in seen] == ["s1", "s2", "s3", "s4", "s5"]
        assert list(seen[3].centroid) == [4.0, 1.0]
        assert [s.id for s in store.storylines_seen_since("2024-03-02", "2024-03-05", page=page)] == ["s1", "s2", "s3", "s4"]
    assert list(store.storylines_seen_since("2024-03-06", page=2)) == []


def test_storylines_seen_since_give_the_one_language_of_their_documents(store: Store) -> None:
    """The window an ingest reads brings each storyline's language when all its documents have that one (so that the
    ingest need not read them to learn it), and none when they are mixed or one has no language."""
    languages = {"m1": "en", "m2": "en", "x1": "en", "x2": "ru", "n1": None, "n2": "en"}
    store.add_documents([Document(i, f"text {i}", language=lang, published="2024-03-02") for i, lang in languages.items()])
    with store.transaction():
        for sid, members in (("mono", ["m1", "m2"]), ("mixed", ["x1", "x2"]), ("unknown", ["n1", "n2"])):
            store.save_storyline(Storyline(sid, sid, size=2, first_seen="2024-03-02", last_seen="2024-03-02",
                                           centroid=[1.0, 0.0]))
            store.assign_storyline(members, sid)
    assert {s.id: s.languages for s in store.storylines_seen_since("2024-03-01")} == {
        "mono": {"en": 2}, "mixed": {}, "unknown": {}}


def test_signatures_storylines_and_runs(store: Store) -> None:
    store.add_documents(_docs())
    store.save_signatures({"d1": b"\x00\x01\x02", "d2": b"\xff"})
    assert sorted(store.iter_signatures()) == [("d1", "2024-03-01T08:00:00", b"\x00\x01\x02"), ("d2", "2024-03-02", b"\xff")]
    store.add_analyses([_analysis("d1")])
    with store.transaction():
        store.save_storyline(Storyline("s1", "Generals meet", size=2, first_seen="2024-03-01", last_seen="2024-03-02",
                                       centroid=[0.5, 0.25]))
        store.assign_storyline(["d1", "d2"], "s1")
    story = store.get_storyline("s1")
    assert story is not None and story.centroid == [0.5, 0.25]
    assert story.outlets == {"a.test": 1, "b.test": 1} and story.languages == {"en": 1, "ru": 1}
    assert story.narratives == {NARR: 1} and story.timeline == [("2024-03-01", 1), ("2024-03-02", 1)]
    assert [s.id for s in store.storylines().items] == ["s1"]
    assert [d.id for d in store.query_documents(DocumentQuery(storyline="s1")).items] == ["d2", "d1"]
    run = store.start_run("ingest", ["feed.xml"])
    store.finish_run(run, "done", added=3, skipped=1, failed=0)
    [got] = store.runs()
    assert (got.id, got.status, got.sources, got.added, got.skipped) == (run, "done", ["feed.xml"], 3, 1)
    assert list(store.iter_documents(batch_size=2)) == sorted(_docs(), key=lambda d: d.id)
