"""The reviewed-label formats (CSV, JSONL, SemEval subtask 2) and their round trip into ``narrascope train``'s reader."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from narrascope.errors import ConfigError, InputError
from narrascope.training.labelled import LabelledDocument, labelled_corpus, write_labelled
from narrascope.semeval.io import read_subtask2
from narrascope.taxonomy import load_default_taxonomy
from narrascope.training.data import read_training_data

BLAME = "URW: Blaming the war on others rather than the invader"
WEST = f"{BLAME}: The West are the aggressors"
DISCREDIT = "URW: Discrediting Ukraine"

DOCS = [
    LabelledDocument("a", 'NATO pushed "Kyiv";\nsecond line, with a comma', "en", [BLAME, DISCREDIT], [WEST],
                     {"NATO": "Antagonist"}),
    LabelledDocument("b", "The council met to discuss road repairs.", None),
]


def _write(fmt: str) -> str:
    stream = io.StringIO()
    assert write_labelled(stream, DOCS, fmt, load_default_taxonomy()) == 2
    return stream.getvalue()


def test_csv_has_the_training_columns_and_joined_labels() -> None:
    rows = list(csv.DictReader(io.StringIO(_write("csv"))))
    assert list(rows[0]) == ["id", "text", "language", "labels"]
    assert rows[0] == {"id": "a", "text": DOCS[0].text, "language": "en", "labels": f"{BLAME};{DISCREDIT};{WEST}"}
    assert rows[1]["labels"] == "Other" and rows[1]["language"] == ""


def test_jsonl_rows_carry_labels_and_reviewed_roles() -> None:
    rows = [json.loads(line) for line in _write("jsonl").splitlines()]
    assert rows[0] == {"id": "a", "text": DOCS[0].text, "language": "en", "labels": f"{BLAME};{DISCREDIT};{WEST}",
                       "roles": {"NATO": "Antagonist"}}
    assert rows[1] == {"id": "b", "text": DOCS[1].text, "language": None, "labels": "Other"}


def test_semeval_lines_are_subtask2_annotations(tmp_path: Path) -> None:
    path = tmp_path / "subtask-2-annotations.txt"
    path.write_text(_write("semeval"), encoding="utf-8")
    gold = read_subtask2(path)
    assert gold["a"].narratives == [BLAME, DISCREDIT]
    assert gold["a"].subnarratives == [WEST, f"{DISCREDIT}: Other"]  # a narrative without subnarrative: <N>: Other
    assert gold["b"].narratives == ["Other"] and gold["b"].subnarratives == ["Other"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_exported_files_are_training_input(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"reviewed.{fmt}"
    path.write_text(_write(fmt), encoding="utf-8")
    taxonomy = load_default_taxonomy()
    corpus = read_training_data([path], taxonomy)
    assert corpus.narratives == labelled_corpus(DOCS, taxonomy).narratives
    assert corpus.documents["a"].text == DOCS[0].text and corpus.documents["a"].language == "en"


def test_unknown_format_and_unknown_label_are_errors() -> None:
    with pytest.raises(ConfigError, match="xml"):
        write_labelled(io.StringIO(), DOCS, "xml")
    with pytest.raises(InputError, match="reviewed document 'x'.*unknown label"):
        labelled_corpus([LabelledDocument("x", "text", "en", ["URW: Not a narrative"])], load_default_taxonomy())
    with pytest.raises(ConfigError, match="needs the taxonomy"):
        write_labelled(io.StringIO(), DOCS, "semeval")
