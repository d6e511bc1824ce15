"""Readers' reports compared whole: every failure names its file (and line) and says what is wrong in exact words;
the metadata of an HTML page and of a SemEval folder; the size limits as numbers."""

from __future__ import annotations

import json
import socket
import tempfile
from pathlib import Path

import pytest

from narrascope.documents import Document, FailedInput
from narrascope.errors import InputError
from narrascope.io.readers import csv_row_limit, read_csv, read_html, read_inputs, read_jsonl, read_text


def test_the_csv_row_limit_is_twice_the_text_limit_and_a_megabyte() -> None:
    assert csv_row_limit(5) == 2 * 5 + 1_048_576
    assert csv_row_limit(5 * 1024 * 1024) == 11 * 1024 * 1024


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"x" * 101, "file is 0.0 MB, over the 0.0 MB limit; split it or raise max_bytes"),
    (b" \n\t\n", "empty file (only whitespace or invisible characters)"),
])
def test_reading_a_bad_text_file_names_the_file(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        read_text(path, max_bytes=100)
    assert (error.value.path, error.value.reason, error.value.line) == (str(path), reason, None)
    assert list(read_inputs([path], max_bytes=100)) == [FailedInput(str(path), reason)]


def test_an_html_page_without_main_text_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>Nothing</title></head><body></body></html>", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_html(path)
    assert (error.value.path, error.value.reason) == (str(path), "no main text found in the HTML page")


ARTICLE = ("<p>NATO officials said on Monday that Western weapons deliveries to Ukraine will continue for as long as "
           "necessary, despite warnings from Moscow about an escalation of the conflict.</p>"
           "<p>Moscow accused the alliance of fighting a proxy war against Russia and said the deliveries would "
           "prolong the war; analysts in Brussels expect the debate to continue at the summit next month.</p>")


def test_an_html_page_without_a_title_or_site_name_takes_its_first_line_and_host(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text('<html><head><link rel="canonical" href="https://news.example.org/a/1"></head><body><article>'
                    f"{ARTICLE}</article></body></html>", encoding="utf-8")
    doc = read_html(path)
    assert doc.text.startswith("NATO officials said on Monday")
    assert doc.title and doc.title.startswith("NATO officials said on Monday")
    assert doc.url == "https://news.example.org/a/1" and doc.outlet == "news.example.org"


def test_an_html_page_with_a_script_url_keeps_no_url(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text('<html><head><title>T</title><link rel="canonical" href="javascript:alert(1)"></head><body>'
                    f"<article>{ARTICLE}</article></body></html>", encoding="utf-8")
    assert read_html(path).url is None


def test_bad_jsonl_rows_are_reported_with_file_line_and_id(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    rows = [{"id": "a", "text": "fine"}, {"id": "b"}, {"id": "c", "text": 5}, [1, 2], {"id": "\ud800", "text": ""},
            {"id": 7, "text": "x" * 600_000}, {"id": "e", "text": "t", "title": ["x"]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    items = list(read_jsonl(path, max_bytes=576_717))  # 0.5500002 MB: shown as 0.6
    assert isinstance(items[0], Document) and items[0].id == "a" and items[0].source == f"{path}:1"
    assert items[1:] == [
        FailedInput(str(path), "no 'text' field", line=2, id="b"),
        FailedInput(str(path), "'text' must be a string, not int", line=3, id="c"),
        FailedInput(str(path), "expected a JSON object, got list", line=4, id="rows.jsonl:4"),
        FailedInput(str(path), "empty 'text'", line=5, id="rows.jsonl:5"),  # an unprintable id is not shown
        FailedInput(str(path), "text is 0.6 MB, over the 0.6 MB limit", line=6, id="7"),
        FailedInput(str(path), "'title' must be a string, not list", line=7, id="e"),
    ]


def test_bad_csv_files_are_reported_with_file_and_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = tmp_path / "header.csv"
    header_only.write_text("id,text\n\n", encoding="utf-8")
    no_text = tmp_path / "notext.csv"
    no_text.write_text("ID, Body ,title\n1,x,y\n", encoding="utf-8")
    assert list(read_csv(empty)) == [FailedInput(str(empty), "empty file")]
    assert list(read_csv(header_only)) == [FailedInput(str(header_only), "no rows after the header", line=1)]
    assert list(read_csv(no_text)) == [
        FailedInput(str(no_text), "no 'text' column in the header (columns: 'id', 'body', 'title')", line=1)]
    ragged = tmp_path / "ragged.csv"
    ragged.write_text('id,text\nr1,"two\nlines"\nr2,a,b\nr3,ok\n', encoding="utf-8")
    items = list(read_csv(ragged))
    assert [(type(i).__name__, getattr(i, "line", None)) for i in items] == [
        ("Document", None), ("FailedInput", 4), ("Document", None)]
    assert items[1] == FailedInput(str(ragged), "row has 3 fields, the header has 2", line=4, id="ragged.csv:4")
    assert [items[0].source, items[2].source] == [f"{ragged}:2", f"{ragged}:5"]  # first physical line of a row


def test_a_socket_is_reported_not_opened() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:  # a short path: socket names are limited to 108 bytes
        path = Path(folder) / "s.txt"
        server = socket.socket(socket.AF_UNIX)
        try:
            server.bind(str(path))
            assert list(read_inputs([path])) == [
                FailedInput(str(path), "not a regular file (a socket); only files and folders are read")]
        finally:
            server.close()


def test_a_semeval_folder_reports_its_bad_documents_and_lowercases_its_language(tmp_path: Path) -> None:
    folder = tmp_path / "DE" / "raw-documents"
    folder.mkdir(parents=True)
    (folder / "DE_1.txt").write_text("Titel\n\nText des Artikels.", encoding="utf-8")
    (folder / "DE_2.txt").write_bytes(b"")
    items = list(read_inputs([tmp_path / "DE"]))
    assert isinstance(items[0], Document) and (items[0].id, items[0].language) == ("DE_1.txt", "de")
    assert items[1] == FailedInput(str(folder / "DE_2.txt"), "empty file")
