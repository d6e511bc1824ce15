"""Latency of the web app on a warm server: article page and single-article analysis, p50/p95/max.

Usage: python benchmarks/web.py [--db corpus.db] [--docs 2000] [--pages 300] [--analyses 40] [--concurrency 4]
                                [--json]

Starts ``narrascope serve`` (the standard pipeline) on 127.0.0.1 in a subprocess over ``--db``, or over a synthetic
corpus of ``--docs`` articles built in a temporary folder from ``examples/`` (hand-made analyses with evidence
spans and entity mentions, 60 days, 5 outlets), warms it up, then sends a bounded load: ``--pages`` GETs of random
article pages and ``--analyses`` POSTs to ``/api/analyze?store=false`` (distinct texts), each from
``--concurrency`` client threads, and the same analyses stored (``store=true``). Targets (issue 7): article page
p95 < 200 ms, single-article analysis p95 < 1 s. Prints figures, never asserts: the CPU may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np

from narrascope.documents import Analysis, Document, EntityMention, Evidence, LabelScore
from narrascope.pipeline import DEFAULT_STEPS
from narrascope.store import DocumentQuery, open_store
from narrascope.taxonomy import load_default_taxonomy

ROOT = Path(__file__).resolve().parents[1]
OUTLETS = ["courier.example", "post.example", "herald.example", "tribune.example", "gazette.example"]


def _examples() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))]
    if not texts:
        sys.exit("no examples/*.txt to build documents from")
    return texts


def build_corpus(path: Path, n: int) -> list[str]:
    """A synthetic corpus of ``n`` analysed documents at ``path``; returns the document ids."""
    texts, tax, rng = _examples(), load_default_taxonomy(), random.Random(0)
    narratives = [n for n in tax.narratives if n.subnarratives]
    docs, analyses = [], []
    for i in range(n):
        text = f"{texts[i % len(texts)]}\nThis is copy number {i}."
        doc = Document(id=f"bench-{i:06d}", text=text, title=text.split("\n", 1)[0][:120], outlet=OUTLETS[i % 5],
                       published=(date(2024, 1, 1) + timedelta(days=i % 60)).isoformat(), language="en")
        sentences = [s for s in text.replace("\n", " ").split(". ") if len(s) > 20][:6]
        spans = [Evidence(text.index(s), text.index(s) + len(s), s, 0.8) for s in sentences if s in text]
        narrative = rng.choice(narratives)
        sub = rng.choice(narrative.subnarratives)
        words = [w for w in set(text.split()) if w.istitle() and len(w) > 4][:4]
        mentions = [EntityMention(w, text.index(w), text.index(w) + len(w), w, "Antagonist", ["Instigator"], 0.6)
                    for w in words]
        analyses.append(Analysis(doc.id, "en", doc.title, narratives=[LabelScore(narrative.label, 0.8, spans[:3])],
                                 subnarratives=[LabelScore(sub.label, 0.7, spans[1:4])], entities=mentions))
        docs.append(doc)
    store = open_store(path)
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses(analyses)
    store.close()
    return [d.id for d in docs]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _timed(client: httpx.Client, method: str, url: str, **kwargs: object) -> tuple[float, float]:
    """``(wall seconds seen by the client, seconds spent in the app per its Server-Timing header)``."""
    start = time.perf_counter()
    response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{method} {url}: HTTP {response.status_code}: {response.text[:200]}")
    app_ms = float(response.headers.get("server-timing", "app;dur=nan").split("dur=")[1])
    return elapsed, app_ms / 1000


def _load(base: str, requests: list[tuple[str, str, dict]], concurrency: int, token: str) -> list[tuple[float, float]]:
    headers = {"Authorization": f"Bearer {token}"}
    clients = [httpx.Client(base_url=base, headers=headers, timeout=120) for _ in range(concurrency)]
    try:
        with ThreadPoolExecutor(concurrency) as pool:
            jobs = [pool.submit(_timed, clients[i % concurrency], m, u, **kw) for i, (m, u, kw) in enumerate(requests)]
            return [job.result() for job in jobs]
    finally:
        for client in clients:
            client.close()


def _stats(name: str, timings: list[tuple[float, float]], target_ms: float | None) -> dict:
    ms = np.array([t[0] for t in timings]) * 1000
    app = np.array([t[1] for t in timings]) * 1000
    row = {"name": name, "n": len(ms), "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
           "max_ms": float(ms.max()), "app_p95_ms": float(np.percentile(app, 95)), "target_p95_ms": target_ms}
    verdict = "" if target_ms is None else ("  (target < %.0f ms: %s)" % (target_ms, "met" if row["p95_ms"] < target_ms else "MISSED"))
    print(f"{name:<34} n={row['n']:<4} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
          f"max {row['max_ms']:7.1f} ms  (in the app: p95 {row['app_p95_ms']:7.1f} ms){verdict}")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="an existing corpus (default: a synthetic one in a temporary folder)")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--analyses", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="narrascope-web-bench-")
    if args.db:
        db = args.db
        store = open_store(db)
        ids = [d.id for d in store.query_documents(DocumentQuery(limit=5000, include_duplicates=True)).items]
        store.close()
    else:
        db = str(Path(tmp.name) / "corpus.db")
        t0 = time.perf_counter()
        ids = build_corpus(Path(db), args.docs)
        print(f"synthetic corpus: {len(ids)} documents in {time.perf_counter() - t0:.1f} s")
    if not ids:
        sys.exit("the corpus has no documents")
    token, port = secrets.token_hex(16), _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NARRASCOPE_API_TOKEN": token}
    server = subprocess.Popen([sys.executable, "-m", "narrascope.cli", "serve", "--db", db, "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"server did not start: {server.stderr.read().decode()[-500:] if server.stderr else ''}")
            time.sleep(0.2)
        rng = random.Random(1)
        texts = _examples()
        analysis = lambda i, store: ("POST", f"/api/analyze?store={'true' if store else 'false'}",  # noqa: E731
                                     {"json": {"text": f"{texts[i % len(texts)]}\nBenchmark variant {i}.",
                                               "outlet": "bench.example", "published": "2024-03-01"}})
        page = lambda: ("GET", "/articles/" + quote(rng.choice(ids), safe=""), {})  # noqa: E731
        t0 = time.perf_counter()
        _load(base, [page() for _ in range(10)] + [analysis(-1 - i, False) for i in range(5)], 1, token)  # warm-up
        print(f"warm-up (models load on first use): {time.perf_counter() - t0:.1f} s")
        rows = [
            _stats(f"article page (x{args.concurrency} clients)", _load(base, [page() for _ in range(args.pages)],
                                                                         args.concurrency, token), 200),
            _stats("overview page (1 client)", _load(base, [("GET", "/", {})] * 20, 1, token), None),
            _stats("analyze, 1 article (1 client)", _load(base, [analysis(i, False) for i in range(args.analyses)],
                                                          1, token), 1000),
            _stats(f"analyze, 1 article (x{args.concurrency} clients)",
                   _load(base, [analysis(1000 + i, False) for i in range(args.analyses)], args.concurrency, token), None),
            _stats("analyze + store, 1 article", _load(base, [analysis(2000 + i, True) for i in range(args.analyses // 2)],
                                                       1, token), None),
        ]
        print(f"corpus: {len(ids)} documents; CPU cores: {os.cpu_count()}; pipeline steps: {', '.join(DEFAULT_STEPS)}; "
              f"load average at the end: {os.getloadavg()[0]:.1f}")
        if args.json:
            print(json.dumps(rows, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)
        tmp.cleanup()


if __name__ == "__main__":
    main()
