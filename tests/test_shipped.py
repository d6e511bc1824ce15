"""Shipped narrative models are found by name where no such path exists; a path always wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.shipped import MODELS_DIR, narrative_model_dir


def test_names_of_shipped_models_resolve_to_their_folders() -> None:
    assert narrative_model_dir(None) == MODELS_DIR / "default"
    assert narrative_model_dir("lexical") == MODELS_DIR / "lexical"
    assert narrative_model_dir("default") == MODELS_DIR / "default"
    assert (MODELS_DIR / "lexical" / "weights.npz").is_file()
    assert not (MODELS_DIR / "lexical" / "encoder").exists()  # the fast route has no encoder


def test_an_existing_path_wins_over_a_shipped_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lexical").mkdir()
    assert narrative_model_dir("lexical") == Path("lexical")
    assert narrative_model_dir("elsewhere/model") == Path("elsewhere/model")  # unknown: the path, for its error


def test_the_lexical_model_is_selectable_from_the_pipeline() -> None:
    import narrascope

    nlp = narrascope.load(model="lexical", steps=["narratives"])
    analysis = nlp("NATO troops are fighting in Ukraine, the Russian defence minister said. The West wants war.")
    step = nlp.steps[0]
    assert step.model.encoder_head is None
    assert analysis.narratives  # a label (or the bare Other) with its score
