"""What the duplicate detector's time window gives up: recall of syndicated copies by how late they come.

Usage: python benchmarks/dedup_window.py [DATA_DIR] [--originals 2000] [--max-lag 70] [--weeks 4,8] [--seed 0]

``--originals`` articles of ``benchmarks/corpus.py`` (sentences of the SemEval training articles in DATA_DIR) over
90 days, each with one syndicated copy (``make_copy``: a sentence dropped, three words replaced, a byline) published
0 to ``--max-lag`` days after it, uniformly. Every article goes through ``DuplicateDetector(window_weeks=W)`` in
publication order (the same candidates as through a store: tests/corpus/test_dedup.py). Prints, per window, the
recall of the copies by lag in weeks and the precision of the links made.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

from corpus import make_copy, make_original, read_sentence_pools

from narrascope.corpus.dedup import DuplicateDetector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2025-task10"))
    parser.add_argument("--originals", type=int, default=2000)
    parser.add_argument("--max-lag", type=int, default=70)
    parser.add_argument("--weeks", default="4,8")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pools = read_sentence_pools(Path(args.data))
    docs, lag_of = [], {}
    for i in range(args.originals):
        original = make_original(rng, pools, i, date(2025, 1, 6), 90)
        copy = make_copy(rng, original, f"orig{i}~c", i)
        lag = rng.randint(0, args.max_lag)
        copy.published = (date.fromisoformat(original.published or "") + timedelta(days=lag)).isoformat()
        docs += [original, copy]
        lag_of[copy.id] = lag
    docs.sort(key=lambda d: (d.published, d.id))
    print(f"{args.originals} originals, one copy each, 0-{args.max_lag} days late")
    buckets = range(0, args.max_lag // 7 + 1)
    print("window\tprecision\t" + "\t".join(f"lag {7 * b}-{7 * b + 6} d" for b in buckets))
    for weeks in map(int, args.weeks.split(",")):
        detector = DuplicateDetector(window_weeks=weeks)
        links = {}
        for start in range(0, len(docs), 256):
            for link in detector.process(docs[start:start + 256])[0]:
                links[link.document_id] = link.origin_id
        right = sum(1 for copy, origin in links.items() if copy.endswith("~c") and origin == copy[:-2])
        recall = []
        for b in buckets:
            copies = [c for c, lag in lag_of.items() if lag // 7 == b]
            found = sum(1 for c in copies if links.get(c) == c[:-2])
            recall.append(f"{found / max(len(copies), 1):.3f} ({len(copies)})")
        print(f"{weeks} weeks\t{right / max(len(links), 1):.4f}\t" + "\t".join(recall))


if __name__ == "__main__":
    main()
