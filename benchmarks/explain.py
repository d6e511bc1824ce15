"""Subtask-3 explanations: similarity to the gold explanations per language, for the extractive explainer and the
first-80-words baseline, length statistics and speed.

The gold dominant narrative/subnarrative is the explainer's input, as in the official task. The similarity is a proxy
(``e5``: cosine of multilingual-e5-small embeddings; ``token-f1``: lexical): the official metric, BERTScore with
bert-base-multilingual-cased, cannot be downloaded here.

``--cv K`` picks the explainer's settings (sentences quoted, template on/off) on K-1 folds by ``--tune-similarity``
and reports the held-out folds; without it the defaults are reported (nothing in them was fitted to this data).

    .venv/bin/python benchmarks/explain.py ../shared/data/semeval2025-task10 --per-language 40
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from narrascope.models.explainers import E5_SIMILARITY_NAME, ExtractiveExplainer, default_embedder, e5_similarity, evaluate_explanations
from narrascope.semeval.io import read_semeval_folder
from narrascope.semeval.metrics import score_subtask3, token_f1_similarity

SIMILARITIES = {"e5": (e5_similarity, E5_SIMILARITY_NAME), "token-f1": (token_f1_similarity, "token F1 (lexical proxy)")}
GRID = [{"n_sentences": n, "use_template": t} for n, t in itertools.product((1, 2), (True, False))]


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


def cross_validate(documents: dict, gold: dict, folds: int, tune: str, embedder: object) -> dict:
    """Held-out predictions, each fold explained with the grid setting that scored best on the other folds."""
    tune_fn = SIMILARITIES[tune][0]
    ids = sorted(gold)
    predictions: dict[str, str] = {}
    for k in range(folds):
        held = set(ids[k::folds])
        train = {i: gold[i] for i in ids if i not in held}

        def score(config: dict) -> float:
            explainer = ExtractiveExplainer(embedder=embedder, **config)
            pred = {i: explainer.explain(documents[i], g.narrative, g.subnarrative).text for i, g in train.items()}
            return score_subtask3(train, pred, similarity=tune_fn).similarity

        best = max(GRID, key=score)
        print(f"fold {k + 1}/{folds}: chose {best}")
        explainer = ExtractiveExplainer(embedder=embedder, **best)
        predictions.update({i: explainer.explain(documents[i], gold[i].narrative, gold[i].subnarrative).text for i in held})
    return predictions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, nargs="+", help="SemEval release or language folders with subtask-3 annotations")
    parser.add_argument("--per-language", type=int, default=None, help="Score only the first N documents (sorted ids) per language.")
    parser.add_argument("--similarity", choices=sorted(SIMILARITIES), default="e5")
    parser.add_argument("--cv", type=int, default=0, help="Tune the settings by K-fold CV (0: report the defaults).")
    parser.add_argument("--tune-similarity", choices=sorted(SIMILARITIES), default="token-f1")
    args = parser.parse_args()

    corpus = read_semeval_folder(args.data[0])
    for extra in args.data[1:]:
        corpus.extend(read_semeval_folder(extra))
    gold = subsample(corpus.explanations, corpus.documents, args.per_language)
    similarity, name = SIMILARITIES[args.similarity]
    embedder = default_embedder()
    print(f"similarity: {name}")
    print(f"embedder for the label similarity: {type(embedder).__name__ if embedder is not None else 'none (lexical)'}")
    result = evaluate_explanations(corpus.documents, gold, ExtractiveExplainer(embedder=embedder), similarity, name)
    rows = {"extractive (defaults)": result["explainer"], "baseline: first 80 words": result["baseline"]}
    if args.cv:
        started = time.perf_counter()
        held_out = cross_validate(corpus.documents, gold, args.cv, args.tune_similarity, embedder)
        languages = {i: corpus.documents[i].language for i in gold}
        rows[f"extractive ({args.cv}-fold CV, held-out)"] = score_subtask3(gold, held_out, similarity=similarity, similarity_name=name, languages=languages)
        print(f"CV took {time.perf_counter() - started:.1f}s")
    n = result["explainer"].n_documents
    print(f"{n} documents explained in {result['seconds']:.2f}s: {n / result['seconds']:.1f} docs/s (extractive, 1 process)")
    langs = sorted(result["explainer"].by_language)
    print(f"{'system':<34}{'all':>7}" + "".join(f"{lang:>7}" for lang in langs) + f"{'words':>8}{'<=80':>8}")
    for label, scores in rows.items():
        per = "".join(f"{scores.by_language[lang].similarity:7.3f}" for lang in langs)
        print(f"{label:<34}{scores.similarity:7.3f}{per}{scores.mean_words:8.1f}{100 * scores.share_within_limit:7.1f}%")
    print("documents per language: " + ", ".join(f"{lang} {result['explainer'].by_language[lang].n_documents}" for lang in langs))


if __name__ == "__main__":
    main()
