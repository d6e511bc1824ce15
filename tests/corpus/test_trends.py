"""Trends and surges at the edges: an empty store, undated documents, and the period filters (the surge baseline
looks back before ``since``)."""

from __future__ import annotations

from pathlib import Path

from narrascope.corpus.trends import detect_surges, period_changes, trends
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store
from narrascope.store.base import TrendRow

NARR = "URW: Discrediting Ukraine"


def _store(path: Path, labelled_days: list[tuple[str | None, str]]):  # type: ignore[no-untyped-def]
    store = open_store(path / "corpus.db")
    docs = [Document(f"d{i}", f"Article number {i} about the day.", outlet="Профиль.ru", published=day)
            for i, (day, _) in enumerate(labelled_days)]
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(label, 0.9)]) for d, (_, label) in zip(docs, labelled_days)])
    return store


def test_an_empty_store_has_no_trends_surges_or_periods(tmp_path: Path) -> None:
    store = open_store(tmp_path / "empty.db")
    assert trends(store) == ([], []) and trends(store, "outlet", since="2024-01-01", until="2024-02-01") == ([], [])
    assert period_changes(store) == (None, [])
    assert detect_surges([], {}) == [] and detect_surges([TrendRow("2024-01-01", NARR, 9)], {}) == []


def test_undated_documents_never_enter_trends_or_periods(tmp_path: Path) -> None:
    store = _store(tmp_path, [(None, NARR)] * 6)
    assert trends(store) == ([], []) and period_changes(store) == (None, [])
    store.close()
    (tmp_path / "mixed").mkdir()
    store = _store(tmp_path / "mixed", [(None, NARR)] * 6 + [("2024-03-01", "Other")])
    rows, _ = trends(store)
    assert [(r.day, r.key, r.count) for r in rows] == [("2024-03-01", "Other", 1)]
    periods, changes = period_changes(store, days=1)
    assert periods is not None and periods.total == 1 and [(c.key, c.count) for c in changes] == [("Other", 1)]


def _surging(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Two articles a day for 30 days (one NARR, one Other), then a day of six NARR articles."""
    days = [f"2024-01-{d:02d}" for d in range(1, 31)]
    labelled = [(day, label) for day in days for label in (NARR, "Other")]
    labelled += [("2024-01-31", NARR)] * 6
    return _store(tmp_path, labelled)


def test_since_keeps_later_rows_but_the_surge_baseline_looks_back_before_it(tmp_path: Path) -> None:
    store = _surging(tmp_path)
    rows, surges = trends(store, since="2024-01-31", min_docs=5)
    assert {r.day for r in rows} == {"2024-01-31"} and [(r.key, r.count) for r in rows] == [(NARR, 6)]
    assert [(s.day, s.key, s.count) for s in surges] == [("2024-01-31", NARR, 6)]
    assert abs(surges[0].baseline - 0.5) < 1e-9  # from the 28 days before `since`
    rows, surges = trends(store, until="2024-01-30", min_docs=1)
    assert max(r.day for r in rows) == "2024-01-30" and surges == []  # a flat share never surges
    _, surges = trends(store, since="2024-01-31", window=40, min_docs=5)
    assert surges == []  # 30 days of history are too few for a 40-day window


def test_period_changes_compare_equal_periods_and_ignore_what_lies_outside(tmp_path: Path) -> None:
    store = _surging(tmp_path)
    periods, changes = period_changes(store, since="2024-01-30", until="2024-01-31")
    assert periods is not None
    assert (periods.previous_since, periods.previous_until) == ("2024-01-28", "2024-01-29")
    assert (periods.total, periods.previous_total) == (8, 4)
    by_key = {c.key: (c.count, c.previous) for c in changes}
    assert by_key == {NARR: (7, 2), "Other": (1, 2)} and changes[0].key == NARR
    periods, changes = period_changes(store, since="2025-01-01", until="2025-01-07")  # after the corpus
    assert periods is not None and periods.total == 0 and changes == []


def _daily(first: str, n: int) -> list[str]:
    from datetime import date, timedelta

    start = date.fromisoformat(first)
    return [(start + timedelta(days=i)).isoformat() for i in range(n)]


def test_days_without_documents_do_not_dilute_the_baseline() -> None:
    # 28 baseline days, nothing published on every 7th (a weekly gap); the key's share is 0.3 on every day with
    # documents and 0.4 on the 29th: z = (0.4 - 0.3) / min_std = 5
    days = _daily("2024-01-01", 29)
    published = [d for i, d in enumerate(days[:28]) if i % 7 != 6] + [days[28]]
    totals = {d: 20 for d in published}
    rows = [TrendRow(d, NARR, 6) for d in published[:-1]] + [TrendRow(days[28], NARR, 8)]
    surges = detect_surges(rows, totals)
    assert [(s.day, s.count) for s in surges] == [(days[28], 8)]
    assert abs(surges[0].baseline - 0.3) < 1e-9 and abs(surges[0].z - 5) < 1e-6


def test_a_surge_at_exactly_the_thresholds_counts() -> None:
    # 4 baseline days at share 0.5 (4 of 8), then 5 of 5: z = (1.0 - 0.5) / 0.25 = 2.0 exactly, with exactly min_docs
    days = _daily("2024-01-01", 5)
    totals = {d: 8 for d in days[:4]} | {days[4]: 5}
    rows = [TrendRow(d, NARR, 4) for d in days[:4]] + [TrendRow(days[4], NARR, 5)]
    options = {"window": 4, "z_threshold": 2.0, "min_docs": 5, "min_std": 0.25}
    assert [(s.day, s.z) for s in detect_surges(rows, totals, **options)] == [(days[4], 2.0)]
    fewer = {**totals, days[4]: 4}
    assert detect_surges(rows[:4] + [TrendRow(days[4], NARR, 4)], fewer, **options) == []  # one document short


def test_period_changes_rank_by_share_not_by_count(tmp_path: Path) -> None:
    rising, growing = "URW: Praise of Russia", NARR
    # previous week: 3 of 4 documents are `growing`; this week: 5 of 20 are `growing`, 1 of 20 is `rising`
    before = [("2024-03-01", growing)] * 3 + [("2024-03-02", "Other")]
    now = [("2024-03-08", growing)] * 5 + [("2024-03-09", rising)] + [("2024-03-10", "Other")] * 14
    store = _store(tmp_path, before + now)
    _, changes = period_changes(store, since="2024-03-08", until="2024-03-14")
    by_key = {c.key: c for c in changes}
    assert (by_key[growing].delta, by_key[rising].delta) == (2, 1)
    assert abs(by_key[growing].share_change - (5 / 20 - 3 / 4)) < 1e-9
    assert abs(by_key[rising].share_change - 1 / 20) < 1e-9
    keys = [c.key for c in changes]
    assert keys.index(rising) < keys.index(growing)  # a rising share beats a larger count in a larger week
    store.close()
