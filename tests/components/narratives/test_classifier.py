"""NarrativeClassifier: taxonomy-consistent decoding, evidence offsets, persistence, the shipped model.

Cross-validation and its leakage tests are in tests/training/test_evaluation.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrascope.documents import Document
from narrascope.components.narratives.classifier import DEFAULT_MODEL_DIR, NarrativeClassifier
from narrascope.semeval.io import NarrativeAnnotation
from narrascope.taxonomy import OTHER, load_default_taxonomy

SEMEVAL = load_default_taxonomy()  # the labels of the SemEval fixtures

ROOT = Path(__file__).resolve().parents[3]
TAX = load_default_taxonomy()
WEST = "URW: Blaming the war on others rather than the invader"
WEST_SUB = f"{WEST}: The West are the aggressors"
HOAX = "CC: Criticism of climate movement"
HOAX_SUB = f"{HOAX}: Ad hominem attacks on key activists"

WAR = [
    "NATO soldiers are fighting in Ukraine. The West provoked this war and sends troops.",
    "Western mercenaries and NATO instructors operate the missile systems. The West is at war with Russia.",
    "The United States pushed NATO to the east and started the conflict. Washington wants war.",
    "British and American troops are already on the ground, the Kremlin says. NATO is a party to the war.",
]
CLIMATE = [
    "The climate activist flies in a private jet while lecturing us. Hypocrites of the green movement.",
    "Greta and her friends are hypocrites who never lived a day of work. The activists are frauds.",
    "Climate campaigners own three mansions and fly around the world. Their movement is a scam.",
    "Eco activists glued themselves to roads again. These hypocrites fly on holidays every month.",
]
NEUTRAL = [
    "The city council approved a new budget for schools and parks this Tuesday.",
    "A local bakery won a prize for its bread at the regional fair on Sunday.",
    "The football team trained in the rain ahead of the weekend match.",
    "Farmers expect a good harvest of apples after a mild spring this year.",
]


def tiny_corpus() -> tuple[list[Document], list[NarrativeAnnotation]]:
    docs, anns = [], []
    for i, text in enumerate(WAR * 2):
        docs.append(Document(id=f"w{i}", text=text))
        anns.append(NarrativeAnnotation(f"w{i}", [WEST], [WEST_SUB]))
    for i, text in enumerate(CLIMATE * 2):
        docs.append(Document(id=f"c{i}", text=text))
        anns.append(NarrativeAnnotation(f"c{i}", [HOAX], [HOAX_SUB]))
    for i, text in enumerate(NEUTRAL * 2):
        docs.append(Document(id=f"n{i}", text=text))
        anns.append(NarrativeAnnotation(f"n{i}", [OTHER], [OTHER]))
    return docs, anns


@pytest.fixture(scope="module")
def fitted() -> NarrativeClassifier:
    docs, anns = tiny_corpus()
    return NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000, char_features=2000).fit(docs, anns)


def test_predictions_respect_the_taxonomy(fitted: NarrativeClassifier) -> None:
    docs = [
        Document("a", "NATO troops fight in Ukraine and the West provoked the war with Russia."),
        Document("b", "The activists are hypocrites who fly private jets."),
        Document("c", "The bakery and the football team had a quiet Sunday at the fair."),
    ]
    predictions = fitted.predict(docs)
    assert predictions[0].annotation("a").narratives == [WEST]
    assert WEST_SUB in predictions[0].annotation("a").subnarratives
    assert HOAX in predictions[1].annotation("b").narratives
    assert predictions[2].annotation("c").narratives == [OTHER]
    for p in predictions:
        ann = p.annotation("x")
        domains = {TAX.domain_of(label) for label in ann.narratives + ann.subnarratives}
        assert len(domains) == 1  # never URW and CC mixed, never Other beside a narrative
        for sub in ann.subnarratives:
            assert TAX.parent(sub) in ann.narratives


def test_narrative_without_subnarrative_gets_its_other_label(fitted: NarrativeClassifier) -> None:
    coarse = np.zeros(len(fitted.coarse_labels_))
    fine = np.zeros(len(fitted.fine_labels_))
    coarse[fitted.coarse_labels_.index(WEST)] = 0.9
    prediction = fitted.decode(coarse, fine).annotation("x")
    assert prediction.narratives == [WEST]
    assert prediction.subnarratives == [f"{WEST}: Other"]


def test_evidence_offsets_point_into_the_text(fitted: NarrativeClassifier) -> None:
    doc = Document("a", "Weather report: sunny.\r\nNATO soldiers are fighting in Ukraine. The West provoked this war.")
    (narratives, subnarratives), = fitted.predict_with_evidence([doc])
    assert narratives and narratives[0].evidence
    for label in narratives + subnarratives:
        for ev in label.evidence:
            assert doc.text[ev.start:ev.end] == ev.text
    assert "NATO" in narratives[0].evidence[0].text or "West" in narratives[0].evidence[0].text


def test_save_load_round_trip_gives_identical_predictions(fitted: NarrativeClassifier, tmp_path: Path) -> None:
    fitted.save(tmp_path / "m")
    loaded = NarrativeClassifier.load(tmp_path / "m")
    docs = [Document(str(i), t) for i, t in enumerate(WAR + CLIMATE + NEUTRAL)]
    a, b = fitted.predict(docs), loaded.predict(docs)
    assert [p.annotation("x") for p in a] == [p.annotation("x") for p in b]


def test_unfitted_model_and_missing_directory_fail_clearly(tmp_path: Path) -> None:
    from narrascope.errors import ModelError

    with pytest.raises(ModelError, match="not fitted"):
        NarrativeClassifier().predict([Document("a", "text")])
    with pytest.raises(ModelError, match="narrative model"):
        NarrativeClassifier.load(tmp_path / "nothing")


@pytest.mark.skipif(not (DEFAULT_MODEL_DIR / "weights.npz").exists(), reason="no shipped model")
def test_shipped_model_labels_the_sample_articles_as_urw() -> None:
    from narrascope.io import read_inputs

    docs = [d for d in read_inputs([ROOT / "examples"]) if isinstance(d, Document)]
    assert len(docs) == 5
    model = NarrativeClassifier.load()
    results = model.predict_with_evidence(docs)
    urw = sum(any(n.label.startswith("URW:") for n in narratives) for narratives, _ in results)
    assert urw >= 4
    for doc, (narratives, _) in zip(docs, results):
        for label in narratives:
            for ev in label.evidence:
                assert doc.text[ev.start:ev.end] == ev.text


def test_fit_counts_on_a_shared_count_matrix_equals_fit_on_the_rows() -> None:
    """CV counts the corpus once; a fold model must be the model that ``fit`` on its rows alone would give."""
    from narrascope.components.narratives.classifier import count_terms

    docs, anns = tiny_corpus()
    rows = list(range(0, len(docs), 2))
    direct = NarrativeClassifier(taxonomy=SEMEVAL, word_features=500, char_features=500).fit([docs[i] for i in rows], [anns[i] for i in rows])
    counts = count_terms([d.text for d in docs])
    shared = NarrativeClassifier(taxonomy=SEMEVAL, word_features=500, char_features=500).fit_counts(counts.rows(rows), [anns[i] for i in rows])
    assert shared.terms_ == direct.terms_
    held_out = [d for i, d in enumerate(docs) if i not in rows]
    a = direct.predict_proba(held_out)
    b = shared.predict_proba_counts(counts.rows([i for i in range(len(docs)) if i not in rows]))
    np.testing.assert_allclose(a[0], b[0], atol=1e-5)
    np.testing.assert_allclose(a[1], b[1], atol=1e-5)


def test_vocabulary_comes_from_the_training_rows_only() -> None:
    from narrascope.components.narratives.classifier import count_terms

    docs, anns = tiny_corpus()
    rows = [i for i, d in enumerate(docs) if d.id.startswith(("w", "n"))]  # no climate article in training
    counts = count_terms([d.text for d in docs])
    model = NarrativeClassifier(taxonomy=SEMEVAL, word_features=500, char_features=500).fit_counts(counts.rows(rows), [anns[i] for i in rows])
    assert "hypocrites" in counts.terms["word"] and "hypocrites" not in model.terms_["word"]
    assert HOAX not in model.coarse_labels_


def test_language_thresholds_override_the_global_ones(fitted: NarrativeClassifier, tmp_path: Path) -> None:
    coarse = np.zeros(len(fitted.coarse_labels_))
    fine = np.zeros(len(fitted.fine_labels_))
    coarse[fitted.coarse_labels_.index(WEST)] = 0.3
    coarse[fitted.coarse_labels_.index(OTHER)] = 0.1
    model = NarrativeClassifier.load(_saved(fitted, tmp_path))
    model.coarse_threshold, model.min_top_prob = 0.4, 0.35
    model.language_thresholds = {"en": {"min_top_prob": 0.2}}
    assert model.decode(coarse, fine, "pt").annotation("x").narratives == [OTHER]
    assert model.decode(coarse, fine, "en").annotation("x").narratives == [WEST]
    assert model.thresholds("en") == {"coarse_threshold": 0.4, "fine_threshold": model.fine_threshold, "min_top_prob": 0.2,
                                      "other_gate": None}
    model.save(tmp_path / "again")
    assert NarrativeClassifier.load(tmp_path / "again").language_thresholds == {"en": {"min_top_prob": 0.2}}


def _saved(model: NarrativeClassifier, tmp_path: Path) -> Path:
    model.save(tmp_path / "m")
    return tmp_path / "m"


def test_thresholds_are_tuned_for_each_language_with_enough_documents(fitted: NarrativeClassifier) -> None:
    from narrascope.training.evaluation import tune_thresholds

    # "en" articles with a WEST score of 0.3 are WEST; "pt" articles with the same score are not.
    n = 12
    coarse = np.zeros((2 * n, len(fitted.coarse_labels_)), dtype=np.float32)
    fine = np.zeros((2 * n, len(fitted.fine_labels_)), dtype=np.float32)
    coarse[:, fitted.coarse_labels_.index(WEST)] = 0.3
    coarse[:, fitted.coarse_labels_.index(OTHER)] = 0.1
    ids = [f"d{i}" for i in range(2 * n)]
    gold = {i: NarrativeAnnotation(i, [WEST], [f"{WEST}: Other"]) if r < n else NarrativeAnnotation(i, [OTHER], [OTHER])
            for r, i in enumerate(ids)}
    languages = {i: "en" if r < n else "pt" for r, i in enumerate(ids)}
    model = NarrativeClassifier(coarse_threshold=0.4, taxonomy=SEMEVAL)
    model.coarse_labels_, model.fine_labels_ = fitted.coarse_labels_, fitted.fine_labels_
    tuned = tune_thresholds(model, (coarse, fine), ids, gold, languages, min_documents=n)
    assert set(tuned["languages"]) == {"en", "pt"}
    decoded = {lang: model.decode(coarse[r], fine[r], lang).annotation("x").narratives for lang, r in (("en", 0), ("pt", n))}
    assert decoded == {"en": [WEST], "pt": [OTHER]}
    assert tune_thresholds(model, (coarse, fine), ids, gold, languages, min_documents=n + 1)["languages"] == {}


def test_two_narratives_whose_other_labels_never_occurred_in_training_decode() -> None:
    """Training on one language of the release (EN, BG) leaves out some '<Narrative>: Other' labels; a document
    with two such narratives and no subnarrative decoded to a KeyError during threshold tuning."""
    discredit = "URW: Discrediting Ukraine"
    discredit_sub = f"{discredit}: Discrediting Ukrainian government and officials and policies"
    docs, anns = [], []
    for i, text in enumerate(WAR * 2):
        docs.append(Document(id=f"w{i}", text=text))
        anns.append(NarrativeAnnotation(f"w{i}", [WEST], [WEST_SUB]))
    for i, text in enumerate(["Kyiv officials are corrupt and steal the aid.", "Zelensky's government lies about it."] * 3):
        docs.append(Document(id=f"d{i}", text=text))
        anns.append(NarrativeAnnotation(f"d{i}", [discredit], [discredit_sub]))
    model = NarrativeClassifier(taxonomy=SEMEVAL, word_features=500, char_features=500).fit(docs, anns)
    assert f"{WEST}: Other" not in model.fine_labels_ and f"{discredit}: Other" not in model.fine_labels_
    coarse = np.zeros(len(model.coarse_labels_))
    coarse[model.coarse_labels_.index(WEST)] = coarse[model.coarse_labels_.index(discredit)] = 0.9
    prediction = model.decode(coarse, np.zeros(len(model.fine_labels_))).annotation("x")
    assert sorted(prediction.narratives) == sorted([WEST, discredit])
    assert sorted(prediction.subnarratives) == sorted([f"{WEST}: Other", f"{discredit}: Other"])
