"""Your own narratives end to end through the CLI: validate a taxonomy, train on CSV + JSONL, analyse with --model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.pipeline import Pipeline
from narrascope.taxonomy import Taxonomy

runner = CliRunner()


@pytest.fixture(scope="module")
def custom_model(tmp_path_factory: pytest.TempPathFactory, test_data: Path) -> Path:
    """A narrative model trained by `narrascope train` on the tiny CSV + JSONL with the two-narrative taxonomy."""
    out = tmp_path_factory.mktemp("model") / "demo"
    data = test_data / "custom"
    result = runner.invoke(app, ["train", str(data / "train.csv"), str(data / "train.jsonl"),
                                 "--taxonomy", str(data / "demo.yaml"), "--out", str(out), "--folds", "3"])
    assert result.exit_code == 0, result.output
    return out


def test_validate_prints_the_labels(test_data: Path) -> None:
    result = runner.invoke(app, ["taxonomy", "validate", str(test_data / "custom" / "demo.yaml")])
    assert result.exit_code == 0, result.output
    assert "ok: taxonomy 'analyst-demo', 2 narratives, 1 subnarratives" in result.stdout
    assert "  Climate change downplayed: Climate cycles are natural" in result.stdout


def test_validate_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nnarratives:\n  - name: A\n    definiton: typo\n", encoding="utf-8")
    result = runner.invoke(app, ["taxonomy", "validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:4: narrative #1: unknown key 'definiton'" in " ".join(result.output.split())


def test_model_carries_its_taxonomy(custom_model: Path, test_data: Path) -> None:
    assert (custom_model / "taxonomy.yaml").is_file()
    model = NarrativeClassifier.load(custom_model)
    assert model.taxonomy.name == "analyst-demo"
    demo = Taxonomy.from_file(test_data / "custom" / "demo.yaml")
    assert set(model.coarse_labels_ + model.fine_labels_) <= demo.labels
    shown = runner.invoke(app, ["taxonomy", "show", "--model", str(custom_model)])
    assert shown.exit_code == 0 and shown.stdout.startswith("War blame shifted\n")


def test_analyze_with_model_outputs_only_custom_labels(custom_model: Path, test_data: Path, tmp_path: Path) -> None:
    demo = Taxonomy.from_file(test_data / "custom" / "demo.yaml")
    articles = tmp_path / "new.jsonl"
    articles.write_text("\n".join(json.dumps({"id": f"n{i}", "text": text, "language": "en"}) for i, text in enumerate([
        "NATO and the West provoked this war and keep arming Ukraine, Russian officials said.",
        "The climate has always changed in natural cycles; today's warming is nothing unusual.",
        "The town opened a new swimming pool with a sauna and a children's area.",
    ])) + "\n", encoding="utf-8")
    for fmt in ("jsonl", "csv"):
        result = runner.invoke(app, ["analyze", str(articles), "--model", str(custom_model), "--format", fmt])
        assert result.exit_code == 0, result.output
        if fmt == "csv":
            assert "URW" not in result.stdout and "CC:" not in result.stdout
            continue
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(records) == 3 and all(r["taxonomy"] == "analyst-demo" for r in records)
        for record in records:
            labels = [n["label"] for n in record["narratives"] + record["subnarratives"]]
            assert labels and set(labels) <= demo.labels, labels
            explanation = record.get("explanation") or {}
            for key in ("narrative", "subnarrative"):
                assert explanation.get(key) is None or explanation[key] in demo.labels
        assert records[0]["narratives"][0]["label"] == "War blame shifted"
        assert records[1]["narratives"][0]["label"] == "Climate change downplayed"


def test_pipeline_from_names_shares_the_model_taxonomy(custom_model: Path) -> None:
    pipeline = Pipeline.from_names(["narratives", "explain"], narratives={"model": str(custom_model)})
    assert pipeline.taxonomy.name == "analyst-demo"
    assert pipeline.steps[1].taxonomy is pipeline.taxonomy


def test_train_unknown_label_names_file_and_line(test_data: Path, tmp_path: Path) -> None:
    data = test_data / "custom"
    result = runner.invoke(app, ["train", str(data / "bad_label.csv"), "--taxonomy", str(data / "demo.yaml"),
                                 "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert f"{data / 'bad_label.csv'}:3: unknown label 'Climate change denied'" in " ".join(result.output.split())
    assert not (tmp_path / "m").exists()


def test_analyze_model_that_is_not_a_model(tmp_path: Path, test_data: Path) -> None:
    result = runner.invoke(app, ["analyze", str(test_data / "inputs" / "harbour_en.txt"), "--model", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a narrative model directory" in result.output
