"""Tf-idf over a fixed vocabulary: the transform of a fitted scikit-learn ``TfidfVectorizer``, without scikit-learn.

The entity framer fits its two vectorizers with scikit-learn while training, and saves their vocabularies and idf
weights. Analysing only transforms, and importing scikit-learn for that cost about 1.2 s of every cold start. This
module repeats the transform for the settings the framer uses (word uni/bigrams with the default token pattern, or
``char_wb`` n-grams; lowercase; optional sublinear tf; idf; l2 rows); a test checks it against scikit-learn.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
_SPACES = re.compile(r"\s\s+")


class FixedTfidf:
    """``transform(texts)`` as a fitted ``TfidfVectorizer(analyzer, ngram_range, sublinear_tf, lowercase=True,
    norm="l2")`` with ``vocabulary_`` and ``idf_`` would give it (float64 CSR, one row per text)."""

    def __init__(self, vocabulary: Mapping[str, int], idf: np.ndarray, analyzer: str = "word",
                 ngram_range: tuple[int, int] = (1, 1), sublinear_tf: bool = False) -> None:
        if analyzer not in ("word", "char_wb"):
            raise ValueError(f"analyzer {analyzer!r}: only 'word' and 'char_wb' are supported")
        self.vocabulary_ = dict(vocabulary)
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self.analyzer, self.ngram_range, self.sublinear_tf = analyzer, tuple(ngram_range), sublinear_tf

    @classmethod
    def from_params(cls, params: Mapping[str, Any], vocabulary: Mapping[str, int], idf: np.ndarray) -> FixedTfidf:
        """From the keyword arguments a ``TfidfVectorizer`` was made with (fit-only ones such as ``min_df`` are
        ignored)."""
        return cls(vocabulary, idf, analyzer=params.get("analyzer", "word"),
                   ngram_range=tuple(params.get("ngram_range", (1, 1))),
                   sublinear_tf=bool(params.get("sublinear_tf", False)))

    def _terms(self, text: str) -> Iterable[str]:
        low, high = self.ngram_range
        text = text.lower()
        if self.analyzer == "char_wb":
            return _char_wb(_SPACES.sub(" ", text), low, high)
        return _word_ngrams(_TOKEN.findall(text), low, high)

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """The l2-normalised tf-idf rows of ``texts`` (terms outside the vocabulary are dropped)."""
        indptr, indices, values = [0], [], []
        vocabulary = self.vocabulary_
        for text in texts:
            counts = Counter(vocabulary[t] for t in self._terms(text) if t in vocabulary)
            columns = sorted(counts)
            tf = np.array([counts[c] for c in columns], dtype=np.float64)
            if self.sublinear_tf:
                tf = np.log(tf) + 1.0
            row = tf * self.idf_[columns]
            norm = np.sqrt(row @ row)
            if norm > 0:
                row /= norm
            indices += columns
            values.append(row)
            indptr.append(len(indices))
        data = np.concatenate(values) if values else np.zeros(0)
        return csr_matrix((data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
                          shape=(len(texts), len(self.idf_)))


def _word_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    out = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        out += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return out


def _char_wb(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer: n-grams inside each space-padded word; a word shorter than ``n`` gives
    itself once and no longer n-grams."""
    out = []
    for word in text.split():
        word = f" {word} "
        for n in range(low, high + 1):
            out += [word[i:i + n] for i in range(max(1, len(word) - n + 1))]
            if len(word) <= n:
                break
    return out
