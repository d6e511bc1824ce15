"""Narrative classifier accuracy: K-fold CV on the SemEval-2025 Task 10 training release, with an ablation table.

Usage: python benchmarks/accuracy.py [DATA_DIR] [--folds 5] [--variants default,word-only,char-only]
DATA_DIR defaults to ../shared/data/semeval2025-task10. For every variant it prints the official F1-samples (coarse and
fine) per language and overall as mean ± std over folds, thresholds tuned without test leakage (see
``narrascope.evaluation``), and the wall time. ``narrascope evaluate DATA_DIR`` prints the default row alone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from narrascope.evaluation import cross_validate_narratives
from narrascope.models.narratives import NarrativeClassifier
from narrascope.semeval.io import read_semeval_folder

VARIANTS: dict[str, tuple[str, Callable[[], NarrativeClassifier]]] = {
    "default": ("word 1-2-grams + char 2-5-grams TF-IDF, ridge heads", NarrativeClassifier),
    "word-only": ("without the character n-grams", lambda: NarrativeClassifier(char_features=0)),
    "char-only": ("without the word n-grams", lambda: NarrativeClassifier(word_features=0)),
    "small": ("20k word + 20k char features", lambda: NarrativeClassifier(word_features=20000, char_features=20000)),
}


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--variants", default="default,word-only,char-only")
    args = parser.parse_args()
    corpus = read_semeval_folder(args.data)
    print(f"{len(corpus.narratives)} annotated articles, {args.folds}-fold CV by document (stratified by language)")
    rows = []
    for name in args.variants.split(","):
        description, make_model = VARIANTS[name]
        start = time.perf_counter()
        result = cross_validate_narratives(corpus, folds=args.folds, make_model=make_model)
        elapsed = time.perf_counter() - start
        print(f"\n== {name}: {description} ({elapsed:.0f} s)\n{result.table()}", flush=True)
        summary = result.summary()
        rows.append((name, summary, elapsed))
    languages = [g for g in rows[0][1] if g != "ALL"]
    print("\nAblation (F1 fine, mean over folds)")
    print(f"{'variant':<12}" + "".join(f"{g:>8}" for g in languages + ["ALL"]) + f"{'coarse ALL':>12}{'seconds':>9}")
    for name, summary, elapsed in rows:
        fine = "".join(f"{summary[g]['fine'][0]:>8.3f}" for g in languages + ["ALL"])
        print(f"{name:<12}{fine}{summary['ALL']['coarse'][0]:>12.3f}{elapsed:>9.0f}")


if __name__ == "__main__":
    main()
