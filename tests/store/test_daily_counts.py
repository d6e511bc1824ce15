"""The daily counts that trends and overview counts read stay equal to a recount from the documents, through copies
that regroup, analyses replaced and undated documents, on both stores."""

from __future__ import annotations

import random

import pytest

from narrascope.corpus.ingestion import ingest
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import DocumentQuery, open_store

EVENTS = ["Floods in Valencia killed {n} people after torrential rain; rescuers searched the Poyo ravine.",
          "Record heat in Athens closed the Acropolis as temperatures reached {n} degrees near Mount Parnitha.",
          "Swiss glaciers lost {n} percent of their volume this year, the Glamos monitoring network reported."]
WORDS = ("mayor council river bridge school road police water power market train station harbour museum forest "
         "village farm storm wind snow court judge budget minister vote clinic doctor nurse teacher church").split()


def _stream(days: int) -> list[Document]:
    """Every day one article per event, each of its own (no two are near-duplicates)."""
    docs = []
    for d in range(days):
        for e, event in enumerate(EVENTS):
            rng = random.Random(d * 10 + e)
            text = event.format(n=10 + d) + " " + " ".join(rng.choices(WORDS, k=40)) + "."
            docs.append(Document(f"d{d:03d}-{e}", text, language="en", published=f"2024-01-{d + 1:02d}",
                                 outlet=f"outlet{e}.example"))
    return docs


class Labels:
    """One narrative per document: its first word."""

    def analyze(self, documents: list[Document]) -> list[Analysis]:
        return [Analysis(d.id, "en", narratives=[LabelScore(f"URW: {d.text.split()[0]}", 0.9)]) for d in documents]


@pytest.mark.parametrize("by", ["narrative", "language", "outlet"])
def test_the_daily_counts_equal_a_recount_after_copies_regroup_and_analyses_change(store_location: str, by: str) -> None:
    store = open_store(store_location)
    docs = _stream(10)
    copy = Document("copy", "By staff. " + docs[4].text, language="en", published=docs[4].published, outlet="x.example")
    earlier = Document("earlier", docs[4].text + " (wire)", language="en", published="2023-12-31", outlet="w.example")
    undated = Document("undated", "An undated piece on the Valencia floods and the Poyo ravine rescuers.", language="fr")
    ingest(docs + [copy], store, Labels(), storylines=False, batch_size=4)
    ingest([earlier, undated], store, Labels(), storylines=False)  # an earlier copy: the group moves to it
    store.add_analyses([Analysis(docs[0].id, "en", narratives=[LabelScore("URW: Changed", 0.9)])])
    assert store.origin_of(docs[4].id).origin_id == "earlier"  # type: ignore[union-attr]
    kept = (store.trend_rows(by), store.daily_totals(), store.count_by("language", DocumentQuery()),
            store.label_counts("narrative", DocumentQuery(since="2024-01-02")),
            store.query_documents(DocumentQuery(until="2024-01-05")).total,
            store.query_documents(DocumentQuery(include_duplicates=True)).total)
    store.rebuild_daily_counts()
    assert kept == (store.trend_rows(by), store.daily_totals(), store.count_by("language", DocumentQuery()),
                    store.label_counts("narrative", DocumentQuery(since="2024-01-02")),
                    store.query_documents(DocumentQuery(until="2024-01-05")).total,
                    store.query_documents(DocumentQuery(include_duplicates=True)).total)
    # and they are what the documents say: 32 stored, 2 of them copies; the undated one counts without a day
    assert kept[5] == 33 and store.query_documents(DocumentQuery()).total == 31
    assert kept[2] == {"en": 30, "fr": 1} and sum(kept[1].values()) == 30
    assert "URW: Changed" not in kept[3] and kept[3]["URW: Record"] == 8  # days 2-9, not day 1's copied origin
    narrative_days = {(r.day, r.key): r.count for r in store.trend_rows("narrative")}
    assert narrative_days[("2024-01-01", "URW: Changed")] == 1 and narrative_days[("2024-01-01", "URW: Record")] == 1


class TwoLevels:
    """A narrative by the first word and a subnarrative by the day's parity; no labels for the fifth day."""

    def analyze(self, documents: list[Document]) -> list[Analysis]:
        out = []
        for d in documents:
            narrative = f"URW: {d.text.split()[0]}"
            sub = f"{narrative}: {'even' if (d.published or '0')[-1] in '02468' else 'odd'}"
            labelled = d.published != "2024-01-05"
            out.append(Analysis(d.id, d.language or "en", narratives=[LabelScore(narrative, 0.9)] if labelled else [],
                                subnarratives=[LabelScore(sub, 0.8)] if labelled else []))
        return out


def test_a_narrative_page_counts_read_from_the_daily_counts_equal_a_scan(store_location: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The counts of one label (its documents, by outlet, by language, its subnarratives) come from ``daily_counts``
    and equal those of a scan of the documents, after copies regroup and an analysis changes."""
    import narrascope.store.sql as sql

    store = open_store(store_location)
    docs = _stream(8)
    copy = Document("copy", "By staff. " + docs[4].text, language="en", published=docs[4].published, outlet="x.example")
    earlier = Document("earlier", docs[4].text + " (wire)", language="de", published="2023-12-31", outlet="w.example")
    undated = Document("undated", "Floods in an undated piece on the Poyo ravine rescuers.", language="fr", outlet="u.example")
    ingest(docs + [copy], store, TwoLevels(), storylines=False, batch_size=4)
    ingest([earlier, undated], store, TwoLevels(), storylines=False)
    store.add_analyses([Analysis(docs[0].id, "en", narratives=[LabelScore("URW: Floods", 0.9)],
                                 subnarratives=[LabelScore("URW: Floods: even", 0.9)])])  # was odd
    queries = [DocumentQuery(narrative="URW: Floods"), DocumentQuery(narrative="URW: Record", since="2024-01-03"),
               DocumentQuery(subnarrative="URW: Floods: even", until="2024-01-06"), DocumentQuery(narrative="URW: None")]

    def counts() -> list:
        return [(store.query_documents(q).total, store.count_by("outlet", q), store.count_by("language", q),
                 store.label_counts("subnarrative", q), [d.id for d in store.query_documents(q).items]) for q in queries]

    counted = counts()
    monkeypatch.setattr(sql, "one_label", lambda query: None)  # every count by a scan of the documents
    assert counted == counts()
    floods = counted[0]
    assert floods[0] == 8 and floods[2] == {"en": 7, "fr": 1}  # 8 days less the unlabelled fifth, and the undated one
    assert floods[3] == {"URW: Floods: even": 6, "URW: Floods: odd": 2}
    assert counted[3][:4] == (0, {}, {}, {})


def test_an_articles_list_by_language_counts_from_the_daily_counts(store_location: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A list filtered on one language (any case) and a period has the total of a scan, copies and undated articles
    included in the store; its rows come in date order."""
    import narrascope.store.sql as sql

    store = open_store(store_location)
    docs = _stream(6)
    for n, doc in enumerate(docs):
        doc.language = ["en", "RU", "ru"][n % 3]
    copy = Document("copy", "By staff. " + docs[4].text, language="ru", published=docs[4].published, outlet="x.example")
    undated = Document("undated", "Floods in an undated piece on the Poyo ravine rescuers.", language="Ru", outlet="u.example")
    ingest(docs + [copy, undated], store, Labels(), storylines=False, batch_size=4)
    queries = [DocumentQuery(language="ru"), DocumentQuery(language="RU", since="2024-01-03"),
               DocumentQuery(language="en", until="2024-01-02"), DocumentQuery(language="de"),
               DocumentQuery(language="ru", include_duplicates=True), DocumentQuery(language="ru", outlet="outlet1")]

    def lists() -> list:
        return [(store.query_documents(q).total, [d.id for d in store.query_documents(q).items]) for q in queries]

    counted = lists()
    monkeypatch.setattr(sql, "language_only", lambda query: False)  # every total by a scan of the documents
    assert counted == lists()
    # 12 articles in RU/ru, the undated one, the copy and its origin once (same day: the id first in order is the
    # origin); with copies, both
    assert counted[0][0] == 13 and counted[0][1][:2] == ["d005-1", "d005-2"] and counted[0][1][-1] == "undated"
    assert counted[4][0] == 14 and set(counted[4][1]) - set(counted[0][1]) == {"d001-1"}
    assert counted[3] == (0, [])
    store.close()
