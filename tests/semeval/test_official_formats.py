"""The official file formats of subtasks 1, 2 and 3 survive narrascope's readers and writers, ``narrascope score``
reads them back, and the organisers' own subtask-1 scorer accepts ``narrascope frame`` output (it ships with the release
in ../shared: skipped when absent, failed under ``CI=true``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.semeval.io import (
    read_subtask1,
    read_subtask2,
    read_subtask3,
    write_subtask1,
    write_subtask2,
    write_subtask3,
)

runner = CliRunner()


def _round_trip(gold: Path, subtask: int, out: Path) -> None:
    if subtask == 1:
        with open(gold, encoding="utf-8") as handle:  # file order: the organisers' micro P/R/F1 pairs rows by order
            order = [line.split("\t", 1)[0] for line in handle if line.strip()]
        by_doc = {doc_id: iter(ms) for doc_id, ms in read_subtask1(gold).items()}
        write_subtask1(out, [next(by_doc[doc_id]) for doc_id in order])
    elif subtask == 2:
        write_subtask2(out, read_subtask2(gold).values())
    else:
        write_subtask3(out, [(a.id, a.explanation) for a in read_subtask3(gold).values()])


@pytest.mark.parametrize("subtask", [1, 2, 3])
@pytest.mark.parametrize("release", ["tiny", "real"])
def test_each_official_format_round_trips_through_score(release: str, request: pytest.FixtureRequest, tmp_path: Path,
                                                        subtask: int) -> None:
    root: Path = request.getfixturevalue("semeval_tiny" if release == "tiny" else "semeval_data")
    folders = sorted(p for p in root.iterdir() if (p / "raw-documents").is_dir())
    assert len(folders) >= 2, root
    for folder in folders:
        gold = folder / f"subtask-{subtask}-annotations.txt"
        if not gold.exists():
            continue
        pred = tmp_path / f"{folder.name}-{subtask}.txt"
        _round_trip(gold, subtask, pred)
        result = runner.invoke(app, ["score", "--subtask", str(subtask), "--json", str(gold), str(pred)])
        assert result.exit_code == 0, (folder, result.output)
        assert "warning" not in result.stderr, (folder, result.stderr)
        itself = runner.invoke(app, ["score", "--subtask", str(subtask), "--json", str(gold), str(gold)])
        assert json.loads(result.stdout) == json.loads(itself.stdout)  # written = read: scored as the gold itself
        assert json.loads(result.stdout)["n_" + ("mentions" if subtask == 1 else "documents")] > 0


def _organisers_scores(scorer: Path, gold: Path, pred: Path) -> list[float]:
    done = subprocess.run([sys.executable, str(scorer), "-g", str(gold), "-p", str(pred)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = [line for line in done.stdout.splitlines() if re.fullmatch(r"[0-9.]+(\t[0-9.]+){4}", line.strip())]
    assert len(figures) == 1, done.stdout
    return [float(x) for x in figures[0].split("\t")]


def test_frame_output_is_accepted_and_scored_alike_by_the_organisers_scorer(semeval_tiny: Path, subtask1_scorer: Path,
                                                                           tmp_path: Path) -> None:
    gold = semeval_tiny / "EN" / "subtask-1-annotations.txt"
    pred = tmp_path / "pred.txt"
    result = runner.invoke(app, ["frame", str(gold), "--docs", str(semeval_tiny / "EN"), "--out", str(pred)])
    assert result.exit_code == 0, result.output
    emr, precision, recall, f1, main = _organisers_scores(subtask1_scorer, gold, pred)
    ours = runner.invoke(app, ["score", "--subtask", "1", "--json", str(gold), str(pred)])
    assert ours.exit_code == 0, ours.output
    mine = json.loads(ours.stdout)
    assert mine["emr"] == pytest.approx(emr, abs=1e-4)
    assert mine["main_role_accuracy"] == pytest.approx(main, abs=1e-4)
    assert mine["f1"] == pytest.approx(f1, abs=1e-4)
    assert (mine["precision"], mine["recall"]) == (pytest.approx(precision, abs=1e-4), pytest.approx(recall, abs=1e-4))


def test_organisers_scorer_on_the_real_gold_round_trip(semeval_data: Path, subtask1_scorer: Path, tmp_path: Path) -> None:
    gold = semeval_data / "EN" / "subtask-1-annotations.txt"
    pred = tmp_path / "pred.txt"
    _round_trip(gold, 1, pred)
    assert _organisers_scores(subtask1_scorer, gold, pred) == [1.0, 1.0, 1.0, 1.0, 1.0]
