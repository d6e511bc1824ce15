"""Counts over time and surge alerts.

Surge statistic, made for counts of a few articles a day: for a key (narrative, outlet, …), a rise is a run of days
``since``–``day`` (up to ``max_days`` long) in which the key has more documents (copies counted once) than its
trailing baseline (the ``window`` days before ``since``) explains. The test is the exact conditional test of two
Poisson rates (``rise_p_value``), the exposure being the days with documents: given ``count`` documents of the key
in the rise and ``baseline_count`` in the baseline, under "no change" ``count`` is binomial with ``count +
baseline_count`` trials and the rise's part of the days with documents of both periods as probability. The rise is a
surge when that one-sided p-value is at most ``alpha``, the key has at least ``min_docs`` documents in it, and its
share of all documents is at least ``min_ratio`` times its baseline share (the minimum effect, which also keeps a
corpus that merely doubles in volume from surging everywhere; the baseline share counts one document more, so a key
absent from the baseline is not infinitely up). Of the rises ending on consecutive alert days, the most significant
one is reported: it says since when the key is up. ``benchmarks/surges.py`` prints recall and false alarms on
synthetic series (docs/corpus.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from scipy.stats import binom

from narrascope.store.base import Store, TrendKey, TrendRow

ALPHA = 1e-4
MIN_DOCS = 3
MIN_RATIO = 2.0
WINDOW = 28
MAX_DAYS = 14
SURGE_RULE = (f"A surge: since some day (at most {MAX_DAYS} days back) a narrative has more articles than its rate over "
              f"the {WINDOW} days before explains (exact Poisson test, p ≤ {ALPHA:g}), at least {MIN_DOCS} of them, "
              f"and at least {MIN_RATIO:g} times its usual share of all articles; copies counted once.")


@dataclass
class Surge:
    """``key`` rose from ``since`` to ``day`` (inclusive): ``count`` of the period's ``total`` documents against
    ``baseline_count`` of ``baseline_total`` in the ``window`` days before; ``expected`` is the count the baseline
    rate predicts for the period, ``ratio`` the period's share over the baseline share."""

    since: str
    day: str
    key: str
    count: int
    total: int
    baseline_count: int
    baseline_total: int
    expected: float
    ratio: float
    p_value: float

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def baseline(self) -> float:
        """The baseline share of the key (one document more, as in ``ratio``)."""
        return (self.baseline_count + 1) / (self.baseline_total + 1)

    @property
    def score(self) -> float:
        """-log10 of the p-value: 4 is p = 0.0001."""
        return -math.log10(max(self.p_value, 1e-300))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share": self.share, "baseline": self.baseline, "score": self.score}


def _days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def rise_p_value(count: Any, exposure: Any, baseline_count: Any, baseline_exposure: Any) -> Any:
    """One-sided p-value that ``count`` events in ``exposure`` come at a higher rate than ``baseline_count`` in
    ``baseline_exposure`` (the exact conditional test of two Poisson rates; numpy arrays or numbers): under equal
    rates ``count`` is binomial with ``count + baseline_count`` trials and probability ``exposure / (exposure +
    baseline_exposure)``. 1 when there is no count or no baseline exposure."""
    count, baseline_count = np.asarray(count, dtype=float), np.asarray(baseline_count, dtype=float)
    exposure, baseline_exposure = np.asarray(exposure, dtype=float), np.asarray(baseline_exposure, dtype=float)
    both = exposure + baseline_exposure
    p = np.divide(exposure, both, out=np.ones_like(both), where=both > 0)
    return np.where((count > 0) & (baseline_exposure > 0), binom.sf(count - 1, count + baseline_count, p), 1.0)


def detect_surges(rows: list[TrendRow], totals: dict[str, int], window: int = WINDOW, alpha: float = ALPHA,
                  min_docs: int = MIN_DOCS, min_ratio: float = MIN_RATIO, max_days: int = MAX_DAYS) -> list[Surge]:
    """Surges in ``rows`` (daily counts per key) given ``totals`` (all documents per day); see the module doc.

    A baseline needs documents on at least half of its ``window`` days, so a corpus's first weeks raise no alert.
    """
    if not totals:
        return []
    days = _days(min(totals), max(totals))
    index = {d: i for i, d in enumerate(days)}
    total = np.array([totals.get(d, 0) for d in days], dtype=float)
    counts: dict[str, np.ndarray] = {}
    for row in rows:
        if row.day in index:
            counts.setdefault(row.key, np.zeros(len(days)))[index[row.day]] += row.count
    n_days = len(days)
    # every (end day t, length L): the rise is days [t - L + 1, t], its baseline the `window` days before
    ends = np.arange(n_days)[:, None]
    starts = ends - np.arange(max_days)[None, :]
    base_starts = starts - window
    usable = base_starts >= 0
    s, b = np.clip(starts, 0, None), np.clip(base_starts, 0, None)
    cum_total = np.concatenate([[0.0], np.cumsum(total)])
    cum_active = np.concatenate([[0], np.cumsum(total > 0)])
    period_active = cum_active[ends + 1] - cum_active[s]
    base_active = cum_active[s] - cum_active[b]
    usable &= base_active >= max(1, window // 2)
    period_total = cum_total[ends + 1] - cum_total[s]
    base_total = cum_total[s] - cum_total[b]
    surges = []
    for key, series in counts.items():
        cum = np.concatenate([[0.0], np.cumsum(series)])
        count = cum[ends + 1] - cum[s]
        base_count = cum[s] - cum[b]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (count / period_total) / ((base_count + 1) / (base_total + 1))
        candidate = usable & (count >= min_docs) & (ratio >= min_ratio) & (series[ends] > 0)
        if not candidate.any():
            continue
        p = np.where(candidate, rise_p_value(count, period_active, base_count, base_active), 1.0)
        alert = p <= alpha
        alert_days = np.flatnonzero(alert.any(axis=1))
        for episode in np.split(alert_days, np.flatnonzero(np.diff(alert_days) > 1) + 1):
            if not len(episode):
                continue
            sub = np.where(alert[episode], p[episode], np.inf)
            row_i, length = np.unravel_index(int(np.argmin(sub)), sub.shape)
            t = int(episode[row_i])
            start = t - int(length)
            c, n = int(count[t, length]), int(period_total[t, length])
            bc, bn = int(base_count[t, length]), int(base_total[t, length])
            surges.append(Surge(days[start], days[t], key, c, n, bc, bn,
                                bc * float(period_active[t, length] / base_active[t, length]),
                                float(ratio[t, length]), float(p[t, length])))
    return sorted(surges, key=lambda s: (s.day, s.p_value))


def trends(store: Store, by: TrendKey = "narrative", since: str | None = None, until: str | None = None,
           language: str | None = None, outlet: str | None = None, **surge_options: Any
           ) -> tuple[list[TrendRow], list[Surge]]:
    """Daily counts per key and the surges among them (the baseline looks back before ``since``); a surge is kept
    when its rise ends on or after ``since``. ``language`` and ``outlet`` keep that part of the corpus (its own
    totals are the exposure)."""
    lookback = None
    if since:
        back = surge_options.get("window", WINDOW) + surge_options.get("max_days", MAX_DAYS)
        lookback = (date.fromisoformat(since[:10]) - timedelta(days=back)).isoformat()
    rows = store.trend_rows(by, lookback, until, language=language, outlet=outlet)
    totals = store.daily_totals(lookback, until, language=language, outlet=outlet)
    surges = detect_surges(rows, totals, **surge_options)
    if since:
        rows = [r for r in rows if r.day >= since[:10]]
        surges = [s for s in surges if s.day >= since[:10]]
    return rows, surges


@dataclass
class Change:
    """``key``'s documents in a period against the previous period of the same length (copies counted once);
    ``share`` is its part of all the period's documents, ``p_value`` the one-sided p-value of a rise in share
    (``rise_p_value`` with the periods' documents as exposure; 1 when the previous period has no document)."""

    key: str
    count: int
    previous: int
    share: float
    previous_share: float
    p_value: float = 1.0

    @property
    def delta(self) -> int:
        return self.count - self.previous

    @property
    def share_change(self) -> float:
        """Change in share of coverage, in fractions (0.05 = 5 percentage points)."""
        return self.share - self.previous_share

    @property
    def score(self) -> float:
        """-log10 of ``p_value``: how surely the share rose (0 when it did not)."""
        return -math.log10(max(self.p_value, 1e-300))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "delta": self.delta, "share_change": self.share_change, "score": self.score}


@dataclass
class Periods:
    """The compared periods (inclusive ISO days) and their document totals."""

    since: str
    until: str
    previous_since: str
    previous_until: str
    total: int
    previous_total: int


def period_changes(store: Store, by: TrendKey = "narrative", since: str | None = None, until: str | None = None,
                   days: int = 7, language: str | None = None, outlet: str | None = None
                   ) -> tuple[Periods | None, list[Change]]:
    """Rank keys by how surely their share of coverage rose against the previous period ("what is surging"): by
    ``p_value`` (the surge statistic on shares), then by the change in share.

    The period is ``since``–``until``; a missing end is the corpus's last dated day, a missing start ``days`` days
    before the end. The previous period has the same length and ends the day before. Largest rise first; ``None``
    and no rows when the corpus has no dated document. ``language`` and ``outlet`` keep that part of the corpus.
    """
    if until is None:
        totals = store.daily_totals(since, None, language=language, outlet=outlet)
        if not totals:
            return None, []
        until = max(totals)
    end = date.fromisoformat(until[:10])
    start = date.fromisoformat(since[:10]) if since else end - timedelta(days=days - 1)
    length = (end - start).days + 1
    before_end, before_start = start - timedelta(days=1), start - timedelta(days=length)
    period = Periods(start.isoformat(), end.isoformat(), before_start.isoformat(), before_end.isoformat(), 0, 0)
    daily = store.daily_totals(period.previous_since, period.until, language=language,
                               outlet=outlet)
    period.total = sum(n for d, n in daily.items() if d >= period.since)
    period.previous_total = sum(n for d, n in daily.items() if d < period.since)
    now: dict[str, int] = {}
    before: dict[str, int] = {}
    for r in store.trend_rows(by, period.previous_since, period.until, language=language, outlet=outlet):
        target = now if r.day >= period.since else before
        target[r.key] = target.get(r.key, 0) + r.count
    share = lambda n, total: n / total if total else 0.0  # noqa: E731
    keys = sorted(set(now) | set(before))
    counts, previous = [now.get(k, 0) for k in keys], [before.get(k, 0) for k in keys]
    p_values = rise_p_value(counts, period.total, previous, period.previous_total)
    changes = [Change(k, n, m, share(n, period.total), share(m, period.previous_total), float(p))
               for k, n, m, p in zip(keys, counts, previous, p_values)]
    changes.sort(key=lambda c: (c.p_value, -c.share_change, -c.delta, c.key))
    return period, changes
