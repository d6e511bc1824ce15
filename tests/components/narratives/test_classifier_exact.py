"""The n-gram classifier by its definitions: vocabulary (most frequent first, ties in term order) and smoothed IDF,
the ridge heads against the normal equations, evidence sentences (at least 20 characters, offsets into the text, a
batch equal to its documents alone), and what an unsupported language gets."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import sparse

from narrascope.components.narratives.classifier import NarrativeClassifier, NarrativeStep, _ridge
from narrascope.components.narratives.dense import TRAINED, TRANSFER, UNSUPPORTED
from narrascope.documents import Analysis, Document
from narrascope.semeval.io import NarrativeAnnotation
from narrascope.taxonomy import OTHER

from .test_classifier import SEMEVAL, WEST, WEST_SUB, tiny_corpus


@pytest.fixture(scope="module")
def fitted() -> NarrativeClassifier:
    docs, anns = tiny_corpus()
    return NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000, char_features=2000).fit(docs, anns)


def test_the_vocabulary_is_the_most_frequent_terms_ties_in_term_order_with_smoothed_idf() -> None:
    frequent = {"wc", "wh", "wm", "wq", "ws"}  # in three of five documents; the other 15 words in two
    words = [f"w{c}" for c in "abcdefghijklmnopqrst"]
    texts = []
    for d in range(5):
        present = [w for w in words if (w in frequent and d < 3) or (w not in frequent and d >= 3)]
        texts.append(" ".join(f"{w} x{d}y{j}" for j, w in enumerate(present)))  # every bigram in one document only
    anns = [NarrativeAnnotation(f"d{d}", [WEST], [WEST_SUB]) for d in range(5)]
    model = NarrativeClassifier(taxonomy=SEMEVAL, word_features=8, char_features=50)
    model.fit([Document(f"d{d}", t) for d, t in enumerate(texts)], anns)
    # the five in three documents, then the first three of the fifteen in two, in term (alphabetical) order
    assert model.terms_["word"] == sorted(frequent | {"wa", "wb", "wd"})
    idf = dict(zip(model.terms_["word"], model.idf_["word"].tolist()))
    assert idf["wc"] == pytest.approx(math.log(6 / 4) + 1)  # scikit-learn's smooth IDF: log((1+n)/(1+df)) + 1
    assert idf["wa"] == pytest.approx(math.log(6 / 3) + 1)


def test_ridge_heads_solve_the_normal_equations() -> None:
    rng = np.random.default_rng(0)
    X = sparse.random(12, 5, density=0.6, random_state=1, format="csr")
    Y = rng.random((12, 3))
    W, b = _ridge(X, Y, 1.5)
    dense_X, mean = X.toarray(), Y.mean(axis=0)
    # the kernel form equals (XᵀX + αI) W = Xᵀ(Y - ȳ), intercept ȳ
    expected = np.linalg.solve(dense_X.T @ dense_X + 1.5 * np.eye(5), dense_X.T @ (Y - mean)).T
    assert W == pytest.approx(expected, abs=1e-5) and b == pytest.approx(mean, abs=1e-6)
    assert W.shape == (3, 5) and b.shape == (3,)


def test_ridge_heads_of_a_large_training_set_are_ridge_regression_with_intercept() -> None:
    rng = np.random.default_rng(0)
    X = sparse.random(20_001, 3, density=0.5, random_state=2, format="csr")
    Y = rng.random((20_001, 2))
    W, b = _ridge(X, Y, 2.0)
    dense_X = X.toarray()
    centred, mean_x, mean_y = dense_X - dense_X.mean(axis=0), dense_X.mean(axis=0), Y.mean(axis=0)
    expected = np.linalg.solve(centred.T @ centred + 2.0 * np.eye(3), centred.T @ (Y - mean_y)).T
    assert W == pytest.approx(expected, abs=1e-3)
    assert b == pytest.approx(mean_y - expected @ mean_x, abs=1e-3)


DOCS = [
    Document("a", "Weather report: sunny.\r\nNATO soldiers are fighting in Ukraine. The West provoked this war."),
    Document("b", "Greta and her friends are hypocrites. The climate activists fly in private jets every month."),
    Document("c", "Short. Tiny. The West is at war!! Ok."),
]


def test_evidence_sentences_have_twenty_characters_or_more_and_point_into_the_text(fitted: NarrativeClassifier) -> None:
    results = fitted.predict_with_evidence(DOCS)
    evidence = [ev for narratives, subnarratives in results for label in narratives + subnarratives for ev in label.evidence]
    assert evidence
    for doc, (narratives, subnarratives) in zip(DOCS, results):
        for label in narratives + subnarratives:
            assert 0.0 <= label.score <= 1.0 and round(label.score, 4) == label.score
            for ev in label.evidence:
                assert doc.text[ev.start:ev.end] == ev.text and len(ev.text) >= 20
                assert 0.0 <= ev.score <= 1.0 and round(ev.score, 4) == ev.score
    assert any(0.0 < label.score < 1.0 for narratives, _ in results for label in narratives)
    assert any(0.0 < label.score < 1.0 for _, subnarratives in results for label in subnarratives)
    # "The West is at war!!" is exactly 20 characters: the only sentence of c long enough to be evidence
    (narratives, _), = fitted.predict_with_evidence([DOCS[2]])
    assert {ev.text for label in narratives for ev in label.evidence} == {"The West is at war!!"}


def test_a_batch_gives_each_document_what_it_gets_alone(fitted: NarrativeClassifier) -> None:
    together = fitted.predict_with_evidence(DOCS)
    alone = [fitted.predict_with_evidence([doc])[0] for doc in DOCS]
    assert together == alone


def test_an_unsupported_document_gets_no_labels_and_the_others_are_unaffected(fitted: NarrativeClassifier) -> None:
    results = fitted.predict_with_support(DOCS[:2], [UNSUPPORTED, TRAINED])
    assert results[0] == ([], [])
    assert results[1] == fitted.predict_with_evidence([DOCS[1]])[0] and results[1][0]


def test_the_step_warns_about_a_transfer_or_unsupported_language_in_words(fitted: NarrativeClassifier,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    step = NarrativeStep(fitted)
    docs = [Document("t", "ข่าววันนี้", language="th"), Document("d", DOCS[0].text, language="de"),
            Document("e", DOCS[0].text, language="en"), Document("x", "Unknown words here.")]
    support: dict[str, Any] = {"t": UNSUPPORTED, "d": TRANSFER, "e": TRAINED, "x": UNSUPPORTED}
    monkeypatch.setattr(fitted, "language_support", lambda documents: [support[d.id] for d in documents])
    analyses = [Analysis(d.id) for d in docs]
    step(docs, analyses)
    assert analyses[0].warnings == [
        "language th: its script or vocabulary is not covered by the narrative model (neither trained on it nor "
        "covered by its multilingual representation); no narratives predicted"]
    assert analyses[1].warnings == [
        "language de: the narrative model had no training articles in it; labels come from cross-lingual transfer "
        "and are far less reliable (see the model card)"]
    assert analyses[2].warnings == [] and analyses[2].narratives and analyses[2].language_support == TRAINED
    assert analyses[3].warnings[0].startswith("language unknown: ") and analyses[3].narratives == []
    assert [a.model for a in analyses] == ["narratives:custom"] * 4
    assert {a.taxonomy for a in analyses} == {SEMEVAL.name}
    assert OTHER not in [n.label for n in analyses[0].narratives]


def _english() -> tuple[list[Document], list[NarrativeAnnotation]]:
    docs, anns = tiny_corpus()
    return [Document(d.id, d.text, language="en") for d in docs], anns


GERMAN = Document("de1", "NATO-Soldaten kämpfen in der Ukraine. Der Westen hat diesen Krieg provoziert und schickt "
                         "Truppen.", language="de")


def test_without_a_dense_head_another_language_takes_the_ngram_heads() -> None:
    docs, anns = _english()
    model = NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000, char_features=2000, dense_alpha=None)
    model.fit(docs, anns)
    assert model.languages_ == ["en"] and model.dense_W_ is None
    assert not model.routes_to_dense("de") and not model.routes_to_dense("en")
    (labels,) = model.predict_with_evidence([GERMAN])
    assert labels[0]  # scored by the n-gram heads


def test_with_a_dense_head_another_language_is_scored_by_it_with_evidence_from_its_sentences() -> None:
    docs, anns = _english()
    model = NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000, char_features=2000, dense_alpha=1.0).fit(docs, anns)
    assert model.routes_to_dense("de") and not model.routes_to_dense("en") and not model.routes_to_dense(None)
    english = Document("en1", DOCS[0].text, language="en")
    together = model.predict_with_evidence([GERMAN, english, DOCS[2]])
    assert together == [model.predict_with_evidence([d])[0] for d in (GERMAN, english, DOCS[2])]
    narratives, _ = together[0]
    assert narratives and any(label.evidence for label in narratives)
    for label in narratives:
        for ev in label.evidence:
            assert GERMAN.text[ev.start:ev.end] == ev.text and len(ev.text) >= 20


def test_the_step_names_its_models_taxonomy_without_loading_the_weights() -> None:
    from narrascope.components.narratives.classifier import DEFAULT_MODEL_DIR
    from narrascope.taxonomy import load_taxonomy

    step = NarrativeStep()
    assert step.taxonomy.name == load_taxonomy(DEFAULT_MODEL_DIR).name and step._model is None
    assert step.taxonomy is step.taxonomy  # read once


def test_a_decoded_document_says_whether_it_fell_back(fitted: NarrativeClassifier) -> None:
    coarse = np.zeros(len(fitted.coarse_labels_))
    fine = np.zeros(len(fitted.fine_labels_))
    assert fitted.decode(coarse, fine).fallback is True
    coarse[fitted.coarse_labels_.index(WEST)] = 0.99
    assert fitted.decode(coarse, fine).fallback is False
