"""Training data from labelled CSV/JSONL files: labels resolved through a taxonomy, unknown ones fail with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.errors import InputError
from narrascope.taxonomy import OTHER, Taxonomy
from narrascope.training.data import annotation_of, read_training_data


@pytest.fixture(scope="module")
def demo(test_data: Path) -> Taxonomy:
    return Taxonomy.from_file(test_data / "custom" / "demo.yaml")


def test_csv_and_jsonl_rows_become_annotations(test_data: Path, demo: Taxonomy) -> None:
    corpus = read_training_data([test_data / "custom" / "train.csv", test_data / "custom" / "train.jsonl"], demo)
    assert len(corpus.documents) == len(corpus.narratives) == 12
    assert corpus.narratives["c1"].narratives == ["War blame shifted"]
    assert corpus.narratives["c1"].subnarratives == ["War blame shifted: Other"]
    assert corpus.narratives["c2"].narratives == ["Climate change downplayed"]
    assert corpus.narratives["c2"].subnarratives == ["Climate change downplayed: Climate cycles are natural"]
    assert corpus.narratives["c3"].narratives == [OTHER] == corpus.narratives["c6"].subnarratives
    assert corpus.narratives["j5"].subnarratives == ["Climate change downplayed: Climate cycles are natural"]
    assert corpus.documents["j1"].language == "en"
    assert corpus.documents["c4"].source.endswith("train.csv:5")


def test_annotation_of_unknown_label(demo: Taxonomy) -> None:
    with pytest.raises(KeyError):
        annotation_of("x", ["URW: Discrediting Ukraine"], demo)


def test_unknown_label_names_file_line_and_closest_label(test_data: Path, demo: Taxonomy) -> None:
    path = test_data / "custom" / "bad_label.csv"
    with pytest.raises(InputError) as info:
        read_training_data([path], demo)
    message = str(info.value)
    assert message.startswith(f"{path}:3: unknown label 'Climate change denied'")
    assert "did you mean 'Climate change downplayed'" in message


def test_jsonl_unknown_label_and_repeated_id(tmp_path: Path, demo: Taxonomy) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "t", "labels": ""}\n\n{"id": "b", "text": "t", "labels": "Nope"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"{bad}:3: unknown label 'Nope'"):
        read_training_data([bad], demo)
    twice = tmp_path / "twice.jsonl"
    twice.write_text('{"id": "a", "text": "t", "labels": ""}\n{"id": "a", "text": "u", "labels": ""}\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"{twice}:2: document id 'a' repeated"):
        read_training_data([twice], demo)


def test_csv_without_labels_column(tmp_path: Path, demo: Taxonomy) -> None:
    path = tmp_path / "nolabels.csv"
    path.write_text("id,text\na,hello\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"{path}:1: the header has no 'labels' column"):
        read_training_data([path], demo)


def test_semeval_folder_with_another_taxonomy_names_annotation_line(semeval_tiny: Path, demo: Taxonomy) -> None:
    with pytest.raises(InputError, match=r"subtask-2-annotations.txt:\d+: unknown label"):
        read_training_data([semeval_tiny], demo)
