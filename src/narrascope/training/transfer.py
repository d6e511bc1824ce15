"""Leave-one-language-out evaluation: how the narrative classifier does on a language it was never trained on.

For each language L of the corpus: a model is trained on the other languages only and scores L's articles. Its
decision thresholds never see L's labels: they are tuned (global grid, ``tune_thresholds``) on the inner
leave-one-language-out predictions of the training languages, each scored by a head trained on the remaining ones —
"a language the head never saw", without L. Vocabulary, IDF and ridge weights come from the training rows only.

Two routes can be measured: ``dense`` (what a trained model does for an untrained language: the dense head on static
multilingual embeddings, ``narrascope.components.narratives.dense``) and ``ngram`` (the n-gram heads under the same
protocol, the comparison; ~25 kernel-ridge fits, minutes). ``narrascope evaluate --holdout-language`` prints the
dense route next to the in-language CV; ``benchmarks/accuracy.py --holdout-language`` prints both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from narrascope.components.narratives import dense
from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.semeval.io import SemevalCorpus
from narrascope.training.evaluation import (
    CVResult,
    Probabilities,
    _count,
    with_taxonomy,
    _decoder,
    _fit_predict,
    _score,
    _split,
    held_out_language_dense,
    tune_thresholds,
)

ROUTES = ("dense", "ngram")


@dataclass
class HoldoutResult:
    """Official scores per held-out language (``{"BG": {"coarse": .., "fine": ..}}``) for each route measured."""

    routes: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    thresholds: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def mean(self, route: str) -> dict[str, float]:
        """Unweighted mean over the held-out languages."""
        scores = self.routes[route].values()
        return {metric: float(np.mean([s[metric] for s in scores])) for metric in ("coarse", "fine")}

    def table(self, cv: CVResult | None = None) -> str:
        """One line per language: in-language CV (when given) and held-out-language scores of each route, then the
        mean over languages (and the CV's ALL)."""
        routes = list(self.routes)
        languages = sorted({lang for scores in self.routes.values() for lang in scores})
        summary = cv.summary() if cv is not None else {}
        head = f"{'language':<10}" + (f"{'CV coarse':>11}{'CV fine':>9}" if cv else "")
        head += "".join(f"{'LOLO ' + r + ' coarse':>19}{'fine':>7}" for r in routes)
        lines = [head]
        for lang in [*languages, "MEAN"]:
            row = f"{lang:<10}"
            if cv:
                cv_row = summary.get(lang) or (summary.get("ALL") if lang == "MEAN" else None)
                row += f"{cv_row['coarse'][0]:>11.3f}{cv_row['fine'][0]:>9.3f}" if cv_row else f"{'-':>11}{'-':>9}"
            for r in routes:
                s = self.mean(r) if lang == "MEAN" else self.routes[r].get(lang)
                row += f"{s['coarse']:>19.3f}{s['fine']:>7.3f}" if s else f"{'-':>19}{'-':>7}"
            lines.append(row)
        if cv:
            lines.append("(CV: in-language K-fold, mean over folds; its MEAN line is ALL. LOLO: trained on the other "
                         "languages; MEAN is the unweighted mean over held-out languages)")
        return "\n".join(lines)


def cross_validate_holdout_language(
    corpus: SemevalCorpus,
    make_model: Callable[[], NarrativeClassifier] | None = None,
    routes: Sequence[str] = ("dense",),
    progress: Callable[[str], Any] | None = None,
) -> HoldoutResult:
    """Leave-one-language-out scores of ``routes`` (module docstring); needs at least three languages (two to train
    on, so that the thresholds can be tuned leave-one-language-out too)."""
    from narrascope.errors import ConfigError

    unknown = [r for r in routes if r not in ROUTES]
    if unknown:
        raise ConfigError(f"unknown route(s) {', '.join(unknown)}; known: {', '.join(ROUTES)}")
    make_model = with_taxonomy(corpus, make_model)
    ids, docs, languages, _ = _split(corpus, 2, 0)
    langs = np.array([languages[i] for i in ids])
    held = sorted(set(langs))
    if len(held) < 3:
        raise ConfigError(f"holding out a language needs articles in at least three languages, found {len(held)}: "
                          f"{', '.join(held) or 'none'}")
    decoder = _decoder(corpus, make_model)
    split = len(decoder.coarse_labels_)
    result = HoldoutResult()
    score: dict[str, Callable[[np.ndarray, np.ndarray], Probabilities]] = {}
    if "dense" in routes:
        alpha = make_model().dense_alpha or 3.0
        vectors = dense.document_vectors([decoder._text(d) for d in docs])
        Y = decoder.label_matrix([corpus.narratives[i] for i in ids])

        def dense_route(train: np.ndarray, test: np.ndarray) -> Probabilities:
            P = dense.dense_scores(vectors[test], *dense.fit_dense(vectors[train], Y[train], alpha))
            return P[:, :split], P[:, split:]

        def dense_inner(train: np.ndarray) -> Probabilities:
            P = held_out_language_dense(vectors[train], Y[train], list(langs[train]), alpha)
            return P[:, :split], P[:, split:]

        score["dense"] = dense_route
    if "ngram" in routes:
        counts = _count(docs, make_model)

        def ngram_route(train: np.ndarray, test: np.ndarray) -> Probabilities:
            return _fit_predict(corpus, ids, counts, train, test, make_model)

        score["ngram"] = ngram_route
    for route in routes:
        result.routes[route], result.thresholds[route] = {}, {}
        for lang in held:
            train, test = np.flatnonzero(langs != lang), np.flatnonzero(langs == lang)
            if route == "dense":
                tuning = dense_inner(train)
            else:  # each other language scored by n-gram heads trained on the remaining ones
                tuning = (np.zeros((len(train), split), np.float32), np.zeros((len(train), len(decoder.fine_labels_)), np.float32))
                for other in sorted(set(langs[train])):
                    rows = langs[train] == other
                    coarse, fine = score[route](train[~rows], train[rows])
                    tuning[0][rows], tuning[1][rows] = coarse, fine
            thresholds = tune_thresholds(decoder, tuning, [ids[i] for i in train], corpus.narratives)
            result.thresholds[route][lang.upper()] = thresholds["global"]
            probs = score[route](train, test)
            scores = _score(decoder, probs, [ids[i] for i in test], corpus.narratives, languages)
            result.routes[route][lang.upper()] = scores["ALL"]
            if progress:
                progress(f"{route}: {lang} held out, fine {scores['ALL']['fine']:.3f}")
    return result

