"""Per-label decision thresholds for small custom taxonomies, tuned for each label's binary F1.

The global thresholds (``evaluation.tune_thresholds``) maximise F1 samples; in a taxonomy of a few narratives, where
most articles carry none of them, that objective is won by answering "none" often, and a rare narrative is then
rarely found (high precision, low recall). For a user's own taxonomy with at most ``MAX_LABELS`` labels,
``tune_label_thresholds`` then sets ``model.label_thresholds``: for each narrative and subnarrative, the value of
``LABEL_GRID`` that maximises that label's binary F1 over the decoded predictions given (out-of-fold predictions:
the caller's responsibility, as for the global thresholds), by coordinate ascent over the labels (two rounds, the
other labels held at their current values), followed by ``min_top_prob`` (the fall-back that names the best narrative
of an article without one) and ``other_gate`` (the bare ``Other`` when its own head is confident) chosen together for
the mean binary F1 over the labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from narrascope.annotations import NarrativeAnnotation
from narrascope.taxonomy import OTHER

MAX_LABELS = 30
# up to 1.01 (never by its threshold alone: only as the best narrative over Other), since the Other gate cannot overrule
# a label that reaches its threshold
LABEL_GRID = (0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
TOP_PROB_GRID = (0.0, 0.15, 0.25, 0.35, 0.5, 1.01)
OTHER_GATES = (None, 0.5, 0.6, 0.7, 0.8, 0.9)


def tunable_labels(model: Any) -> list[str]:
    """The model's narratives and subnarratives that get a threshold of their own (not ``Other``, not
    ``<Narrative>: Other``)."""
    return [l for l in [*model.coarse_labels_, *model.fine_labels_]
            if l != OTHER and not l.endswith(f": {OTHER}")]


def binary_f1(gold: Sequence[bool], predicted: Sequence[bool]) -> float:
    g, p = np.asarray(gold, bool), np.asarray(predicted, bool)
    return float(2 * (g & p).sum() / max(g.sum() + p.sum(), 1))


def tune_label_thresholds(model: Any, probs: tuple[np.ndarray, np.ndarray], ids: Sequence[str],
                          gold: Mapping[str, NarrativeAnnotation], rounds: int = 2) -> dict[str, Any]:
    """Set ``model.label_thresholds`` (and ``min_top_prob``, ``other_gate``) for each label's binary F1 on ``probs`` (module
    docstring); the model's other thresholds are kept. Returns ``{"label_thresholds": {...}, "min_top_prob": value}``."""
    labels = tunable_labels(model)
    fine = {l: model.taxonomy.is_fine(l) for l in labels}
    truth = {l: [l in (gold[i].subnarratives if fine[l] else gold[i].narratives) for i in ids] for l in labels}
    rows = list(zip(probs[0], probs[1]))

    def decisions() -> dict[str, list[bool]]:
        decoded = [model.decode(c, f) for c, f in rows]
        out = {}
        for l in labels:
            column = [{n for n, _ in (p.subnarratives if fine[l] else p.narratives)} for p in decoded]
            out[l] = [l in names for names in column]
        return out

    thresholds = dict(model.label_thresholds)
    model.other_gate = None  # a gate tuned for F1 samples silences rare labels; chosen again below
    for _ in range(rounds):
        for label in labels:
            scores = []
            for value in LABEL_GRID:
                model.label_thresholds = {**thresholds, label: value}
                scores.append(binary_f1(truth[label], decisions()[label]))
            thresholds[label] = LABEL_GRID[int(np.argmax(scores))]
    model.label_thresholds = thresholds
    options = [(gate, top) for gate in OTHER_GATES for top in TOP_PROB_GRID]
    means = []
    for gate, top in options:
        model.other_gate, model.min_top_prob = gate, top
        decided = decisions()
        means.append(np.mean([binary_f1(truth[l], decided[l]) for l in labels]))
    model.other_gate, model.min_top_prob = options[int(np.argmax(means))]
    return {"label_thresholds": thresholds, "min_top_prob": model.min_top_prob, "other_gate": model.other_gate}
