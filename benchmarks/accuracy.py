"""Narrative classifier accuracy: K-fold CV on the SemEval-2025 Task 10 training release, with an ablation table.

Usage: python benchmarks/accuracy.py [DATA_DIR] [--folds 5] [--variants default,global-thresholds,word-only,...]
DATA_DIR defaults to ../shared/data/semeval2025-task10. For every variant it prints the official F1-samples (coarse and
fine) per language and overall as mean ± std over folds, thresholds tuned without test leakage (see
``narrascope.training.evaluation``), and its seconds (threshold tuning only for a variant that reuses the out-of-fold
predictions of an earlier one with the same model, such as ``global-thresholds``). The corpus is counted once (word
and character n-grams); each variant's folds then pick their own vocabulary and IDF from their training rows, as ``narrascope evaluate``
does. ``narrascope evaluate DATA_DIR`` prints the default row alone.

``--holdout-language`` adds leave-one-language-out rows (``narrascope.training.transfer``): each language scored by a
model trained on the other languages, thresholds tuned leave-one-language-out on those only, for the dense head on
static multilingual embeddings (the route a trained model takes for a language without training articles) and for the
n-gram heads under the same protocol; printed beside the first variant's in-language CV, with the mean over languages.
``--holdout-language --variants none`` prints the held-out rows alone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrascope.training.evaluation import (
    _count, _cv_result, _decoder, _out_of_fold, _pair_out_of_fold, _split, with_taxonomy,
)
from narrascope.components.narratives.features import TermCounts
from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.semeval.io import read_semeval_folder


@dataclass(frozen=True)
class Variant:
    description: str
    make_model: Callable[[], NarrativeClassifier] = NarrativeClassifier
    min_documents: int = 100  # documents a language needs for its own thresholds (evaluation.MIN_LANGUAGE_DOCUMENTS)


VARIANTS: dict[str, Variant] = {
    "default": Variant("word 1-2-grams + char 2-5-grams TF-IDF, ridge heads (alpha 0.5), thresholds per language"),
    "global-thresholds": Variant("one set of thresholds for all languages", min_documents=10**9),
    "word-only": Variant("without the character n-grams", lambda: NarrativeClassifier(char_features=0)),
    "char-only": Variant("without the word n-grams", lambda: NarrativeClassifier(word_features=0)),
    "alpha-0.25": Variant("ridge alpha 0.25", lambda: NarrativeClassifier(alpha=0.25)),
    "alpha-1": Variant("ridge alpha 1.0", lambda: NarrativeClassifier(alpha=1.0)),
    "small": Variant("20k word + 20k char features",
                     lambda: NarrativeClassifier(word_features=20000, char_features=20000)),
}


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--variants", default="default,global-thresholds,word-only,char-only,alpha-0.25,alpha-1")
    parser.add_argument("--holdout-language", action="store_true", help="Add leave-one-language-out rows.")
    args = parser.parse_args()
    names = [] if args.variants == "none" else args.variants.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    corpus = read_semeval_folder(args.data)
    print(f"{len(corpus.narratives)} annotated articles, {args.folds}-fold CV by document (stratified by language)")
    ids, docs, languages, fold_index = _split(corpus, args.folds, seed=0)
    start = time.perf_counter()
    counts = _count(docs, NarrativeClassifier)
    print(f"counted word and character n-grams once ({time.perf_counter() - start:.0f} s)", flush=True)
    rows = []
    first_cv = None
    oofs: dict[Callable[[], NarrativeClassifier], Any] = {}  # variants that only decode differently share the model's
    for name in names:
        variant = VARIANTS[name]
        start = time.perf_counter()
        make_model = with_taxonomy(corpus, variant.make_model)  # the models label with the corpus's taxonomy
        if variant.make_model not in oofs:
            blocks = variant.make_model().blocks
            variant_counts = TermCounts({b: counts.matrices[b] for b in blocks}, {b: counts.terms[b] for b in blocks})
            oofs[variant.make_model] = (
                _out_of_fold(corpus, ids, variant_counts, fold_index, make_model, None),
                _pair_out_of_fold(corpus, ids, variant_counts, fold_index, make_model, None),
            )
        oof, inner = oofs[variant.make_model]
        result = _cv_result(corpus, ids, languages, fold_index, oof, inner, _decoder(corpus, make_model),
                            min_documents=variant.min_documents)
        elapsed = time.perf_counter() - start
        first_cv = first_cv or result
        print(f"\n== {name}: {variant.description} ({elapsed:.0f} s)\n{result.table()}", flush=True)
        rows.append((name, result.summary(), elapsed))
    if args.holdout_language:
        from narrascope.training.transfer import cross_validate_holdout_language

        start = time.perf_counter()
        held_out = cross_validate_holdout_language(corpus, routes=("dense", "ngram"))
        print(f"\n== each language held out: trained on the other languages ({time.perf_counter() - start:.0f} s)\n"
              f"{held_out.table(first_cv)}", flush=True)
    if not rows:
        return
    languages_seen = [g for g in rows[0][1] if g != "ALL"]
    print("\nAblation (F1 fine, mean over folds; coarse for ALL and EN)")
    header = f"{'variant':<18}" + "".join(f"{g:>8}" for g in languages_seen + ["ALL"])
    print(header + f"{'coarse ALL':>12}{'coarse EN':>11}{'seconds':>9}")
    for name, summary, elapsed in rows:
        fine = "".join(f"{summary[g]['fine'][0]:>8.3f}" for g in languages_seen + ["ALL"])
        en = f"{summary['EN']['coarse'][0]:>11.3f}" if "EN" in summary else f"{'-':>11}"
        print(f"{name:<18}{fine}{summary['ALL']['coarse'][0]:>12.3f}{en}{elapsed:>9.0f}")


if __name__ == "__main__":
    main()
