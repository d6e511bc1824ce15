"""``narrascope score``: gold against itself prints perfect scores; partial predictions are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.semeval.io import read_subtask2, write_subtask2

runner = CliRunner()


@pytest.mark.parametrize(
    ("subtask", "expected"),
    [
        (2, "F1 samples coarse: 1.000  fine: 1.000  (5 documents)"),
        (1, "EMR: 1.000  micro P/R/F1: 1.000/1.000/1.000  main-role accuracy: 1.000  (6 mentions)"),
        (3, "similarity [token-f1 (lexical proxy for BERTScore F1)]: 1.000"),
    ],
)
def test_gold_against_itself_is_perfect(semeval_tiny: Path, tmp_path: Path, subtask: int, expected: str) -> None:
    name = f"subtask-{subtask}-annotations.txt"
    pred = tmp_path / name
    pred.write_bytes(b"".join((semeval_tiny / lang / name).read_bytes() for lang in ("EN", "PT")))
    result = runner.invoke(app, ["score", "--subtask", str(subtask), str(semeval_tiny), str(pred)])
    assert result.exit_code == 0, result.output
    first, *per_language = result.stdout.splitlines()
    assert first.startswith(expected)
    assert [line.split()[0] for line in per_language] == ["en", "pt"]
    assert "warning" not in result.output


def test_json_output_and_file_gold(semeval_tiny: Path) -> None:
    gold = semeval_tiny / "EN" / "subtask-2-annotations.txt"
    result = runner.invoke(app, ["score", "--subtask", "2", "--json", str(gold), str(gold)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["coarse"], data["fine"], data["n_documents"]) == (1.0, 1.0, 3)
    assert list(data["by_language"]) == ["en"]


def test_partial_predictions_are_reported(semeval_tiny: Path, tmp_path: Path) -> None:
    gold = semeval_tiny / "EN" / "subtask-2-annotations.txt"
    annotations = list(read_subtask2(gold).values())
    pred = tmp_path / "pred.txt"
    write_subtask2(pred, annotations[1:])
    result = runner.invoke(app, ["score", str(gold), str(pred)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("F1 samples coarse: 0.667  fine: 0.667  (3 documents)")
    assert f"1 gold document(s) have no prediction (scored as empty): {annotations[0].id}" in result.stderr


def test_malformed_prediction_fails_with_one_line(semeval_tiny: Path, tmp_path: Path) -> None:
    pred = tmp_path / "pred.txt"
    pred.write_text("tiny_en_cc_1.txt\tOther\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(semeval_tiny), str(pred)])
    assert result.exit_code == 2
    assert f"{pred}:1:" in result.stderr and "expected 3" in result.stderr


def test_unknown_similarity_is_a_config_error(semeval_tiny: Path) -> None:
    gold = semeval_tiny / "EN" / "subtask-3-annotations.txt"
    result = runner.invoke(app, ["score", "--subtask", "3", "--similarity", "nope", str(gold), str(gold)])
    assert result.exit_code == 2
    assert "unknown similarity 'nope'; known: " in result.stderr and "token-f1" in result.stderr
