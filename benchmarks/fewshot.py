"""Few-shot and zero-shot narratives: hide a SemEval subnarrative, give only its definition and k labelled articles.

Usage: python benchmarks/fewshot.py [DATA_DIR] [--languages BG,EN,HI,PT,RU] [--every 3] [--shots 0,5,20]

5-fold CV by document (the folds of ``narrascope evaluate``). The hidden labels are the SemEval subnarratives with at
least 20 training articles (every ``--every``-th of them by frequency; ``--every 1``: all 37). For each test fold and
each k, the label's training articles are the k drawn (seeded) from its positives in the training folds; every other
training article counts as not carrying it (as for a user who labelled k articles of a new narrative). Systems:

* ``proto``: ``PrototypeScorer`` (components/narratives/fewshot.py), static embeddings; what
  ``NarrativeClassifier`` uses for a label with fewer than ``fewshot_below`` articles;
* ``ngram``: the n-gram ridge head trained on the same k positives (its threshold: best binary F1 on exact
  leave-one-out scores of the training folds; k > 0 only);
* ``both``: the sum of the two scores standardised on the training folds, threshold as for ``ngram``;
* ``supervised``: the shipped configuration's nested CV with all labels (thresholds tuned by inner CV), the label's
  binary F1 read from its decoded out-of-fold predictions;
* ``random``: guessing at the label's prevalence p (F1 = p); ``all``: predicting it everywhere (2p / (1 + p)).

Prints one line per hidden label and the means, with each system's mean as a share of the supervised mean.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from narrascope.annotations import NarrativeAnnotation
from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.components.narratives.fewshot import PrototypeScorer, _best_f1_threshold, sentence_vectors
from narrascope.semeval.io import SemevalCorpus, read_semeval_folder
from narrascope.taxonomy import OTHER
from narrascope.training.evaluation import _count, _split, nested_predictions


def f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    return float(2 * (gold & predicted).sum() / max(gold.sum() + predicted.sum(), 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2025-task10"))
    parser.add_argument("--languages", default="BG,EN,HI,PT,RU")
    parser.add_argument("--every", type=int, default=3, help="hide every n-th subnarrative with >= 20 articles")
    parser.add_argument("--shots", default="0,5,20")
    args = parser.parse_args()
    shots = [int(k) for k in args.shots.split(",")]

    corpus = SemevalCorpus()
    for lang in args.languages.split(","):
        corpus.extend(read_semeval_folder(Path(args.data) / lang))
    taxonomy = corpus.taxonomy  # SemEval's, from the release
    ids, docs, languages, fold_index = _split(corpus, 5, 0)
    gold = [corpus.narratives[i] for i in ids]
    frequency: dict[str, int] = {}
    for a in gold:
        for label in a.subnarratives:
            if label != OTHER and not label.endswith(f": {OTHER}"):
                frequency[label] = frequency.get(label, 0) + 1
    labels = sorted((l for l, n in frequency.items() if n >= 20), key=lambda l: (-frequency[l], l))[:: args.every]
    positive = np.array([[l in a.subnarratives for l in labels] for a in gold])

    started = time.perf_counter()
    supervised = nested_predictions(corpus, ids, docs, languages, fold_index)
    supervised_f1 = [f1(positive[:, j], np.array([l in supervised[i].subnarratives for i in ids]))
                     for j, l in enumerate(labels)]
    seconds_supervised = time.perf_counter() - started

    started = time.perf_counter()
    _, vectors = sentence_vectors("static").articles([d.text for d in docs])
    probe = NarrativeClassifier(taxonomy=taxonomy)
    counts = _count(docs, NarrativeClassifier)
    results = {(system, k): np.zeros((len(ids), len(labels)), bool) for k in shots for system in ("proto", "ngram", "both")}
    for f, test in enumerate(fold_index):
        train = np.setdiff1d(np.arange(len(ids)), test)
        X = probe._tfidf(probe._select(counts.rows(train)))
        X_test = probe._tfidf(counts.rows(test).project(probe.terms_))
        K_inv = np.linalg.inv((X @ X.T).toarray() + probe.alpha * np.eye(len(train)))
        K_test = (X_test @ X.T).toarray()
        for k in shots:
            for j, label in enumerate(labels):
                pool = train[positive[train, j]]
                keep = set(np.random.default_rng(f).choice(pool, size=min(k, len(pool)), replace=False).tolist())
                y = np.array([i in keep for i in train])
                annotations = [NarrativeAnnotation(ids[i], [], [label] if i in keep else []) for i in train]
                scorer = PrototypeScorer().fit_vectors([vectors[i] for i in train], annotations, [label], taxonomy)
                proto_test = scorer.score_vectors([vectors[i] for i in test])[:, 0]
                results["proto", k][test, j] = proto_test >= scorer.thresholds_[0]
                if k == 0:
                    continue
                mean = y.mean()  # exact leave-one-out scores of kernel ridge: y - A / diag(K⁻¹)
                A = K_inv @ (y - mean)
                loo = y - mean - A / np.diag(K_inv) + mean
                ngram_test = K_test @ A + mean
                results["ngram", k][test, j] = ngram_test >= _best_f1_threshold(loo, y)
                proto_train = scorer.score_vectors([vectors[i] for i in train])[:, 0]
                z = lambda s, ref: (s - ref[~y].mean()) / max(ref[~y].std(), 1e-9)  # noqa: E731
                both_train = z(loo, loo) + z(proto_train, proto_train)
                both_test = z(ngram_test, loo) + z(proto_test, proto_train)
                results["both", k][test, j] = both_test >= _best_f1_threshold(both_train, y)
    seconds_fewshot = time.perf_counter() - started

    columns = [(s, k) for k in shots for s in ("proto", "ngram", "both") if not (k == 0 and s != "proto")]
    table = {c: [f1(positive[:, j], results[c][:, j]) for j in range(len(labels))] for c in columns}
    prevalence = positive.mean(axis=0)
    print(f"few-shot benchmark: {len(ids)} SemEval training articles ({args.languages}), 5-fold CV by document, "
          f"{len(labels)} hidden subnarratives (>= 20 articles, every {args.every}th by frequency); supervised nested CV "
          f"{seconds_supervised:.0f} s, few-shot runs {seconds_fewshot:.0f} s")
    header = "".join(f"{f'{s} k={k}':>13}" for s, k in columns)
    print(f"{'hidden subnarrative':<60}{'n':>5}{'random':>8}{'all':>7}{header}{'supervised':>12}")
    for j, label in enumerate(labels):
        p = prevalence[j]
        row = "".join(f"{table[c][j]:>13.3f}" for c in columns)
        print(f"{label[:59]:<60}{positive[:, j].sum():>5}{p:>8.3f}{2 * p / (1 + p):>7.3f}{row}{supervised_f1[j]:>12.3f}")
    mean_sup = float(np.mean(supervised_f1))
    row = "".join(f"{np.mean(table[c]):>13.3f}" for c in columns)
    p = prevalence.mean()
    print(f"{'mean':<60}{'':>5}{p:>8.3f}{np.mean(2 * prevalence / (1 + prevalence)):>7.3f}{row}{mean_sup:>12.3f}")
    share = "".join(f"{np.mean(table[c]) / mean_sup:>12.0%} " for c in columns)
    print(f"{'share of the supervised mean':<60}{'':>5}{p / mean_sup:>7.0%} {'':>7}{share}{'100%':>12}")


if __name__ == "__main__":
    main()
