"""End-to-end analysis speed: documents/s and peak RSS of the default pipeline over the training corpus texts.

Usage: python benchmarks/speed.py [DATA_DIR] [--limit 500] [--steps language,narratives,...] [--workers N]
DATA_DIR defaults to ../shared/data/semeval2025-task10. Runs the pipeline in this process twice over the same texts:
"cold" includes loading the models and filling the embedding cache (if a step uses one) in a fresh, empty temporary
cache directory (``NARRASCOPE_CACHE_DIR`` is always pointed there, whatever it was set to, and removed at the end),
"warm" reuses the loaded models and the filled cache. Prints documents/s for each pass, per-step time of
the warm pass and the peak resident memory of the process. The ``language`` step identifies each article's language
(lingua), as for a user's files; ``--given-language`` takes it from the SemEval folder instead.

With ``--workers N`` (N > 1) the texts go once through the local engine's process pool instead: one cold pass in
which every worker loads the models, timed from before the pool starts to the last analysis; the peak RSS printed
is the driver's and the largest worker's.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from narrascope.documents import Document
from narrascope.pipeline import DEFAULT_STEPS, Pipeline, load
from narrascope.semeval.io import LANGUAGE_CODES, read_raw_document


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--limit", type=int, default=500, help="Articles (round-robin over languages; 0: all).")
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS))
    parser.add_argument("--given-language", action="store_true", help="Languages from the folders, not detected.")
    parser.add_argument("--workers", type=int, default=1, help="> 1: one cold pass through a process pool.")
    parser.add_argument("--model", default=None, help="A narrative model directory (default: the shipped model).")
    args = parser.parse_args()
    per_language = [sorted((args.data / folder / "raw-documents").glob("*.txt")) for folder in LANGUAGE_CODES]
    paths = [p for group in zip(*per_language) for p in group] + [p for g in per_language for p in g[min(map(len, per_language)):]]
    paths = paths[: args.limit] if args.limit else paths
    if not paths:
        raise SystemExit(f"no SemEval articles under {args.data}")
    folders = {folder: code for folder, code in LANGUAGE_CODES.items()}
    texts = [(p.stem, read_raw_document(p).text, folders[p.parent.parent.name] if args.given_language else None)
             for p in paths]
    chars = sum(len(t) for _, t, _ in texts)
    print(f"{len(texts)} articles, {chars / len(texts):.0f} characters on average; steps: {args.steps}")
    with tempfile.TemporaryDirectory(prefix="narrascope-speed-cache-") as cache:
        os.environ["NARRASCOPE_CACHE_DIR"] = cache  # an empty cache: "cold" really computes every embedding
        print(f"embedding cache: {cache} (new, empty); load average {os.getloadavg()[0]:.1f}")
        if args.workers > 1:
            _pool_pass(texts, args.steps.split(","), args.workers)
        else:
            _in_process(texts, args.steps.split(","), args.model)
        print(f"embedding cache at the end: {_cache_rows(Path(cache))} vectors; load average {os.getloadavg()[0]:.1f}")


def _cache_rows(directory: Path) -> int:
    import sqlite3

    path = directory / "embeddings.sqlite"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]


def _in_process(texts: list[tuple[str, str, str | None]], steps: list[str], model: str | None = None) -> None:
    from narrascope.embeddings.token_states import shared_chunk_states

    framer_chunks = shared_chunk_states().computed
    start, cpu_start = time.perf_counter(), time.process_time()
    pipeline = Pipeline.from_names(steps) if model is None else load(model=model, steps=steps)
    for label in ("cold", "warm"):
        docs = [Document(id=i, text=t, language=lang) for i, t, lang in texts]
        timings: dict[str, float] = defaultdict(float)
        for step in pipeline.steps:
            step.__class__.__call__ = _timed(step.__class__.__call__, step.name, timings)
        if label == "warm":
            start, cpu_start = time.perf_counter(), time.process_time()
        analyses = list(pipeline.analyze(docs))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        failed = sum(a.error is not None for a in analyses)
        print(f"{label}: {len(analyses) / elapsed:.1f} docs/s ({elapsed:.1f} s wall, {cpu:.1f} s CPU, "
              f"{cpu / len(analyses):.2f} CPU-s per article, {failed} failed)"
              + ("" if label == "cold" else "; per step: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())))
        if "entities" in steps:
            print(f"  chunks the entity framer encoded itself (not found in the narrative step's pass): "
                  f"{shared_chunk_states().computed - framer_chunks}")
            framer_chunks = shared_chunk_states().computed
        for step in pipeline.steps:
            step.__class__.__call__ = step.__class__.__call__.__wrapped__  # type: ignore[attr-defined]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


def _pool_pass(texts: list[tuple[str, str, str]], steps: list[str], workers: int) -> None:
    from narrascope.engines.base import PipelineSpec
    from narrascope.engines.local import LocalEngine

    docs = [Document(id=i, text=t, language=lang) for i, t, lang in texts]
    start = time.perf_counter()
    analyses = list(LocalEngine(workers=workers).run(docs, PipelineSpec(steps=tuple(steps))))
    elapsed = time.perf_counter() - start
    failed = sum(a.error is not None for a in analyses)
    print(f"cold, {workers} workers: {len(analyses) / elapsed:.1f} docs/s ({elapsed:.1f} s wall, {failed} failed)")
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: driver {driver:.0f} MiB, largest worker {worker:.0f} MiB, "
          f"all together at most {driver + workers * worker:.0f} MiB")


def _timed(function, name, timings):  # type: ignore[no-untyped-def]
    def wrapper(self, documents, analyses):  # type: ignore[no-untyped-def]
        begin = time.perf_counter()
        try:
            return function(self, documents, analyses)
        finally:
            timings[name] += time.perf_counter() - begin

    wrapper.__wrapped__ = function  # type: ignore[attr-defined]
    return wrapper


if __name__ == "__main__":
    main()
