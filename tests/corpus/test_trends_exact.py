"""The surge statistic on series small enough to work out by hand: the exact p-value of a rise, the shortest usable
baseline, and the period comparison of one outlet."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.corpus.trends import Change, Surge, detect_surges, period_changes, rise_p_value, trends
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store
from narrascope.store.base import TrendRow

NARR = "URW: Discrediting Ukraine"


def test_the_p_value_of_a_rise_is_the_binomial_tail() -> None:
    # 3 events in 1 day against none in 3 days: under equal rates each event falls in the rise with p = 1/4
    assert float(rise_p_value(3, 1, 0, 3)) == pytest.approx(0.25 ** 3)
    # 2 of 3 events in 1 of 2 days: P(X >= 2 | n=3, p=1/2) = (3 + 1) / 8
    assert float(rise_p_value(2, 1, 1, 1)) == pytest.approx(0.5)
    # 1 event in 1 day against 4 in 4 days: P(X >= 1 | n=5, p=1/5) = 1 - (4/5)^5
    assert float(rise_p_value(1, 1, 4, 4)) == pytest.approx(1 - 0.8 ** 5)
    assert float(rise_p_value(0, 1, 4, 4)) == 1.0   # nothing in the rise
    assert float(rise_p_value(5, 1, 0, 0)) == 1.0   # no baseline to compare with
    assert list(rise_p_value([3, 0], [1, 1], [0, 0], [3, 3])) == pytest.approx([1 / 64, 1.0])


def _days(n: int) -> list[str]:
    return [f"2024-05-{d:02d}" for d in range(1, n + 1)]


def test_a_baseline_needs_documents_on_half_its_window_rounded_down() -> None:
    # window 5: two days with documents (10 each, none of the key) are enough; then 3 of 3 documents are the key.
    days = _days(6)
    totals = {days[0]: 10, days[1]: 10, days[5]: 3}
    rows = [TrendRow(days[5], "k", 3)]
    surges = detect_surges(rows, totals, window=5, alpha=0.05, max_days=1)
    # p: 3 events, rise exposure 1 active day, baseline 2: (1/3)^3; ratio (3/3) / ((0+1)/(20+1)) = 21
    assert surges == [Surge(days[5], days[5], "k", 3, 3, 0, 20, 0.0, 21.0, pytest.approx(1 / 27))]
    assert detect_surges(rows, {days[0]: 20, days[5]: 3}, window=5, alpha=0.05, max_days=1) == []  # one day: too few


def test_a_two_day_window_needs_one_day_with_documents() -> None:
    days = _days(3)
    surges = detect_surges([TrendRow(days[2], "k", 3)], {days[0]: 10, days[2]: 3}, window=2, alpha=0.2, max_days=1)
    assert [(s.since, s.day, s.count, s.baseline_total, s.p_value) for s in surges] == [
        (days[2], days[2], 3, 10, pytest.approx(1 / 8))]  # 3 events, exposures 1 and 1: (1/2)^3


def test_period_changes_of_one_outlet_count_only_its_documents(tmp_path: Path) -> None:
    store = open_store(tmp_path / "corpus.db")
    docs = [Document(f"a{i}", f"Article {i} of outlet a.", outlet="a.example", published=f"2024-03-0{1 + i % 2}")
            for i in range(4)]
    docs += [Document(f"b{i}", f"Article {i} of outlet b.", outlet="b.example", published="2024-03-02")
             for i in range(6)]
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(NARR if d.id.startswith("a") else "Other", 0.9)])
                            for d in docs])
    periods, changes = period_changes(store, days=1, outlet="a.example")
    assert periods is not None and (periods.since, periods.until) == ("2024-03-02", "2024-03-02")
    assert (periods.total, periods.previous_total) == (2, 2)  # outlet a's documents only, both days
    assert [(c.key, c.count, c.previous, c.share, c.previous_share) for c in changes] == [(NARR, 2, 2, 1.0, 1.0)]
    store.close()


def test_the_default_period_is_the_last_seven_days_and_a_language_counts_alone(tmp_path: Path) -> None:
    store = open_store(tmp_path / "corpus.db")
    docs = [Document(f"e{i}", f"English article {i}.", language="en", published=f"2024-03-{10 + i:02d}") for i in range(4)]
    docs += [Document(f"f{i}", f"Article français {i}.", language="fr", published="2024-03-13") for i in range(3)]
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(NARR if d.language == "en" else "Other", 0.9)])
                            for d in docs])
    periods, changes = period_changes(store, language="en")
    assert periods is not None
    assert (periods.since, periods.until, periods.previous_since, periods.previous_until) == (
        "2024-03-07", "2024-03-13", "2024-02-29", "2024-03-06")
    assert (periods.total, periods.previous_total) == (4, 0)
    assert [(c.key, c.count) for c in changes] == [(NARR, 4)]
    rows, _ = trends(store, language="fr")
    assert [(r.day, r.key, r.count) for r in rows] == [("2024-03-13", "Other", 3)]
    store.close()


def test_a_surge_and_a_change_as_dictionaries() -> None:
    surge = Surge("2024-05-02", "2024-05-03", "k", 6, 10, 1, 19, 0.5, 11.4, 1e-5)
    assert surge.to_dict() == {"since": "2024-05-02", "day": "2024-05-03", "key": "k", "count": 6, "total": 10,
                               "baseline_count": 1, "baseline_total": 19, "expected": 0.5, "ratio": 11.4,
                               "p_value": 1e-5, "share": 0.6, "baseline": 0.1, "score": pytest.approx(5.0)}
    change = Change("k", 5, 2, 0.5, 0.25, 0.01)
    assert change.to_dict() == {"key": "k", "count": 5, "previous": 2, "share": 0.5, "previous_share": 0.25,
                                "p_value": 0.01, "delta": 3, "share_change": 0.25, "score": pytest.approx(2.0)}


def test_since_with_a_time_keeps_the_surges_of_that_day(tmp_path: Path) -> None:
    store = open_store(tmp_path / "corpus.db")
    days = [f"2024-01-{d:02d}" for d in range(1, 31)]
    docs = [Document(f"d{i}{j}", f"Article {i} {j} of the day.", published=day)
            for i, day in enumerate(days) for j in range(4)]
    docs += [Document(f"s{j}", f"Surging article {j}.", published="2024-01-31") for j in range(8)]
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(NARR if d.id.startswith("s") or d.id.endswith("0")
                                                                  else "Other", 0.9)]) for d in docs])
    _, by_day = trends(store, since="2024-01-31")
    _, by_time = trends(store, since="2024-01-31T00:00:00")
    assert [s.day for s in by_day] == ["2024-01-31"] and by_time == by_day
    store.close()
