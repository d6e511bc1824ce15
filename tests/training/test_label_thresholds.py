"""Per-label thresholds tuned for binary F1 (training/label_thresholds.py) and their use by tune_thresholds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.taxonomy import Taxonomy
from narrascope.training.data import annotation_of
from narrascope.training.evaluation import tune_thresholds
from narrascope.training.label_thresholds import binary_f1, tune_label_thresholds

DATA = Path(__file__).resolve().parents[1] / "data" / "fewshot"
RARE, COMMON = "Vaccines are dangerous", "Election is rigged"


def decoder() -> NarrativeClassifier:
    model = NarrativeClassifier(taxonomy=Taxonomy.from_file(DATA / "taxonomy.yaml"))
    model.coarse_labels_ = [COMMON, "Other", RARE]
    model.fine_labels_ = [f"{COMMON}: Other", f"{RARE}: Other"]
    return model


def rare_label_data(n: int = 200, seed: int = 0) -> tuple[tuple[np.ndarray, np.ndarray], list[str], dict]:
    """A rare label whose positives score only ~0.15 (below every global grid value) and negatives ~0.02."""
    rng = np.random.default_rng(seed)
    model = decoder()
    ids = [f"d{i}" for i in range(n)]
    rare = rng.random(n) < 0.08
    common = rng.random(n) < 0.3
    coarse = np.zeros((n, 3), np.float32)
    coarse[:, 0] = np.where(common, rng.uniform(0.5, 0.9, n), rng.uniform(0.0, 0.2, n))
    coarse[:, 2] = np.where(rare, rng.uniform(0.1, 0.2, n), rng.uniform(0.0, 0.05, n))
    coarse[:, 1] = 1 - np.maximum(coarse[:, 0], coarse[:, 2])
    fine = np.zeros((n, 2), np.float32)
    gold = {i: annotation_of(i, [COMMON] * bool(c) + [RARE] * bool(r), model.taxonomy) for i, c, r in zip(ids, common, rare)}
    return (coarse, fine), ids, gold


def test_binary_f1() -> None:
    assert binary_f1([True, False, True], [True, True, False]) == 0.5
    assert binary_f1([False], [False]) == 0.0


def test_rare_label_gets_a_low_threshold() -> None:
    probs, ids, gold = rare_label_data()
    model = decoder()
    result = tune_label_thresholds(model, probs, ids, gold)
    assert result["label_thresholds"][RARE] <= 0.1
    decided = [RARE in model.decode(c, f).annotation(i).narratives for i, c, f in zip(ids, *probs)]
    assert binary_f1([RARE in gold[i].narratives for i in ids], decided) > 0.9


def test_tune_thresholds_tunes_labels_of_a_custom_taxonomy() -> None:
    probs, ids, gold = rare_label_data()
    model = decoder()
    chosen = tune_thresholds(model, probs, ids, gold)
    assert set(chosen["global"]["label_thresholds"]) == {COMMON, RARE}
    assert model.label_thresholds[RARE] <= 0.1 and model.language_thresholds == {}
    # held-out data from the same distribution: the rare label is found
    probs2, ids2, gold2 = rare_label_data(seed=1)
    decided = [RARE in model.decode(c, f).annotation(i).narratives for i, c, f in zip(ids2, *probs2)]
    assert binary_f1([RARE in gold2[i].narratives for i in ids2], decided) > 0.8


def test_the_other_head_decides_when_only_it_separates_the_articles() -> None:
    # the label's own probability says nothing (uniform for positives and negatives); the Other head is 0.05 on
    # the label's articles and 0.95 on the rest: the label's threshold must go above every probability (the gate
    # cannot overrule a label at its threshold), and Other then decides, as the gate or as the better head
    rng = np.random.default_rng(0)
    n = 200
    model = decoder()
    ids = [f"d{i}" for i in range(n)]
    positive = rng.random(n) < 0.4
    coarse = np.zeros((n, 3), np.float32)
    coarse[:, 0] = rng.uniform(0.1, 0.9, n)
    coarse[:, 1] = np.where(positive, 0.05, 0.95)
    fine = np.zeros((n, 2), np.float32)
    gold = {i: annotation_of(i, [COMMON] * bool(p), model.taxonomy) for i, p in zip(ids, positive)}
    result = tune_label_thresholds(model, (coarse, fine), ids, gold)
    assert result["label_thresholds"][COMMON] > coarse[:, 0].max() and model.other_gate == result["other_gate"]
    decided = [COMMON in model.decode(c, f).annotation(i).narratives for i, c, f in zip(ids, coarse, fine)]
    assert binary_f1(list(positive), decided) == 1.0
