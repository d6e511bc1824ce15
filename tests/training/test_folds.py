"""document_folds, the one split of every cross-validation: a document's examples share a fold, folds are balanced
(per language when languages are given), the split is a pure function of the ids and the seed."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.training.folds import document_folds

IDS = st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(IDS, st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_a_documents_examples_share_a_fold_and_folds_are_balanced(doc_ids: list[str], n_folds: int, seed: int) -> None:
    folds = document_folds(doc_ids, n_folds=n_folds, seed=seed)
    assert len(folds) == len(doc_ids)
    fold_of: dict[str, int] = {}
    for doc_id, fold in zip(doc_ids, folds):
        assert 0 <= fold < n_folds and isinstance(fold, int)
        assert fold_of.setdefault(doc_id, fold) == fold   # every example of a document in the same fold
    sizes = Counter(fold_of.values())
    n_docs = len(fold_of)
    assert len(sizes) == min(n_folds, n_docs)                 # as many folds used as there are documents for
    assert max(sizes.values()) - min(sizes.values()) <= 1     # documents (not examples) spread evenly
    assert document_folds(doc_ids, n_folds=n_folds, seed=seed) == folds      # deterministic for a seed
    assert document_folds(list(reversed(doc_ids)), n_folds=n_folds, seed=seed) == list(reversed(folds))  # order-free


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text("abcdefgh", min_size=1, max_size=3), st.sampled_from(["en", "pt", "bg"])),
                min_size=1, max_size=40, unique_by=lambda t: t[0]),
       st.integers(1, 5), st.integers(0, 1000))
def test_with_languages_each_language_is_spread_evenly(rows: list[tuple[str, str]], n_folds: int, seed: int) -> None:
    doc_ids = [d for d, _ in rows] * 2            # every document twice: two examples of it
    languages = [lang for _, lang in rows] * 2
    folds = document_folds(doc_ids, n_folds=n_folds, seed=seed, languages=languages)
    assert folds[: len(rows)] == folds[len(rows):]
    for lang in {lang for _, lang in rows}:
        sizes = Counter(f for (d, lg), f in zip(rows, folds) if lg == lang)
        n = sum(sizes.values())
        assert len(sizes) == min(n_folds, n)
        assert max(sizes.values()) - min(sizes.values()) <= 1


def test_the_split_is_the_seeded_shuffle_of_the_sorted_ids() -> None:
    ids = ["d3", "d1", "d2", "d5", "d4", "d1", "d6"]
    unique = sorted(set(ids))
    np.random.default_rng(7).shuffle(unique)
    expected = {d: i % 3 for i, d in enumerate(unique)}
    assert document_folds(ids, n_folds=3, seed=7) == [expected[d] for d in ids]
    others = {tuple(document_folds(ids, n_folds=3, seed=s)) for s in range(20)}
    assert len(others) > 1                         # the seed matters
    assert document_folds(ids) == document_folds(ids, n_folds=5, seed=0)   # defaults: 5 folds, seed 0
    assert sorted(set(document_folds([f"d{i}" for i in range(10)]))) == [0, 1, 2, 3, 4]


def test_per_language_split_is_the_seeded_shuffle_of_each_languages_sorted_ids() -> None:
    ids = ["p2", "e1", "p1", "e3", "e2", "p3", "e1"]
    langs = ["pt", "en", "pt", "en", "en", "pt", "en"]
    rng = np.random.default_rng(3)
    expected: dict[str, int] = {}
    for lang, docs in (("en", ["e1", "e2", "e3"]), ("pt", ["p1", "p2", "p3"])):   # languages in sorted order
        arr = np.array(docs)
        rng.shuffle(arr)                                                       # one generator for all languages
        expected.update({str(d): i % 2 for i, d in enumerate(arr)})
    assert document_folds(ids, n_folds=2, seed=3, languages=langs) == [expected[d] for d in ids]
