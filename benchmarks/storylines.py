"""How the storyline threshold was chosen: cosine distributions of static embeddings, raw and language-centred.

Usage: python benchmarks/storylines.py [DATA_DIR] [--docs 3000] [--thresholds 0.45 0.5 0.55 0.6]
                                     [--min-shared 8] [--db STORE] [--top 10] [--skip-pairs]

1. Pairs of different SemEval training articles (first 1,500 characters, as storylines embed them): percentiles of
   the cosine for pairs in one language and pairs across languages, raw and centred on the language means
   (``models/static/language_means.npz``). Some same-language pairs are in fact on one story, so the upper
   percentiles overstate false merges.
2. The synthetic corpus of ``benchmarks/corpus.py`` run through ``StorylineBuilder`` at each threshold: number of
   storylines, largest sizes, share of syndicated copies placed in their origin's storyline, and originals that
   share a storyline with another original (they mix sentences of random articles, so some overlap is real).
3. With ``--db STORE`` (a store the SemEval release was ingested into: ``narrascope ingest DATA_DIR --db STORE --steps
   language``): its documents placed again in batches of 64, as ``narrascope ingest`` does, at each ``--min-shared``;
   the number of storylines and the ``--top`` largest with their titles and languages, to judge by eye whether each
   holds one event.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from narrascope.corpus.storylines import (
    MIN_SHARED,
    STORY_CHARS,
    StorylineBuilder,
    centre,
    load_language_means,
)
from narrascope.embeddings.embedders import get_embedder
from narrascope.semeval.io import LANGUAGE_CODES, read_raw_document
from narrascope.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import synthesise


def pair_percentiles(vectors: np.ndarray, languages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sims = vectors @ vectors.T
    upper = np.triu_indices(len(vectors), 1)
    same = (languages[:, None] == languages[None, :])[upper]
    q = [50, 90, 99, 99.9]
    return np.percentile(sims[upper][same], q), np.percentile(sims[upper][~same], q)


def report_store(db: Path, embedder, min_shared: float, top: int) -> None:  # type: ignore[no-untyped-def]
    """Place the documents of ``db`` in storylines again and print the largest with their titles and languages."""
    store = open_store(db)
    documents = list(store.iter_documents())
    store.close()
    builder = StorylineBuilder(embedder, min_shared=min_shared)
    members: dict[str, list[str]] = {}
    for start in range(0, len(documents), 64):
        assigned, _ = builder.assign(documents[start : start + 64])
        for sid, ids in assigned.items():
            members.setdefault(sid, []).extend(ids)
    by_id = {d.id: d for d in documents}
    sizes = sorted((len(v) for v in members.values()), reverse=True)
    print(f"{db.name}: {len(documents)} documents, min_shared {min_shared:g}: {len(members)} storylines, "
          f"{sum(1 for n in sizes if n > 1)} with two or more documents, largest {sizes[:10]}")
    for sid in sorted(members, key=lambda s: -len(members[s]))[:top]:
        docs = [by_id[i] for i in members[sid]]
        languages = Counter(d.language or "?" for d in docs)
        print(f"  {len(docs):3d} {dict(languages)}")
        for d in docs[:6]:
            print(f"        {(d.title or d.text)[:100]!r}")


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.45, 0.5, 0.55, 0.6])
    parser.add_argument("--min-shared", type=float, nargs="+", default=[MIN_SHARED],
                        help="IDF weight of shared story keys needed to join a storyline (0: embeddings only).")
    parser.add_argument("--db", type=Path, help="A store with the SemEval release ingested: report its largest storylines.")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--skip-pairs", action="store_true", help="Skip the cosine percentiles and the synthetic corpus.")
    args = parser.parse_args()
    embedder = get_embedder("static")
    if args.db:
        for min_shared in args.min_shared:
            report_store(args.db, embedder, min_shared, args.top)
    if args.skip_pairs:
        return
    texts, languages = [], []
    for folder, code in LANGUAGE_CODES.items():
        for path in sorted((args.data / folder / "raw-documents").glob("*.txt")):
            texts.append(read_raw_document(path).text[:STORY_CHARS])
            languages.append(code)
    if not texts:
        raise SystemExit(f"no SemEval articles under {args.data}")
    raw = embedder.embed(texts)
    langs = np.array(languages)
    print(f"{len(texts)} SemEval articles; cosine percentiles 50/90/99/99.9 of pairs of different articles")
    for name, vectors in (("raw", raw), ("centred", centre(raw, languages, load_language_means()))):
        same, cross = pair_percentiles(vectors, langs)
        print(f"  {name:<8} same language {' '.join(f'{v:6.3f}' for v in same)}   "
              f"across languages {' '.join(f'{v:6.3f}' for v in cross)}")

    documents, truth = synthesise(args.data, args.docs, 0.2)
    vectors = StorylineBuilder(embedder)._embed(documents)
    row = {d.id: i for i, d in enumerate(documents)}
    print(f"synthetic corpus: {len(documents)} documents, {len(truth)} syndicated copies, centred static embeddings, "
          "14-day window")
    for threshold, min_shared in [(t, m) for t in args.thresholds for m in args.min_shared]:
        builder = StorylineBuilder(embedder, threshold=threshold, min_shared=min_shared)
        builder._embed = lambda docs: vectors[[row[d.id] for d in docs]]  # type: ignore[method-assign]
        assigned: dict[str, list[str]] = {}
        for start in range(0, len(documents), 64):  # in batches, as narrascope ingest places them
            for sid, ids in builder.assign(documents[start : start + 64])[0].items():
                assigned.setdefault(sid, []).extend(ids)
        story_of = {doc: sid for sid, docs in assigned.items() for doc in docs}
        sizes = sorted((len(v) for v in assigned.values()), reverse=True)
        with_origin = sum(story_of[c] == story_of[o] for c, o in truth.items()) / max(len(truth), 1)
        per_story = Counter(story_of[d.id] for d in documents if d.id not in truth)
        merged = sum(n for n in per_story.values() if n > 1)
        print(f"  threshold {threshold:.2f}, min_shared {min_shared:g}: {len(assigned)} storylines, largest {sizes[:5]}, copies with their origin "
              f"{with_origin:.3f}, originals sharing a storyline {merged}/{sum(per_story.values())}")


if __name__ == "__main__":
    main()
