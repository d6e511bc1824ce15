"""What an ingest holds in memory, by source line (tracemalloc), after the store already holds some articles.

Usage: python benchmarks/memory.py [--docs 8000] [--second 2000] [--steps ''] [DATA_DIR]

Ingests the first half of ``benchmarks/corpus.py``'s synthetic corpus of ``--docs`` articles into a temporary SQLite
store, then starts tracing and ingests ``--second`` more articles with a fresh duplicate detector and storyline
builder (as a new ``narrascope ingest`` process would), and prints the memory still allocated afterwards, by file and
by line: what an ingest keeps because of what the store holds.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

from corpus import synthesise

from narrascope.corpus.dedup import DuplicateDetector
from narrascope.corpus.ingestion import ingest
from narrascope.corpus.storylines import StorylineBuilder
from narrascope.pipeline import Pipeline
from narrascope.store import open_store


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--docs", type=int, default=8000)
    parser.add_argument("--second", type=int, default=2000)
    parser.add_argument("--steps", default="", help="pipeline steps ('' for none: dedup and storylines only)")
    args = parser.parse_args()
    docs, _ = synthesise(args.data, args.docs, 0.2)
    first, second = docs[: args.docs // 2], docs[args.docs // 2 :][: args.second]
    pipeline = Pipeline.from_names(args.steps.split(",")) if args.steps else None
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "memory.db")
        ingest(first, store, pipeline, sources=["first"])
        del docs, first
        gc.collect()
        tracemalloc.start(8)
        before = tracemalloc.take_snapshot()
        t0 = time.perf_counter()
        ingest(second, store, pipeline, sources=["second"], detector=DuplicateDetector(), storylines=StorylineBuilder())
        print(f"{len(second)} articles into a store of {args.docs // 2}: {time.perf_counter() - t0:.1f} s")
        after = tracemalloc.take_snapshot()
        stats = after.compare_to(before, "filename")
        print(f"held after the run: {sum(s.size_diff for s in stats) / 2**20:.1f} MiB")
        for stat in stats[:10]:
            print(stat)
        print("--- by line")
        for stat in after.compare_to(before, "lineno")[:12]:
            print(stat)
        store.close()


if __name__ == "__main__":
    main()
