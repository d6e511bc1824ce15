"""``narrascope analyze --format semeval``'s writer: the official subtask-2 file, byte for byte, with the gold files' ids."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from narrascope.documents import Analysis, LabelScore
from narrascope.io.writers import InputInfo
from narrascope.semeval.writer import SemevalWriter, semeval_id

NARRATIVE = "URW: Discrediting Ukraine"
SUB = "URW: Discrediting Ukraine: Discrediting Ukrainian military"
CC = "CC: Criticism of climate policies"


@pytest.mark.parametrize(("document_id", "source", "expected"), [
    ("EN_UA_1.txt", None, "EN_UA_1.txt"),                      # a SemEval folder's id is already the file name
    ("EN_UA_1.txt", "/data/EN_UA_1.txt", "EN_UA_1.txt"),       # never a second .txt
    ("EN_UA_1", "/data/raw-documents/EN_UA_1.txt", "EN_UA_1.txt"),
    ("EN_UA_1", "/data/raw-documents/EN_UA_1.TXT", "EN_UA_1.TXT"),   # the file's own name, case kept
    ("EN_UA_1", "/data/EN_UA_1.html", "EN_UA_1.txt"),          # not a .txt file: the id with .txt
    ("EN_UA_1", "/data/other.txt", "EN_UA_1.txt"),             # a .txt file of another name (e.g. one row of a feed)
    ("row-7", "feed.jsonl", "row-7.txt"),
    ("row-7", None, "row-7.txt"),
    ("row-7", "", "row-7.txt"),
    ("a.txt.bak", None, "a.txt.bak.txt"),
])
def test_semeval_id_is_the_gold_files_id(document_id: str, source: str | None, expected: str) -> None:
    assert semeval_id(document_id, source) == expected


def _analysis(doc_id: str, narratives: list[str], subs: list[str], error: str | None = None) -> Analysis:
    return Analysis(document_id=doc_id, narratives=[LabelScore(n, 0.9) for n in narratives],
                    subnarratives=[LabelScore(s, 0.8) for s in subs], error=error)


def _fill(writer: SemevalWriter) -> SemevalWriter:
    # the file's own name is the id: EN_UA_1.TXT (read on its own, the document's id is the stem)
    writer.write(_analysis("EN_UA_1", [NARRATIVE, CC], [SUB]), InputInfo(id="EN_UA_1", source="in/EN_UA_1.TXT"))
    writer.write(_analysis("broken", [], [], error="not UTF-8 at byte 3"), InputInfo(id="broken", source="in/broken.txt"))
    writer.write(_analysis("feed-2", [], []), InputInfo(id="feed-2", source="feed.jsonl"))
    writer.write(_analysis("empty", [], [], error="empty file"), InputInfo(id="empty", source="in/empty.txt"))
    return writer


EXPECTED = (f"EN_UA_1.TXT\t{NARRATIVE};{CC}\t{SUB}\n"
            "feed-2.txt\tOther\tOther\n").encode("utf-8")


def test_file_output_is_the_official_format_byte_for_byte_and_skips_failed_documents(tmp_path: Path) -> None:
    out = tmp_path / "subtask-2.txt"
    writer = _fill(SemevalWriter(out=out))
    assert not out.exists()  # written on close, in one go
    writer.close()
    assert out.read_bytes() == EXPECTED
    assert writer.skipped == 2
    assert [a.id for a in writer.annotations] == ["EN_UA_1.TXT", "feed-2.txt"]


def test_stream_output_is_the_same_bytes_and_is_flushed() -> None:
    class Recording(io.StringIO):
        flushed = False

        def flush(self) -> None:
            self.flushed = True
            super().flush()

    stream = Recording()
    writer = _fill(SemevalWriter(stream=stream))
    writer.close()
    assert stream.getvalue().encode("utf-8") == EXPECTED
    assert stream.flushed and writer.skipped == 2


def test_without_out_or_stream_it_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    writer = SemevalWriter()
    assert (writer.out, writer.stream, writer.annotations, writer.skipped) == (None, None, [], 0)
    _fill(writer).close()
    assert capsys.readouterr().out.encode("utf-8") == EXPECTED


def test_an_empty_run_writes_an_empty_file(tmp_path: Path) -> None:
    out = tmp_path / "subtask-2.txt"
    SemevalWriter(out=out).close()
    assert out.read_bytes() == b""
