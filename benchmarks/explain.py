"""Subtask-3 explanations: similarity to the gold explanations per language, for the extractive explainer and the
first-80-words baseline, length statistics and speed.

The gold dominant narrative/subnarrative is the explainer's input, as in the official task. The similarity is a proxy
(``e5``: cosine of multilingual-e5-small embeddings; ``token-f1``: lexical): the official metric, BERTScore with
bert-base-multilingual-cased, cannot be downloaded here.

``--cv K`` picks the explainer's settings per language (sentences quoted, template on/off, lead prior:
``narrascope.training.explainer_tuning.GRID``) on K-1 folds by ``--similarity`` and reports the held-out folds;
``--save-settings FILE`` writes the settings chosen on all documents (the shipped ones are
``src/narrascope/models/explainer/settings.json``). The "extractive, shipped" row uses the shipped per-language
settings, which were chosen on these documents: only the CV row is an unbiased estimate. The table and the
similarities (any name registered in ``narrascope.semeval.metrics.similarities``) are those of
``narrascope evaluate --subtask 3``.

    .venv/bin/python benchmarks/explain.py ../shared/data/semeval2025-task10 --per-language 40
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from narrascope.training.evaluation import cross_validate_explainer, explanation_similarity, explanation_table
from narrascope.training.explainer_tuning import GRID
from narrascope.components.explain.explainers import ExtractiveExplainer, default_embedder
from narrascope.training.explanations import evaluate_explanations
from narrascope.semeval.io import read_semeval_folder
from narrascope.semeval.metrics import Subtask3Scores, similarities


def subsample(gold: dict, documents: dict, per_language: int | None) -> dict:
    if not per_language:
        return gold
    counts: dict[str, int] = {}
    kept = {}
    for doc_id in sorted(gold):
        lang = documents[doc_id].language
        if counts.get(lang, 0) < per_language:
            counts[lang] = counts.get(lang, 0) + 1
            kept[doc_id] = gold[doc_id]
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, nargs="+", help="SemEval release or language folders with subtask-3 annotations")
    parser.add_argument("--per-language", type=int, default=None, help="Score only the first N documents (sorted ids) per language.")
    parser.add_argument("--similarity", choices=similarities.names(), default="e5")
    parser.add_argument("--cv", type=int, default=0, help="Tune the settings by K-fold CV (0: report the defaults).")
    parser.add_argument("--save-settings", type=Path, help="Write the per-language settings chosen on all documents (JSON).")
    args = parser.parse_args()

    corpus = read_semeval_folder(args.data[0])
    for extra in args.data[1:]:
        corpus.extend(read_semeval_folder(extra))
    gold = subsample(corpus.explanations, corpus.documents, args.per_language)
    similarity, name = explanation_similarity(args.similarity)
    embedder = default_embedder()
    print(f"similarity: {name}")
    print(f"embedder for the label similarity: {type(embedder).__name__ if embedder is not None else 'none (lexical)'}")
    result = evaluate_explanations(corpus.documents, gold, ExtractiveExplainer(embedder=embedder, taxonomy=corpus.taxonomy),
                                  similarity, name)
    rows: dict[str, Subtask3Scores] = {}
    if args.cv:
        started = time.perf_counter()
        print(f"scoring {len(GRID)} settings on every document by {args.similarity} (e5 embeddings are cached on disk)")
        tuned, rows[f"extractive, {args.cv}-fold CV"] = cross_validate_explainer(
            corpus.documents, gold, similarity, name, args.cv, embedder, progress=lambda m: print("  " + m, flush=True),
            taxonomy=corpus.taxonomy)
        for k, chosen in enumerate(tuned.fold_choices):
            print(f"fold {k + 1}/{args.cv}: " + ", ".join(f"{lang} {config}" for lang, config in chosen.items()))
        print(f"CV took {time.perf_counter() - started:.1f}s")
        print("settings chosen on all documents: " + json.dumps(tuned.settings))
        if args.save_settings:
            tuned.save(args.save_settings, args.similarity, args.cv)
            print(f"wrote {args.save_settings}")
    rows |= {"extractive, shipped": result["explainer"], "baseline: first 80 words": result["baseline"]}
    n = result["explainer"].n_documents
    print(f"{n} documents explained in {result['seconds']:.2f}s: {n / result['seconds']:.1f} docs/s (extractive, 1 process)")
    print(explanation_table(rows))
    by_language = result["explainer"].by_language
    print("documents per language: " + ", ".join(f"{lang} {by_language[lang].n_documents}" for lang in sorted(by_language)))


if __name__ == "__main__":
    main()
