"""What the storyline window costs an ingest into a large store: its load and the per-batch work of ``assign``.

Usage: python benchmarks/storyline_window.py --db STORE [--day YYYY-MM-DD] [--batches 5] [--batch 64]

Opens the store as an ingest does (``StorylineBuilder().load(store)``), then reads the window that an article of
``--day`` (default: the day after the store's latest) may join (``_follow``), and prints the process's RSS before
and after (the window's storylines and what reading them left behind), the storylines held, and the CPU seconds a
batch of ``--batch`` articles spends on the window before any article is placed: filling the rows of the held
storylines (centroids and days; this version keeps them as rows and fills them once) and comparing the batch with
them, as ``StorylineBuilder.assign`` does. Read-only: nothing is written to the store. Run it with two versions of the code on the same store to compare them.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

import numpy as np

from narrascope.corpus import storylines as sl
from narrascope.documents import Document
from narrascope.store import open_store


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--day")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    store = open_store(args.db)
    day = args.day
    if day is None:
        latest = max((s.last_seen for s in store.storylines(limit=1, sort="recent").items if s.last_seen), default=None)
        day = (date.fromisoformat(latest[:10]) + timedelta(days=1)).isoformat() if latest else date.today().isoformat()
    builder = sl.StorylineBuilder().load(store)
    before = rss_mib()
    started = time.process_time()
    builder._follow([Document(id="probe", text="", published=day)])
    load_cpu = time.process_time() - started
    held = [s for s in builder.storylines.values() if len(s.centroid)]
    print(f"window for {day}: {len(held)} storylines held; RSS {before:.0f} -> {rss_mib():.0f} MiB "
          f"(+{rss_mib() - before:.0f}); read in {load_cpu:.2f} CPU s")
    if not held:
        return
    dim = len(held[0].centroid)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(args.batch, dim)).astype(np.float32)
    ids = [s.id for s in held]
    started = time.process_time()
    for _ in range(args.batches):
        if hasattr(builder, "_rows_for"):  # this version's assign: the held centroids are rows of one matrix
            builder._rows_for(dim, args.batch)
            rows = builder._window(None)
            for start in range(0, len(rows), sl.CHUNK):
                _ = vectors @ builder._matrix[rows[start : start + sl.CHUNK]].T
            continue
        if hasattr(builder, "_window_rows"):  # versions that stacked the window's centroids at every batch
            matrix, _first, _last = builder._window_rows(ids, dim, args.batch)
        else:  # versions before it: one call per storyline
            matrix = np.zeros((len(held) + args.batch, dim), dtype=np.float32)
            first, last = np.full(len(matrix), np.nan), np.full(len(matrix), np.nan)
            for row, story in enumerate(held):
                builder._set_row(matrix, first, last, row, story)
        _ = vectors @ matrix[: len(held)].T
    print(f"per batch of {args.batch}: {(time.process_time() - started) / args.batches:.3f} CPU s to fill the window's "
          f"rows and compare the batch with them")
    store.close()


if __name__ == "__main__":
    main()
