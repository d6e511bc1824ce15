"""Counts over time and surge alerts.

Surge statistic: for each key (narrative, outlet, …) and day, the key's *daily share* of all documents that day
(syndicated copies counted once) is compared with its mean and standard deviation over the trailing ``window``
days; ``z = (share - mean) / max(std, min_std)``. A surge is ``z >= z_threshold`` with at least ``min_docs``
documents that day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from narrascope.store.base import Store, TrendKey, TrendRow


@dataclass
class Surge:
    """A day on which ``key``'s share of the corpus rose well above its trailing baseline."""

    day: str
    key: str
    count: int
    share: float
    baseline: float
    std: float
    z: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def detect_surges(rows: list[TrendRow], totals: dict[str, int], window: int = 28, z_threshold: float = 3.0,
                  min_docs: int = 5, min_std: float = 0.02) -> list[Surge]:
    """Surges in ``rows`` (daily counts per key) given ``totals`` (all documents per day)."""
    if not totals:
        return []
    days = _days(min(totals), max(totals))
    index = {d: i for i, d in enumerate(days)}
    total = np.array([totals.get(d, 0) for d in days], dtype=float)
    counts: dict[str, np.ndarray] = {}
    for row in rows:
        if row.day in index:
            counts.setdefault(row.key, np.zeros(len(days)))[index[row.day]] += row.count
    surges = []
    for key, series in counts.items():
        share = np.divide(series, total, out=np.zeros_like(series), where=total > 0)
        for i in range(window, len(days)):
            if series[i] < min_docs or total[i] == 0:
                continue
            past = share[i - window : i][total[i - window : i] > 0]
            if len(past) < window // 2:
                continue
            mean, std = float(past.mean()), float(past.std())
            z = (share[i] - mean) / max(std, min_std)
            if z >= z_threshold:
                surges.append(Surge(days[i], key, int(series[i]), float(share[i]), mean, std, float(z)))
    return sorted(surges, key=lambda s: (s.day, -s.z))


def trends(store: Store, by: TrendKey = "narrative", since: str | None = None, until: str | None = None,
           **surge_options: Any) -> tuple[list[TrendRow], list[Surge]]:
    """Daily counts per key and the surges among them (the baseline looks back before ``since``)."""
    lookback = None
    if since:
        lookback = (date.fromisoformat(since[:10]) - timedelta(days=surge_options.get("window", 28))).isoformat()
    rows = store.trend_rows(by, lookback, until)
    totals = store.daily_totals(lookback, until)
    surges = detect_surges(rows, totals, **surge_options)
    if since:
        rows = [r for r in rows if r.day >= since[:10]]
        surges = [s for s in surges if s.day >= since[:10]]
    return rows, surges


@dataclass
class Change:
    """``key``'s documents in a period against the previous period of the same length (copies counted once);
    ``share`` is its part of all the period's documents."""

    key: str
    count: int
    previous: int
    share: float
    previous_share: float

    @property
    def delta(self) -> int:
        return self.count - self.previous

    @property
    def share_change(self) -> float:
        """Change in share of coverage, in fractions (0.05 = 5 percentage points)."""
        return self.share - self.previous_share

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "delta": self.delta, "share_change": self.share_change}


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
                   days: int = 7) -> tuple[Periods | None, list[Change]]:
    """Rank keys by how their share of coverage changed against the previous period ("what is surging").

    The period is ``since``–``until``; a missing end is the corpus's last dated day, a missing start ``days`` days
    before the end. The previous period has the same length and ends the day before. Largest rise first; ``None``
    and no rows when the corpus has no dated document.
    """
    if until is None:
        totals = store.daily_totals(since, None)
        if not totals:
            return None, []
        until = max(totals)
    end = date.fromisoformat(until[:10])
    start = date.fromisoformat(since[:10]) if since else end - timedelta(days=days - 1)
    length = (end - start).days + 1
    before_end, before_start = start - timedelta(days=1), start - timedelta(days=length)
    period = Periods(start.isoformat(), end.isoformat(), before_start.isoformat(), before_end.isoformat(), 0, 0)
    daily = store.daily_totals(period.previous_since, period.until)
    period.total = sum(n for d, n in daily.items() if d >= period.since)
    period.previous_total = sum(n for d, n in daily.items() if d < period.since)
    now: dict[str, int] = {}
    before: dict[str, int] = {}
    for r in store.trend_rows(by, period.previous_since, period.until):
        target = now if r.day >= period.since else before
        target[r.key] = target.get(r.key, 0) + r.count
    share = lambda n, total: n / total if total else 0.0  # noqa: E731
    changes = [Change(k, now.get(k, 0), before.get(k, 0), share(now.get(k, 0), period.total),
                      share(before.get(k, 0), period.previous_total)) for k in set(now) | set(before)]
    changes.sort(key=lambda c: (-c.share_change, -c.delta, c.key))
    return period, changes
