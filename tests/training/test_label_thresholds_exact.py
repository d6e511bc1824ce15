"""Per-label threshold tuning on a case small enough to work out by hand (values in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.training.data import annotation_of
from narrascope.training.label_thresholds import binary_f1, tunable_labels, tune_label_thresholds

from .test_label_thresholds import COMMON, RARE, decoder


def test_binary_f1_exact_values() -> None:
    assert binary_f1([True, True, False, False], [True, False, True, False]) == 0.5   # 2*1/(2+2)
    assert binary_f1([True, True, True], [True, True, False]) == pytest.approx(0.8)   # 2*2/(3+2)
    assert binary_f1([False, False], [False, False]) == 0.0                          # nothing to find, nothing found
    assert binary_f1([True], [True]) == 1.0


def test_tunable_labels_leave_out_other_and_narrative_other() -> None:
    model = decoder()
    model.fine_labels_ = [f"{COMMON}: Other", f"{RARE}: Other", f"{RARE}: Syringes"]
    assert tunable_labels(model) == [COMMON, RARE, f"{RARE}: Syringes"]


def test_each_label_gets_the_first_grid_value_with_its_best_binary_f1() -> None:
    model = decoder()   # coarse heads [COMMON, Other, RARE]
    coarse = np.array([
        [0.8, 0.5, 0.13],   # d0: COMMON and RARE
        [0.0, 0.5, 0.13],   # d1: RARE
        [0.0, 0.5, 0.11],   # d2: none
        [0.0, 0.5, 0.05],   # d3: none
        [0.8, 0.5, 0.05],   # d4: COMMON
    ])
    fine = np.zeros((5, 2))
    ids = [f"d{i}" for i in range(5)]
    labels = [[COMMON, RARE], [RARE], [], [], [COMMON]]
    gold = {i: annotation_of(i, ls, model.taxonomy) for i, ls in zip(ids, labels)}
    tuned = tune_label_thresholds(model, (coarse, fine), ids, gold)
    # COMMON: every grid value <= 0.7 separates 0.8 from 0.0 (F1 1): the first, 0.02.
    # RARE: t <= 0.04 takes all five (F1 4/7); 0.06-0.1 takes d0-d2 (F1 0.8); 0.12 takes d0, d1 (F1 1); from 0.15 none
    # (min_top_prob 0.25 is above 0.13: no fall-back), F1 0. Then every (gate, min_top_prob) pair but gate 0.5 (Other's
    # 0.5 reaches it: everything Other, F1 0) keeps mean F1 1: the first, (None, 0.0).
    assert tuned == {"label_thresholds": {COMMON: 0.02, RARE: 0.12}, "min_top_prob": 0.0, "other_gate": None}
    assert (model.label_thresholds, model.min_top_prob, model.other_gate) == ({COMMON: 0.02, RARE: 0.12}, 0.0, None)
    decided = [model.decode(c, f).annotation(i).narratives for i, c, f in zip(ids, coarse, fine)]
    assert decided == [[COMMON, RARE], [RARE], ["Other"], ["Other"], [COMMON]]



def test_the_other_gate_is_chosen_where_only_it_separates_an_article_from_the_fallback() -> None:
    model = decoder()   # coarse heads [COMMON, Other, RARE]
    model.min_top_prob = 0.0
    coarse = np.array([
        [0.7, 0.3, 0.0],    # a: COMMON
        [0.7, 0.75, 0.0],   # b: none; Other above COMMON: the fallback says Other
        [0.7, 0.6, 0.0],    # c: none; Other below COMMON: only a gate at 0.5 or 0.6 says Other
    ])
    fine = np.zeros((3, 2))
    ids = ["a", "b", "c"]
    gold = {i: annotation_of(i, ls, model.taxonomy) for i, ls in zip(ids, [[COMMON], [], []])}
    tuned = tune_label_thresholds(model, (coarse, fine), ids, gold)
    # COMMON at or below 0.7 labels all three (F1 0.5); from 0.8 the fallback labels a and c (F1 2/3): 0.8. RARE is
    # never present (F1 0 everywhere): 0.02. Then the gate 0.5 turns c into Other: COMMON's F1 1, the mean 0.5.
    assert tuned == {"label_thresholds": {COMMON: 0.8, RARE: 0.02}, "min_top_prob": 0.0, "other_gate": 0.5}
    decided = [model.decode(c, f).annotation(i).narratives for i, c, f in zip(ids, coarse, fine)]
    assert decided == [[COMMON], ["Other"], ["Other"]]
