"""Documents per second for the local and the Ray engine on this machine, at several corpus sizes.

Usage: python benchmarks/scale.py [--sizes 1000 10000] [--workers N] [--steps language,...] [--batch-size 32]
                                  [--engines local,ray] [--json]

Documents are synthesised at run time from the articles in ``examples/`` (each copy gets a distinct id and a
numbered sentence, language left unset so the language step really runs); nothing is written to the repository.
Each engine gets a fresh pool, so the wall time includes worker start-up and model loading, as a real run would;
``ray.init`` itself is timed apart (a cluster is normally already running). Prints wall time, documents/s and the
ray/local wall-time ratio per size, plus the steps that ran. Never asserts timings: the CPU may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from narrascope.documents import Document
from narrascope.engines import PipelineSpec, create_engine
from narrascope.engines.local import default_workers
from narrascope.pipeline import DEFAULT_STEPS

ROOT = Path(__file__).resolve().parents[1]


def synthesise(n: int) -> list[Document]:
    """``n`` documents cycling through the bundled example articles, each made distinct."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))]
    if not texts:
        sys.exit("no examples/*.txt to synthesise documents from")
    return [Document(id=f"syn-{i:06d}", text=f"{texts[i % len(texts)]}\nThis is copy number {i}.") for i in range(n)]


def run_engine(name: str, n: int, spec: PipelineSpec, workers: int) -> float:
    """Wall seconds to analyse ``n`` synthetic documents with a fresh engine; checks every document came back."""
    documents = synthesise(n)
    engine = create_engine(name, workers=workers)
    start = time.perf_counter()
    count = errors = 0
    for analysis in engine.run(documents, spec):
        count += 1
        errors += analysis.error is not None
    wall = time.perf_counter() - start
    if count != n or errors:
        sys.exit(f"{name}: {count} analyses for {n} documents, {errors} errors")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--json", action="store_true", help="Also print the figures as one JSON object.")
    args = parser.parse_args()
    spec = PipelineSpec(steps=tuple(s for s in args.steps.split(",") if s), batch_size=args.batch_size)
    engines = args.engines.split(",")
    figures: dict[str, object] = {
        "steps": list(spec.steps), "workers": args.workers, "batch_size": args.batch_size,
        "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0], "runs": [],
    }
    print(f"steps={','.join(spec.steps)} workers={args.workers} batch_size={args.batch_size} cpus={os.cpu_count()} "
          f"load_avg={os.getloadavg()[0]:.1f}")
    if "ray" in engines:
        import ray

        start = time.perf_counter()
        ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
        figures["ray_init_s"] = round(time.perf_counter() - start, 2)
        print(f"ray.init: {figures['ray_init_s']:.1f} s (not counted below)")
    print(f"{'docs':>7} {'engine':>6} {'wall s':>8} {'docs/s':>8} {'ray/local':>9}")
    for n in args.sizes:
        walls = {}
        for name in engines:
            walls[name] = run_engine(name, n, spec, args.workers)
            ratio = walls[name] / walls["local"] if name == "ray" and "local" in walls else None
            print(f"{n:>7} {name:>6} {walls[name]:>8.1f} {n / walls[name]:>8.1f} {'' if ratio is None else f'{ratio:.2f}':>9}", flush=True)
            figures["runs"].append({"documents": n, "engine": name, "wall_s": round(walls[name], 2),
                                    "docs_per_s": round(n / walls[name], 1), "ray_over_local": None if ratio is None else round(ratio, 2)})
    figures["load_avg_at_end"] = os.getloadavg()[0]
    print(f"load_avg at end={figures['load_avg_at_end']:.1f}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
