"""Damaged model directories fail when they are loaded, before the first document, with a ``ModelError`` naming the
file: truncated or missing weights, NaN weights, wrong shapes, a truncated vocabulary, a broken config; and every
``save`` writes its directory atomically (the old complete model or the new complete one, never a mix)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.components.entities.framer import SHIPPED_FRAMER, EntityFramer
from narrascope.components.entities.salience import SHIPPED_SALIENCE, EntitySalience
from narrascope.components.estimator import model_directory
from narrascope.components.narratives.classifier import DEFAULT_MODEL_DIR, NarrativeClassifier
from narrascope.errors import ModelError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
runner = CliRunner()


WEST = "URW: Blaming the war on others rather than the invader"
TEXTS = {
    WEST: ["NATO soldiers are fighting in Ukraine and the West provoked this war.",
           "Western mercenaries and NATO instructors operate the missile systems.",
           "The United States pushed NATO to the east and started the conflict."],
    "CC: Criticism of climate movement": ["The climate activist flies in a private jet while lecturing us.",
                                          "Greta and her friends are hypocrites who never worked a day.",
                                          "Eco activists glued themselves to roads again, the hypocrites."],
}


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small narrative model (a few hundred features), saved: cheap to damage and to save again."""
    from narrascope.annotations import NarrativeAnnotation
    from narrascope.documents import Document
    from narrascope.taxonomy import load_default_taxonomy

    docs, annotations = [], []
    for narrative, texts in TEXTS.items():
        for i, text in enumerate(texts * 2):
            docs.append(Document(f"{narrative[:2]}{i}", text))
            annotations.append(NarrativeAnnotation(docs[-1].id, [narrative], [f"{narrative}: Other"]))
    model = NarrativeClassifier(taxonomy=load_default_taxonomy(), word_features=300, char_features=300)
    out = tmp_path_factory.mktemp("small") / "model"
    model.fit(docs, annotations).save(out)
    return out


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


def _rewrite_weights(model: Path, change) -> None:  # type: ignore[no-untyped-def]
    with np.load(model / "weights.npz", allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    np.savez_compressed(model / "weights.npz", **arrays)


def _truncate(file: Path) -> None:
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])


def _nan_bias(arrays: dict) -> None:  # type: ignore[type-arg]
    arrays["coarse_b"] = arrays["coarse_b"].copy()
    arrays["coarse_b"][0] = np.nan


def _short_vocabulary(arrays: dict) -> None:  # type: ignore[type-arg]
    arrays["word_vocab"] = arrays["word_vocab"][: len(arrays["word_vocab"]) // 2]


def _wrong_shape(arrays: dict) -> None:  # type: ignore[type-arg]
    arrays["fine_W"] = arrays["fine_W"][:, :-1]


NARRATIVE_DAMAGE = {
    "truncated weights": (lambda m: _truncate(m / "weights.npz"), r"weights\.npz: damaged or truncated"),
    "missing weights": (lambda m: (m / "weights.npz").unlink(), r"weights\.npz: missing"),
    "NaN weight": (lambda m: _rewrite_weights(m, _nan_bias), r"weights\.npz: array 'coarse_b' holds values that are not finite"),
    "truncated vocabulary": (lambda m: _rewrite_weights(m, _short_vocabulary), r"weights\.npz: array 'word_idf' has shape"),
    "wrong shape": (lambda m: _rewrite_weights(m, _wrong_shape), r"weights\.npz: array 'fine_W' has shape"),
    "truncated config": (lambda m: _truncate(m / "config.json"), r"config\.json: unreadable"),
    "NaN in config": (lambda m: (m / "config.json").write_text(
        (m / "config.json").read_text(encoding="utf-8").replace('"alpha": 0.5', '"alpha": NaN'), encoding="utf-8"),
        r"config\.json: unreadable \(ValueError: NaN"),
    "labels missing from config": (lambda m: (m / "config.json").write_text(json.dumps(
        {k: v for k, v in json.loads((m / "config.json").read_text(encoding="utf-8")).items() if k != "fine_labels"}),
        encoding="utf-8"), r"config\.json: not a narrascope narrative model \(KeyError"),
}


@pytest.mark.parametrize("damage", sorted(NARRATIVE_DAMAGE))
def test_a_damaged_narrative_model_is_refused_naming_the_file(damage: str, small_model: Path, tmp_path: Path) -> None:
    model = _copy(small_model, tmp_path)
    apply, message = NARRATIVE_DAMAGE[damage]
    apply(model)
    with pytest.raises(ModelError, match=message):
        NarrativeClassifier.load(model)


def test_ingest_and_analyze_with_a_damaged_model_fail_before_the_first_document(small_model: Path, tmp_path: Path) -> None:
    """The audit's case: a truncated weights.npz stored 5 analyses 'narratives failed: BadZipFile' and exit 0."""
    model = _copy(small_model, tmp_path)
    _truncate(model / "weights.npz")
    db = tmp_path / "corpus.db"
    result = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(db), "--model", str(model)])
    assert result.exit_code == 2, result.output
    assert f"{model / 'weights.npz'}: damaged or truncated" in " ".join(result.output.split())
    assert not db.exists()  # nothing stored, no run left behind
    result = runner.invoke(app, ["analyze", str(EXAMPLES), "--model", str(model)])
    assert result.exit_code == 2 and "weights.npz: damaged or truncated" in " ".join(result.output.split())
    assert '"narratives"' not in result.stdout


def test_a_damaged_framer_or_salience_model_is_refused_naming_the_file(tmp_path: Path) -> None:
    framer = _copy(SHIPPED_FRAMER, tmp_path)
    _truncate(framer / "weights.npz")
    with pytest.raises(ModelError, match=r"framer.weights\.npz: damaged or truncated"):
        EntityFramer.load(framer)
    shutil.rmtree(framer)
    framer = _copy(SHIPPED_FRAMER, tmp_path)

    def short_idf(arrays: dict) -> None:  # type: ignore[type-arg]
        arrays["name_idf"] = arrays["name_idf"][:-5]

    _rewrite_weights(framer, short_idf)
    with pytest.raises(ModelError, match=r"weights\.npz: array 'name_idf' has shape"):
        EntityFramer.load(framer)
    salience = _copy(SHIPPED_SALIENCE, tmp_path)
    state = json.loads((salience / "salience.json").read_text(encoding="utf-8"))
    state["coef"] = state["coef"][:-1]
    (salience / "salience.json").write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(ModelError, match=r"salience\.json: array 'coef' has shape"):
        EntitySalience.load(salience)
    (salience / "salience.json").write_text(json.dumps(state).replace(str(state["intercept"]), "Infinity"), encoding="utf-8")
    with pytest.raises(ModelError, match=r"salience\.json: unreadable"):
        EntitySalience.load(salience)


def test_saved_models_load_back_and_pass_the_checks(tmp_path: Path) -> None:
    """The shipped models pass the checks, and so does what their save writes (no false alarm)."""
    assert NarrativeClassifier.load(DEFAULT_MODEL_DIR).coarse_labels_
    assert EntityFramer.load(SHIPPED_FRAMER).fine_roles_
    EntitySalience.load(SHIPPED_SALIENCE).save(tmp_path / "salience")
    assert EntitySalience.load(tmp_path / "salience").coef_.shape


# ---- atomic saves ---------------------------------------------------------------------------------------------------

def test_model_directory_replaces_the_old_model_only_when_the_new_one_is_complete(tmp_path: Path) -> None:
    out = tmp_path / "model"
    with model_directory(out) as tmp:
        (tmp / "config.json").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), model_directory(out) as tmp:
        (tmp / "config.json").write_text("new", encoding="utf-8")
        raise RuntimeError("killed while writing")
    assert (out / "config.json").read_text(encoding="utf-8") == "old"
    with model_directory(out) as tmp:
        (tmp / "config.json").write_text("new", encoding="utf-8")
    assert (out / "config.json").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary directory left


def test_model_directory_refuses_to_replace_a_folder_that_is_no_model(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ModelError, match="not a model directory"), model_directory(tmp_path) as tmp:
        (tmp / "config.json").write_text("{}", encoding="utf-8")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


KILLED_SAVE = """
import sys, time
import numpy as np
from narrascope.components.narratives.classifier import NarrativeClassifier
model = NarrativeClassifier.load(sys.argv[1])
compress = np.savez_compressed
def slow_disk(*args, **kwargs):  # a slow disk: the weights are written well after config.json
    time.sleep(0.4)
    compress(*args, **kwargs)
np.savez_compressed = slow_disk
print("loaded", flush=True)
while True:
    model.save(sys.argv[2])
"""


def _state(model: Path) -> tuple[str, list[float]]:
    """What tells two versions of the model apart: its config and its coarse biases."""
    with np.load(model / "weights.npz", allow_pickle=False) as weights:
        return (model / "config.json").read_text(encoding="utf-8"), weights["coarse_b"].tolist()


def test_kill_9_during_save_over_an_existing_model_leaves_a_complete_model(small_model: Path, tmp_path: Path) -> None:
    """The audit's case: kill -9 during `train --out` over an existing model cut weights.npz to 404 KB of 8 MB and left
    the new config.json beside it. The directory must hold the old model or the new one, whole."""
    old_model = NarrativeClassifier.load(small_model)
    new_model = NarrativeClassifier.load(small_model)
    new_model.coarse_threshold, new_model.coarse_b_ = 0.33, new_model.coarse_b_ + 0.01
    new_model.save(tmp_path / "new")
    old_model.save(tmp_path / "old")
    versions = {"old": _state(tmp_path / "old"), "new": _state(tmp_path / "new")}
    out = tmp_path / "m"
    for delay in (0.2, 0.5, 0.9):
        old_model.save(out)
        process = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(tmp_path / "new"), str(out)],
                                   stdout=subprocess.PIPE, cwd=ROOT)
        assert process.stdout is not None and process.stdout.readline().strip() == b"loaded"
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _state(out) in versions.values(), f"a mix of two models after kill -9 at {delay} s"
        assert NarrativeClassifier.load(out).coarse_labels_


def test_model_directory_takes_sub_folders_along(tmp_path: Path) -> None:
    # the narrative model keeps its fine-tuned encoder in encoder/: a save must publish it whole
    out = tmp_path / "model"
    with model_directory(out) as tmp:
        (tmp / "config.json").write_text("{}", encoding="utf-8")
        (tmp / "encoder").mkdir()
        (tmp / "encoder" / "head.npz").write_bytes(b"weights")
    assert (out / "encoder" / "head.npz").read_bytes() == b"weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_model_files_are_replaced_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and gazetteer files (one file, not a directory) are written beside and renamed over the old one."""
    import os

    from narrascope.components.estimator import write_model_file

    target = tmp_path / "settings.json"
    write_model_file(target, '{"old": 1}\n')

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_model_file(target, '{"new": 2}\n')
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == '{"old": 1}\n'
    write_model_file(target, '{"new": 2}\n')
    assert target.read_text(encoding="utf-8") == '{"new": 2}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temporary file left
