"""Cross-validation for the narrative classifier: folds by document id, thresholds tuned without test leakage.

What is tuned on what, for K folds:

- outer models: for each fold k, a model trained on the other K-1 folds predicts fold k (the out-of-fold
  probabilities that are scored);
- pair models: for each pair of folds {j, k}, a model trained on the remaining K-2 folds predicts folds j and k
  (K(K-1)/2 models; the kernel ridge is one closed-form solve each);
- the decision thresholds applied to fold k are tuned on the predictions of fold j by the pair model {j, k}, for every
  j != k: an inner cross-validation of fold k's training part. No document of fold k is scored during that tuning, and
  none of the models that produced the tuning predictions was trained on fold k (tuning on the outer out-of-fold
  predictions of the other folds would use models that were: a second-order leak);
- ``train_narratives`` then tunes the shipped thresholds on all outer out-of-fold predictions and fits the final
  model on every document.

Scores use the official subtask-2 metric, per language and overall, as mean ± std over folds.

Subtask 3 (explanations): ``explanation_similarity`` resolves a registered similarity and its printed name,
``cross_validate_explainer`` scores the explainer with per-language settings chosen on the other folds, and
``explanation_table`` prints systems × languages (used by ``narrascope evaluate --subtask 3`` and
``benchmarks/explain.py``).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from narrascope.components.narratives import dense
from narrascope.components.narratives.classifier import NarrativeClassifier, TermCounts, count_terms, label_sets
from narrascope.documents import Document
from narrascope.errors import ConfigError, InputError
from narrascope.semeval.io import NarrativeAnnotation, SemevalCorpus
from narrascope.semeval.metrics import (
    DEFAULT_SIMILARITY_NAME,
    MAX_EXPLANATION_WORDS,
    Similarity,
    Subtask3Scores,
    official_class_lists,
    score_subtask2,
    score_subtask3,
    similarities,
)
from narrascope.taxonomy import OTHER, Taxonomy
from narrascope.training.explainer_tuning import TuningResult, tune_explainer
from narrascope.training.folds import document_folds
from narrascope.training.label_thresholds import MAX_LABELS, tunable_labels, tune_label_thresholds

log = logging.getLogger(__name__)

MIN_LANGUAGE_DOCUMENTS = 100  # a language gets its own thresholds when tuned on at least this many documents
THRESHOLD_GRID = {
    "coarse_threshold": (0.3, 0.4, 0.5, 0.6),
    "fine_threshold": (0.1, 0.15, 0.2, 0.25, 0.3, 0.4),
    "min_top_prob": (0.0, 0.15, 0.25, 0.35),
}
OTHER_GATES = (None, 0.3, 0.4, 0.5, 0.6)  # the bare Other whenever its probability reaches the gate (None: no gate)


@dataclass
class CVResult:
    """Per-fold official scores, overall and by language; ``table()`` renders mean ± std."""

    folds: list[dict[str, dict[str, float]]] = field(default_factory=list)
    thresholds: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, tuple[float, float]]]:
        groups = sorted({g for fold in self.folds for g in fold}, key=lambda g: (g == "ALL", g))
        out: dict[str, dict[str, tuple[float, float]]] = {}
        for group in groups:
            out[group] = {}
            for metric in ("coarse", "fine"):
                values = [fold[group][metric] for fold in self.folds if group in fold]
                out[group][metric] = (float(np.mean(values)), float(np.std(values)))
        return out

    def table(self) -> str:
        lines = [f"{'language':<10}{'F1 coarse':>18}{'F1 fine':>18}"]
        for group, metrics in self.summary().items():
            c, f = metrics["coarse"], metrics["fine"]
            lines.append(f"{group:<10}{c[0]:>10.3f} ± {c[1]:.3f}{f[0]:>11.3f} ± {f[1]:.3f}")
        return "\n".join(lines)


def scored_classes(taxonomy: Taxonomy) -> dict[str, list[str]]:
    """The class lists F1 is computed over: the official SemEval lists for the shipped taxonomy (``{}``: the
    scorer's default), every label of ``taxonomy`` for a user's own."""
    if set(taxonomy.coarse_labels) == set(official_class_lists()[0]):  # SemEval's narratives
        return {}
    return {"narratives": taxonomy.coarse_labels, "subnarratives": taxonomy.fine_labels}


def _score(model: NarrativeClassifier, probs: tuple[np.ndarray, np.ndarray], ids: list[str],
           gold: dict[str, NarrativeAnnotation], languages: dict[str, str]) -> dict[str, dict[str, float]]:
    pred = {i: model.decode(c, f, languages[i]).annotation(i) for i, c, f in zip(ids, probs[0], probs[1])}
    scores = score_subtask2({i: gold[i] for i in ids}, pred, languages={i: languages[i] for i in ids},
                            **scored_classes(model.labels))
    result = {"ALL": {"coarse": scores.coarse, "fine": scores.fine}}
    for lang, s in scores.by_language.items():
        result[lang.upper()] = {"coarse": s.coarse, "fine": s.fine}
    return result


def tune_thresholds(model: NarrativeClassifier, probs: tuple[np.ndarray, np.ndarray], ids: list[str],
                    gold: dict[str, NarrativeAnnotation], languages: Mapping[str, str] | None = None,
                    min_documents: int = MIN_LANGUAGE_DOCUMENTS) -> dict[str, Any]:
    """Set ``model``'s thresholds to the grid point of ``THRESHOLD_GRID`` × ``OTHER_GATES`` maximising official fine
    F1 (ties: coarse, then the earlier point: no gate first) on the given predictions: globally, and for each language
    of ``languages`` with at least ``min_documents`` documents (``model.language_thresholds``). Returns
    ``{"global": {...}, "languages": {lang: {...}}}``."""
    base = [dict(zip(THRESHOLD_GRID, values)) for values in itertools.product(*THRESHOLD_GRID.values())]
    grid: list[dict[str, float | None]] = [{**params, "other_gate": gate} for gate in OTHER_GATES for params in base]
    classes = scored_classes(model.labels)
    official = official_class_lists()
    coarse_classes = set(classes.get("narratives", official[0]))
    fine_classes = set(classes.get("subnarratives", official[1]))
    truth = [(set(gold[i].narratives) & coarse_classes, set(gold[i].subnarratives) & fine_classes) for i in ids]
    # per-document F1 (fine F, coarse C) at every grid point: each document is decoded once per THRESHOLD_GRID point;
    # a gate only turns a decoded document into the bare Other
    F, C = np.zeros((len(grid), len(ids))), np.zeros((len(grid), len(ids)))
    fell_back = np.zeros((len(base), len(ids)), dtype=bool)  # decoded without any label at its threshold
    for g, params in enumerate(base):
        model.set_params(language_thresholds={}, label_thresholds={}, other_gate=None, **params)
        for r, (c, f) in enumerate(zip(probs[0], probs[1])):
            prediction = model.decode(c, f)
            fell_back[g, r] = prediction.fallback
            C[g, r] = _f1(truth[r][0], {n for n, _ in prediction.narratives} & coarse_classes)
            F[g, r] = _f1(truth[r][1], {n for n, _ in prediction.subnarratives} & fine_classes)
    other = probs[0][:, model.coarse_labels_.index(OTHER)] if OTHER in model.coarse_labels_ else None
    other_f = np.array([_f1(t[1], {OTHER} & fine_classes) for t in truth])
    other_c = np.array([_f1(t[0], {OTHER} & coarse_classes) for t in truth])
    for k, gate in enumerate(OTHER_GATES[1:], start=1):
        for g in range(len(base)):  # the gate never overrules a label that reached its threshold
            gated = (other >= gate) & fell_back[g] if other is not None else np.zeros(len(ids), dtype=bool)
            row = k * len(base) + g
            F[row], C[row] = np.where(gated, other_f, F[g]), np.where(gated, other_c, C[g])

    def best(rows: list[int]) -> dict[str, Any]:
        fine, coarse = F[:, rows].mean(axis=1), C[:, rows].mean(axis=1)
        return grid[max(range(len(grid)), key=lambda g: (round(fine[g], 12), round(coarse[g], 12), -g))]

    chosen = best(list(range(len(ids))))
    per_language: dict[str, dict[str, float]] = {}
    if languages:
        groups: dict[str, list[int]] = {}
        for r, i in enumerate(ids):
            groups.setdefault(languages.get(i) or "", []).append(r)
        per_language = {lang: best(rows) for lang, rows in sorted(groups.items()) if lang and len(rows) >= min_documents}
    model.set_params(**chosen, language_thresholds=per_language)
    if classes and len(tunable_labels(model)) <= MAX_LABELS:  # a small custom taxonomy: each label for its binary F1
        model.language_thresholds = per_language = {}
        chosen = {**chosen, **tune_label_thresholds(model, probs, ids, gold)}
    return {"global": chosen, "languages": per_language}


def _f1(gold: set[str], pred: set[str]) -> float:
    """One document's F1 as the official scorer computes it (0 when both sets are empty)."""
    return 0.0 if not gold and not pred else 2 * len(gold & pred) / (len(gold) + len(pred))


def with_taxonomy(corpus: SemevalCorpus,
                  make_model: Callable[[], NarrativeClassifier] | None = None) -> Callable[[], NarrativeClassifier]:
    """``make_model`` (default: ``NarrativeClassifier``) made to label with ``corpus.taxonomy`` when the model it
    builds has no taxonomy of its own: the taxonomy flows from the training data into the model."""
    factory = make_model or NarrativeClassifier

    def make() -> NarrativeClassifier:
        model = factory()
        if model.taxonomy is None:
            model.taxonomy = corpus.taxonomy
        return model

    return make


def cross_validate_narratives(
    corpus: SemevalCorpus,
    folds: int = 5,
    make_model: Callable[[], NarrativeClassifier] | None = None,
    seed: int = 0,
    progress: Callable[[str], Any] | None = None,
) -> CVResult:
    """K-fold CV (split by document id, stratified by language) of the narrative classifier on ``corpus``; the nested
    threshold tuning needs ``folds >= 3`` (a ``ConfigError`` otherwise)."""
    make_model = with_taxonomy(corpus, make_model)
    if folds < 3:
        raise ConfigError(f"cross-validating the narrative classifier needs at least 3 folds, got {folds}: each fold's "
                          "thresholds are tuned on models that saw neither it nor the fold they predict")
    ids, docs, languages, fold_index = _split(corpus, folds, seed)
    if not ids:
        raise InputError("no article with narrative annotations to cross-validate on (subtask-2-annotations.txt and "
                         "its raw-documents/)")
    counts = _count(docs, make_model)
    oof = _out_of_fold(corpus, ids, counts, fold_index, make_model, progress)
    inner = _pair_out_of_fold(corpus, ids, counts, fold_index, make_model, progress)
    return _cv_result(corpus, ids, languages, fold_index, oof, inner, _decoder(corpus, make_model))


Probabilities = tuple[np.ndarray, np.ndarray]


def _tuned_folds(corpus: SemevalCorpus, ids: list[str], languages: dict[str, str], fold_index: list[np.ndarray],
                 inner: Mapping[tuple[int, int], Probabilities], decoder: NarrativeClassifier,
                 min_documents: int = MIN_LANGUAGE_DOCUMENTS) -> Iterator[tuple[np.ndarray, dict[str, Any]]]:
    """For each fold k: its rows and the thresholds set on ``decoder``, tuned on ``inner[(k, j)]``, the predictions
    of fold j by models that saw neither fold k nor fold j (``_pair_out_of_fold``), for every j != k (per language
    for languages with at least ``min_documents`` documents there)."""
    for k, test in enumerate(fold_index):
        others = [j for j in range(len(fold_index)) if j != k]
        rows = np.concatenate([fold_index[j] for j in others])
        tuning = (np.concatenate([inner[k, j][0] for j in others]), np.concatenate([inner[k, j][1] for j in others]))
        yield test, tune_thresholds(decoder, tuning, [ids[i] for i in rows], corpus.narratives, languages,
                                    min_documents=min_documents)


def _cv_result(corpus: SemevalCorpus, ids: list[str], languages: dict[str, str], fold_index: list[np.ndarray],
               oof: Probabilities, inner: Mapping[tuple[int, int], Probabilities], decoder: NarrativeClassifier,
               min_documents: int = MIN_LANGUAGE_DOCUMENTS) -> CVResult:
    """Scores of each fold's out-of-fold predictions ``oof``, decoded with the thresholds of ``_tuned_folds``."""
    result = CVResult()
    for test, thresholds in _tuned_folds(corpus, ids, languages, fold_index, inner, decoder, min_documents):
        result.thresholds.append(thresholds)
        result.folds.append(_score(decoder, (oof[0][test], oof[1][test]), [ids[i] for i in test], corpus.narratives,
                                   languages))
    return result


def nested_predictions(corpus: SemevalCorpus, ids: list[str], docs: list[Document], languages: dict[str, str],
                       fold_index: list[np.ndarray],
                       make_model: Callable[[], NarrativeClassifier] | None = None) -> dict[str, NarrativeAnnotation]:
    """The decoded out-of-fold labels of every document (``_split``'s ``ids``, ``docs``, ``languages``, folds): each
    fold decoded with thresholds tuned by the nested CV, as ``cross_validate_narratives`` scores them."""
    make_model = with_taxonomy(corpus, make_model)
    counts = _count(docs, make_model)
    oof = _out_of_fold(corpus, ids, counts, fold_index, make_model, None)
    inner = _pair_out_of_fold(corpus, ids, counts, fold_index, make_model, None)
    decoder = _decoder(corpus, make_model)
    predicted: dict[str, NarrativeAnnotation] = {}
    for test, _ in _tuned_folds(corpus, ids, languages, fold_index, inner, decoder):
        for i in test:
            predicted[ids[i]] = decoder.decode(oof[0][i], oof[1][i], languages[ids[i]]).annotation(ids[i])
    return predicted


def _split(corpus: SemevalCorpus, folds: int, seed: int) -> tuple[list[str], list[Document], dict[str, str], list[np.ndarray]]:
    ids = sorted(i for i in corpus.narratives if i in corpus.documents)
    docs = [corpus.documents[i] for i in ids]
    languages = {i: (corpus.documents[i].language or "unknown") for i in ids}
    fold_of = np.array(document_folds(ids, folds, seed, [languages[i] for i in ids]))
    return ids, docs, languages, [np.flatnonzero(fold_of == k) for k in range(folds)]


def _count(docs: list[Document], make_model: Callable[[], NarrativeClassifier]) -> TermCounts:
    probe = make_model()
    return count_terms([probe._text(d) for d in docs], blocks=probe.blocks)


def _out_of_fold(corpus: SemevalCorpus, ids: list[str], counts: TermCounts, fold_index: list[np.ndarray],
                 make_model: Callable[[], NarrativeClassifier],
                 progress: Callable[[str], Any] | None, extra: Sequence[NarrativeAnnotation] = ()) -> Probabilities:
    """Out-of-fold probabilities over all labels of the corpus, from ``counts`` of the whole corpus; each fold's
    model picks its vocabulary and IDF from its own training rows (``fit_counts``), so no test document leaks in.
    ``extra``: labels of the rows after the corpus's in ``counts`` (e.g. the supplement), added to every training
    part and never scored."""
    coarse_labels, fine_labels = _all_labels(corpus, make_model)
    # equivalent mutants: the values stored are float32 (_expand), so a float64 array holds them exactly
    coarse_oof = np.zeros((len(ids), len(coarse_labels)), dtype=np.float32)  # pragma: no mutate -- float32 anyway
    fine_oof = np.zeros((len(ids), len(fine_labels)), dtype=np.float32)  # pragma: no mutate -- float32 anyway
    for k, test in enumerate(fold_index):
        train = np.setdiff1d(np.arange(len(ids)), test)
        coarse_oof[test], fine_oof[test] = _fit_predict(corpus, ids, counts, train, test, make_model, extra)
        if progress:
            progress(f"fold {k + 1}/{len(fold_index)} trained")
    return coarse_oof, fine_oof


def _pair_out_of_fold(corpus: SemevalCorpus, ids: list[str], counts: TermCounts, fold_index: list[np.ndarray],
                      make_model: Callable[[], NarrativeClassifier],
                      progress: Callable[[str], Any] | None) -> dict[tuple[int, int], Probabilities]:
    """``{(k, j): probabilities of fold j}`` from a model trained on every fold but j and k, for all j != k: the
    inner cross-validation predictions that fold k's thresholds are tuned on. One model per pair serves both
    ``(k, j)`` and ``(j, k)``."""
    inner: dict[tuple[int, int], Probabilities] = {}
    pairs = list(itertools.combinations(range(len(fold_index)), 2))
    for n, (a, b) in enumerate(pairs):
        held_out = np.concatenate([fold_index[a], fold_index[b]])
        train = np.setdiff1d(np.arange(len(ids)), held_out)
        coarse, fine = _fit_predict(corpus, ids, counts, train, held_out, make_model)
        split = len(fold_index[a])
        inner[b, a] = (coarse[:split], fine[:split])
        inner[a, b] = (coarse[split:], fine[split:])
        if progress:
            progress(f"threshold-tuning model {n + 1}/{len(pairs)} trained")
    return inner


def _fit_predict(corpus: SemevalCorpus, ids: list[str], counts: TermCounts, train: np.ndarray, test: np.ndarray,
                 make_model: Callable[[], NarrativeClassifier],
                 extra: Sequence[NarrativeAnnotation] = ()) -> Probabilities:
    """Probabilities of the ``test`` rows over all labels of the corpus by a model fitted on the ``train`` rows (and
    on the ``extra`` rows that follow the corpus's in ``counts``)."""
    coarse_labels, fine_labels = _all_labels(corpus, make_model)
    rows = np.concatenate([train, np.arange(len(ids), len(ids) + len(extra))]).astype(int)
    model = make_model().fit_counts(counts.rows(rows), [corpus.narratives[ids[i]] for i in train] + list(extra))
    coarse, fine = model.predict_proba_counts(counts.rows(test))
    return _expand(coarse, model.coarse_labels_, coarse_labels), _expand(fine, model.fine_labels_, fine_labels)


def _decoder(corpus: SemevalCorpus, make_model: Callable[[], NarrativeClassifier]) -> NarrativeClassifier:
    """A model used only to decode out-of-fold probabilities (its label lists are the corpus's)."""
    decoder = make_model()
    decoder.coarse_labels_, decoder.fine_labels_ = _all_labels(corpus, make_model)
    return decoder


def _all_labels(corpus: SemevalCorpus, make_model: Callable[[], NarrativeClassifier]) -> tuple[list[str], list[str]]:
    return label_sets(corpus.narratives.values(), make_model().labels)


def _expand(probs: np.ndarray, labels: list[str], all_labels: list[str]) -> np.ndarray:
    """Columns of ``probs`` (one per ``labels``) placed under ``all_labels``; labels unseen in training get 0, and
    labels only extra training rows had (not scored) are dropped."""
    out = np.zeros((probs.shape[0], len(all_labels)), dtype=np.float32)
    position = {label: j for j, label in enumerate(all_labels)}
    for i, label in enumerate(labels):
        if label in position:
            out[:, position[label]] = probs[:, i]
    return out


def train_narratives(
    corpus: SemevalCorpus,
    folds: int = 5,
    make_model: Callable[[], NarrativeClassifier] | None = None,
    seed: int = 0,
    progress: Callable[[str], Any] | None = None,
) -> tuple[NarrativeClassifier, dict[str, Any], CVResult | None]:
    """Tune thresholds on K-fold out-of-fold predictions, then fit the final model on every document.

    Also returns the cross-validation result of those same out-of-fold predictions, each fold decoded with thresholds
    tuned by an inner CV of its training part (what ``cross_validate_narratives`` reports for the same folds and
    seed). ``folds < 2`` skips the tuning and keeps the model's default thresholds; ``folds == 2`` tunes them but
    reports no cross-validation (``None``: its nested tuning needs 3 folds).
    """
    make_model = with_taxonomy(corpus, make_model)
    ids, docs, languages, fold_index = _split(corpus, max(folds, 2), seed)
    if folds < 2:
        model = make_model().fit(docs, [corpus.narratives[i] for i in ids])
        return model, {"global": {k: getattr(model, k) for k in THRESHOLD_GRID}, "languages": {}}, None
    counts = _count(docs, make_model)
    oof = _out_of_fold(corpus, ids, counts, fold_index, make_model, progress)
    decoder = _decoder(corpus, make_model)
    cv = None
    if folds >= 3:
        inner = _pair_out_of_fold(corpus, ids, counts, fold_index, make_model, progress)
        cv = _cv_result(corpus, ids, languages, fold_index, oof, inner, decoder)
    thresholds = tune_thresholds(decoder, oof, ids, corpus.narratives, languages)
    annotations = [corpus.narratives[i] for i in ids]
    final = make_model().fit_counts(counts, annotations)
    final.languages_ = sorted({d.language for d in docs if d.language})
    final.set_params(**thresholds["global"])
    final.language_thresholds = thresholds["languages"]
    if final.dense_alpha is not None:
        thresholds["transfer"] = fit_transfer_head(final, docs, annotations, make_model)
    final.fit_fewshot([final._text(d) for d in docs], annotations)  # labels under fewshot_below articles
    return final, thresholds, cv


def held_out_language_dense(vectors: np.ndarray, Y: np.ndarray, languages: Sequence[str], alpha: float) -> np.ndarray:
    """Leave-one-language-out predictions of the dense head: each language's rows scored by a head fitted on the
    rows of the other languages (zeros when there is no other language)."""
    P = np.zeros(Y.shape, dtype=np.float32)
    langs = np.asarray(languages)
    for lang in sorted(set(languages)):
        test = langs == lang
        if not test.all():
            P[test] = dense.dense_scores(vectors[test], *dense.fit_dense(vectors[~test], Y[~test], alpha))
    return P


def fit_transfer_head(model: NarrativeClassifier, docs: Sequence[Document], annotations: Sequence[NarrativeAnnotation],
                      make_model: Callable[[], NarrativeClassifier] | None = None) -> dict[str, Any]:
    """Fit ``model``'s dense head (for untrained languages) on ``docs`` and set its ``transfer_thresholds``, tuned
    (global grid) on leave-one-language-out predictions of the dense head over the training languages: each language
    scored by a head that never saw it, as an unseen language will be. With one training language the transfer
    thresholds stay the global ones (``{}``). Returns them."""
    make_model = make_model or (lambda: NarrativeClassifier(taxonomy=model.taxonomy))
    vectors = dense.document_vectors([model._text(d) for d in docs])
    Y = model.label_matrix(annotations)
    model.dense_W_, model.dense_b_ = dense.fit_dense(vectors, Y, model.dense_alpha or 0.0)
    languages = [d.language or "unknown" for d in docs]
    if len(set(languages)) < 2:
        model.transfer_thresholds = {}
        return {}
    P = held_out_language_dense(vectors, Y, languages, model.dense_alpha or 0.0)
    decoder = make_model()
    decoder.coarse_labels_, decoder.fine_labels_ = model.coarse_labels_, model.fine_labels_
    split = len(model.coarse_labels_)
    ids = [a.id for a in annotations]
    model.transfer_thresholds = tune_thresholds(decoder, (P[:, :split], P[:, split:]), ids, dict(zip(ids, annotations)))["global"]
    return model.transfer_thresholds


# --- subtask 3: explanations ----------------------------------------------------------------------------------------


def explanation_similarity(name: str) -> tuple[Similarity, str]:
    """The subtask-3 similarity registered as ``name`` (``similarities``; a ``ConfigError`` lists the known names)
    and the name to print for it."""
    from narrascope.training.explanations import E5_SIMILARITY_NAME

    function = similarities.get(name)
    return function, {"e5": E5_SIMILARITY_NAME, "token-f1": DEFAULT_SIMILARITY_NAME}.get(name, name)


def cross_validate_explainer(
    documents: Mapping[str, Document], gold: Mapping[str, Any], similarity: Similarity, similarity_name: str,
    folds: int = 5, embedder: Any = None, progress: Callable[[str], None] | None = None, taxonomy: Taxonomy | None = None,
) -> tuple[TuningResult, Subtask3Scores]:
    """Tune the extractive explainer's per-language settings by ``folds``-fold CV and score the held-out
    explanations: ``(TuningResult, Subtask3Scores per language)``. Gold ids without a document are skipped."""
    ids = [i for i in gold if i in documents]
    known = {i: gold[i] for i in ids}
    tuned = tune_explainer(documents, known, similarity, folds, embedder, progress=progress, taxonomy=taxonomy)
    scores = score_subtask3(known, tuned.held_out, similarity=similarity, similarity_name=similarity_name,
                            languages={i: documents[i].language or "unknown" for i in ids})
    return tuned, scores


def explanation_table(rows: Mapping[str, Subtask3Scores]) -> str:
    """One line per system: mean similarity overall and per language, mean words, share within the word limit."""
    languages = sorted({lang for scores in rows.values() for lang in scores.by_language})
    width = max([28, *(len(system) + 2 for system in rows)])
    limit = f"<={MAX_EXPLANATION_WORDS}"
    lines = [f"{'system':<{width}}{'ALL':>7}" + "".join(f"{lang.upper():>7}" for lang in languages)
             + f"{'words':>7}{limit:>7}"]
    for system, scores in rows.items():
        per = "".join(f"{scores.by_language[lang].similarity:7.3f}" if lang in scores.by_language else f"{'-':>7}"
                      for lang in languages)
        lines.append(f"{system:<{width}}{scores.similarity:7.3f}{per}{scores.mean_words:7.1f}"
                     f"{100 * scores.share_within_limit:6.1f}%")
    return "\n".join(lines)
