"""How the storyline threshold was chosen: cosine distributions of static embeddings, raw and language-centred.

Usage: python benchmarks/storylines.py [DATA_DIR] [--docs 3000] [--thresholds 0.45 0.5 0.55 0.6]

1. Pairs of different SemEval training articles (first 1,500 characters, as storylines embed them): percentiles of
   the cosine for pairs in one language and pairs across languages, raw and centred on the language means
   (``models/static/language_means.npz``). Some same-language pairs are in fact on one story, so the upper
   percentiles overstate false merges.
2. The synthetic corpus of ``benchmarks/corpus.py`` run through ``StorylineBuilder`` at each threshold: number of
   storylines, largest sizes, share of syndicated copies placed in their origin's storyline, and originals that
   share a storyline with another original (they mix sentences of random articles, so some overlap is real).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from narrascope.corpus.storylines import STORY_CHARS, StorylineBuilder, centre, load_language_means
from narrascope.embeddings.embedders import get_embedder
from narrascope.semeval.io import LANGUAGE_CODES, read_raw_document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import synthesise  # noqa: E402


def pair_percentiles(vectors: np.ndarray, languages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sims = vectors @ vectors.T
    upper = np.triu_indices(len(vectors), 1)
    same = (languages[:, None] == languages[None, :])[upper]
    q = [50, 90, 99, 99.9]
    return np.percentile(sims[upper][same], q), np.percentile(sims[upper][~same], q)


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.45, 0.5, 0.55, 0.6])
    args = parser.parse_args()
    embedder = get_embedder("static")
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
    for threshold in args.thresholds:
        builder = StorylineBuilder(embedder, threshold=threshold)
        builder._embed = lambda docs: vectors[[row[d.id] for d in docs]]  # type: ignore[method-assign]
        assigned, _ = builder.assign(documents)
        story_of = {doc: sid for sid, docs in assigned.items() for doc in docs}
        sizes = sorted((len(v) for v in assigned.values()), reverse=True)
        with_origin = sum(story_of[c] == story_of[o] for c, o in truth.items()) / max(len(truth), 1)
        per_story = Counter(story_of[d.id] for d in documents if d.id not in truth)
        merged = sum(n for n in per_story.values() if n > 1)
        print(f"  threshold {threshold:.2f}: {len(assigned)} storylines, largest {sizes[:5]}, copies with their origin "
              f"{with_origin:.3f}, originals sharing a storyline {merged}/{sum(per_story.values())}")


if __name__ == "__main__":
    main()
