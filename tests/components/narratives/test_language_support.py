"""How far to trust an article's language: trained, transfer (the dense head on static multilingual embeddings) or
unsupported (no labels, a warning); the Other gate; the format-3 model files and loading a format-2 model.

The articles in tests/data/transfer/ are hand-written (German, Spanish, Ukrainian, French, Polish; Thai and
Georgian for scripts the static vocabulary does not cover) and were not used to train or tune anything.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from narrascope.components.narratives.classifier import DEFAULT_MODEL_DIR, NarrativeClassifier
from narrascope.components.narratives.dense import TRAINED, TRANSFER, UNSUPPORTED
from narrascope.documents import Analysis, Document
from narrascope.taxonomy import OTHER
from narrascope.taxonomy import load_default_taxonomy

SEMEVAL = load_default_taxonomy()  # the labels of the SemEval fixtures

DATA = Path(__file__).resolve().parents[2] / "data" / "transfer"
ARTICLES = [json.loads(line) for line in (DATA / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
COVERED = [a for a in ARTICLES if a["domain"]]
UNCOVERED = [a for a in ARTICLES if not a["domain"]]
ENGLISH = ("NATO and Washington provoked this war. For years the West expanded its alliance towards Russia's borders "
           "and now sends weapons to Kyiv to prolong the bloodshed. Western governments do not want peace.")


def shipped_has_dense_head() -> bool:
    config = DEFAULT_MODEL_DIR / "config.json"
    return config.exists() and json.loads(config.read_text(encoding="utf-8")).get("dense", False)


needs_dense = pytest.mark.skipif(not shipped_has_dense_head(), reason="the shipped model has no dense head")


@pytest.fixture(scope="module")
def analyses() -> dict[str, Analysis]:
    """The default pipeline over the articles, languages detected by the language step (None for Thai/Georgian)."""
    import narrascope

    nlp = narrascope.load()
    return {a.document_id: a for a in nlp.pipe(Document(id=r["id"], text=r["text"]) for r in ARTICLES)}


@needs_dense
@pytest.mark.parametrize("article", COVERED, ids=[a["id"] for a in COVERED])
def test_an_article_in_an_untrained_language_is_transfer_with_labels_of_its_domain_only(
        analyses: dict[str, Analysis], article: dict) -> None:
    analysis = analyses[article["id"]]
    assert analysis.language == article["language"]
    assert analysis.language_support == TRANSFER
    assert any("no training articles" in w for w in analysis.warnings)
    assert analysis.narratives
    assert all(n.label == OTHER or n.label.startswith(article["domain"] + ":") for n in analysis.narratives)
    for label in analysis.narratives + analysis.subnarratives:
        for evidence in label.evidence:
            assert article["text"][evidence.start:evidence.end] == evidence.text


@needs_dense
def test_most_articles_in_untrained_languages_get_a_narrative_of_their_domain_with_evidence(
        analyses: dict[str, Analysis]) -> None:
    # measured with the shipped model: 6 of 7 (the French climate-denial article gets the bare Other); cross-lingual
    # transfer is weak (leave-one-language-out fine F1 0.20, see the model card), so the exact narratives vary
    hits = [a["id"] for a in COVERED if analyses[a["id"]].narratives[0].label.startswith(a["domain"] + ":")
            and analyses[a["id"]].narratives[0].evidence]
    assert len(hits) >= len(COVERED) - 1, hits


@needs_dense
@pytest.mark.parametrize("article", UNCOVERED, ids=[a["id"] for a in UNCOVERED])
def test_an_article_in_an_uncovered_script_gets_no_labels_and_a_warning(analyses: dict[str, Analysis], article: dict) -> None:
    analysis = analyses[article["id"]]
    assert analysis.language_support == UNSUPPORTED
    assert analysis.narratives == [] and analysis.subnarratives == []
    assert any("not covered" in w for w in analysis.warnings)


@needs_dense
def test_the_given_language_decides_between_trained_and_transfer() -> None:
    model = NarrativeClassifier.load()
    docs = [Document("en", ENGLISH, language="en"), Document("de", COVERED[0]["text"], language="de"),
            Document("th", UNCOVERED[0]["text"], language="th"), Document("none", COVERED[0]["text"])]
    assert model.language_support(docs) == [TRAINED, TRANSFER, UNSUPPORTED, TRANSFER]
    assert set(model.languages_) == {"bg", "en", "hi", "pt", "ru"}
    assert model.routes_to_dense("de") and not model.routes_to_dense("en") and not model.routes_to_dense(None)
    assert model.thresholds("de") != model.thresholds("en") or model.transfer_thresholds == {}


@needs_dense
def test_language_support_is_in_the_json_csv_and_api_outputs(analyses: dict[str, Analysis]) -> None:
    from narrascope.io.writers import CSV_COLUMNS, CsvWriter, InputInfo
    from narrascope.web.schemas import AnalysisOut

    analysis = analyses["de_urw"]
    assert analysis.to_dict()["language_support"] == TRANSFER
    assert Analysis.from_dict(json.loads(json.dumps(analysis.to_dict()))).language_support == TRANSFER
    assert AnalysisOut.of(analyses["th_urw"]).language_support == UNSUPPORTED
    stream = io.StringIO()
    CsvWriter(stream=stream).write(analysis, InputInfo(id="de_urw", source="test"))
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert "language_support" in CSV_COLUMNS and rows[0]["language_support"] == TRANSFER


def test_other_gate_predicts_the_bare_other() -> None:
    model = NarrativeClassifier(taxonomy=SEMEVAL)
    west = "URW: Blaming the war on others rather than the invader"
    model.coarse_labels_, model.fine_labels_ = [OTHER, west], [f"{west}: The West are the aggressors"]
    weak, fine = np.array([0.5, 0.36]), np.array([0.1])  # the narrative is below the coarse threshold (0.4)
    model.min_top_prob = 0.35
    assert model.decode(np.array([0.3, 0.36]), fine).annotation("x").narratives == [west]  # best narrative kept
    model.other_gate = 0.5
    assert model.decode(weak, fine).annotation("x").narratives == [OTHER]
    assert model.decode(np.array([0.49, 0.36]), fine).annotation("x").narratives == [OTHER]  # Other still the top
    assert model.decode(np.array([0.3, 0.36]), fine).annotation("x").narratives == [west]  # below the gate
    model.language_thresholds = {"en": {"other_gate": None}}
    assert model.decode(np.array([0.5, 0.36]), fine, "en").annotation("x").narratives == [OTHER]  # P(Other) >= P


def test_other_gate_never_overrules_a_narrative_that_reaches_its_threshold() -> None:
    model = NarrativeClassifier(taxonomy=SEMEVAL, other_gate=0.4)
    west = "URW: Blaming the war on others rather than the invader"
    model.coarse_labels_, model.fine_labels_ = [OTHER, west], [f"{west}: The West are the aggressors"]
    weak_fine = np.array([0.1])
    assert model.decode(np.array([0.9, 0.4]), weak_fine).annotation("x").narratives == [west]  # at the threshold
    assert model.decode(np.array([0.9, 0.399]), weak_fine).annotation("x").narratives == [OTHER]
    assert model.decode(np.array([0.9, 0.399]), np.array([0.6])).annotation("x").narratives == [west]  # via its sub
    model.label_thresholds = {west: 0.6}  # its own threshold decides
    assert model.decode(np.array([0.9, 0.5]), weak_fine).annotation("x").narratives == [OTHER]


def test_dense_head_round_trip_and_format_2_models_still_load(tmp_path: Path) -> None:
    from tests.components.narratives.test_classifier import tiny_corpus

    docs, anns = tiny_corpus()
    for i, doc in enumerate(docs):
        doc.language = "en" if i % 2 else "pt"
    model = NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000, char_features=2000).fit(docs, anns)
    assert model.languages_ == ["en", "pt"] and model.dense_W_.shape == (len(model.coarse_labels_) + len(model.fine_labels_), 256)
    model.transfer_thresholds = {"fine_threshold": 0.1}
    model.save(tmp_path / "m")
    loaded = NarrativeClassifier.load(tmp_path / "m")
    german = [Document("g", "Die NATO und der Westen sind schuld an diesem Krieg.", language="de")]
    np.testing.assert_allclose(np.hstack(loaded.predict_proba(german)), np.hstack(model.predict_proba(german)), atol=1e-5)
    assert loaded.thresholds("de")["fine_threshold"] == 0.1 and loaded.thresholds("en")["fine_threshold"] == model.fine_threshold
    # a model saved before the dense head (format 2): loads, and every language takes the n-gram heads
    config = json.loads((tmp_path / "m" / "config.json").read_text(encoding="utf-8"))
    for key in ("languages", "dense", "dense_embedder", "dense_alpha", "transfer_thresholds", "min_coverage", "other_gate"):
        config.pop(key)
    config["format"] = 2
    (tmp_path / "m" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    old = NarrativeClassifier.load(tmp_path / "m")
    assert old.dense_W_ is None and not old.routes_to_dense("de")
    assert [p.annotation("x") for p in old.predict(german)] == [p.annotation("x") for p in model.predict(
        [Document("g", german[0].text, language="en")])]
