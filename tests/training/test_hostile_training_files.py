"""Issue 27, item 14, on training files: bytes that are not UTF-8, integers too long to convert, lone surrogates and
broken quotes are errors naming the file and line; a training set of one article is refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.errors import InputError
from narrascope.taxonomy import load_default_taxonomy
from narrascope.training.data import read_training_data

NARR = "URW: Discrediting Ukraine"
TEXT = "The harbour authority announced new shipping rules for the winter season."
GOOD_JSONL = f'{{"id": "a", "text": "{TEXT}", "labels": "{NARR}"}}\n'.encode()


@pytest.mark.parametrize("name, data, line, reason", [
    ("rows.jsonl", GOOD_JSONL + b'{"id": "b", "text": "caf\xe9", "labels": ""}\n', 2, "not UTF-8 at byte"),
    ("rows.jsonl", GOOD_JSONL + b"\n" + b'{"id": ' + b"9" * 5000 + b', "text": "x", "labels": ""}\n', 3,
     "more than 4,300 digits"),
    ("rows.jsonl", GOOD_JSONL + b'{"id": "b", "text": "x", "labels": ' + b"[" * 5000 + b"]" * 5000 + b"}\n", 2,
     "nested too deeply"),
    ("rows.jsonl", GOOD_JSONL + b'{"id": "b", "text": "x \\udc00", "labels": ""}\n', 2, "lone surrogate"),
    ("rows.csv", f"id,text,labels\na,{TEXT},{NARR}\nb,\"two\nlines\",\nc,caf\xe9,\n".encode("latin-1"), 5, "not UTF-8"),
    ("rows.csv", f'id,text,labels\na,{TEXT},{NARR}\nb,"never closed,\n'.encode(), 3, "row has 2 fields"),
])
def test_a_bad_training_row_names_file_and_line(tmp_path: Path, name: str, data: bytes, line: int, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        read_training_data([path], load_default_taxonomy())
    assert (caught.value.path, caught.value.line) == (str(path), line) and reason in caught.value.reason, caught.value


def test_training_on_one_article_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(f"id,text,labels\na,{TEXT},{NARR}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(path), "--out", str(tmp_path / "model")])
    assert result.exit_code == 2 and not (tmp_path / "model").exists()
    assert "1 labelled articles are too few to train a narrative model" in " ".join(result.output.split())
