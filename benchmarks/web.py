"""Latency of the web app on a warm server: every dashboard page and single-article analysis, p50/p95/max.

Usage: python benchmarks/web.py [--db corpus.db] [--docs 10000] [--data DIR] [--pages 60] [--analyses 40]
                                [--concurrency 4] [--json] [--cold 20] [--target-ms 200] [--cold-target-ms 2000]

Starts ``narrascope serve`` (the standard pipeline) on 127.0.0.1 in a subprocess over ``--db``, or over a corpus of
``--docs`` distinct documents built in a temporary folder (``article_variants.py``: the 1,781 SemEval training
articles under ``--data``, then variants that swap content words within a language and reorder, drop and repeat
sentences; a tenth of them syndicated copies at another outlet). The corpus goes through ``corpus.ingest`` (real
duplicate detection and storylines) with hand-made analyses instead of the models (random narratives with real
sentences as evidence, capitalised words as entities with roles; 90 days, 5 outlets), so a 10k corpus builds in
minutes. Without ``--db`` and without the data the script stops with a message.

The server is warmed up on other requests than the measured ones (other articles, list pages, narratives, search
words and analysed texts; the parameterless pages with other filters), then each page is requested ``--pages``
times from one client: overview, articles list (random page, every other with a narrative or language filter),
article page, narrative page (random narrative or subnarrative), storylines (random page), entities (every other
by outlet) and search (a random word of a random document's title); the article page also from ``--concurrency``
clients. Then ``--analyses`` POSTs to ``/api/analyze?store=false`` (distinct texts) from 1 and from
``--concurrency`` clients, and half as many stored (``store=true``). Targets: every page p95 < 200 ms on a
10k-document corpus, single-article analysis p95 < 1 s (``--analyses 0`` skips the analyses). ``--cold N`` then
requests each page N more times, each right after a change of the store (a run recorded), so that nothing is served
from the app's result cache (the dashboard of a store that an ingest keeps writing to). Prints figures, never asserts:
the CPU may be shared.
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
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import numpy as np
from article_variants import (
    DATA_DIR,
    PUNCTUATION,
    read_articles,
    varied_documents,
    varied_texts,
)

from narrascope.corpus.ingestion import ingest
from narrascope.documents import Analysis, Document, EntityMention, Evidence, LabelScore
from narrascope.pipeline import DEFAULT_STEPS
from narrascope.sentences import split_sentences
from narrascope.store import DocumentQuery, open_store
from narrascope.taxonomy import load_default_taxonomy

OUTLETS = ["courier.example", "post.example", "herald.example", "tribune.example", "gazette.example"]
ROLES = {"Protagonist": ["Guardian"], "Antagonist": ["Instigator"], "Innocent": ["Victim"]}


class HandMadeAnalyses:
    """Stands in for the pipeline in ``ingest``: one plausible analysis per document, in no time."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.narratives = [n for n in load_default_taxonomy().narratives if n.subnarratives]

    def analyze(self, documents: list[Document]) -> list[Analysis]:
        return [self._analysis(doc) for doc in documents]

    def _analysis(self, doc: Document) -> Analysis:
        rng, text = self.rng, doc.text
        sentences = [s for s in split_sentences(text) if len(s.text) > 20]
        spans = [Evidence(s.start, s.end, s.text, round(rng.uniform(0.5, 0.9), 2))
                 for s in rng.sample(sentences, k=min(4, len(sentences)))]
        narrative = rng.choice(self.narratives)
        sub = rng.choice(narrative.subnarratives)
        names: dict[str, int] = {}
        offset = 0
        for token in text.split():
            offset = text.index(token, offset)
            core = token.strip(PUNCTUATION)
            if len(core) > 3 and core[0].isupper() and core not in names:
                names[core] = offset + token.index(core)
            offset += len(token)
        chosen = rng.sample(sorted(names), k=min(4, len(names)))
        mentions = []
        for name in chosen:
            role = rng.choice(sorted(ROLES))
            mentions.append(EntityMention(name, names[name], names[name] + len(name), name, role, ROLES[role],
                                          round(rng.uniform(0.4, 0.9), 2), salience=round(rng.random(), 2)))
        return Analysis(doc.id, doc.language, doc.title,
                        narratives=[LabelScore(narrative.label, 0.8, spans[:3])],
                        subnarratives=[LabelScore(sub.label, 0.7, spans[1:4])], entities=mentions)


def build_corpus(path: Path, n: int, data: Path) -> None:
    """``n`` distinct documents, a tenth of them syndicated copies, ingested into a new store at ``path``."""
    rng = random.Random(0)
    n_copies = n // 10
    docs = varied_documents(n - n_copies, read_articles(data), prefix="bench", language=True)
    start = date(2024, 1, 1)
    for i, doc in enumerate(docs):
        doc.outlet = OUTLETS[i % len(OUTLETS)]
        doc.published = (start + timedelta(days=rng.randrange(90))).isoformat()
        doc.url = f"https://{doc.outlet}/story/{i}"
    copies, pairs = [], set()
    while len(copies) < n_copies:  # one copy per (original, outlet): two would be the same text
        j, source = len(copies), rng.choice(docs)
        outlet = rng.choice([o for o in OUTLETS if o != source.outlet])
        if (source.id, outlet) in pairs:
            continue
        pairs.add((source.id, outlet))
        sentences = split_sentences(source.text)
        body = source.text[: sentences[-1].start].rstrip() if len(sentences) > 4 else source.text
        copies.append(Document(id=f"copy-{j:06d}", text=f"By {outlet} staff. {body}", title=source.title,
                               outlet=outlet, language=source.language, url=f"https://{outlet}/syndicated/{j}",
                               published=(date.fromisoformat(source.published or "2024-01-01")
                                          + timedelta(days=rng.randint(1, 3))).isoformat()))
    stream = sorted(docs + copies, key=lambda d: (d.published or "", d.id))
    store = open_store(path)
    try:
        summary = ingest(stream, store, pipeline=HandMadeAnalyses(), sources=["benchmark"])
    finally:
        store.close()
    if summary.added != n:
        sys.exit(f"the corpus holds {summary.added} of {n} documents ({summary.skipped} skipped)")


@dataclass
class Targets:
    """What there is to request in the corpus, split into a warm-up half and a measured half."""

    ids: list[str]
    labels: list[str]
    words: list[str]
    languages: list[str]
    pages: int  # article list pages of 20
    story_pages: int


def read_targets(db: str) -> Targets:
    store = open_store(db)
    try:
        docs = store.query_documents(DocumentQuery(limit=20_000, include_duplicates=True)).items
        labels = sorted({*store.label_counts("narrative", DocumentQuery()),
                         *store.label_counts("subnarrative", DocumentQuery())})
        languages = sorted(store.count_by("language", DocumentQuery()))
        unique = store.query_documents(DocumentQuery(limit=1)).total
        stories = store.storylines(limit=1).total
    finally:
        store.close()
    words = sorted({w.strip(PUNCTUATION) for d in docs for w in (d.title or d.text[:100]).split()
                    if len(w.strip(PUNCTUATION)) >= 5 and w.strip(PUNCTUATION).isalpha()})
    return Targets([d.id for d in docs], labels, words, languages, max(1, -(-unique // 20)), max(1, -(-stories // 20)))


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


def _halves(items: list, rng: random.Random) -> tuple[list, list]:
    """A random split into a warm-up half and a measured half (the same item in both when there is only one)."""
    items = list(items)
    rng.shuffle(items)
    half = len(items) // 2
    return (items[:half] or items, items[half:] or items)


def page_requests(targets: Targets, rng: random.Random, warm: bool) -> dict[str, list]:
    """One generator per page kind: ``warm`` draws from the warm-up half of every target, else the measured half."""
    pick = 0 if warm else 1
    ids, labels, words, languages = (_halves(x, random.Random(2))[pick]
                                     for x in (targets.ids, targets.labels, targets.words, targets.languages))
    pages = _halves(list(range(1, targets.pages + 1)), random.Random(3))[pick]
    story_pages = _halves(list(range(1, min(targets.story_pages, 50) + 1)), random.Random(4))[pick]
    get = lambda url: ("GET", url, {})

    def articles_list(i: int) -> tuple:
        extra = [{}, {"narrative": rng.choice(labels)}, {"language": rng.choice(languages)}][i % 3]
        return get("/documents?" + urlencode({**extra, "page": rng.choice(pages) if not extra else 1}))

    period = {"since": "2024-02-01", "until": "2024-02-29"}
    return {
        "overview": lambda i: get("/?" + urlencode(period) if warm else "/"),
        "articles list": articles_list,
        "article page": lambda i: get("/articles/" + quote(rng.choice(ids), safe="")),
        "narrative page": lambda i: get("/narratives/" + quote(rng.choice(labels), safe="")),
        "storylines": lambda i: get("/storylines?" + urlencode({"page": rng.choice(story_pages)})),
        "entities": lambda i: get("/entities" + ("?by=language" if warm else ("?by=outlet" if i % 2 else ""))),
        "search": lambda i: get("/documents?" + urlencode({"q": rng.choice(words)})),
    }


def measure_cold(base: str, db: str, pages: dict[str, Any], n: int, token: str, target_ms: float) -> list[dict]:
    """Each page ``n`` times, each request right after a change of the store (a run recorded), so that the app's
    result cache is empty, as on a dashboard over a store that an ingest keeps writing to."""
    store = open_store(db)
    rows = []
    try:
        for name, make in pages.items():
            timings = []
            for i in range(n):
                store.finish_run(store.start_run("web benchmark: cold", []), "done", 0, 0, 0)
                timings += _load(base, [make(1000 + i)], 1, token)
            rows.append(_stats(f"{name} (cold)", timings, target_ms))
    finally:
        store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="an existing corpus (default: one built in a temporary folder)")
    parser.add_argument("--docs", type=int, default=10000, help="size of the built corpus")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the SemEval training release (5 language folders)")
    parser.add_argument("--pages", type=int, default=60, help="requests per page kind")
    parser.add_argument("--analyses", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--cold", type=int, default=0,
                        help="then request each page this many times right after a change of the store (cold)")
    parser.add_argument("--target-ms", type=float, default=200, help="p95 target of a warm page")
    parser.add_argument("--cold-target-ms", type=float, default=2000, help="p95 target of a cold page")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="narrascope-web-bench-")
    articles = read_articles(args.data)  # the analysed texts come from them, whatever the corpus
    if args.db:
        db = args.db
    else:
        db = str(Path(tmp.name) / "corpus.db")
        t0 = time.perf_counter()
        build_corpus(Path(db), args.docs, args.data)
        print(f"corpus: {args.docs} distinct documents ingested in {time.perf_counter() - t0:.1f} s")
    targets = read_targets(db)
    if not targets.ids:
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
        # analysed texts: variants never stored in the corpus; warm-up and measured texts drawn apart
        measured_texts = [t for _, _, t in varied_texts(articles, 2 * args.analyses + args.analyses // 2, seed=101,
                                                        originals=False)]
        warm_texts = [t for _, _, t in varied_texts(articles, 5, seed=202, originals=False)]
        analysis = lambda text, store: ("POST", f"/api/analyze?store={'true' if store else 'false'}",
                                        {"json": {"text": text, "outlet": "bench.example", "published": "2024-03-01"}})
        t0 = time.perf_counter()
        warm = page_requests(targets, rng, warm=True)
        _load(base, [make(i) for make in warm.values() for i in range(3)]
              + [analysis(t, False) for t in warm_texts if args.analyses], 1, token)
        print(f"warm-up on other requests (models load on first use): {time.perf_counter() - t0:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        measured = page_requests(targets, rng, warm=False)
        rows = [_stats(f"{name} (1 client)", _load(base, [make(i) for i in range(args.pages)], 1, token),
                       args.target_ms) for name, make in measured.items()]
        rows.append(_stats(f"article page (x{args.concurrency} clients)",
                           _load(base, [measured["article page"](i) for i in range(args.pages)], args.concurrency,
                                 token), None))
        if args.cold:
            rows += measure_cold(base, db, measured, args.cold, token, args.cold_target_ms)
        texts = iter(measured_texts)
        rows += [] if not args.analyses else [
            _stats("analyze, 1 article (1 client)", _load(base, [analysis(next(texts), False)
                                                                 for _ in range(args.analyses)], 1, token), 1000),
            _stats(f"analyze, 1 article (x{args.concurrency} clients)",
                   _load(base, [analysis(next(texts), False) for _ in range(args.analyses)], args.concurrency, token),
                   None),
            _stats("analyze + store, 1 article", _load(base, [analysis(next(texts), True)
                                                              for _ in range(args.analyses // 2)], 1, token), None),
        ]
        print(f"corpus: {len(targets.ids)} documents, {len(targets.labels)} labels in use, {targets.story_pages} "
              f"storyline pages; CPU cores: {os.cpu_count()}; pipeline steps: {', '.join(DEFAULT_STEPS)}; "
              f"load average at the end: {os.getloadavg()[0]:.1f}")
        if args.json:
            print(json.dumps(rows, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)
        tmp.cleanup()


if __name__ == "__main__":
    main()
