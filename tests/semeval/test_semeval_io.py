"""Readers and writers of the official SemEval file formats, on the hand-made fixture and hypothesis round trips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.errors import InputError
from narrascope.semeval.io import (
    MentionAnnotation,
    index_to_utf16,
    mention_span,
    official_span,
    utf16_to_index,
    NarrativeAnnotation,
    read_gold,
    read_raw_document,
    read_semeval_folder,
    read_subtask1,
    read_subtask2,
    read_subtask3,
    read_subtask3_predictions,
    write_subtask1,
    write_subtask2,
    write_subtask3,
)

# A word: no whitespace of any kind, no control characters, no ';' (the label separator).
WORD = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Z"), blacklist_characters=";"), min_size=1, max_size=8)
PHRASE = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
DOC_ID = st.from_regex(r"[A-Z]{2}_[A-Z]{2}_[0-9]{1,6}", fullmatch=True).map(lambda s: s + ".txt")


def test_reads_both_language_folders(semeval_tiny: Path) -> None:
    corpus = read_semeval_folder(semeval_tiny)
    assert len(corpus.documents) == len(list(semeval_tiny.glob("*/raw-documents/*.txt")))
    assert {d.language for d in corpus.documents.values()} == {"en", "pt"}
    assert set(corpus.narratives) == set(corpus.documents)
    assert corpus.narratives["tiny_en_ua_3.txt"].narratives == ["Other"]
    assert len(corpus.narratives["tiny_pt_cc_1.txt"].subnarratives) == 2


def test_crlf_document_is_read_byte_faithfully_and_offsets_pick_the_mention(semeval_tiny: Path) -> None:
    path = semeval_tiny / "EN" / "raw-documents" / "tiny_en_cc_1.txt"
    assert b"\r\n" in path.read_bytes()
    doc = read_raw_document(path)
    assert doc.text.encode("utf-8") == path.read_bytes()
    mentions = read_subtask1(semeval_tiny / "EN" / "subtask-1-annotations.txt")["tiny_en_cc_1.txt"]
    assert mentions
    for m in mentions:
        assert doc.text[m.start : m.end + 1] == m.mention
        assert mention_span(doc.text, m) == (m.start, m.end + 1)


def test_offsets_count_astral_characters_as_two(semeval_tiny: Path) -> None:
    doc = read_raw_document(semeval_tiny / "PT" / "raw-documents" / "tiny_pt_cc_1.txt")
    assert any(ord(c) > 0xFFFF for c in doc.text)
    for m in read_subtask1(semeval_tiny / "PT" / "subtask-1-annotations.txt")["tiny_pt_cc_1.txt"]:
        assert doc.text[m.start : m.end + 1] != m.mention  # raw offsets are UTF-16 code units, not Python indices
        start, end = mention_span(doc.text, m)
        assert doc.text[start:end] == m.mention
        assert official_span(doc.text, start, end) == (m.start, m.end)


def test_all_fixture_offsets_pick_their_mentions(semeval_tiny: Path) -> None:
    corpus = read_semeval_folder(semeval_tiny)
    pairs = [(corpus.documents[i].text, m) for i, ms in corpus.mentions.items() for m in ms]
    assert len(pairs) >= 4
    for text, m in pairs:
        start, end = mention_span(text, m)
        assert text[start:end] == m.mention


@settings(max_examples=50, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30), st.data())
def test_utf16_offsets_round_trip(text: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(text)))
    offset = index_to_utf16(text, index)
    assert offset == len(text[:index].encode("utf-16-le")) // 2
    assert utf16_to_index(text, offset) == index
    if text:
        end = data.draw(st.integers(index, len(text)))
        start_u, end_u = official_span(text, index, end)
        assert mention_span(text, MentionAnnotation("d", text[index:end], start_u, end_u)) == (index, end)


@pytest.mark.parametrize(
    ("line", "reader", "fragment"),
    [
        ("EN_1.txt\tBill\t3\n", read_subtask1, "expected at least 6"),
        ("EN_1.txt\tBill\tthree\t7\tAntagonist\tDeceiver\n", read_subtask1, "must be integers"),
        ("EN_1.txt\tBill\t9\t3\tAntagonist\tDeceiver\n", read_subtask1, "invalid span"),
        ("EN_1.txt\tOther\n", read_subtask2, "expected 3"),
        ("EN_1.txt\tURW: X\n", read_subtask3, "expected 4"),
        ("EN_1.txt\tURW: X\tnone\n", read_subtask3_predictions, "expected 2"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, reader, fragment: str) -> None:
    path = tmp_path / "annotations.txt"
    good = {
        read_subtask1: "EN_0.txt\tAnna\t0\t3\tProtagonist\tGuardian\n",
        read_subtask2: "EN_0.txt\tOther\tOther\n",
        read_subtask3: "EN_0.txt\tOther\tnone\tNothing to explain.\n",
        read_subtask3_predictions: "EN_0.txt\tNothing to explain.\n",
    }[reader]
    path.write_text(good + "\n" + line, encoding="utf-8")
    with pytest.raises(InputError) as info:
        reader(path)
    assert info.value.line == 3
    assert str(path) in str(info.value) and f"{path}:3:" in str(info.value)
    assert fragment in str(info.value)


def test_duplicate_document_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "st3.txt"
    path.write_text("EN_0.txt\tOther\tnone\tA.\nEN_0.txt\tOther\tnone\tB.\n", encoding="utf-8")
    with pytest.raises(InputError, match="appears twice"):
        read_subtask3(path)


def test_annotated_id_without_raw_file_is_reported(semeval_tiny: Path, tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(semeval_tiny, copy)
    with open(copy / "PT" / "subtask-2-annotations.txt", "a", encoding="utf-8") as handle:
        handle.write("tiny_pt_ua_9.txt\tOther\tOther\n")
    with pytest.raises(InputError) as info:
        read_semeval_folder(copy)
    assert "tiny_pt_ua_9.txt" in str(info.value)
    assert "subtask-2-annotations.txt" in str(info.value)
    assert read_semeval_folder(copy, strict=False).narratives["tiny_pt_ua_9.txt"].narratives == ["Other"]


def test_read_gold_from_folder_maps_languages(semeval_tiny: Path) -> None:
    gold, languages = read_gold(semeval_tiny, 2)
    assert set(gold) == set(languages)
    assert languages["tiny_pt_cc_1.txt"] == "pt" and languages["tiny_en_ua_2.txt"] == "en"
    gold_file, languages_file = read_gold(semeval_tiny / "EN" / "subtask-1-annotations.txt", 1)
    assert set(languages_file.values()) == {"en"}
    assert set(gold_file) <= set(gold)


def test_read_gold_rejects_unknown_subtask(semeval_tiny: Path) -> None:
    with pytest.raises(InputError, match="subtask 4"):
        read_gold(semeval_tiny, 4)


def test_subtask3_predictions_accept_annotation_format(semeval_tiny: Path) -> None:
    gold = read_subtask3(semeval_tiny / "EN" / "subtask-3-annotations.txt")
    as_pred = read_subtask3_predictions(semeval_tiny / "EN" / "subtask-3-annotations.txt")
    assert as_pred == {i: a.explanation for i, a in gold.items()}


def test_empty_subtask2_prediction_is_written_as_other(tmp_path: Path) -> None:
    write_subtask2(tmp_path / "p.txt", [NarrativeAnnotation("EN_1.txt", [], [])])
    assert read_subtask2(tmp_path / "p.txt")["EN_1.txt"] == NarrativeAnnotation("EN_1.txt", ["Other"], ["Other"])


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        DOC_ID,
        st.tuples(st.lists(PHRASE, min_size=1, max_size=4, unique=True), st.lists(PHRASE, min_size=1, max_size=4, unique=True)),
        max_size=6,
    )
)
def test_subtask2_round_trip(tmp_path_factory: pytest.TempPathFactory, rows: dict[str, tuple[list[str], list[str]]]) -> None:
    path = tmp_path_factory.mktemp("st2") / "pred.txt"
    annotations = [NarrativeAnnotation(i, nar, sub) for i, (nar, sub) in rows.items()]
    write_subtask2(path, annotations)
    assert read_subtask2(path) == {a.id: a for a in annotations}


MENTION = st.builds(
    lambda doc_id, text, start, length, main, fine: MentionAnnotation(doc_id, text, start, start + length, main, fine),
    DOC_ID,
    st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\x85"), min_size=1, max_size=20),
    st.integers(0, 10**6),
    st.integers(0, 50),
    WORD,
    st.lists(WORD, min_size=1, max_size=3),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(MENTION, max_size=8))
def test_subtask1_round_trip(tmp_path_factory: pytest.TempPathFactory, mentions: list[MentionAnnotation]) -> None:
    path = tmp_path_factory.mktemp("st1") / "pred.txt"
    write_subtask1(path, mentions)
    expected: dict[str, list[MentionAnnotation]] = {}
    for m in mentions:
        expected.setdefault(m.id, []).append(m)
    assert read_subtask1(path) == expected


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(DOC_ID, st.text(st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=6))
def test_subtask3_round_trip_normalises_whitespace(tmp_path_factory: pytest.TempPathFactory, rows: dict[str, str]) -> None:
    path = tmp_path_factory.mktemp("st3") / "pred.txt"
    write_subtask3(path, rows.items())
    assert read_subtask3_predictions(path) == {i: " ".join(text.split()) for i, text in rows.items()}
