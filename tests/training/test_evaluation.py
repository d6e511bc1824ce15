"""Narrative cross-validation and threshold tuning: scores that would rise if a test document leaked into training.

The corpus gives each document a random label and words of its own (random letters) next to words drawn at random
from a shared pool: a model can recover a label only by having memorised that very document. An honest cross-validation
therefore scores at chance, and the same routine made to train on the test fold scores near 1 — both asserted in the
same test, so that a leak makes the first assertion fail rather than go unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.components.narratives.features import TermCounts, count_terms
from narrascope.documents import Document
from narrascope.semeval.io import NarrativeAnnotation, SemevalCorpus
from narrascope.taxonomy import OTHER, load_default_taxonomy
from narrascope.training import evaluation
from narrascope.training.evaluation import cross_validate_narratives, train_narratives

NARRATIVES = [label for label in load_default_taxonomy().coarse_labels if label.startswith("URW:")][:6]
CHANCE = 2 / (len(NARRATIVES) + 1)  # F1-samples of the best constant guess (every label) under uniform random labels
SMALL = {"word_features": 2000, "char_features": 2000}


def memorisation_corpus(n: int = 90, seed: int = 0, languages: tuple[str, ...] = ("en",)) -> SemevalCorpus:
    """``n`` documents, each with a uniformly random narrative and 30 words of random letters found in no other
    document, plus 10 words of a shared pool chosen independently of the label (so that the vocabulary is not
    empty)."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    pool = [f"common{j}" for j in range(40)]
    corpus = SemevalCorpus(taxonomy=load_default_taxonomy())
    for i in range(n):
        words = ["".join(rng.choice(letters, size=int(rng.integers(5, 9)))) for _ in range(30)]
        words += [str(w) for w in rng.choice(pool, size=10)]
        label = NARRATIVES[int(rng.integers(len(NARRATIVES)))]
        doc = Document(f"d{i:03d}", " ".join(words), language=languages[i % len(languages)])
        corpus.documents[doc.id] = doc
        corpus.narratives[doc.id] = NarrativeAnnotation(doc.id, [label], [f"{label}: Other"])
    return corpus


def leaky(corpus: SemevalCorpus) -> Callable[[], NarrativeClassifier]:
    """A ``make_model`` whose models train on every document of ``corpus``, the test fold included: a leak."""
    ids = sorted(corpus.narratives)
    everything = count_terms([corpus.documents[i].text for i in ids])
    annotations = [corpus.narratives[i] for i in ids]

    class Leaky(NarrativeClassifier):
        def fit_counts(self, counts: TermCounts, _: Any) -> NarrativeClassifier:
            return super().fit_counts(everything, annotations)

    return lambda: Leaky(**SMALL)


def test_cross_validation_scores_chance_where_only_memorising_a_test_document_could_do_better() -> None:
    corpus = memorisation_corpus(languages=("en", "pt"))
    honest = cross_validate_narratives(corpus, folds=3, make_model=lambda: NarrativeClassifier(**SMALL))
    summary = honest.summary()
    assert set(summary) == {"EN", "PT", "ALL"} and len(honest.folds) == 3 and len(honest.thresholds) == 3
    assert "F1 coarse" in honest.table()
    # measured: honest 0.28 (chance 0.29), leaking 1.00
    assert summary["ALL"]["coarse"][0] < CHANCE + 0.15 and summary["ALL"]["fine"][0] < CHANCE + 0.15
    leaked = cross_validate_narratives(corpus, folds=3, make_model=leaky(corpus)).summary()
    assert leaked["ALL"]["coarse"][0] > 0.95 and leaked["ALL"]["fine"][0] > 0.95


def test_train_narratives_reports_the_same_honest_cross_validation() -> None:
    corpus = memorisation_corpus()
    model, thresholds, cv = train_narratives(corpus, folds=3, make_model=lambda: NarrativeClassifier(**SMALL))
    assert cv is not None
    assert cv.summary() == cross_validate_narratives(corpus, folds=3, make_model=lambda: NarrativeClassifier(**SMALL)).summary()
    assert cv.summary()["ALL"]["fine"][0] < CHANCE + 0.15
    _, _, leaked = train_narratives(corpus, folds=3, make_model=leaky(corpus))
    assert leaked is not None and leaked.summary()["ALL"]["fine"][0] > 0.95
    assert {k: getattr(model, k) for k in thresholds["global"]} == thresholds["global"]
    # the final model is fitted on every document: it has memorised them (what the CV must not see)
    predicted = [p.annotation(i).narratives for i, p in zip(sorted(corpus.documents), model.predict(
        [corpus.documents[i] for i in sorted(corpus.documents)]))]
    assert np.mean([p == corpus.narratives[i].narratives for i, p in zip(sorted(corpus.documents), predicted)]) > 0.9


class Tagged(NarrativeClassifier):
    """Records the documents each model trained on; every probability it outputs is its own serial number / 128, so
    that whoever receives its predictions can tell which model made them."""

    trained: list[set[str]] = []

    def fit_counts(self, counts: TermCounts, annotations: Any) -> NarrativeClassifier:
        self.serial = len(Tagged.trained)
        Tagged.trained.append({a.id for a in annotations})
        return super().fit_counts(counts, annotations)

    def predict_proba_counts(self, counts: TermCounts) -> tuple[np.ndarray, np.ndarray]:
        coarse, fine = super().predict_proba_counts(counts)
        tag = (self.serial + 1) / 128
        return np.full_like(coarse, tag), np.full_like(fine, tag)


@pytest.mark.parametrize("run", [cross_validate_narratives, train_narratives])
def test_each_folds_thresholds_come_from_models_that_never_saw_that_fold(monkeypatch, run) -> None:  # noqa: ANN001
    """Nested tuning: tuning fold k's thresholds on the outer out-of-fold predictions of the other folds would use
    models trained on fold k (a second-order leak); this fails on that scheme."""
    corpus = memorisation_corpus(n=40)
    all_ids = set(corpus.narratives)
    calls: list[tuple[set[str], set[int]]] = []
    real = evaluation.tune_thresholds

    def spy(model, probs, ids, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append((set(ids), {round(float(row.max()) * 128) - 1 for row in probs[0]}))
        return real(model, probs, ids, *args, **kwargs)

    monkeypatch.setattr(evaluation, "tune_thresholds", spy)
    Tagged.trained = []
    run(corpus, folds=4, make_model=lambda: Tagged(**SMALL))
    per_fold = [(tuned, models) for tuned, models in calls if tuned != all_ids]
    assert len(per_fold) == 4
    for tuned, models in per_fold:
        scored = all_ids - tuned
        assert len(scored) == 10
        assert models and all(not (Tagged.trained[m] & scored) for m in models)
        assert all(not (Tagged.trained[m] >= tuned) for m in models)  # tuned on predictions, not on fitted rows


def test_thresholds_tuned_on_the_scored_fold_would_inflate_its_score() -> None:
    """Every document scores WEST 0.3 and Other 0.1; only the first fold is WEST. Thresholds tuned on the other folds
    predict Other there (F1 0); tuned on that fold itself they would predict WEST (F1 1)."""
    west = NARRATIVES[0]
    n, folds = 12, 3
    ids = [f"d{i:02d}" for i in range(n * folds)]
    fold_index = [np.arange(k * n, (k + 1) * n) for k in range(folds)]
    gold = {i: NarrativeAnnotation(i, [west] if r < n else [OTHER], [f"{west}: Other"] if r < n else [OTHER])
            for r, i in enumerate(ids)}
    corpus = SemevalCorpus(documents={i: Document(i, "text", language="en") for i in ids}, narratives=gold,
                           taxonomy=load_default_taxonomy())
    decoder = evaluation._decoder(corpus, evaluation.with_taxonomy(corpus))
    coarse = np.zeros((len(ids), len(decoder.coarse_labels_)), dtype=np.float32)
    coarse[:, decoder.coarse_labels_.index(west)] = 0.3
    coarse[:, decoder.coarse_labels_.index(OTHER)] = 0.1
    probs = (coarse, np.zeros((len(ids), len(decoder.fine_labels_)), dtype=np.float32))
    inner = {(k, j): (probs[0][fold_index[j]], probs[1][fold_index[j]]) for k in range(folds) for j in range(folds) if j != k}
    languages = {i: "en" for i in ids}
    honest = evaluation._cv_result(corpus, ids, languages, fold_index, probs, inner, decoder)
    assert honest.folds[0]["ALL"]["coarse"] == 0.0
    first = [ids[r] for r in fold_index[0]]
    evaluation.tune_thresholds(decoder, (probs[0][fold_index[0]], probs[1][fold_index[0]]), first, gold, languages)
    leaked = evaluation._score(decoder, (probs[0][fold_index[0]], probs[1][fold_index[0]]), first, gold, languages)
    assert leaked["ALL"]["coarse"] == 1.0


def test_the_corpus_taxonomy_flows_into_the_model_and_a_corpus_without_one_fails_clearly() -> None:
    from dataclasses import replace as copy_with

    from narrascope.errors import ModelError
    from narrascope.taxonomy import Taxonomy

    corpus = memorisation_corpus(n=30)
    semeval = load_default_taxonomy()
    own = Taxonomy(name="mine", narratives=semeval.narratives, roles=semeval.roles)  # same labels, another taxonomy
    model, _, _ = train_narratives(copy_with(corpus, taxonomy=own), folds=1, make_model=lambda: NarrativeClassifier(**SMALL))
    assert model.taxonomy is own
    given = load_default_taxonomy()
    model, _, _ = train_narratives(copy_with(corpus, taxonomy=own), folds=1,
                                   make_model=lambda: NarrativeClassifier(taxonomy=given, **SMALL))
    assert model.taxonomy is given  # a model's own taxonomy wins
    with pytest.raises(ModelError, match="needs the taxonomy"):
        train_narratives(copy_with(corpus, taxonomy=None), folds=1, make_model=lambda: NarrativeClassifier(**SMALL))


def test_the_inner_predictions_of_fold_j_are_fold_js_rows_from_a_model_that_saw_neither_fold(monkeypatch) -> None:  # noqa: ANN001
    """``inner[k, j]`` must hold fold j's rows, in fold j's order, so that fold k's thresholds are tuned on predictions
    lined up with the ids and gold labels they are given with (swapping the halves of a pair model's output would
    tune fold k on its own rows under other documents' labels)."""
    folds = 4
    ids = [f"d{i:02d}" for i in range(22)]  # folds of unequal size: 6, 6, 5, 5
    fold_index = [np.arange(len(ids))[k::folds] for k in range(folds)]
    trained: list[set[int]] = []

    def fit_predict(corpus, ids, counts, train, test, make_model):  # noqa: ANN001, ANN202
        trained.append(set(train.tolist()))
        rows = test.astype(np.float32)[:, None]  # coarse: the index of the row each prediction was made for
        model = np.full((len(test), 3), len(trained) - 1, dtype=np.float32)  # fine: which model made it
        return rows.repeat(2, axis=1), model

    monkeypatch.setattr(evaluation, "_fit_predict", fit_predict)
    inner = evaluation._pair_out_of_fold(None, ids, None, fold_index, None, None)  # type: ignore[arg-type]
    assert set(inner) == {(k, j) for k in range(folds) for j in range(folds) if j != k}
    for (k, j), (coarse, fine) in inner.items():
        assert coarse[:, 0].tolist() == fold_index[j].tolist()
        (model,) = set(fine[:, 0].astype(int).tolist())
        assert not trained[model] & (set(fold_index[k].tolist()) | set(fold_index[j].tolist()))
        assert len(trained[model]) == len(ids) - len(fold_index[k]) - len(fold_index[j])


def test_extra_rows_join_every_training_part_with_their_labels_and_are_never_scored() -> None:
    """The supplement's route into the n-gram heads' cross-validation: each fold's model trains on the other folds plus
    every extra row (in that order, labels lined up), and only the corpus's rows get out-of-fold scores; a label only
    the extra rows have is dropped from the scored columns instead of failing."""
    corpus = memorisation_corpus(30)
    ids, docs, _, fold_index = evaluation._split(corpus, 3, 0)
    unseen = next(label for label in load_default_taxonomy().coarse_labels if label.startswith("CC:"))
    extra_docs = [Document(f"x{i}", f"extra words number {i} common1", language="en") for i in range(4)]
    extra = [NarrativeAnnotation(d.id, [unseen], [f"{unseen}: Other"]) for d in extra_docs]
    seen: list[list[str]] = []

    class Spy(NarrativeClassifier):
        def fit_counts(self, counts: TermCounts, annotations: Any) -> NarrativeClassifier:
            assert counts.n == len(annotations)
            seen.append([a.id for a in annotations])
            return super().fit_counts(counts, annotations)

    make = lambda: Spy(taxonomy=corpus.taxonomy, **SMALL)  # noqa: E731
    counts = evaluation._count(list(docs) + extra_docs, make)
    coarse, fine = evaluation._out_of_fold(corpus, ids, counts, fold_index, make, None, extra=extra)
    assert coarse.shape[0] == fine.shape[0] == len(ids)
    assert unseen not in evaluation._all_labels(corpus, make)[0]
    for k, test in enumerate(fold_index):
        rest = [ids[i] for i in range(len(ids)) if i not in set(test.tolist())]
        assert seen[k] == rest + [d.id for d in extra_docs]
    without = evaluation._out_of_fold(corpus, ids, counts, fold_index, make, None)
    assert seen[-1] == [ids[i] for i in range(len(ids)) if i not in set(fold_index[-1].tolist())]
    assert not np.allclose(without[0], coarse)  # the extra rows changed the models
