"""Documents per second for the local and the Ray engine on this machine, at several corpus sizes.

Usage: python benchmarks/scale.py [--sizes 1000 10000] [--workers N] [--steps language,...] [--batch-size 32]
                                  [--engines local,ray] [--data DIR] [--json]

Documents are distinct real text (``article_variants.py``): the 1,781 SemEval training articles under ``--data``
(default ../shared/data/semeval2025-task10), then variants of them that swap content words between articles of one
language, reorder, drop and repeat sentences; the language is left unset so the language step really runs. Nothing
is written to the repository. Without the data the script stops with a message saying where it looked.
Each engine gets a fresh pool, so the wall time includes worker start-up and model loading, as a real run would;
``ray.init`` itself is timed apart (a cluster is normally already running). Prints wall time, documents/s and the
ray/local wall-time ratio per size, the peak RSS of the driver and of the largest worker process, plus the steps
that ran. Never asserts timings: the CPU may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

from article_variants import DATA_DIR, Article, read_articles, varied_documents

from narrascope.engines import PipelineSpec, create_engine
from narrascope.engines.local import default_workers
from narrascope.pipeline import DEFAULT_STEPS


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (Linux ``/proc``), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def worker_pids(engine: str) -> list[int]:
    """Processes doing the work: the local pool's children, or Ray's actors (``ray::`` processes) on this machine."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if (engine == "local" and ppid == os.getpid() and "multiprocessing" in cmd) or (
            engine == "ray" and "MapWorker" in cmd
        ):
            pids.append(int(entry))
    return pids


class PeakMemory:
    """Samples the driver's and the workers' RSS every half second while a run lasts."""

    def __init__(self, engine: str) -> None:
        self.engine, self.driver_mb, self.worker_mb = engine, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.driver_mb = max(self.driver_mb, rss_mb(os.getpid()))
            self.worker_mb = max([self.worker_mb, *(rss_mb(p) for p in worker_pids(self.engine))])

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_engine(name: str, n: int, spec: PipelineSpec, workers: int, articles: list[Article]) -> tuple[float, PeakMemory]:
    """Wall seconds (and peak memory) to analyse ``n`` distinct documents with a fresh engine; checks every
    document came back without error."""
    documents = varied_documents(n, articles, prefix="scale")
    engine = create_engine(name, workers=workers)
    start = time.perf_counter()
    count = errors = 0
    with PeakMemory(name) as memory:
        for analysis in engine.run(documents, spec):
            count += 1
            errors += analysis.error is not None
    wall = time.perf_counter() - start
    if count != n or errors:
        sys.exit(f"{name}: {count} analyses for {n} documents, {errors} errors")
    return wall, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="The SemEval training release (5 language folders).")
    parser.add_argument("--json", action="store_true", help="Also print the figures as one JSON object.")
    args = parser.parse_args()
    spec = PipelineSpec(steps=tuple(s for s in args.steps.split(",") if s), batch_size=args.batch_size)
    engines = args.engines.split(",")
    figures: dict[str, object] = {
        "steps": list(spec.steps), "workers": args.workers, "batch_size": args.batch_size,
        "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0], "runs": [],
    }
    articles = read_articles(args.data)
    print(f"documents: the {len(articles)} SemEval training articles under {args.data}, then variants "
          "(content words swapped within a language, sentences reordered, dropped, repeated)")
    print(f"steps={','.join(spec.steps)} workers={args.workers} batch_size={args.batch_size} cpus={os.cpu_count()} "
          f"load_avg={os.getloadavg()[0]:.1f}")
    if "ray" in engines:
        start = time.perf_counter()  # the engine's own start-up: retried when a busy machine misses Ray's deadlines
        create_engine("ray", workers=args.workers, init_options={"num_cpus": args.workers}).connect()
        figures["ray_init_s"] = round(time.perf_counter() - start, 2)
        print(f"ray.init: {figures['ray_init_s']:.1f} s (not counted below)")
    print(f"{'docs':>7} {'engine':>6} {'wall s':>8} {'docs/s':>8} {'ray/local':>9} {'driver MB':>9} {'worker MB':>9}")
    for n in args.sizes:
        walls = {}
        for name in engines:
            walls[name], memory = run_engine(name, n, spec, args.workers, articles)
            ratio = walls[name] / walls["local"] if name == "ray" and "local" in walls else None
            print(f"{n:>7} {name:>6} {walls[name]:>8.1f} {n / walls[name]:>8.1f} {'' if ratio is None else f'{ratio:.2f}':>9} "
                  f"{memory.driver_mb:>9.0f} {memory.worker_mb:>9.0f}", flush=True)
            figures["runs"].append({"documents": n, "engine": name, "wall_s": round(walls[name], 2),
                                    "docs_per_s": round(n / walls[name], 1), "ray_over_local": None if ratio is None else round(ratio, 2),
                                    "peak_driver_rss_mb": round(memory.driver_mb), "peak_worker_rss_mb": round(memory.worker_mb)})
    figures["load_avg_at_end"] = os.getloadavg()[0]
    print(f"load_avg at end={figures['load_avg_at_end']:.1f}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
