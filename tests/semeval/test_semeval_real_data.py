"""Checks against the SemEval-2025 Task 10 training release in ../shared (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.semeval.io import LANGUAGES, mention_span, read_gold, read_semeval_folder
from narrascope.semeval.metrics import official_class_lists, score_subtask1, score_subtask2

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(semeval_data: Path):
    return read_semeval_folder(semeval_data)


def test_all_language_folders_read(corpus, semeval_data: Path) -> None:
    assert {d.language for d in corpus.documents.values()} == {lang.lower() for lang in LANGUAGES}
    assert len(corpus.documents) == len(list(semeval_data.glob("*/raw-documents/*.txt")))
    assert set(corpus.narratives) == set(corpus.documents)
    assert corpus.mentions and corpus.explanations


def test_subtask1_offsets_pick_out_mentions(corpus) -> None:
    # CRLF documents must be read byte-faithfully, and emoji count as two UTF-16 code units, for every offset to hold
    pairs = [(corpus.documents[i].text, m) for i, ms in corpus.mentions.items() for m in ms]
    assert any("\r\n" in t[: m.start] for t, m in pairs)
    assert any(ord(c) > 0xFFFF for t, m in pairs for c in t[: m.start])
    wrong = [(m.id, m.mention) for t, m in pairs if t[slice(*mention_span(t, m))] != m.mention]
    assert wrong == []


def test_subtask2_gold_against_itself(semeval_data: Path) -> None:
    gold, languages = read_gold(semeval_data, 2)
    scores = score_subtask2(gold, gold, languages=languages)
    assert scores.coarse == 1.0
    # a document whose fine labels are all missing from the official list has both sets empty after dropping: 0
    _, fine_classes = official_class_lists()
    unlisted = {i for i, a in gold.items() if not set(a.subnarratives) & set(fine_classes)}
    assert {i for i, v in scores.fine_per_document.items() if v != 1.0} == unlisted
    assert scores.fine == pytest.approx(1 - len(unlisted) / len(gold))
    assert set(scores.by_language) == {lang.lower() for lang in LANGUAGES}
    assert scores.missing_predictions == scores.unknown_predictions == 0


def test_subtask1_gold_against_itself(semeval_data: Path) -> None:
    gold, languages = read_gold(semeval_data, 1)
    scores = score_subtask1(gold, gold, languages=languages)
    assert scores.emr == scores.f1 == scores.main_role_accuracy == 1.0
    assert scores.n_mentions == sum(len(ms) for ms in gold.values())
