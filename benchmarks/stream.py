"""A stream of synthetic news into one store: docs/s, process RSS, store size and dedup precision/recall as it grows.

Usage: python benchmarks/stream.py [--docs 1000000] [--every 100000] [--db STORE] [--days 365] [--copies 0.2]
                                   [--steps language] [--batch-size 256] [--full-sample 0] [--reingest] [--dashboard] [--resume]

Articles are made one day at a time while they are ingested (``benchmarks/corpus.py``'s originals and syndicated
copies, from the SemEval training articles under ``../shared/data/semeval2025-task10``), so the benchmark itself holds
a few days of them, never the stream: ``--docs`` articles over ``--days`` days, ``--copies`` of them copies of an
original of the one to five days before, published at another outlet. A copy's id is its origin's id plus ``~c`` and
a number, so precision and recall are counted in SQL from the store: precision = links to the true origin / links,
recall = copies linked / copies stored.

The bulk goes through the cheap steps ``--steps`` (default: language identification) and gets hand-made narrative
labels, evidence and entities (``benchmarks/web.py``'s ``HandMadeAnalyses``), so that the dashboard has something to
show; duplicate detection and storylines are the real ones. ``--full-sample N`` first times the full pipeline
(``DEFAULT_STEPS``) on N articles of the stream, for its rate. Every ``--every`` articles it prints the articles
stored, docs/s over the last stretch and this process's CPU time per article (the figure to compare on a shared
machine; the store's server, for PostgreSQL, is not in it), the RSS now and at its peak, the store's size and dedup P/R so far.
``--resume`` goes on with a stream whose run was stopped (killed, or out of time): the articles the store already
holds are skipped, as whole batches of the same stream were committed. ``--reingest`` then ingests the same stream again (it must add 0); ``--dashboard`` then runs ``benchmarks/web.py``
over the store (page latencies, p95).

``--db`` takes a SQLite path or a ``postgresql://`` URL (default: a SQLite file in a temporary folder).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from corpus import make_copy, make_original, read_sentence_pools

from narrascope.corpus.ingestion import ingest
from narrascope.corpus.storylines import StorylineBuilder
from narrascope.documents import Analysis, Document
from narrascope.pipeline import DEFAULT_STEPS, Pipeline
from narrascope.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT.parent / "shared" / "data" / "semeval2025-task10"


def stream(pools: dict[str, list[list[str]]], n_docs: int, days: int, copy_share: float,
           seed: int = 0, prefix: str = "", start: date = date(2025, 1, 1)) -> Iterator[Document]:
    """``n_docs`` articles in publication order, day by day from ``start``; copies of originals of the last five days.
    ``prefix`` goes before every id and into every URL (another stream into the same store)."""
    rng = random.Random(seed)
    recent: deque[list[Document]] = deque(maxlen=5)  # the originals of the last five days
    made = originals = copies = 0
    for d in range(days):
        today = start + timedelta(days=d)
        quota = n_docs * (d + 1) // days - made
        todays: list[Document] = []
        for _ in range(quota):
            sources = [doc for day in recent for doc in day]
            if sources and rng.random() < copy_share:
                source = rng.choice(sources)
                copy = make_copy(rng, source, f"{source.id}~c{copies}", copies)
                copy.published = today.isoformat()  # one to five days after its origin, as the origins are
                todays.append(copy)
                copies += 1
            else:
                todays.append(make_original(rng, pools, originals, today, 1))
                originals += 1
        made += quota
        recent.append([doc for doc in todays if "~c" not in doc.id])
        for doc in todays:
            if prefix and not doc.id.startswith(prefix):
                doc.id, doc.url = prefix + doc.id, f"{doc.url}?from={prefix}"
            yield doc


class CheapAnalyses:
    """``--steps`` (real) plus hand-made narrative labels, evidence and entities (``benchmarks/web.py``)."""

    def __init__(self, steps: list[str]) -> None:
        from web import HandMadeAnalyses

        self.pipeline = Pipeline.from_names(steps) if steps else None
        self.hand = HandMadeAnalyses()

    def analyze(self, documents: list[Document]) -> list[Analysis]:
        made = self.hand.analyze(documents)
        if self.pipeline is not None:
            for analysis, real in zip(made, self.pipeline.analyze(documents)):
                analysis.language = real.language
        return made


def rss_mib() -> tuple[float, float]:
    """The process's resident memory now and at its peak, MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        now = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    return now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def store_size_mib(store: Any, db: str) -> float:
    if db.startswith(("postgresql://", "postgres://")):
        return float(store._one("SELECT pg_database_size(current_database())")[0]) / 2**20
    return sum(p.stat().st_size for p in Path(db).parent.glob(Path(db).name + "*")) / 2**20


def dedup_scores(store: Any) -> tuple[float, float, int, int]:
    """(precision, recall, links, copies stored), counted in SQL from the ids (a copy's id starts with its origin's)."""
    links, right = store._one("SELECT COUNT(*), SUM(CASE WHEN document_id LIKE origin_id || '~c%' THEN 1 ELSE 0 END)"
                              " FROM duplicates")
    copies, found = store._one("SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM duplicates x WHERE x.document_id"
                               " = d.id) THEN 1 ELSE 0 END) FROM documents d WHERE d.id LIKE '%~c%'")
    return (int(right or 0) / max(int(links), 1), int(found or 0) / max(int(copies), 1), int(links), int(copies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=100_000, help="print a line every N articles")
    parser.add_argument("--db", help="SQLite path or postgresql:// URL (default: a temporary SQLite file)")
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--copies", type=float, default=0.2, help="share of syndicated copies")
    parser.add_argument("--steps", default="language", help="real pipeline steps for the bulk ('' for none)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--full-sample", type=int, default=0, help="time the full pipeline on this many articles")
    parser.add_argument("--reingest", action="store_true", help="then ingest the same stream again (adds 0)")
    parser.add_argument("--dashboard", action="store_true", help="then measure the dashboard (benchmarks/web.py)")
    parser.add_argument("--jsonl", type=Path, help="write the stream to this JSONL file instead of ingesting it")
    parser.add_argument("--seed", type=int, default=0, help="another seed gives other articles (and ids prefixed x{seed}-)")
    parser.add_argument("--start", help="first day of the stream (default 2025-01-01)")
    parser.add_argument("--resume", action="store_true",
                        help="go on with a stream stopped earlier: skip as many articles as the store holds")
    args = parser.parse_args()

    pools = read_sentence_pools(args.data)
    prefix = f"x{args.seed}-" if args.seed else ""
    first_day = date.fromisoformat(args.start) if args.start else date(2025, 1, 1)
    if args.jsonl:
        with args.jsonl.open("w", encoding="utf-8") as out:
            for doc in stream(pools, args.docs, args.days, args.copies, args.seed, prefix, first_day):
                out.write(json.dumps({"id": doc.id, "text": doc.text, "url": doc.url, "outlet": doc.outlet,
                                      "published": doc.published, "language": doc.language}) + "\n")
        print(f"{args.docs} articles written to {args.jsonl}")
        return
    tmp = tempfile.TemporaryDirectory(prefix="narrascope-stream-")
    db = args.db or str(Path(tmp.name) / "stream.db")
    steps = [s for s in args.steps.split(",") if s]
    if args.full_sample:
        sample = [doc for _, doc in zip(range(args.full_sample), stream(pools, args.docs, args.days, args.copies, 7))]
        full = Pipeline.from_names(DEFAULT_STEPS)
        list(full.analyze(sample[:8]))  # models loaded
        t0 = time.perf_counter()
        list(full.analyze(sample))
        print(f"full pipeline ({', '.join(DEFAULT_STEPS)}) on {len(sample)} articles: "
              f"{len(sample) / (time.perf_counter() - t0):.1f} docs/s")
    store: Store = open_store(db)
    before = store.count_documents()
    print(f"store {db}: {before} articles already; streaming {args.docs} over {args.days} days, steps: "
          f"{', '.join(steps) or 'none'} + hand-made labels, batch {args.batch_size}; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    print("stored\tdocs/s\tCPU ms/doc\tRSS MiB\tpeak MiB\tstore MiB\tprecision\trecall\tlinks\tcopies\tstorylines held",
          flush=True)
    skip = 0
    if args.resume:  # whole batches of this stream were stored (its ids: prefixed, or not starting with x)
        where = f"id LIKE '{prefix}%'" if prefix else "id NOT LIKE 'x%'"
        skip = int(store._one(f"SELECT COUNT(*) FROM documents WHERE {where}")[0])  # type: ignore[attr-defined]
    mark = {"read": skip, "next": (skip // args.every + 1) * args.every, "t": time.perf_counter(), "n": skip,
            "cpu": time.process_time()}
    builder = StorylineBuilder()

    def report(batch: int) -> None:
        mark["read"] += batch
        if mark["read"] < mark["next"] and mark["read"] < args.docs:
            return
        elapsed = time.perf_counter() - mark["t"]
        rate = (mark["read"] - mark["n"]) / elapsed
        cpu_ms = 1000 * (time.process_time() - mark["cpu"]) / (mark["read"] - mark["n"])
        now, peak = rss_mib()
        precision, recall, links, copies = dedup_scores(store)
        print(f"{store.count_documents()}\t{rate:.1f}\t{cpu_ms:.1f}\t{now:.0f}\t{peak:.0f}\t{store_size_mib(store, db):.0f}\t"
              f"{precision:.4f}\t{recall:.4f}\t{links}\t{copies}\t{len(builder.storylines)}", flush=True)
        mark.update(next=mark["next"] + args.every, t=time.perf_counter(), n=mark["read"], cpu=time.process_time())

    analyses = CheapAnalyses(steps)
    t0 = time.perf_counter()
    rest = itertools.islice(stream(pools, args.docs, args.days, args.copies, args.seed, prefix, first_day), skip, None)
    summary = ingest(rest, store, analyses, sources=["stream"], storylines=builder,
                     batch_size=args.batch_size, progress=report, record_ids=False)
    print(f"ingested {summary.added} in {time.perf_counter() - t0:.0f} s ({summary.skipped} skipped, "
          f"{summary.failed} failed); load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.reingest:
        t0 = time.perf_counter()
        again = ingest(stream(pools, args.docs, args.days, args.copies, args.seed, prefix, first_day), store, analyses, sources=["stream again"],
                       batch_size=args.batch_size, record_ids=False)
        print(f"re-ingesting the stream: {again.added} added, {again.skipped} skipped in "
              f"{time.perf_counter() - t0:.0f} s; peak RSS {rss_mib()[1]:.0f} MiB", flush=True)
    store.close()
    if args.dashboard:
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "web.py"), "--db", db, "--pages", "40",
                        "--analyses", "4"], check=False)
    tmp.cleanup()


if __name__ == "__main__":
    main()
