"""``narrascope analyze`` end to end: the bundled examples, a mixed folder, the three output formats, usage errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.io.writers import CSV_COLUMNS
from narrascope.registry import steps as step_registry
from narrascope.semeval.io import read_subtask2

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


class FakeNarratives:
    """Labels every document with one URW narrative; fails on documents mentioning Bulgaria's capital."""

    name = "narratives"

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        for doc, analysis in zip(documents, analyses):
            if "София" in doc.text:
                raise RuntimeError("model exploded")
            analysis.narratives = [LabelScore("URW: Blaming the war on others rather than the invader", 0.9)]
            analysis.subnarratives = [LabelScore("URW: Blaming the war on others rather than the invader: Ukraine is the aggressor", 0.8)]


@pytest.fixture()
def fake_narratives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(step_registry._factories, "narratives", FakeNarratives)


def test_examples_are_english_and_all_analysed() -> None:
    result = runner.invoke(app, ["analyze", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    out = records(result.stdout)
    assert [r["document_id"] for r in out] == sorted(p.stem for p in EXAMPLES.glob("*.txt"))
    assert {r["language"] for r in out} == {"en"}
    for record in out:
        assert "text" not in record and record["error"] is None and record["chars"] > 200
        assert Analysis.from_dict(record).document_id == record["document_id"]
    assert result.stderr.strip() == "5 documents analysed, 0 failed"


def test_the_five_examples_push_a_war_narrative_and_none_is_a_bare_other() -> None:
    """Every bundled example argues that the West / NATO fights in Ukraine: the shipped model must give each a URW
    narrative (one of them came back a bare ``Other`` when the gate could overrule the narrative heads)."""
    result = runner.invoke(app, ["analyze", str(EXAMPLES), "--steps", "language,narratives"])
    assert result.exit_code == 0, result.output
    for record in records(result.stdout):
        labels = [n["label"] for n in record["narratives"]]
        assert labels and labels != ["Other"], (record["document_id"], labels)
        assert any(label.startswith("URW: ") for label in labels), (record["document_id"], labels)


def test_mixed_folder_reports_failures_and_keeps_going(test_data: Path) -> None:
    result = runner.invoke(app, ["analyze", str(test_data / "inputs")])
    assert result.exit_code == 0, result.output
    by_id = {r["document_id"]: r for r in records(result.stdout)}
    languages = {k: by_id[k]["language"] for k in ("harbour_en", "pazar_bg", "feed.jsonl:4", "wire-1", "page")}
    assert languages == {"harbour_en": "en", "pazar_bg": "bg", "feed.jsonl:4": "pt", "wire-1": "en", "page": "en"}
    assert by_id["page"]["url"] == "https://example.org/news/sea-wall" and by_id["page"]["published"] == "2024-03-05"
    failed = [r for r in by_id.values() if r["error"]]
    assert len(failed) == 9
    summary, *listed = result.stderr.strip().splitlines()
    assert summary == "8 documents analysed, 9 failed"
    assert any(line.strip().endswith("latin1.txt: not UTF-8 at byte 3; re-encode as UTF-8") for line in listed)
    assert any("feed.jsonl:2: invalid JSON" in line for line in listed)


def test_csv_output_to_file(test_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    inputs = test_data / "inputs"
    result = runner.invoke(app, ["analyze", "--format", "csv", "--out", str(out), str(inputs / "table.csv")])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["id"], r["language"], r["error"]) for r in rows] == [
        ("csv-1", "en", ""), ("csv-2", "", "empty 'text'"), ("table.csv:4", "en", ""),
        ("table.csv:6", "", "row has 2 fields, the header has 7"),
    ]  # fmt: skip
    assert rows[0]["title"] == "Bridge reopens" and rows[0]["outlet"] == "City Paper"


def test_semeval_output_skips_failed_documents(test_data: Path, tmp_path: Path, fake_narratives: None) -> None:
    out = tmp_path / "subtask-2.txt"
    inputs = test_data / "inputs"
    (tmp_path / "sofia.txt").write_text("Новини от София\nДнес в София вали сняг.", encoding="utf-8")
    paths = [str(inputs / "harbour_en.txt"), str(tmp_path / "sofia.txt"), str(inputs / "empty.txt")]
    result = runner.invoke(app, ["analyze", "--format", "semeval", "--steps", "language,narratives", "-o", str(out), *paths])
    assert result.exit_code == 0, result.output
    predictions = read_subtask2(out)
    assert list(predictions) == ["harbour_en.txt"]
    assert predictions["harbour_en.txt"].narratives == ["URW: Blaming the war on others rather than the invader"]
    assert "1 document analysed, 2 failed" in result.stderr
    assert "narratives failed: RuntimeError: model exploded" in result.stderr


def test_semeval_to_stdout(test_data: Path, fake_narratives: None) -> None:
    result = runner.invoke(app, ["analyze", "-f", "semeval", "--steps", "narratives", str(test_data / "inputs" / "pazar_bg.txt")])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("pazar_bg.txt\tURW: Blaming the war")


def test_semeval_ids_are_file_names_that_match_the_official_gold(semeval_tiny: Path, tmp_path: Path, fake_narratives: None) -> None:
    pred = tmp_path / "pred.txt"
    raw = semeval_tiny / "EN" / "raw-documents"
    result = runner.invoke(app, ["analyze", "-f", "semeval", "--steps", "narratives", "-o", str(pred), str(raw)])
    assert result.exit_code == 0, result.output
    assert set(read_subtask2(pred)) == {p.name for p in raw.glob("*.txt")}
    scored = runner.invoke(app, ["score", str(semeval_tiny / "EN" / "subtask-2-annotations.txt"), str(pred)])
    assert scored.exit_code == 0, scored.output
    assert "no prediction" not in scored.stderr and "missing" not in scored.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "language,no-such-step"], "unknown step 'no-such-step'; available:"),
        (["--format", "xml"], "unknown --format 'xml'"),
        (["--format", "semeval", "--steps", "language"], "--format semeval needs the 'narratives' step"),
        (["--steps", " , "], "--steps is empty"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["analyze", *args, str(EXAMPLES)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_no_inputs(tmp_path: Path) -> None:
    assert runner.invoke(app, ["analyze"]).exit_code == 2
    result = runner.invoke(app, ["analyze", str(tmp_path)])
    assert result.exit_code == 2 and "no input documents found" in result.stderr


def test_all_inputs_failed_exits_1(test_data: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(test_data / "inputs" / "empty.txt"), str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "0 documents analysed, 2 failed"
    assert len(records(result.stdout)) == 2
