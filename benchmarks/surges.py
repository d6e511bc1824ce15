"""Surge detection on synthetic daily counts of the size real monitoring sees: recall, false alarms, delay.

Each run is eight weeks (56 days) of a small corpus: eight narratives at flat daily rates (0.2 to 3 articles a day,
Poisson), 1.5 articles a day without a narrative, and one narrative that goes from 0.4 articles a day to 3–6 a day
(uniformly drawn each day) for the last ten days. A run *finds* the rise when a surge of the rising narrative ends
inside the rise; its delay is the days from the rise's first day to the first day whose data, cut
there, raise the alert (0 = on the first day); its ``since`` error is the distance of its ``since`` from the true first day of the rise. A false
alarm is a surge of a flat narrative, or of the rising one before its rise. The flat-only runs (``--flat``) add no
rise at all: every surge is a false alarm.

    python benchmarks/surges.py                 # 500 runs with default settings
    python benchmarks/surges.py --small          # a corpus of about 2.5 articles a day before the rise
    python benchmarks/surges.py --runs 200 --alpha 0.001 --min-docs 3
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

import numpy as np

from narrascope.corpus.trends import ALPHA, MIN_DOCS, MIN_RATIO, detect_surges
from narrascope.store.base import TrendRow

FLAT_RATES = (0.2, 0.4, 0.4, 0.6, 1.0, 1.5, 2.0, 3.0)
SMALL_RATES = (0.1, 0.2, 0.3, 0.4, 0.6)  # --small: about 2.5 articles a day before the rise, as in issue 26
DAYS, RISE_DAYS, BEFORE, OTHER = 56, 10, 0.4, 1.5


def synthetic_series(rng: np.random.Generator, rise: bool = True, flat_rates: tuple[float, ...] = FLAT_RATES,
                     other: float = OTHER) -> tuple[list[TrendRow], dict[str, int], str]:
    """Daily rows per narrative, daily totals and the first day of the rise (of narrative ``rising``)."""
    start = date(2024, 3, 1)
    days = [(start + timedelta(days=i)).isoformat() for i in range(DAYS)]
    rows: list[TrendRow] = []
    totals = dict.fromkeys(days, 0)
    series = {f"flat-{i}": rng.poisson(rate, DAYS) for i, rate in enumerate(flat_rates)}
    rising = rng.poisson(BEFORE, DAYS)
    if rise:
        rising[DAYS - RISE_DAYS:] = rng.integers(3, 7, RISE_DAYS)
    series["rising"] = rising
    for key, counts in series.items():
        for day, n in zip(days, counts):
            if n:
                rows.append(TrendRow(day, key, int(n)))
                totals[day] += int(n)
    for day, n in zip(days, rng.poisson(other, DAYS)):
        totals[day] += int(n)
    return rows, totals, days[DAYS - RISE_DAYS]


def first_alert(rows: list[TrendRow], totals: dict[str, int], onset: str, options: dict) -> int:
    """Days from ``onset`` to the first day on which the data up to that day raise the alert (as monitoring would)."""
    start = date.fromisoformat(onset)
    for delay in range(RISE_DAYS):
        end = (start + timedelta(days=delay)).isoformat()
        seen = detect_surges([r for r in rows if r.day <= end], {d: n for d, n in totals.items() if d <= end}, **options)
        if any(s.key == "rising" and s.day >= onset for s in seen):
            return delay
    return RISE_DAYS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--alpha", type=float, default=ALPHA)
    parser.add_argument("--min-docs", type=int, default=MIN_DOCS)
    parser.add_argument("--min-ratio", type=float, default=MIN_RATIO)
    parser.add_argument("--small", action="store_true", help="five flat narratives at 0.1-0.6 a day, 0.5 without one")
    args = parser.parse_args()
    corpus = {"flat_rates": SMALL_RATES, "other": 0.5} if args.small else {}
    rng = np.random.default_rng(args.seed)
    options = {"alpha": args.alpha, "min_docs": args.min_docs, "min_ratio": args.min_ratio}
    found, since_errors, delays, false_rise, false_flat = 0, [], [], 0, 0
    for _ in range(args.runs):
        rows, totals, onset = synthetic_series(rng, **corpus)
        surges = detect_surges(rows, totals, **options)
        hits = [s for s in surges if s.key == "rising" and s.day >= onset]
        false_rise += sum(1 for s in surges if s.key != "rising" or s.day < onset)
        if hits:
            found += 1
            best = min(hits, key=lambda s: s.p_value)
            since_errors.append(abs((date.fromisoformat(best.since) - date.fromisoformat(onset)).days))
            delays.append(first_alert(rows, totals, onset, options))
        rows, totals, _ = synthetic_series(rng, rise=False, **corpus)
        false_flat += len(detect_surges(rows, totals, **options))
    flat_rates = corpus.get("flat_rates", FLAT_RATES)
    key_weeks = args.runs * (len(flat_rates) + 1) * DAYS / 7
    print(f"settings: alpha={args.alpha} min_docs={args.min_docs} min_ratio={args.min_ratio}, {args.runs} runs "
          f"of {DAYS} days, {len(flat_rates)} flat narratives at {min(flat_rates)}-{max(flat_rates)}/day, "
          f"rise {BEFORE}/day -> 3-6/day for the last {RISE_DAYS} days")
    print(f"recall: {found}/{args.runs} = {found / args.runs:.3f} rises found")
    if delays:
        print(f"first alert: median {np.median(delays):.0f} days after the rise began (max {max(delays)}); "
              f"'since' off by median {np.median(since_errors):.0f} days (90th pct {np.percentile(since_errors, 90):.0f})")
    print(f"false alarms with a rise: {false_rise} in {args.runs} runs ({false_rise / args.runs:.3f} per run)")
    print(f"false alarms on flat series: {false_flat} in {args.runs} runs "
          f"({false_flat / key_weeks * 1000:.2f} per 1,000 narrative-weeks)")


if __name__ == "__main__":
    main()
