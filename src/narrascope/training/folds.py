"""Folds by document, the one split every cross-validation here uses: all examples of a document (its mentions,
its entities) share a fold, so no model is scored on a document it saw."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def document_folds(doc_ids: Sequence[str], n_folds: int = 5, seed: int = 0, languages: Sequence[str] | None = None) -> list[int]:
    """A fold number per example (``doc_ids`` may repeat: examples of one document share its fold), deterministic
    for a seed. With ``languages`` (one per example) the documents of each language are spread evenly over the folds."""
    if languages is None:
        unique = sorted(set(doc_ids))
        rng = np.random.default_rng(seed)
        rng.shuffle(unique)
        fold_of = {doc_id: i % n_folds for i, doc_id in enumerate(unique)}
        return [fold_of[d] for d in doc_ids]
    language_of = dict(zip(doc_ids, languages))
    rng = np.random.default_rng(seed)
    fold_of = {}
    for lang in sorted(set(language_of.values())):
        docs = np.array(sorted(d for d, l in language_of.items() if l == lang))
        rng.shuffle(docs)
        fold_of.update({str(d): i % n_folds for i, d in enumerate(docs)})
    return [fold_of[d] for d in doc_ids]
