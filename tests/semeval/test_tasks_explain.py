"""``explain_dominant_file`` and ``narrascope explain``: the official subtask-3 input in, ``id<TAB>explanation`` out."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.semeval.tasks import explain_dominant_file
from narrascope.errors import InputError
from narrascope.semeval.io import read_subtask3, read_subtask3_predictions

runner = CliRunner()


def dominant_input(gold: Path, out: Path) -> Path:
    """The official input of subtask 3: the gold file without its explanation column."""
    lines = [line.split("\t")[:3] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    out.write_text("".join("\t".join(cols) + "\n" for cols in lines), encoding="utf-8")
    return out


def test_explain_command_writes_one_explanation_per_dominant_narrative(semeval_tiny: Path, tmp_path: Path) -> None:
    gold = semeval_tiny / "EN" / "subtask-3-annotations.txt"
    dominant = dominant_input(gold, tmp_path / "dominant.txt")
    out = tmp_path / "pred.txt"
    result = runner.invoke(app, ["explain", str(dominant), "--docs", str(semeval_tiny / "EN"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    predictions = read_subtask3_predictions(out)
    assert list(predictions) == list(read_subtask3(gold))
    assert all(0 < len(text.split()) <= 80 for text in predictions.values())
    scored = runner.invoke(app, ["score", "--subtask", "3", str(gold), str(out)])
    assert scored.exit_code == 0, scored.output
    assert "warning" not in scored.output


def test_explain_to_stdout_from_a_folder_of_articles(semeval_tiny: Path, tmp_path: Path) -> None:
    dominant = dominant_input(semeval_tiny / "PT" / "subtask-3-annotations.txt", tmp_path / "dominant.txt")
    result = runner.invoke(app, ["explain", str(dominant), "--docs", str(semeval_tiny / "PT" / "raw-documents")])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == list(read_subtask3(dominant, with_explanations=False))
    assert all(len(r) == 2 and r[1].strip() for r in rows)


def test_unknown_document_names_the_file_and_line(semeval_tiny: Path, tmp_path: Path) -> None:
    dominant = tmp_path / "dominant.txt"
    dominant.write_text("tiny_en_cc_1.txt\tCC: Criticism of climate policies\tnone\nnope.txt\tOther\tnone\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"dominant.txt:2: document 'nope.txt' is not among"):
        explain_dominant_file(dominant, semeval_tiny / "EN")
    result = runner.invoke(app, ["explain", str(dominant), "--docs", str(semeval_tiny / "EN")])
    assert result.exit_code == 2 and "dominant.txt:2:" in result.stderr
