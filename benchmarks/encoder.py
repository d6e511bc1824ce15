"""Cross-validate the fine-tuned e5 narrative head against and blended with the n-gram heads (subtask 2).

    nice -n 5 python benchmarks/encoder.py [--data ../shared/data/semeval2025-task10] [--epochs 2] [--layers 2]
        [--work /tmp/narrascope-encoder] [--supplement] [--holdout-language]

Folds are ``narrascope``'s (5, by document, stratified by language, seed 0). The frozen e5 layers are run once over
every article (cached under ``--work``); each fold fine-tunes the top ``--layers`` layers on the other four folds and
scores its own (resumable: finished folds are kept). The n-gram heads' out-of-fold probabilities come from the same
folds. For each blend weight ``beta`` (probability = (1 - beta) n-gram + beta encoder), fold k is decoded with the
thresholds tuned on the other folds' out-of-fold predictions (``tune_thresholds``, per language as shipped) and
scored with the official metric; ``beta*`` picks beta on the other folds too. Note: the other folds' encoder
predictions come from heads that saw fold k (no pair models: each costs a fine-tuning), the same protocol for every
row here, so the rows compare with each other, not with the nested figures of the model card.
With ``--holdout-language`` each language is scored by a head fine-tuned on the other four (the route an untrained
language takes), decoded with thresholds tuned on the other languages' held-out predictions and with the
shipped model's transfer thresholds (what `train` tunes on the head's in-language out-of-fold predictions).
With ``--supplement`` the hand-written training supplement (``training/supplement``) is added to every training part,
of the e5 head and of the n-gram heads, as ``narrascope train --encoder`` does (never scored).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from narrascope.annotations import NarrativeAnnotation
from narrascope.embeddings.e5_encoder import E5Encoder
from narrascope.semeval.io import read_semeval_folder
from narrascope.training import evaluation as ev
from narrascope.training.encoder_tuning import cache_states, out_of_fold_encoder, run_tag, supplement_for

BETAS = (0.0, 0.25, 0.5, 0.75, 1.0)
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data" / "semeval2025-task10"))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--train-chunks", type=int, default=4)
    parser.add_argument("--work", default="/tmp/narrascope-encoder")
    parser.add_argument("--supplement", action="store_true")
    parser.add_argument("--holdout-language", action="store_true")
    parser.add_argument("--prior-em", action="store_true",
                        help="with --holdout-language: also decode after re-estimating each held-out language's label "
                             "priors on its own articles (EM, Saerens et al. 2002)")
    args = parser.parse_args()
    say = lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True)  # noqa: E731

    corpus = read_semeval_folder(args.data)
    make = ev.with_taxonomy(corpus)
    ids, docs, languages, fold_index = ev._split(corpus, 5, 0)
    decoder = ev._decoder(corpus, make)
    labels = decoder.coarse_labels_ + decoder.fine_labels_
    Y = decoder.label_matrix([corpus.narratives[i] for i in ids])
    first = 12 - args.layers
    encoder = E5Encoder()
    work = Path(args.work)
    states = cache_states(encoder, [d.text for d in docs], first, work / "cache", max_chunks=8, progress=say)
    extra_states: list = []
    extra_languages: list = []
    sup_docs: list = []
    sup_ann: list = []
    extra_Y = np.zeros((0, len(labels)), np.float32)
    if args.supplement:
        sup_docs, sup_ann = supplement_for(corpus.taxonomy)
        extra_states = cache_states(encoder, [d.text for d in sup_docs], first, work / "cache-supplement", max_chunks=8,
                                    progress=say)
        extra_Y = decoder.label_matrix(sup_ann)
        extra_languages = [d.language for d in sup_docs]
    tag = run_tag(args.layers, args.epochs, args.train_chunks, len(sup_docs))
    fit_args = {"epochs": args.epochs, "train_chunks": args.train_chunks, "progress": say}

    if args.holdout_language:
        holdout(corpus, ids, languages, decoder, labels, Y, states, extra_states, extra_Y, extra_languages, encoder,
                first, work / f"lolo-{tag}", fit_args, args.prior_em)
        return

    P = out_of_fold_encoder(encoder, states, Y, labels, fold_index, first, work / f"oof-{tag}", extra=extra_states,
                            extra_Y=extra_Y, **fit_args)
    # as `narrascope train --encoder` does: the supplement trains the n-gram heads of every fold too
    counts = ev._count(list(docs) + list(sup_docs), make)
    ngram = ev._out_of_fold(corpus, ids, counts, fold_index, make, None, extra=sup_ann)
    split = len(decoder.coarse_labels_)
    enc = (P[:, :split], P[:, split:])
    rows = {}
    for beta in BETAS:
        probs = ((1 - beta) * ngram[0] + beta * enc[0], (1 - beta) * ngram[1] + beta * enc[1])
        rows[f"beta={beta}"] = per_fold_scores(corpus, ids, languages, fold_index, probs, decoder)
    print(f"\nsubtask 2, 5-fold CV ({tag}), F1 fine / coarse (mean over folds)")
    print_table(rows)


def per_fold_scores(corpus, ids, languages, fold_index, probs, decoder):
    """Each fold decoded with thresholds tuned on the other folds' predictions: {lang: (fine, coarse)} means."""
    scores: dict[str, list[tuple[float, float]]] = {}
    for k, test in enumerate(fold_index):
        rest = np.setdiff1d(np.arange(len(ids)), test)
        ev.tune_thresholds(decoder, (probs[0][rest], probs[1][rest]), [ids[i] for i in rest], corpus.narratives,
                           languages)
        result = ev._score(decoder, (probs[0][test], probs[1][test]), [ids[i] for i in test], corpus.narratives,
                           languages)
        for lang, s in result.items():
            scores.setdefault(lang, []).append((s["fine"], s["coarse"]))
    return {lang: tuple(np.mean(v, axis=0)) for lang, v in scores.items()}


def em_priors(P: np.ndarray, prior: np.ndarray, iterations: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Saerens et al. (2002), one binary label per column: probabilities re-weighted to the batch's priors, which
    are re-estimated from them until they settle; ``(probabilities, priors)``."""
    prior = np.clip(prior, 1e-3, 1 - 1e-3)
    new, Q = prior.copy(), P
    for _ in range(iterations):
        a, b = new / prior, (1 - new) / (1 - prior)
        Q = a * P / (a * P + b * (1 - P))
        new = np.clip(Q.mean(axis=0), 1e-3, 1 - 1e-3)
    return Q, new


def holdout(corpus, ids, languages, decoder, labels, Y, states, extra_states, extra_Y, extra_languages, encoder, first,
            work, fit_args, prior_em=False):
    """Leave-one-language-out: each language scored by a head fine-tuned on the other languages (and on the
    supplement's articles in the other languages only)."""
    langs = np.array([languages[i] for i in ids])
    order = sorted(set(langs))
    groups = [np.flatnonzero(langs == lang) for lang in order]
    left_out = [np.flatnonzero(np.array(extra_languages, dtype=object) == lang) for lang in order]
    P = out_of_fold_encoder(encoder, states, Y, labels, groups, first, work, extra=extra_states, extra_Y=extra_Y,
                            extra_left_out=left_out, **fit_args)
    split = len(decoder.coarse_labels_)
    # the thresholds the shipped model gives a language it has no articles in (tuned by `train` on the head's
    # in-language out-of-fold predictions)
    shipped = json.loads((ROOT / "src" / "narrascope" / "models" / "default" / "config.json").read_text())
    no_language = {i: "" for i in ids}

    def score(M: np.ndarray, k: int, tuned: bool) -> tuple[float, float]:
        """Language k's F1 fine / coarse from probabilities ``M``, with thresholds tuned on the other languages'
        rows of ``M`` (``tuned``) or the shipped transfer thresholds."""
        test, rest = groups[k], np.setdiff1d(np.arange(len(ids)), groups[k])
        if tuned:
            ev.tune_thresholds(decoder, (M[rest, :split], M[rest, split:]), [ids[i] for i in rest], corpus.narratives)
        else:
            decoder.set_params(**shipped["transfer_thresholds"])
            decoder.language_thresholds = {}
        result = ev._score(decoder, (M[test, :split], M[test, split:]), [ids[i] for i in test], corpus.narratives,
                           no_language)["ALL"]
        return result["fine"], result["coarse"]

    rows = {lang.upper(): [*score(P, k, True), *score(P, k, False)] for k, lang in enumerate(order)}
    print("\nleave-one-language-out, fine-tuned e5 head: F1 fine / coarse with thresholds tuned on the other languages'"
          " held-out predictions | with the shipped model's transfer thresholds")
    for lang, (f1, c1, f2, c2) in rows.items():
        print(f"{lang:>4}  {f1:.3f} / {c1:.3f}  |  {f2:.3f} / {c2:.3f}")
    m = np.mean(list(rows.values()), axis=0)
    print(f"mean  {m[0]:.3f} / {m[1]:.3f}  |  {m[2]:.3f} / {m[3]:.3f}")
    if prior_em:  # each language's probabilities re-weighted to priors estimated on its own articles
        Q = P.copy()
        extra_languages = np.array(extra_languages, dtype=object)
        other = labels.index("Other") if "Other" in labels else None
        for k, lang in enumerate(order):
            rest = np.setdiff1d(np.arange(len(ids)), groups[k])
            Q[groups[k]], est = em_priors(P[groups[k]], np.vstack([Y[rest], extra_Y[extra_languages != lang]]).mean(0))
            if other is not None:
                print(f"{lang.upper():>4}  EM: P(Other) estimated {est[other]:.3f}, true {Y[groups[k], other].mean():.3f}")
        em_rows = [score(Q, k, True) for k in range(len(order))]  # every language's Q first: tuning reads the others'
        for lang, (fine, coarse) in zip(order, em_rows):
            print(f"{lang.upper():>4}  EM, thresholds tuned on the other languages: {fine:.3f} / {coarse:.3f}")
        print(f"mean  EM: {np.mean([r[0] for r in em_rows]):.3f} / {np.mean([r[1] for r in em_rows]):.3f}")


def print_table(rows: dict[str, dict[str, tuple[float, float]]]) -> None:
    langs = ["ALL", "BG", "EN", "HI", "PT", "RU"]
    print(f"{'variant':<12}" + "".join(f"{lang:>14}" for lang in langs))
    for name, row in rows.items():
        print(f"{name:<12}" + "".join(f"{row[l][0]:>7.3f}/{row[l][1]:.3f}" if l in row else f"{'-':>14}" for l in langs))


if __name__ == "__main__":
    main()
