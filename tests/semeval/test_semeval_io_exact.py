"""The official files' readers refuse a malformed line with the file, the line and exact words; the lexical
similarity refuses lists of unequal length; a language folder of any name gives its lower-case code."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.errors import InputError
from narrascope.semeval.io import (
    read_semeval_folder,
    read_subtask1,
    read_subtask2,
    read_subtask3,
    read_subtask3_predictions,
)
from narrascope.semeval.metrics import token_f1_similarity


def refusal(reader, path: Path, content: str, **kwargs) -> str:  # type: ignore[no-untyped-def]
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        reader(path, **kwargs)
    return str(error.value)


@pytest.mark.parametrize("reader, content, kwargs, line, message", [
    (read_subtask1, "a.txt\tNATO\t0\t4\tAntagonist\n", {}, 1,
     "expected at least 6 tab-separated fields (id, mention, start, end, main_role, fine_role...), found 5"),
    (read_subtask1, "a.txt\tNATO\t0\n", {"with_roles": False}, 1,
     "expected at least 4 tab-separated fields (id, mention, start, end), found 3"),
    (read_subtask1, "a.txt\tNATO\t0\t4\tAntagonist\t\t \n", {}, 1, "no fine role given"),
    (read_subtask1, "a.txt\tNATO\tx\t4\tAntagonist\tSpy\n", {}, 1, "start and end must be integers, found 'x' and '4'"),
    (read_subtask1, "a.txt\tNATO\t5\t4\tAntagonist\tSpy\n", {}, 1, "invalid span 5-4"),
    (read_subtask2, "a.txt\tOther\tOther\n\na.txt\tOther\tOther\n", {}, 3, "document 'a.txt' appears twice"),
    (read_subtask2, " \tOther\tOther\n", {}, 1, "empty document id"),
    (read_subtask2, "a.txt\tOther\n", {}, 1,
     "expected 3 tab-separated fields (id, narratives, subnarratives), found 2"),
    (read_subtask3, "a.txt\tN\tS\tE\na.txt\tN\tS\tE\n", {}, 2, "document 'a.txt' appears twice"),
    (read_subtask3, " \tN\tS\tE\n", {}, 1, "empty document id"),
    (read_subtask3, "a.txt\tN\tS\n", {}, 1, "expected 4 tab-separated fields, found 3"),
    (read_subtask3_predictions, "a.txt\tE\na.txt\tE\n", {}, 2, "document 'a.txt' appears twice"),
    (read_subtask3_predictions, " \tE\n", {}, 1, "empty document id"),
])
def test_a_malformed_line_is_refused_with_file_line_and_reason(tmp_path: Path, reader, content: str,  # type: ignore[no-untyped-def]
                                                               kwargs: dict, line: int, message: str) -> None:
    path = tmp_path / "file.txt"
    assert refusal(reader, path, content, **kwargs) == f"{path}:{line}: {message}"


def test_a_file_that_is_not_utf8_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "subtask-2-annotations.txt"
    path.write_bytes(b"a.txt\tOther\tOther\n\xff\n")
    with pytest.raises(InputError) as error:
        read_subtask2(path)
    assert str(error.value) == f"{path}: not UTF-8 at byte 18; save the file as UTF-8"


def test_a_subnarrative_written_none_is_no_subnarrative(tmp_path: Path) -> None:
    path = tmp_path / "subtask-3.txt"
    path.write_text("a.txt\tURW: N\tnone\tE\nb.txt\tURW: N\tNone\tE\nc.txt\tURW: N\t\tE\nd.txt\tURW: N\tURW: N: S\tE\n",
                    encoding="utf-8")
    assert [a.subnarrative for a in read_subtask3(path).values()] == [None, None, None, "URW: N: S"]


def test_the_lexical_similarity_refuses_lists_of_unequal_length() -> None:
    with pytest.raises(ValueError):
        token_f1_similarity(["a b"], [])
    assert token_f1_similarity(["a b", ""], ["b c", "x"]) == [0.5, 0.0]


def test_a_language_folder_of_any_name_gives_its_lower_case_code(tmp_path: Path) -> None:
    raw = tmp_path / "DE" / "raw-documents"
    raw.mkdir(parents=True)
    (raw / "DE_1.txt").write_text("Titel\n\nText.", encoding="utf-8")
    corpus = read_semeval_folder(tmp_path / "DE")
    assert corpus.documents["DE_1.txt"].language == "de"


def test_a_line_keeps_its_last_characters_whatever_its_line_ending(tmp_path: Path) -> None:
    path = tmp_path / "subtask-3.txt"
    path.write_bytes(b"a.txt\tURW: N\tnone\tabout Malcolm X\r\nb.txt\tURW: N\tnone\tsecond\n")
    explained = read_subtask3(path)
    assert [(i, a.explanation) for i, a in explained.items()] == [("a.txt", "about Malcolm X"), ("b.txt", "second")]


def test_predictions_of_articles_without_a_language_count_in_the_unknown_group() -> None:
    from narrascope.semeval.io import NarrativeAnnotation
    from narrascope.semeval.metrics import score_subtask2

    gold = {i: NarrativeAnnotation(i, ["Other"], ["Other"]) for i in ("a", "b")}
    scores = score_subtask2(gold, dict(gold), languages={"a": "en"})
    assert sorted(scores.by_language) == ["en", "unknown"]
    unknown = scores.by_language["unknown"]
    assert (unknown.n_documents, unknown.missing_predictions, unknown.unknown_predictions) == (1, 0, 0)
