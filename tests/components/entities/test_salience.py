"""Entity salience: features of an entity's mentions, the logistic model, save/load, the shipped model's ranking."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from narrascope.errors import ModelError
from narrascope.components.entities.gazetteer import Gazetteer
from narrascope.components.entities.mentions import FoundMention
from narrascope.components.entities.salience import FEATURES, EntitySalience, entity_features, shipped_salience

TEXT = ("Zorvan warns Telmar\n" + "Zorvan said the talks had failed. " * 6 + "Later, a spokesman for Quillby Bank declined to comment.")


def _mentions() -> list[FoundMention]:
    found = [FoundMention(i, i + 6, "Zorvan", "PER", "spacy", "Zorvan") for i in range(len(TEXT)) if TEXT.startswith("Zorvan", i)]
    found.append(FoundMention(13, 19, "Telmar", "GPE", "gazetteer", "Telmar"))
    q = TEXT.index("Quillby Bank")
    found.append(FoundMention(q, q + 12, "Quillby Bank", "ORG", "spacy", "Quillby Bank"))
    return found


def _gazetteer() -> Gazetteer:
    return Gazetteer.build([SimpleNamespace(mention="Telmar", main_role="Innocent", fine_roles=["Victim"])] * 9)


def test_entity_features_describe_each_entity_once_in_order_of_first_mention() -> None:
    keys, X = entity_features(_mentions(), TEXT, "en", _gazetteer())
    assert keys == ["Zorvan", "Telmar", "Quillby Bank"] and X.shape == (3, len(FEATURES))
    row = {k: dict(zip(FEATURES, X[i])) for i, k in enumerate(keys)}
    assert row["Zorvan"]["log_mentions"] == pytest.approx(np.log1p(7)) and row["Zorvan"]["most_mentioned"] == 1.0
    assert row["Zorvan"]["mention_share"] == pytest.approx(7 / 9) and row["Zorvan"]["label_person"] == 1.0
    assert row["Telmar"]["log_gazetteer_count"] == pytest.approx(np.log1p(9)) and row["Telmar"]["only_gazetteer"] == 1.0
    assert row["Telmar"]["in_title_or_lead"] == 1.0 and row["Quillby Bank"]["in_title_or_lead"] == 0.0
    assert row["Quillby Bank"]["first_position"] > 0.8 and row["Quillby Bank"]["words"] == 2.0
    assert all(r["lang_en"] == 1.0 and r["lang_ru"] == 0.0 and r["log_entities"] == pytest.approx(np.log1p(3)) for r in row.values())


def test_fit_learns_which_entities_are_framed_and_round_trips(tmp_path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, len(FEATURES)))
    y = X[:, FEATURES.index("log_mentions")] + 0.3 * rng.normal(size=400) > 0.5  # framed = often mentioned
    model = EntitySalience().fit(X, y)
    assert model.coef_[FEATURES.index("log_mentions")] == max(model.coef_)
    assert ((model.predict_proba(X) > 0.5) == y).mean() > 0.9
    model.save(tmp_path, model_card="# card\n")
    loaded = EntitySalience.load(tmp_path)
    assert np.allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-5)
    assert (tmp_path / "MODEL_CARD.md").read_text() == "# card\n"


def test_bad_input_and_foreign_models_are_refused(tmp_path) -> None:
    with pytest.raises(ModelError, match="both classes"):
        EntitySalience().fit(np.zeros((3, len(FEATURES))), [True, True, True])
    with pytest.raises(ModelError, match="not fitted"):
        EntitySalience().predict_proba(np.zeros((1, len(FEATURES))))
    with pytest.raises(ModelError, match="missing"):
        EntitySalience.load(tmp_path)
    (tmp_path / "salience.json").write_text('{"format": "narrascope-entity-salience/1", "features": ["other"]}')
    with pytest.raises(ModelError, match="features"):
        EntitySalience.load(tmp_path)


def test_shipped_model_ranks_the_recurring_headline_name_above_a_passing_one() -> None:
    scores = shipped_salience().score(_mentions(), TEXT, "en", _gazetteer())
    assert set(scores) == {"Zorvan", "Telmar", "Quillby Bank"} and all(0 < p < 1 for p in scores.values())
    assert scores["Zorvan"] > scores["Quillby Bank"] and scores["Telmar"] > scores["Quillby Bank"]
    assert shipped_salience().score([], TEXT, "en") == {}


def _memorisation_corpus(n: int = 60, seed: int = 0):  # type: ignore[no-untyped-def]
    """Two made-up names per document in symmetric roles, one of them (at random) annotated; every name occurs in one
    document only, so which one is framed can be told only from that document's own annotation."""
    from narrascope.documents import Document
    from narrascope.semeval.io import MentionAnnotation, SemevalCorpus, official_span

    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))

    def name() -> str:
        return " ".join("".join(rng.choice(letters, size=6)).capitalize() for _ in range(2))

    corpus = SemevalCorpus()
    for i in range(n):
        a, b = name(), name()
        text = f"{a} and {b} met in the capital on Monday. {a} spoke first, and then {b} replied to the questions."
        framed = a if rng.random() < 0.5 else b
        start, end = official_span(text, text.index(framed), text.index(framed) + len(framed))
        doc_id = f"doc{i:02d}"
        corpus.documents[doc_id] = Document(doc_id, text, language="en")
        corpus.mentions[doc_id] = [MentionAnnotation(doc_id, framed, start, end, "Antagonist", ["Instigator"])]
    return corpus


def test_salience_cv_scores_chance_unless_a_documents_own_annotation_reaches_its_gazetteer(monkeypatch) -> None:
    """``salience_examples`` builds each fold's gazetteer from the other folds' annotations; built from all of them,
    the gazetteer count of the framed name gives it away."""
    from sklearn.metrics import roc_auc_score

    import narrascope.training.entities as training_module
    from narrascope.training.entities import cross_validate_salience, salience_examples

    corpus = _memorisation_corpus()
    ids, folds, X, y = salience_examples(corpus, n_folds=3)
    assert len(set(ids)) == 60 and 0.3 < y.mean() < 0.7
    honest = roc_auc_score(y, cross_validate_salience(folds, X, y))
    assert honest < 0.65  # measured 0.42 (chance 0.5)

    everything = [m for ms in corpus.mentions.values() for m in ms]
    build = Gazetteer.build.__func__  # type: ignore[attr-defined]

    class Leaky(Gazetteer):
        @classmethod
        def build(cls, mentions, **kwargs):  # type: ignore[no-untyped-def, override]
            return build(Gazetteer, everything, **kwargs)

    monkeypatch.setattr(training_module, "Gazetteer", Leaky)
    _, folds, X, y = salience_examples(corpus, n_folds=3)
    assert roc_auc_score(y, cross_validate_salience(folds, X, y)) > 0.95  # measured 1.00
