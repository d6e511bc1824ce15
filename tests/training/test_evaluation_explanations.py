"""Subtask-3 evaluation helpers shared by ``narrascope evaluate --subtask 3`` and ``benchmarks/explain.py``."""

from __future__ import annotations

import pytest

from narrascope.errors import ConfigError
from narrascope.training.evaluation import explanation_similarity, explanation_table
from narrascope.semeval.metrics import DEFAULT_SIMILARITY_NAME, score_subtask3, token_f1_similarity


def test_explanation_similarity_comes_from_the_registry() -> None:
    function, name = explanation_similarity("token-f1")
    assert function is token_f1_similarity and name == DEFAULT_SIMILARITY_NAME
    e5, e5_name = explanation_similarity("e5")  # registered by narrascope.components.explain.explainers
    assert callable(e5) and "multilingual-e5-small" in e5_name
    with pytest.raises(ConfigError, match="known: .*token-f1"):
        explanation_similarity("bleu")


def test_explanation_table_one_line_per_system_and_language_columns() -> None:
    gold = {"a": "the cat sat on the mat", "b": "dogs bark at night", "c": "rain falls"}
    languages = {"a": "en", "b": "en", "c": "pt"}
    exact = score_subtask3(gold, dict(gold), languages=languages)
    half = score_subtask3(gold, {"a": "the cat sat on the mat"}, languages=languages)
    english = score_subtask3({"a": gold["a"]}, {"a": "a cat"}, languages={"a": "en"})
    long_label = "a system with a rather long name, 5-fold CV"
    table = explanation_table({"exact": exact, "first only": half, long_label: english})
    header, *lines = table.splitlines()
    assert header.split() == ["system", "ALL", "EN", "PT", "words", "<=80"]
    assert lines[0].split() == ["exact", "1.000", "1.000", "1.000", "4.0", "100.0%"]
    assert lines[1].split() == ["first", "only", "0.333", "0.500", "0.000", "6.0", "100.0%"]  # a missing one scores 0
    assert lines[2].startswith(long_label + "  ") and lines[2].split()[-5:] == ["0.250", "0.250", "-", "2.0", "100.0%"]
    assert len({len(line) for line in [header, *lines]}) == 1  # columns line up
