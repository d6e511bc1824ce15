"""Output writers and the run summary, without the CLI."""

from __future__ import annotations

import io
import json

import pytest

from narrascope.documents import Analysis, Document, EntityMention, Explanation, FailedInput, LabelScore
from narrascope.errors import ConfigError
from narrascope.io.writers import InputInfo, RunSummary, analysis_record, open_writer


def test_record_has_metadata_but_not_text() -> None:
    doc = Document(id="a", text="Some text here", url="https://x.org/a", outlet="X", published="2024-01-02", source="a.txt")
    record = analysis_record(Analysis(document_id="a", language="en"), InputInfo.of(doc))
    assert record["url"] == "https://x.org/a" and record["chars"] == len(doc.text) and "text" not in record
    assert "line" not in record
    failure = FailedInput("rows.jsonl", "invalid JSON", line=7, id="rows.jsonl:7")
    assert analysis_record(Analysis.failed(failure), InputInfo.of(failure))["line"] == 7


def test_jsonl_and_csv_writers_to_a_stream() -> None:
    analysis = Analysis(
        document_id="a", language="en",
        narratives=[LabelScore("URW: A", 0.9), LabelScore("URW: B", 0.5)],
        subnarratives=[LabelScore("URW: A: Other", 0.9)],
        explanation=Explanation(text="Because.", narrative="URW: A"),
    )  # fmt: skip
    info = InputInfo(id="a", source="a.txt")
    stream = io.StringIO()
    writer = open_writer("jsonl", stream=stream)
    writer.write(analysis, info)
    writer.close()
    assert Analysis.from_dict(json.loads(stream.getvalue())).narrative_labels == ["URW: A", "URW: B"]
    stream = io.StringIO()
    writer = open_writer("csv", stream=stream)
    writer.write(analysis, info)
    writer.close()
    header, row = stream.getvalue().splitlines()
    assert header.startswith("id,source,language,language_support,title")
    assert "URW: A;URW: B" in row and "Because." in row
    assert dict(zip(header.split(","), row.split(",")))["antagonists"] == ""  # no entities step, no names


def test_csv_lists_the_entities_of_each_main_role_most_salient_first() -> None:
    import csv

    analysis = Analysis(document_id="a", entities=[
        EntityMention("Biden", 0, 5, "Joe Biden", "Antagonist", ["Instigator"], 0.7, salience=0.3),
        EntityMention("NATO", 9, 13, "NATO", "Antagonist", ["Conspirator"], 0.8, salience=0.7),
        EntityMention("NATO", 20, 24, "NATO", "Protagonist", ["Guardian"], 0.4, salience=0.7),
        EntityMention("NATO", 30, 34, "NATO", "Antagonist", ["Conspirator"], 0.8, salience=0.7),
        EntityMention("Kyiv", 40, 44, "Ukraine", "Innocent", ["Victim"], 0.6, salience=0.5),
    ])  # fmt: skip
    stream = io.StringIO()
    writer = open_writer("csv", stream=stream)
    writer.write(analysis, InputInfo(id="a"))
    writer.close()
    row = next(csv.DictReader(io.StringIO(stream.getvalue())))
    assert (row["protagonists"], row["antagonists"], row["innocents"]) == ("", "NATO;Joe Biden", "Ukraine")


def test_unknown_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown output format 'xml'"):
        open_writer("xml")


def test_summary_lists_failures_with_line_and_caps_the_list() -> None:
    summary = RunSummary()
    summary.add(Analysis(document_id="ok"), InputInfo(id="ok"))
    for line in range(1, 5):
        failure = FailedInput("rows.jsonl", "invalid JSON", line=line)
        summary.add(Analysis.failed(failure), InputInfo.of(failure))
    assert summary.line() == "1 document analysed, 4 failed"
    report = summary.report(limit=2)
    assert report[1:] == ["  rows.jsonl:1: invalid JSON", "  rows.jsonl:2: invalid JSON", "  … and 2 more"]
