"""Few-shot and zero-shot narratives (components/narratives/fewshot.py) on a tiny hand-written taxonomy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.components.narratives.fewshot import FEWSHOT_BELOW, PrototypeScorer, fewshot_labels, label_description
from narrascope.documents import Document
from narrascope.taxonomy import Taxonomy
from narrascope.training.data import annotation_of

DATA = Path(__file__).resolve().parents[2] / "data" / "fewshot"
VACCINES, ELECTION = "Vaccines are dangerous", "Election is rigged"
NEW = {
    "vaccine": "A nurse says the injections caused strokes and heart damage in her patients. The ministry hides the "
               "reports of vaccine injuries. Families of the victims want answers.",
    "election": "Ballots were counted twice in the capital, the opposition says. The vote count was manipulated by "
                "the commission. They will not accept the result.",
    "neutral": "The library extends its opening hours in summer. Children can borrow ten books at a time. A reading "
               "club meets on Fridays.",
}


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_file(DATA / "taxonomy.yaml")


def corpus(taxonomy: Taxonomy, without: str = "") -> tuple[list[Document], list]:
    rows = [json.loads(line) for line in (DATA / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if not (without and r["labels"] == without)]
    docs = [Document(id=r["id"], text=r["text"], language="en") for r in rows]
    return docs, [annotation_of(r["id"], [r["labels"]] if r["labels"] else [], taxonomy) for r in rows]


def new_documents() -> list[Document]:
    return [Document(id=k, text=t, language="en") for k, t in NEW.items()]


def test_label_description_uses_definition_and_examples(taxonomy: Taxonomy) -> None:
    texts = label_description(taxonomy, VACCINES)
    assert texts[0].startswith("Vaccines are dangerous. The article claims")
    assert any("heart attacks" in t for t in texts[1:])


def test_fewshot_labels_are_the_rare_ones(taxonomy: Taxonomy) -> None:
    _, annotations = corpus(taxonomy)
    assert fewshot_labels(taxonomy, annotations, 3) == [VACCINES]  # 2 vaccine, 4 election articles
    assert fewshot_labels(taxonomy, annotations, 10) == [VACCINES, ELECTION]
    assert fewshot_labels(taxonomy, annotations, 0) == []


def test_zero_shot_narrative_is_predicted_with_evidence(taxonomy: Taxonomy) -> None:
    docs, annotations = corpus(taxonomy, without=VACCINES)  # no vaccine article at all: definition and examples only
    model = NarrativeClassifier(taxonomy=taxonomy, fewshot_below=FEWSHOT_BELOW).fit(docs, annotations)
    assert VACCINES in model.coarse_labels_ and model.label_thresholds[VACCINES] == 0.5
    results = dict(zip(NEW, model.predict_with_evidence(new_documents())))
    vaccine_labels = {n.label: n for n in results["vaccine"][0]}
    assert VACCINES in vaccine_labels
    assert any("vaccine" in e.text or "injections" in e.text for e in vaccine_labels[VACCINES].evidence)
    assert VACCINES not in {n.label for n in results["neutral"][0]}
    assert VACCINES not in {n.label for n in results["election"][0]}
    assert {n.label for n in results["election"][0]} == {ELECTION}


def test_labelled_articles_sharpen_the_prototype(taxonomy: Taxonomy) -> None:
    docs, annotations = corpus(taxonomy)
    texts = [d.text for d in docs]
    positives = [a for a in annotations if VACCINES in a.narratives]
    unlabelled = [annotation_of(a.id, [], taxonomy) if VACCINES in a.narratives else a for a in annotations]
    margin = {}
    for name, labels in (("k=0", unlabelled), ("k=2", annotations)):
        scorer = PrototypeScorer().fit(texts, labels, [VACCINES], taxonomy)
        new = scorer.predict_proba([NEW["vaccine"], NEW["neutral"], NEW["election"]])[:, 0]
        raw = scorer.score_vectors(scorer._vectors().articles([NEW["vaccine"], NEW["neutral"]])[1])[:, 0]
        margin[name] = raw[0] - raw[1]
        assert new[0] > 0.5 > max(new[1], new[2])
    assert len(positives) == 2 and margin["k=2"] > margin["k=0"]


def test_saved_model_keeps_its_fewshot_labels(taxonomy: Taxonomy, tmp_path: Path) -> None:
    docs, annotations = corpus(taxonomy, without=VACCINES)
    model = NarrativeClassifier(taxonomy=taxonomy, fewshot_below=FEWSHOT_BELOW).fit(docs, annotations)
    model.save(tmp_path / "m")
    loaded = NarrativeClassifier.load(tmp_path / "m")
    assert loaded.fewshot_ is not None and loaded.fewshot_.labels_ == model.fewshot_.labels_
    before, after = model.predict_proba(new_documents()), loaded.predict_proba(new_documents())
    np.testing.assert_allclose(before[0], after[0], atol=0.02)
    assert [p.annotation("x") for p in loaded.predict(new_documents())] == \
        [p.annotation("x") for p in model.predict(new_documents())]


def test_fewshot_below_zero_keeps_ngram_heads_only(taxonomy: Taxonomy) -> None:
    docs, annotations = corpus(taxonomy, without=VACCINES)
    model = NarrativeClassifier(taxonomy=taxonomy, fewshot_below=0).fit(docs, annotations)
    assert model.fewshot_ is None and VACCINES not in model.coarse_labels_
