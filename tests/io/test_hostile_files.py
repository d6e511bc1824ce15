"""Issue 27, item 14, on the readers: a huge JSONL line or CSV field costs its own row and a bounded amount of
memory (the rows after it are still read), a FIFO never hangs a run, ``analyze DIR --out DIR/out.jsonl`` never reads
its own output, and the SemEval formats leave out ids they cannot hold instead of breaking the file."""

from __future__ import annotations

import json
import logging
import os
import threading
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.documents import Analysis, Document, FailedInput, LabelScore
from narrascope.io.readers import read_inputs
from narrascope.io.writers import InputInfo
from narrascope.semeval.writer import SemevalWriter
from narrascope.taxonomy import load_default_taxonomy
from narrascope.training.labelled import LabelledDocument, write_labelled

TEXT = "The harbour authority announced new shipping rules for the winter season."
BIG = 16 * 1_048_576


def _read_with_peak(path: Path, max_bytes: int) -> tuple[list[Document | FailedInput], int]:
    tracemalloc.start()
    try:
        items = list(read_inputs([path], max_bytes=max_bytes))
        return items, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _summary(items: list[Document | FailedInput]) -> list[tuple[str, object]]:
    return [(i.id, None) if isinstance(i, Document) else ("failed", i.line) for i in items]


def test_a_huge_csv_field_costs_its_row_and_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(f'id,text\r\na,{TEXT}\r\nb,"')
        chunk = 'x, "quoted" and words, ' * 2000 + "\r\n"
        for _ in range(BIG // len(chunk)):
            handle.write(chunk.replace('"', '""'))
        handle.write(f'"\r\nc,{TEXT}\r\nd,"{TEXT}\r\nover two lines"\r\n')
    items, peak = _read_with_peak(path, max_bytes=100_000)
    assert _summary(items) == [("a", None), ("failed", 3), ("c", None), ("d", None)]
    assert "over the" in items[1].reason  # type: ignore[union-attr]
    breaks = BIG // len(chunk)  # line numbers still count every physical line
    assert (items[2].source, items[3].source) == (f"{path}:{breaks + 4}", f"{path}:{breaks + 5}")
    assert peak < 6 * 1_048_576, peak


def test_a_huge_jsonl_line_costs_its_row_and_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "a", "text": TEXT}) + "\n")
        handle.write('{"id": "huge", "text": "' + "word " * (BIG // 5) + '"}\n')
        handle.write(json.dumps({"id": "c", "text": TEXT}) + "\n")
    items, peak = _read_with_peak(path, max_bytes=100_000)
    assert peak < 6 * 1_048_576, peak
    assert _summary(items) == [("a", None), ("failed", 2), ("c", None)]
    assert "row is 16.0 MB" in items[1].reason  # type: ignore[union-attr]


def test_a_fifo_in_a_folder_is_reported_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")
    (tmp_path / "ok.jsonl").write_text(json.dumps({"id": "ok", "text": TEXT}) + "\n", encoding="utf-8")
    found: list[Document | FailedInput] = []
    reader = threading.Thread(target=lambda: found.extend(read_inputs([tmp_path])), daemon=True)
    reader.start()
    reader.join(30)
    assert not reader.is_alive(), "reading a FIFO hung"
    assert [(type(i).__name__, getattr(i, "reason", None)) for i in found] == [
        ("Document", None), ("FailedInput", "not a regular file (a named pipe); only files and folders are read")]


def test_analyze_never_reads_its_own_output(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.txt").write_text(f"{TEXT} Number {i}.", encoding="utf-8")
    out = folder / "out.jsonl"
    result = CliRunner().invoke(app, ["analyze", str(folder), "--steps", "language", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["document_id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["a0", "a1", "a2"]
    again = CliRunner().invoke(app, ["analyze", str(folder / "a0.txt"), str(out), "--steps", "language", "--out", str(out)])
    assert again.exit_code == 0 and "this is the output file of the run" in again.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2  # a0 and the failure record for out.jsonl


BAD_IDS = ["tab\there", "line\nbreak", "carriage\rreturn", "sep\u2028arator"]


def test_the_semeval_formats_leave_out_ids_they_cannot_hold(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    narrative = "URW: Discrediting Ukraine"
    writer = SemevalWriter(out=tmp_path / "subtask-2.txt")
    for doc_id in ["good", *BAD_IDS]:
        writer.write(Analysis(doc_id, narratives=[LabelScore(narrative, 0.9)]), InputInfo(doc_id))
    with caplog.at_level(logging.WARNING):
        writer.close()
    assert (tmp_path / "subtask-2.txt").read_text(encoding="utf-8").split("\n") == [
        f"good.txt\t{narrative}\tOther", ""]
    assert sum("cannot hold" in r.getMessage() for r in caplog.records) == len(BAD_IDS)
    out = tmp_path / "labels.txt"
    with open(out, "w", encoding="utf-8", newline="") as stream:
        written = write_labelled(stream, [LabelledDocument(i, TEXT, "en", [narrative]) for i in ["good", *BAD_IDS]],
                                 "semeval", load_default_taxonomy())
    assert written == 1 and out.read_text(encoding="utf-8") == f"good\t{narrative}\t{narrative}: Other\n"
