"""The narrative classifier's route for languages it was not trained on, and how far to trust a document's language.

Character and word n-grams do not carry over to a language (or script) the model never saw. For such a document the
``NarrativeClassifier`` scores the labels with a ``DenseHead`` instead: one multi-output ridge regression (α = 3,
intercept) on the static multilingual document vector (``StaticEmbedder``: SIF-weighted mean of token vectors
distilled from multilingual-e5-small, 256 dims, uncentred), trained on the same documents and labels as the n-gram
heads. Its decision thresholds are tuned on leave-one-language-out predictions of the training languages (each
scored by a head trained on the others: see ``narrascope.training.evaluation``), so they are tuned for "a language
the head never saw". Measured in the model card: leave-one-language-out fine F1 0.20 vs 0.16 for the n-gram heads.

``language_support`` of a document:

- ``trained``: its language had training articles (the n-gram heads and their thresholds apply);
- ``transfer``: another language (or none identified) whose word pieces the static vocabulary covers
  (``StaticEmbedder.coverage`` >= ``MIN_COVERAGE``): labels from the dense head, expect far lower accuracy;
- ``unsupported``: a text the static vocabulary barely covers (another script): no labels, a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

TRAINED, TRANSFER, UNSUPPORTED = "trained", "transfer", "unsupported"
LANGUAGE_SUPPORT = (TRAINED, TRANSFER, UNSUPPORTED)
MIN_COVERAGE = 0.45  # training articles ~1.0; German, Spanish, Ukrainian 0.55-0.65; Thai, Georgian, Greek < 0.4
DENSE_EMBEDDER = "static"


def static_embedder() -> Any:
    """The shared static embedder (loaded on first use)."""
    from narrascope.embeddings.embedders import get_embedder

    return get_embedder(DENSE_EMBEDDER)


def document_vectors(texts: Sequence[str]) -> np.ndarray:
    """float32 ``(len(texts), 256)`` static document vectors, the dense head's input."""
    return static_embedder().embed(list(texts)) if len(texts) else np.zeros((0, static_embedder().dim), np.float32)


def coverage(texts: Sequence[str]) -> np.ndarray:
    """``StaticEmbedder.coverage`` of each text."""
    return static_embedder().coverage(list(texts))


def fit_dense(X: np.ndarray, Y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Multi-output ridge with intercept on dense rows: weights ``(labels, dims)`` and biases ``(labels,)``."""
    X = np.asarray(X, dtype=np.float64)
    mean_x, mean_y = X.mean(axis=0), Y.mean(axis=0)
    A = X - mean_x
    W = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ (Y - mean_y)).T
    return W.astype(np.float32), (mean_y - W @ mean_x).astype(np.float32)


def dense_scores(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Scores clipped to [0, 1] (read as probabilities, as the n-gram heads')."""
    return np.clip(np.asarray(X, dtype=np.float32) @ W.T + b, 0.0, 1.0)
