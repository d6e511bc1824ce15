"""NarrativeClassifier.decode, rule by rule (the module docstring's rules 0-4), with exact labels and scores.

Each case sets the probabilities by hand so that exactly one rule decides, at and around its threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from narrascope.components.narratives.classifier import NarrativeClassifier, Prediction
from narrascope.taxonomy import OTHER, load_default_taxonomy

TAXONOMY = load_default_taxonomy()
B = "URW: Blaming the war on others rather than the invader"
B_UA, B_WEST, B_OTHER = f"{B}: Ukraine is the aggressor", f"{B}: The West are the aggressors", f"{B}: Other"
D = "URW: Discrediting Ukraine"
D_MIL, D_OTHER = f"{D}: Discrediting Ukrainian military", f"{D}: Other"
P = "CC: Criticism of climate policies"
P_INEFF, P_OTHER = f"{P}: Climate policies are ineffective", f"{P}: Other"
COARSE = [OTHER, B, D, P]
FINE = [B_UA, B_WEST, B_OTHER, D_MIL, D_OTHER, P_INEFF, P_OTHER]


def _model(**params: Any) -> NarrativeClassifier:
    model = NarrativeClassifier(taxonomy=TAXONOMY, **{"coarse_threshold": 0.4, "fine_threshold": 0.25,
                                                      "parent_factor": 0.5, "min_top_prob": 0.25, **params})
    model.coarse_labels_, model.fine_labels_ = list(COARSE), list(FINE)
    return model


def _decode(coarse: dict[str, float], fine: dict[str, float] | None = None, language: str | None = None,
            model: NarrativeClassifier | None = None, **params: Any) -> Prediction:
    fine = fine or {}
    c = np.array([coarse.get(label, 0.0) for label in COARSE])
    f = np.array([fine.get(label, 0.0) for label in FINE])
    return (model or _model(**params)).decode(c, f, language)


def _same(prediction: Prediction, narratives: list[tuple[str, float]], subnarratives: list[tuple[str, float]]) -> None:
    assert [label for label, _ in prediction.narratives] == [label for label, _ in narratives]
    assert [label for label, _ in prediction.subnarratives] == [label for label, _ in subnarratives]
    assert [p for _, p in prediction.narratives] == pytest.approx([p for _, p in narratives])
    assert [p for _, p in prediction.subnarratives] == pytest.approx([p for _, p in subnarratives])


def test_rule_2_a_subnarrative_over_its_threshold_with_a_plausible_parent() -> None:
    # B at 0.2 = 0.4 * 0.5 exactly: the parent passes; B_WEST at 0.25 exactly: the subnarrative passes
    _same(_decode({B: 0.2, OTHER: 0.1}, {B_WEST: 0.25, B_UA: 0.1}), [(B, 0.2)], [(B_WEST, 0.25)])


def test_rule_2_just_below_either_threshold_no_subnarrative_from_rule_2() -> None:
    # parent below coarse_threshold * parent_factor: B_WEST is not chosen; nothing passes: rule 4 gives B (0.19 < 0.25
    # min_top_prob: no) -> the bare Other
    _same(_decode({B: 0.19, OTHER: 0.1}, {B_WEST: 0.9}), [(OTHER, 0.1)], [(OTHER, 0.1)])
    # the subnarrative just under fine_threshold, the parent under coarse_threshold: Other again
    _same(_decode({B: 0.3, OTHER: 0.35}, {B_WEST: 0.2499}), [(OTHER, 0.35)], [(OTHER, 0.35)])


def test_parent_factor_scales_the_parents_bar() -> None:
    # the bar is 0.4 * 0.75 = 0.3 (0.30000000000000004 in floating point)
    _same(_decode({B: 0.31, OTHER: 0.5}, {B_WEST: 0.3}, parent_factor=0.75), [(B, 0.31)], [(B_WEST, 0.3)])
    _same(_decode({B: 0.29, OTHER: 0.5}, {B_WEST: 0.3}, parent_factor=0.75), [(OTHER, 0.5)], [(OTHER, 0.5)])


def test_rule_3_a_narrative_alone_gets_its_best_subnarrative_when_close_else_other() -> None:
    # B passes (0.4 = coarse_threshold); its best child B_UA 0.125 = fine_threshold * 0.5: close enough
    _same(_decode({B: 0.4}, {B_UA: 0.125, B_WEST: 0.1}), [(B, 0.4)], [(B_UA, 0.125)])
    # best child just under half the fine threshold: '<B>: Other' with the narrative's probability (no head for it)
    _same(_decode({B: 0.4}, {B_UA: 0.12, B_WEST: 0.1}), [(B, 0.4)], [(B_OTHER, 0.0)])
    _same(_decode({B: 0.4}, {B_UA: 0.12}, model=_without(B_OTHER)), [(B, 0.4)], [(B_OTHER, 0.4)])
    # the best child is '<B>: Other' itself: chosen as Other with its own probability
    _same(_decode({B: 0.45}, {B_OTHER: 0.2, B_UA: 0.15}), [(B, 0.45)], [(B_OTHER, 0.2)])


def _without(label: str) -> NarrativeClassifier:
    model = _model()
    model.fine_labels_ = [f for f in FINE if f != label]
    return model


def test_rule_2_implies_the_parent_even_under_the_coarse_threshold() -> None:
    _same(_decode({B: 0.3, D: 0.45}, {B_WEST: 0.5, D_MIL: 0.3}),
          [(D, 0.45), (B, 0.3)], [(B_WEST, 0.5), (D_MIL, 0.3)])


def test_rule_1_the_domain_with_the_larger_summed_probability_wins() -> None:
    # URW: 0.35 + 0.3 = 0.65 > CC 0.6: the CC label over its threshold is dropped, even though it is the best label
    _same(_decode({B: 0.35, D: 0.3, P: 0.6}, {P_INEFF: 0.9, B_WEST: 0.3}), [(B, 0.35)], [(B_WEST, 0.3)])
    # CC wins when its sum is larger
    _same(_decode({B: 0.3, D: 0.3, P: 0.61}, {P_INEFF: 0.9, B_WEST: 0.3}), [(P, 0.61)], [(P_INEFF, 0.9)])


def test_rule_4_nothing_over_threshold_the_best_narrative_if_it_beats_other_and_min_top_prob() -> None:
    _same(_decode({B: 0.25, OTHER: 0.2}), [(B, 0.25)], [(B_OTHER, 0.0)])            # exactly min_top_prob
    _same(_decode({B: 0.2499, OTHER: 0.2}), [(OTHER, 0.2)], [(OTHER, 0.2)])        # just under it
    _same(_decode({B: 0.3, OTHER: 0.3}), [(OTHER, 0.3)], [(OTHER, 0.3)])           # a tie goes to Other
    _same(_decode({B: 0.3, D: 0.35, OTHER: 0.31}), [(D, 0.35)], [(D_OTHER, 0.0)])  # the best one only
    _same(_decode({}, {}), [(OTHER, 0.0)], [(OTHER, 0.0)])


def test_rule_0_the_other_gate() -> None:
    weak = {B: 0.39, OTHER: 0.3}  # B under the coarse threshold 0.4, but over min_top_prob and P(Other)
    _same(_decode(weak, {B_WEST: 0.2}, other_gate=0.3), [(OTHER, 0.3)], [(OTHER, 0.3)])       # at the gate
    _same(_decode(weak, {B_WEST: 0.2}, other_gate=0.31), [(B, 0.39)], [(B_WEST, 0.2)])        # under it
    _same(_decode(weak, {B_WEST: 0.2}), [(B, 0.39)], [(B_WEST, 0.2)])                         # None: off
    # a label that reaches its threshold is never overruled into the bare Other, however high P(Other)
    strong = {B: 0.4, OTHER: 0.9}
    _same(_decode(strong, {B_WEST: 0.9}, other_gate=0.5), [(B, 0.4)], [(B_WEST, 0.9)])
    # ... a subnarrative at its threshold neither (it brings its narrative, 0.3 >= 0.4 * parent_factor)
    _same(_decode({B: 0.3, OTHER: 0.9}, {B_WEST: 0.25}, other_gate=0.5), [(B, 0.3)], [(B_WEST, 0.25)])
    _same(_decode({B: 0.3, OTHER: 0.9}, {B_WEST: 0.24}, other_gate=0.5), [(OTHER, 0.9)], [(OTHER, 0.9)])
    model = _model(other_gate=0.5)
    model.label_thresholds = {B: 0.45}  # its own threshold is the bar
    _same(_decode(strong, {B_WEST: 0.1}, model=model), [(OTHER, 0.9)], [(OTHER, 0.9)])
    assert _decode(strong, {B_WEST: 0.1}, model=model).fallback and not _decode(strong, {B_WEST: 0.9}).fallback
    no_other = _model(other_gate=0.0)
    no_other.coarse_labels_ = [B, D, P]            # a model without an Other head never gates
    c, f = np.array([0.9, 0.0, 0.0]), np.array([0.0, 0.9, 0, 0, 0, 0, 0])
    _same(no_other.decode(c, f), [(B, 0.9)], [(B_WEST, 0.9)])


def test_only_other_in_the_model_gives_other() -> None:
    model = _model()
    model.coarse_labels_, model.fine_labels_ = [OTHER], []
    _same(model.decode(np.array([0.2]), np.array([])), [(OTHER, 0.2)], [(OTHER, 0.2)])


def test_labels_are_sorted_by_probability_and_per_label_thresholds_replace_the_global_ones() -> None:
    _same(_decode({B: 0.5, D: 0.7}, {B_WEST: 0.3, B_UA: 0.6, D_MIL: 0.26}),
          [(D, 0.7), (B, 0.5)], [(B_UA, 0.6), (B_WEST, 0.3), (D_MIL, 0.26)])
    model = _model()
    model.label_thresholds = {D: 0.8, B_WEST: 0.35, D_MIL: 0.1}
    # D under its own 0.8 but D_MIL over its own 0.1 with D over 0.8 * 0.5: D comes back through its subnarrative
    _same(_decode({B: 0.5, D: 0.7}, {B_WEST: 0.3, B_UA: 0.6, D_MIL: 0.11}, model=model),
          [(D, 0.7), (B, 0.5)], [(B_UA, 0.6), (D_MIL, 0.11)])
    model.label_thresholds = {D: 1.5}   # D's bar for its children: 1.5 * 0.5 = 0.75 > 0.7
    _same(_decode({B: 0.5, D: 0.7}, {D_MIL: 0.9}, model=model), [(B, 0.5)], [(B_OTHER, 0.0)])


def test_language_thresholds_then_global_ones() -> None:
    model = _model(language_thresholds={"pt": {"coarse_threshold": 0.6, "fine_threshold": 0.5}})
    assert model.thresholds("pt") == {"coarse_threshold": 0.6, "fine_threshold": 0.5, "min_top_prob": 0.25,
                                      "other_gate": None}
    assert model.thresholds("en") == model.thresholds(None) == model.thresholds("") == {
        "coarse_threshold": 0.4, "fine_threshold": 0.25, "min_top_prob": 0.25, "other_gate": None}
    probs = ({B: 0.45, OTHER: 0.5}, {B_WEST: 0.3})
    _same(_decode(*probs, model=model, language="en"), [(B, 0.45)], [(B_WEST, 0.3)])
    _same(_decode(*probs, model=model, language="pt"), [(OTHER, 0.5)], [(OTHER, 0.5)])


def test_routes_to_dense_only_with_a_dense_head_known_training_languages_and_another_language() -> None:
    model = _model()
    model.languages_ = ["en", "pt"]
    model.dense_W_ = np.zeros((2, 2))
    assert [model.routes_to_dense(lang) for lang in ("de", "en", "pt", None, "")] == [True, False, False, False, False]
    model.languages_ = []                                   # trained on documents without a language
    assert model.routes_to_dense("de") is False
    model.languages_, model.dense_W_ = ["en"], None         # no dense head
    assert model.routes_to_dense("de") is False


def test_a_dense_routed_language_is_decoded_with_the_transfer_thresholds() -> None:
    model = _model(transfer_thresholds={"coarse_threshold": 0.6, "min_top_prob": 0.9},
                   language_thresholds={"de": {"coarse_threshold": 0.1}})
    model.languages_, model.dense_W_ = ["en"], np.zeros((2, 2))
    assert model.thresholds("de") == {"coarse_threshold": 0.6, "fine_threshold": 0.25, "min_top_prob": 0.9,
                                      "other_gate": None}   # transfer first, the global ones for missing keys
    probs = ({B: 0.5, OTHER: 0.1}, {B_WEST: 0.2})
    _same(_decode(*probs, model=model, language="en"), [(B, 0.5)], [(B_WEST, 0.2)])   # rule 3: 0.2 >= 0.25 * 0.5
    _same(_decode(*probs, model=model, language="de"), [(OTHER, 0.1)], [(OTHER, 0.1)])   # 0.5 < 0.6 and < 0.9
