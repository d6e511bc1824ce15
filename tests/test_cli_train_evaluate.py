"""``narrascope train`` and ``narrascope evaluate --subtask 1|2`` on the hand-made SemEval release in tests/data:
the commands print and save what the library computes. (``--subtask 3`` is tested with the explainer, in
tests/components/explain/test_explainers.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.components.narratives.classifier import NarrativeClassifier, label_sets
from narrascope.semeval.io import read_semeval_folder
from narrascope.training.evaluation import THRESHOLD_GRID, cross_validate_narratives, train_narratives

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(semeval_tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("model") / "tiny"
    result = runner.invoke(app, ["train", str(semeval_tiny), "--folds", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.stdout


def test_train_saves_the_model_the_library_trains_and_prints_its_cv(trained: tuple[Path, str], semeval_tiny: Path) -> None:
    out, printed = trained
    corpus = read_semeval_folder(semeval_tiny)
    library, thresholds, cv = train_narratives(corpus, folds=3)
    assert cv is not None and cv.table() in printed and "3-fold CV" in printed
    saved = NarrativeClassifier.load(out)
    assert (saved.coarse_labels_, saved.fine_labels_) == label_sets(corpus.narratives.values(), saved.taxonomy)
    assert {k: getattr(saved, k) for k in thresholds["global"]} == thresholds["global"]
    assert (out / "taxonomy.yaml").exists() and "3-fold CV" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert all(thresholds["global"][k] in grid for k, grid in THRESHOLD_GRID.items())
    ids = sorted(corpus.narratives)
    docs = [corpus.documents[i] for i in ids]
    assert [p.annotation(i) for i, p in zip(ids, saved.predict(docs))] == [p.annotation(i) for i, p in zip(ids, library.predict(docs))]
    # fitted on all five articles, it gives their narratives back to the three that have one
    narrated = [i for i in ids if corpus.narratives[i].narratives != ["Other"]]
    assert {i: sorted(p.annotation(i).narratives) for i, p in zip(ids, saved.predict(docs)) if i in narrated} == \
        {i: sorted(corpus.narratives[i].narratives) for i in narrated}


def test_train_with_two_folds_tunes_thresholds_but_prints_no_cv(semeval_tiny: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", str(semeval_tiny), "--folds", "2", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "CV" not in result.stdout and (tmp_path / "m" / "weights.npz").exists()


def test_evaluate_subtask2_prints_the_library_cross_validation(semeval_tiny: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(semeval_tiny), "--subtask", "2", "--folds", "3"])
    assert result.exit_code == 0, result.output
    expected = cross_validate_narratives(read_semeval_folder(semeval_tiny), folds=3).table()
    assert expected in result.stdout and "3-fold CV" in result.stdout
    assert [line.split()[0] for line in expected.splitlines()[1:]] == ["EN", "PT", "ALL"]


def test_evaluate_subtask2_refuses_fewer_than_three_folds(semeval_tiny: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(semeval_tiny), "--folds", "2"])
    assert result.exit_code == 2 and "at least 3 folds" in result.output


def test_evaluate_subtask1_prints_the_library_cross_validation(semeval_tiny: Path) -> None:
    from narrascope.training.entities import cross_validate_framer

    result = runner.invoke(app, ["evaluate", str(semeval_tiny), "--subtask", "1", "--folds", "2"])
    assert result.exit_code == 0, result.output
    scores = cross_validate_framer(read_semeval_folder(semeval_tiny), n_folds=2)
    assert scores.summary() in result.stdout
    assert "(6 mentions)" in result.stdout and "EN " in result.stdout and "PT " in result.stdout


def test_evaluate_says_which_annotations_are_missing(semeval_tiny: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(semeval_tiny / "EN" / "raw-documents", tmp_path / "EN" / "raw-documents")  # articles only
    for subtask, file in (("1", "subtask-1-annotations"), ("2", "subtask-2-annotations"), ("3", "subtask-3-annotations")):
        result = runner.invoke(app, ["evaluate", str(tmp_path), "--subtask", subtask, "--similarity", "token-f1"])
        assert result.exit_code == 2 and file in result.output, result.output


@pytest.mark.slow
@pytest.mark.parametrize("language", ["EN", "BG"])
def test_train_on_one_language_of_the_release(semeval_data: Path, tmp_path: Path, language: str) -> None:
    """Issue 27 item 6: `train .../EN --out m` died with KeyError 'URW: Discrediting Ukraine: Other' in decode (a
    '<Narrative>: Other' label that never occurs in one language is no head of the model)."""
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", str(semeval_data / language), "--out", str(out), "--folds", "2"])
    assert result.exit_code == 0, result.output
    model = NarrativeClassifier.load(out)
    assert model.languages_ == [language.lower()] and model.coarse_labels_
