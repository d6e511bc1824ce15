"""read_inputs: every documented input kind, every documented failure, and batches that go on past failures."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.documents import Document, FailedInput, is_blank
from narrascope.io import read_inputs


@pytest.fixture()
def inputs(test_data: Path) -> Path:
    return test_data / "inputs"


def split(items: list[Document | FailedInput]) -> tuple[dict[str, Document], list[FailedInput]]:
    docs = {item.id: item for item in items if isinstance(item, Document)}
    return docs, [item for item in items if isinstance(item, FailedInput)]


def failure_for(failures: list[FailedInput], name: str, line: int | None = None) -> FailedInput:
    found = [f for f in failures if Path(f.source).name == name and (line is None or f.line == line)]
    assert len(found) == 1, f"expected one failure for {name}:{line}, got {failures}"
    return found[0]


def test_mixed_folder_reads_good_files_and_reports_each_bad_one(inputs: Path) -> None:
    docs, failures = split(list(read_inputs([inputs])))
    assert set(docs) == {
        "harbour_en", "pazar_bg", "bom_crlf", "page", "wire-1", "feed.jsonl:4", "csv-1", "table.csv:4",
    }  # fmt: skip
    assert failure_for(failures, "empty.txt").reason == "empty file"
    assert "PNG image" in failure_for(failures, "picture.txt").reason
    assert failure_for(failures, "latin1.txt").reason == "not UTF-8 at byte 3; re-encode as UTF-8"
    no_text = failure_for(failures, "no_text_column.csv")
    assert "no 'text' column" in no_text.reason and "'headline'" in no_text.reason
    assert "invalid JSON" in failure_for(failures, "feed.jsonl", line=2).reason
    no_field = failure_for(failures, "feed.jsonl", line=5)
    assert no_field.reason == "no 'text' field" and no_field.id == "wire-4"
    assert "JSON object" in failure_for(failures, "feed.jsonl", line=6).reason
    empty_row = failure_for(failures, "table.csv", line=3)
    assert empty_row.reason == "empty 'text'" and empty_row.id == "csv-2"
    assert failure_for(failures, "feed.jsonl", line=2).id == "feed.jsonl:2"
    assert "2 fields" in failure_for(failures, "table.csv", line=6).reason
    assert len(failures) == 9


def test_text_file_title_is_first_non_empty_line_and_bytes_are_kept(inputs: Path) -> None:
    docs, _ = split(list(read_inputs([inputs / "harbour_en.txt", inputs / "bom_crlf.txt"])))
    assert docs["harbour_en"].title == "Harbour council votes to build a sea wall"
    assert docs["harbour_en"].text.startswith("\nHarbour council")
    assert docs["harbour_en"].source == str(inputs / "harbour_en.txt")
    bom = docs["bom_crlf"]
    assert bom.title == "BOM title line" and not bom.text.startswith("\ufeff")
    assert bom.text.count("\r\n") == 3


def test_long_first_line_is_cut_into_a_title(tmp_path: Path) -> None:
    path = tmp_path / "lead.txt"
    path.write_text("word " * 100 + "\nsecond line", encoding="utf-8")
    (doc,) = read_inputs([path])
    assert isinstance(doc, Document) and doc.title is not None
    assert len(doc.title) <= 201 and doc.title.endswith("…") and doc.title.startswith("word word")


def test_html_gives_main_text_and_metadata(inputs: Path) -> None:
    (doc,) = read_inputs([inputs / "page.html"])
    assert isinstance(doc, Document)
    assert doc.id == "page"
    assert doc.title == "Harbour council votes on sea wall"
    assert doc.url == "https://example.org/news/sea-wall"
    assert doc.outlet == "The Coastal Times"
    assert doc.published == "2024-03-05"
    assert "four hundred homes" in doc.text
    assert "Subscribe" not in doc.text and "Sport" not in doc.text


def test_html_without_article_text_fails(tmp_path: Path) -> None:
    path = tmp_path / "blank.htm"
    path.write_text("<html><head><title>x</title></head><body></body></html>", encoding="utf-8")
    (failure,) = read_inputs([path])
    assert isinstance(failure, FailedInput) and "no main text" in failure.reason


def test_jsonl_and_csv_metadata(inputs: Path) -> None:
    docs, _ = split(list(read_inputs([inputs / "feed.jsonl", inputs / "table.csv"])))
    wire = docs["wire-1"]
    assert (wire.title, wire.url, wire.outlet, wire.published, wire.language) == (
        "Drought cuts wheat harvest", "https://example.org/wire-1", "Valley Wire", "2024-06-01", "en",
    )  # fmt: skip
    assert wire.source == f"{inputs / 'feed.jsonl'}:1"
    untitled = docs["feed.jsonl:4"]
    assert untitled.outlet == "Jornal do Porto" and untitled.title == untitled.text and untitled.language is None
    row = docs["csv-1"]
    assert (row.title, row.url, row.outlet, row.published, row.language) == (
        "Bridge reopens", "https://example.org/bridge", "City Paper", "2024-05-20", "en",
    )  # fmt: skip
    multiline = docs["table.csv:4"]
    assert multiline.text == "The library extended its opening hours.\nReaders welcomed the change, the mayor said."
    assert multiline.url is None and multiline.title == "Multi-line row"


def test_csv_row_with_bad_bytes_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(b"text,id\nfirst good row,a\ncaf\xe9 row,b\nthird good row,c\n")
    docs, failures = split(list(read_inputs([path])))
    assert set(docs) == {"a", "c"}
    (failure,) = failures
    assert failure.line == 3 and "not UTF-8 at byte 3 of the line" in failure.reason


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(10 * 1024 * 1024)  # sparse: 10 MB of NUL bytes, never read
    small = tmp_path / "small.txt"
    small.write_text("A small article\nwith two lines.", encoding="utf-8")
    docs, failures = split(list(read_inputs([big, small])))
    assert list(docs) == ["small"]
    (failure,) = failures
    assert failure.reason.startswith("file is 10.0 MB, over the 5.0 MB limit")


def test_row_text_over_the_limit_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"text": "x" * 2000}) + "\n" + json.dumps({"text": "short"}) + "\n", encoding="utf-8")
    docs, failures = split(list(read_inputs([path], max_bytes=1000)))
    assert list(docs) == ["rows.jsonl:2"]
    assert failures[0].line == 1 and "over the" in failures[0].reason


def test_missing_path_unknown_extension_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / ".hidden.txt").write_text("skipped", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("Title\nBody", encoding="utf-8")
    docs, failures = split(list(read_inputs([tmp_path, tmp_path / "missing.txt"])))
    assert list(docs) == ["ok"]
    reasons = {Path(f.source).name: f.reason for f in failures}
    assert reasons["notes.pdf"].startswith("unsupported file type '.pdf'")
    assert reasons["missing.txt"] == "no such file or folder"


def test_utf16_text_is_reported_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Title\nBody text".encode("utf-16"))
    (failure,) = read_inputs([path])
    assert isinstance(failure, FailedInput) and failure.reason == "UTF-16 text; re-encode as UTF-8"


def test_ids_are_made_unique(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "story.txt").write_text(f"Story from {folder}", encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"id": "story", "text": f"row {i}"}) + "\n" for i in range(2)), encoding="utf-8")
    docs = [item for item in read_inputs([tmp_path / "a", tmp_path / "b", rows]) if isinstance(item, Document)]
    assert [d.id for d in docs] == ["story", "story#2", "story#3", "story#4"]
    assert docs[1].text == "Story from b"


def test_semeval_folder_yields_documents_with_language(semeval_tiny: Path, tmp_path: Path) -> None:
    items = list(read_inputs([semeval_tiny]))
    docs, failures = split(items)
    assert not failures and docs
    raw = sorted(semeval_tiny.glob("*/raw-documents/*.txt"))
    assert sorted(docs) == sorted(p.name for p in raw)
    for path in raw:
        assert docs[path.name].language == path.parent.parent.name.lower()
        assert docs[path.name].text == path.read_bytes().decode("utf-8")
    # inside a larger folder, the SemEval layout is still recognised (annotation files are not read as articles)
    shutil.copytree(semeval_tiny, tmp_path / "release")
    (tmp_path / "extra.txt").write_text("Another article", encoding="utf-8")
    nested, nested_failures = split(list(read_inputs([tmp_path])))
    assert not nested_failures and set(nested) == set(docs) | {"extra"}


json_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200).filter(lambda t: not is_blank(t))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.one_of(st.none(), st.text(min_size=1, max_size=8)), json_text), max_size=8))
def test_jsonl_round_trip(tmp_path: Path, rows: list[tuple[str | None, str]]) -> None:
    path = tmp_path / "prop.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for doc_id, text in rows:
            handle.write(json.dumps({"text": text} | ({"id": doc_id} if doc_id is not None else {})) + "\n")
    items = list(read_inputs([path]))
    if not rows:
        assert len(items) == 1 and isinstance(items[0], FailedInput)
        return
    assert all(isinstance(item, Document) for item in items)
    assert [item.text for item in items] == [text for _, text in rows]  # type: ignore[union-attr]
    assert len({item.id for item in items}) == len(rows)  # type: ignore[union-attr]


def test_file_name_with_a_non_utf8_byte_fails_alone(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Good article.\n", encoding="utf-8")
    bad = os.fsdecode(bytes(tmp_path) + b"/bad\xffname.txt")
    Path(bad).write_bytes(b"x\n")
    docs, failures = split(list(read_inputs([tmp_path])))
    assert set(docs) == {"good"}
    assert len(failures) == 1
    assert failures[0].source.endswith("bad\\xffname.txt")
    failures[0].source.encode("utf-8")  # printable and storable: the bad byte is escaped
    assert "not valid UTF-8" in failures[0].reason and "rename" in failures[0].reason


@pytest.mark.parametrize("blank", ["\u200b", "\u200c\u200d\n\ufeff", " \u2060\t\u200b\r\n", "\u00ad\u180e"])
def test_text_of_only_zero_width_characters_is_empty(tmp_path: Path, blank: str) -> None:
    (tmp_path / "zw.txt").write_text(blank, encoding="utf-8")
    (tmp_path / "rows.jsonl").write_text(json.dumps({"id": "ok", "text": "Real text."}) + "\n"
                                         + json.dumps({"id": "zw", "text": blank}) + "\n", encoding="utf-8")
    docs, failures = split(list(read_inputs([tmp_path])))
    assert set(docs) == {"ok"}
    assert "empty" in failure_for(failures, "zw.txt").reason
    row = failure_for(failures, "rows.jsonl", line=2)
    assert row.reason == "empty 'text'" and row.id == "zw"


def test_made_up_ids_never_collide_with_given_ones(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    ids = ["story", "story#2", "story#3", "story"]  # the fourth "story" can be neither story#2 nor story#3
    rows.write_text("".join(json.dumps({"id": i, "text": f"row {n}"}) + "\n" for n, i in enumerate(ids)), encoding="utf-8")
    docs = [item for item in read_inputs([rows]) if isinstance(item, Document)]
    assert len({d.id for d in docs}) == 4
    assert [d.id for d in docs[:3]] == ids[:3] and docs[3].text == "row 3"


def test_a_file_of_exactly_max_bytes_is_read(tmp_path: Path) -> None:
    path = tmp_path / "exact.txt"
    path.write_bytes(b"Title\n" + b"x" * 94)  # 100 bytes
    (doc,) = read_inputs([path], max_bytes=100)
    assert isinstance(doc, Document) and len(doc.text) == 100
    (failure,) = read_inputs([path], max_bytes=99)
    assert isinstance(failure, FailedInput) and "over the" in failure.reason


def test_row_metadata_is_stripped_of_surrounding_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("id,text,outlet,published\n a1 ,Some text, daily.test , 2024-05-01 \n", encoding="utf-8")
    (doc,) = read_inputs([path])
    assert isinstance(doc, Document)
    assert (doc.id, doc.outlet, doc.published) == ("a1", "daily.test", "2024-05-01")
