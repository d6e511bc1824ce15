"""Per-language settings of the extractive explainer, chosen by cross-validation against gold explanations.

Every setting of ``GRID`` explains every document once and is scored once (the e5 similarity caches its embeddings
on disk, so a second run is cheap); cross-validation then only averages: for each fold, the setting with the best
mean similarity on the other folds is chosen per language and its explanations of the held-out documents are kept.
The settings chosen on all documents are what ships (``models/explainer/settings.json``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narrascope.components.estimator import write_model_file
from narrascope.documents import Document

GRID: list[dict[str, Any]] = [
    {"n_sentences": n, "use_template": t, "w_position": p} for n, t, p in itertools.product((2, 3), (True, False), (0.5, 2.0))
]
"""Sentences quoted, template on/off, weight of the lead prior; the other weights keep their defaults."""

Similarity = Callable[[Sequence[str], Sequence[str]], Sequence[float]]


@dataclass
class TuningResult:
    """Held-out explanations (each document explained with the settings chosen without its fold) and the settings
    chosen on all documents, per language."""

    held_out: dict[str, str]
    settings: dict[str, dict[str, Any]]
    fold_choices: list[dict[str, dict[str, Any]]] = field(default_factory=list)

    def save(self, path: str | Path, similarity: str, folds: int) -> None:
        """Write the settings in the format ``ExtractiveExplainer(per_language=path)`` reads."""
        data = {"similarity": similarity, "folds": folds, "grid": GRID, "languages": self.settings}
        write_model_file(path, json.dumps(data, indent=2) + "\n")  # atomically: the old settings or the new


def score_grid(
    documents: Mapping[str, Document], gold: Mapping[str, Any], similarity: Similarity, embedder: Any = None,
    progress: Callable[[str], None] | None = None, taxonomy: Any = None,
) -> tuple[list[dict[str, float]], list[dict[str, str]]]:
    """Per grid setting: ``{document id: similarity}`` and ``{document id: explanation}`` (labels described by
    ``taxonomy``)."""
    from narrascope.components.explain.explainers import ExtractiveExplainer

    ids = sorted(gold)
    scores: list[dict[str, float]] = []
    texts: list[dict[str, str]] = []
    for config in GRID:
        explainer = ExtractiveExplainer(embedder=embedder, taxonomy=taxonomy, per_language=None, **config)
        predictions = [explainer.explain(documents[i], gold[i].narrative, gold[i].subnarrative).text for i in ids]
        values = similarity(predictions, [gold[i].explanation for i in ids])
        scores.append(dict(zip(ids, (float(v) for v in values))))
        texts.append(dict(zip(ids, predictions)))
        if progress:
            progress(f"scored {config}: mean {sum(scores[-1].values()) / max(len(ids), 1):.4f}")
    return scores, texts


def choose(scores: list[dict[str, float]], ids: Sequence[str], languages: Mapping[str, str]) -> dict[str, int]:
    """Per language, the grid index with the best mean similarity over ``ids`` (ties: the earlier setting)."""
    best: dict[str, int] = {}
    for lang in sorted({languages[i] for i in ids}):
        mine = [i for i in ids if languages[i] == lang]
        best[lang] = max(range(len(scores)), key=lambda k: (sum(scores[k][i] for i in mine) / len(mine), -k))
    return best


def tune_explainer(
    documents: Mapping[str, Document], gold: Mapping[str, Any], similarity: Similarity, folds: int = 5,
    embedder: Any = None, progress: Callable[[str], None] | None = None, taxonomy: Any = None,
) -> TuningResult:
    """Cross-validated per-language settings; folds are every ``folds``-th document id (sorted)."""
    scores, texts = score_grid(documents, gold, similarity, embedder, progress, taxonomy)
    ids = sorted(gold)
    languages = {i: documents[i].language or "unknown" for i in ids}
    held_out: dict[str, str] = {}
    fold_choices = []
    for k in range(folds):
        held = set(ids[k::folds])
        chosen = choose(scores, [i for i in ids if i not in held], languages)
        fold_choices.append({lang: GRID[g] for lang, g in chosen.items()})
        held_out.update({i: texts[chosen.get(languages[i], 0)][i] for i in held})
    final = choose(scores, ids, languages)
    return TuningResult(held_out, {lang: GRID[g] for lang, g in final.items()}, fold_choices)
