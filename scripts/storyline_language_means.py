"""Per-language mean of the "static" embeddings, used by storylines to centre document vectors.

Raw static embeddings share a large language-specific component: two unrelated articles in one language have a
median cosine of 0.77, an article and an unrelated article in another language 0.01, so a similarity threshold
either merges a whole language into one storyline or never links languages. Subtracting the mean vector of the
document's language removes that component (median 0.0 for both). The means are averages of 256-dimensional
embeddings of the first 1,500 characters of the SemEval-2025 Task 10 training articles (read from ../shared, never
copied); no text is stored.

    .venv/bin/python scripts/storyline_language_means.py [DATA_DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from narrascope.corpus.storylines import LANGUAGE_MEANS_FILE, STORY_CHARS
from narrascope.embeddings.embedders import get_embedder
from narrascope.semeval.io import LANGUAGE_CODES, read_raw_document


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--out", type=Path, default=LANGUAGE_MEANS_FILE)
    args = parser.parse_args()
    embedder = get_embedder("static")
    languages, means, counts = [], [], []
    for folder, code in sorted(LANGUAGE_CODES.items(), key=lambda kv: kv[1]):
        paths = sorted((args.data / folder / "raw-documents").glob("*.txt"))
        if not paths:
            continue
        vectors = embedder.embed([read_raw_document(p).text[:STORY_CHARS] for p in paths])
        languages.append(code)
        means.append(vectors.mean(axis=0))
        counts.append(len(paths))
        print(f"{code}: {len(paths)} documents")
    if not languages:
        raise SystemExit(f"no SemEval articles under {args.data}")
    np.savez(args.out, languages=np.array(languages), means=np.asarray(means, dtype=np.float32),
             counts=np.array(counts), embedder=np.array(embedder.name))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
