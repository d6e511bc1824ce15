"""Totals of undated corpora in the report, and period-over-period changes ("what is surging") — issue 20."""

from __future__ import annotations

from pathlib import Path

from narrascope.corpus.report import render_report
from narrascope.corpus.trends import period_changes
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store
from narrascope.store.base import Storyline

NARR = "URW: Discrediting Ukraine"
SUB = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"


def _undated(path: Path):  # type: ignore[no-untyped-def]
    store = open_store(path / "undated.db")
    docs = [Document(f"u{i}", f"Undated article number {i}.", outlet="a.example", language="ru") for i in range(5)]
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(NARR if i < 3 else "Other", 0.8)],
                                     subnarratives=[LabelScore(SUB, 0.6)] if i < 3 else []) for i, d in enumerate(docs)])
        store.save_storyline(Storyline("s1", "An undated story", size=2, centroid=[0.0]))
    return store


def test_report_of_an_undated_corpus_has_totals_and_no_placeholders(tmp_path: Path) -> None:
    store = _undated(tmp_path)
    html = render_report(store)
    assert "— – —" not in html and "None – None" not in html
    assert "No document has a publication date" in html
    assert f"<td>{NARR}</td><td>3</td><td>60%</td>" in html and "<td>Other</td><td>2</td>" in html
    assert "<td>undated</td>" in html
    assert ">ru</text>" in html and ">a.example</text>" in html  # outlet and language bars count undated articles
    assert period_changes(store) == (None, [])


def test_period_changes_rank_rises_against_the_previous_period(tmp_path: Path) -> None:
    store = open_store(tmp_path / "dated.db")
    docs, analyses = [], []
    for day, labels in (("2024-03-01", [NARR, "Other"]), ("2024-03-02", [NARR, "Other"]),
                        ("2024-03-03", ["Other", NARR, NARR, NARR])):
        for label in labels:
            i = len(docs)
            docs.append(Document(f"d{i}", f"Article {i}.", published=day))
            analyses.append(Analysis(f"d{i}", narratives=[LabelScore(label, 0.9)]))
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses(analyses)
    periods, changes = period_changes(store, days=1)
    assert periods is not None and (periods.since, periods.previous_since) == ("2024-03-03", "2024-03-02")
    assert (periods.total, periods.previous_total) == (4, 2)
    assert [(c.key, c.count, c.previous, round(c.share_change, 2)) for c in changes] == [
        (NARR, 3, 1, 0.25), ("Other", 1, 1, -0.25)]
    periods, changes = period_changes(store, since="2024-03-02", until="2024-03-03")
    assert periods is not None and (periods.previous_since, periods.previous_until) == ("2024-02-29", "2024-03-01")
    assert changes[0].key == NARR and changes[0].count == 4 and changes[0].previous == 1
