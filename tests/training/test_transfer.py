"""Leave-one-language-out evaluation: the held-out language's labels never reach the thresholds, the table prints
each language next to the in-language CV, and the model trained by ``train_narratives`` carries transfer thresholds."""

from __future__ import annotations

from typing import Any

import pytest

from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.errors import ConfigError
from narrascope.training import transfer
from narrascope.training.evaluation import cross_validate_narratives, train_narratives
from tests.training.test_evaluation import SMALL, memorisation_corpus

LANGUAGES = ("en", "pt", "bg")


def small() -> NarrativeClassifier:
    return NarrativeClassifier(**SMALL)


def test_thresholds_of_a_held_out_language_never_see_its_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = memorisation_corpus(n=60, languages=LANGUAGES)
    language = {i: d.language for i, d in corpus.documents.items()}
    tuned_on: list[set[str]] = []
    original = transfer.tune_thresholds

    def spy(model: Any, probs: Any, ids: list[str], *args: Any, **kwargs: Any) -> Any:
        tuned_on.append({language[i] for i in ids})
        return original(model, probs, ids, *args, **kwargs)

    monkeypatch.setattr(transfer, "tune_thresholds", spy)
    result = transfer.cross_validate_holdout_language(corpus, small, routes=("dense", "ngram"))
    assert set(result.routes) == {"dense", "ngram"} and set(result.routes["dense"]) == {"BG", "EN", "PT"}
    # per route, one tuning per held-out language (in sorted order), each on the two other languages only
    expected = [set(LANGUAGES) - {held} for held in sorted(LANGUAGES)] * 2
    assert tuned_on == expected
    cv = cross_validate_narratives(corpus, folds=3, make_model=small)
    table = result.table(cv)
    assert "LOLO dense coarse" in table and "CV fine" in table and table.splitlines()[-2].startswith("MEAN")
    for scores in result.routes["dense"].values():
        assert 0.0 <= scores["fine"] <= 1.0


def test_holding_out_a_language_needs_three_languages() -> None:
    with pytest.raises(ConfigError, match="three languages"):
        transfer.cross_validate_holdout_language(memorisation_corpus(n=20, languages=("en", "pt")), small)


def test_trained_model_routes_untrained_languages_to_the_dense_head_with_transfer_thresholds() -> None:
    corpus = memorisation_corpus(n=60, languages=LANGUAGES)
    model, thresholds, _ = train_narratives(corpus, folds=2, make_model=small)
    assert model.languages_ == sorted(LANGUAGES) and model.dense_W_ is not None
    assert set(thresholds["transfer"]) == {"coarse_threshold", "fine_threshold", "min_top_prob", "other_gate"}
    assert model.transfer_thresholds == thresholds["transfer"]
    assert model.routes_to_dense("de") and not model.routes_to_dense("en")
