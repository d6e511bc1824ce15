"""Corpus-scale ingestion: documents/s, peak RSS and duplicate-detection precision/recall on a synthetic corpus.

Usage: python benchmarks/corpus.py [DATA_DIR] [--docs 10000] [--copies 0.2] [--steps language,narratives]
                                   [--engine local|ray] [--workers 1] [--batch-size 64]

The corpus is synthesised from the SemEval training articles in DATA_DIR (default ../shared/data/semeval2025-task10)
and never written anywhere but a temporary SQLite store:
- an *original* story mixes the sentences of two or three random articles of one language, shuffled (so originals
  do not copy each other);
- a *syndicated copy* (``--copies`` of the corpus) takes an original, drops exactly one of its sentences (none when it
  has fewer than five), replaces three words (drawn with replacement, so two to three distinct words change) and
  adds a byline, and appears at another outlet one to five days later;
- dates spread over one year; outlets are drawn from a list of 40.
The whole stream is ingested (``narrascope.corpus.ingest``: analysis with ``--steps``, MinHash duplicate detection,
storylines) and the duplicates found are compared with the known copies.

``--engine``/``--workers`` analyse on an engine as ``narrascope ingest`` does (``--workers 1``, the local default: in
this process; ``--workers 2``: a pool of two processes; ``--engine ray``: a local Ray of ``--workers`` CPUs, whose
start is timed apart), this process storing every batch. The wall time includes loading the models (in each worker).
Prints the peak RSS of this process (the coordinator) and of the largest worker, sampled every half second.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scale import PeakMemory

from narrascope.corpus.ingestion import ingest
from narrascope.documents import Document
from narrascope.engines import EngineRun, PipelineSpec, create_engine
from narrascope.pipeline import DEFAULT_STEPS, Pipeline
from narrascope.semeval.io import LANGUAGE_CODES, read_raw_document
from narrascope.sentences import split_sentences
from narrascope.store import open_store


def read_sentence_pools(data: Path) -> dict[str, list[list[str]]]:
    """``{language: [sentences of one SemEval training article]}`` (articles of four or more long sentences)."""
    by_language: dict[str, list[list[str]]] = {}
    for folder, code in LANGUAGE_CODES.items():
        for path in sorted((data / folder / "raw-documents").glob("*.txt")):
            sentences = [s.text for s in split_sentences(read_raw_document(path).text) if len(s.text.split()) >= 4]
            if len(sentences) >= 4:
                by_language.setdefault(code, []).append(sentences)
    if not by_language:
        raise SystemExit(f"no SemEval articles under {data}")
    return by_language


OUTLETS = [f"outlet{i:02d}.example" for i in range(40)]


def make_original(rng: random.Random, pools: dict[str, list[list[str]]], i: int, start: date, days: int) -> Document:
    """Original ``i``: the shuffled sentences of two or three articles of one language, on a day of ``days`` from
    ``start``."""
    language = rng.choice(sorted(pools))
    pool = rng.sample(pools[language], k=min(3, len(pools[language])))
    sentences = [s for article in pool for s in rng.sample(article, k=max(2, len(article) // 3))]
    rng.shuffle(sentences)
    day = start + timedelta(days=rng.randrange(days))
    return Document(id=f"orig{i}", text=" ".join(sentences[:30]), language=language, outlet=rng.choice(OUTLETS),
                    published=day.isoformat(), url=f"https://{rng.choice(OUTLETS)}/story/{i}")


def make_copy(rng: random.Random, source: Document, copy_id: str, j: int) -> Document:
    """A syndicated copy of ``source``: one sentence dropped, three words replaced, a byline, another outlet, one to
    five days later."""
    sentences = split_sentences(source.text)
    dropped = rng.randrange(len(sentences)) if len(sentences) >= 5 else -1  # exactly one, if 5 or more
    kept = [s.text for k, s in enumerate(sentences) if k != dropped]
    words = " ".join(kept).split()
    for _ in range(3):
        words[rng.randrange(len(words))] = rng.choice(["reportedly", "officials", "sources", "today"])
    day = date.fromisoformat(source.published or "2025-01-01") + timedelta(days=rng.randint(1, 5))
    outlet = rng.choice([o for o in OUTLETS if o != source.outlet])
    return Document(id=copy_id, text=f"By {outlet} staff. " + " ".join(words), language=source.language,
                    outlet=outlet, published=day.isoformat(), url=f"https://{outlet}/syndicated/{j}")


def synthesise(data: Path, n_docs: int, copy_share: float, seed: int = 0) -> tuple[list[Document], dict[str, str]]:
    """Documents in publication order and the true origin of every syndicated copy."""
    rng = random.Random(seed)
    pools = read_sentence_pools(data)
    start = date(2025, 1, 1)
    n_copies = int(n_docs * copy_share)
    originals = [make_original(rng, pools, i, start, 365) for i in range(n_docs - n_copies)]
    copies: list[Document] = []
    truth: dict[str, str] = {}
    for j in range(n_copies):
        source = rng.choice(originals)
        copies.append(make_copy(rng, source, f"copy{j}", j))
        truth[f"copy{j}"] = source.id
    documents = sorted(originals + copies, key=lambda d: (d.published or "", d.id))
    return documents, truth


def analyser(engine: str, workers: int, steps: tuple[str, ...]) -> Any:
    """The pipeline in this process, or an ``EngineRun`` on ``workers`` local processes or Ray actors (the local Ray
    started here, its start timed apart)."""
    if engine == "local" and workers == 1:
        return Pipeline.from_names(steps)
    options: dict[str, Any] = {"init_options": {"num_cpus": workers}} if engine == "ray" else {}
    chosen = create_engine(engine, workers=workers, **options)
    if engine == "ray":
        started = time.perf_counter()
        chosen.connect()  # type: ignore[attr-defined]
        print(f"ray.init: {time.perf_counter() - started:.1f} s (not counted below)")
    return EngineRun(chosen, PipelineSpec(steps))


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--copies", type=float, default=0.2, help="Share of syndicated copies in the corpus.")
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS), help="Pipeline steps ('' for none).")
    parser.add_argument("--engine", default="local", help="local or ray: where the documents are analysed")
    parser.add_argument("--workers", type=int, default=1, help="1: in this process (local); N: N workers")
    parser.add_argument("--batch-size", type=int, default=64, help="Documents per committed batch.")
    args = parser.parse_args()
    documents, truth = synthesise(args.data, args.docs, args.copies)
    steps = tuple(s for s in args.steps.split(",") if s)
    print(f"synthesised {len(documents)} documents ({len(truth)} syndicated copies); steps: {args.steps or 'none'}; "
          f"engine {args.engine}, {args.workers} worker(s); load average {os.getloadavg()[0]:.1f}")
    pipeline = analyser(args.engine, args.workers, steps) if steps else None
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        started = time.perf_counter()
        with PeakMemory(args.engine) as memory:
            summary = ingest(documents, store, pipeline=pipeline, sources=["synthetic"], batch_size=args.batch_size)
        elapsed = time.perf_counter() - started
        found = {d.document_id: d.origin_id for d in store.duplicates()}
        rerun = ingest(documents, store, pipeline=pipeline, sources=["synthetic"], batch_size=args.batch_size)
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    true_positive = sum(1 for doc, origin in found.items() if truth.get(doc) == origin)
    flagged_copies = sum(1 for doc in found if doc in truth)
    workers = f", largest worker {memory.worker_mb / 1.048576:.0f} MiB" if memory.worker_mb else ""
    print(f"ingested {summary.added} documents in {elapsed:.1f} s: {summary.added / elapsed:.1f} docs/s "
          f"({summary.analysis_failed} analyses failed); peak RSS {peak:.0f} MiB (coordinator){workers}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"duplicates: {len(found)} flagged, {len(truth)} true copies; precision {true_positive / max(len(found), 1):.3f} "
          f"(copy flagged with its true origin), recall {flagged_copies / max(len(truth), 1):.3f} (copies flagged)")
    print(f"re-ingesting the same stream: {rerun.added} added, {rerun.skipped} skipped")


if __name__ == "__main__":
    main()
