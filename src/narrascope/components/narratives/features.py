"""Sparse text features of the narrative classifier: word 1–2-gram and ``char_wb`` 2–5-gram counts, sublinear TF-IDF.

``count_terms`` builds the open vocabulary of a training corpus with scikit-learn's ``CountVectorizer``. At analysis
time ``TermCounter`` counts the same n-grams over a fitted vocabulary without scikit-learn (whose import alone costs
seconds): it tokenises a document once, caches the character n-grams of each distinct word, and yields the counts of
the whole document *and* of chosen spans (sentences, for evidence) from that one pass. Its counts equal
``CountVectorizer(vocabulary=...)``'s (tested).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

BLOCKS: dict[str, dict[str, object]] = {
    "word": {"ngram_range": (1, 2)},
    "char": {"analyzer": "char_wb", "ngram_range": (2, 5)},
}
MIN_DF = {"word": 2, "char": 3}
CHAR_NGRAMS = (2, 5)

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
_WORD = re.compile(r"\S+")  # str.split(), with offsets


@dataclass
class TermCounts:
    """Raw term counts of some texts, one sparse matrix and vocabulary per feature block ("word", "char")."""

    matrices: dict[str, sparse.csr_matrix]
    terms: dict[str, list[str]]

    @property
    def n(self) -> int:
        return next(iter(self.matrices.values())).shape[0]

    def rows(self, index: Sequence[int] | np.ndarray) -> TermCounts:
        return TermCounts({b: m[np.asarray(index)] for b, m in self.matrices.items()}, self.terms)

    def project(self, terms: dict[str, list[str]]) -> TermCounts:
        """The same counts restricted to (and ordered as) ``terms``; every term must be in this vocabulary."""
        matrices = {}
        for block, wanted in terms.items():
            if wanted is self.terms.get(block):
                matrices[block] = self.matrices[block]
                continue
            position = {t: j for j, t in enumerate(self.terms[block])}
            matrices[block] = self.matrices[block][:, [position[t] for t in wanted]].tocsr()
        return TermCounts(matrices, terms)


def count_terms(texts: Sequence[str], blocks: Sequence[str] = ("word", "char")) -> TermCounts:
    """Count every n-gram of each block that occurs in at least ``MIN_DF`` of ``texts`` (the open vocabulary that
    ``NarrativeClassifier.fit_counts`` selects from)."""
    from sklearn.feature_extraction.text import CountVectorizer

    matrices, terms = {}, {}
    for block in blocks:
        vectorizer = CountVectorizer(**BLOCKS[block], dtype=np.float32, min_df=min(MIN_DF[block], max(1, len(texts))))
        matrices[block] = vectorizer.fit_transform(texts).tocsr()
        terms[block] = list(vectorizer.get_feature_names_out())
    return TermCounts(matrices, terms)


def char_wb_ngrams(word: str, low: int = CHAR_NGRAMS[0], high: int = CHAR_NGRAMS[1]) -> list[str]:
    """The ``char_wb`` n-grams of one (lower-cased) word, in scikit-learn's order and multiplicity."""
    w = f" {word} "
    size = len(w)
    grams: list[str] = []
    for n in range(low, high + 1):
        if size <= n:  # a word shorter than n is counted once, whole
            grams.append(w)
            break
        grams.extend([w[i : i + n] for i in range(size - n + 1)])
    return grams


class TermCounter:
    """Counts over a fixed vocabulary per block, for whole documents and for spans of them, in one pass."""

    cache_limit = 400_000

    def __init__(self, terms: dict[str, list[str]]) -> None:
        self.terms = terms
        self.index = {block: {t: j for j, t in enumerate(words)} for block, words in terms.items()}
        self._chars: dict[str, np.ndarray] = {}
        self._empty = np.zeros(0, dtype=np.int32)

    def _char_ids(self, word: str) -> np.ndarray:
        ids = self._chars.get(word)
        if ids is None:
            if len(self._chars) >= self.cache_limit:
                self._chars.clear()
            index = self.index["char"]
            ids = np.array([j for j in map(index.get, char_wb_ngrams(word)) if j is not None], dtype=np.int32)
            self._chars[word] = ids
        return ids

    def count(self, texts: Sequence[str],
              spans: Sequence[Sequence[tuple[int, int]]] | None = None) -> tuple[TermCounts, TermCounts | None]:
        """Counts of each text, and (if ``spans`` is given: a list of ``(start, end)`` per text) of each span, rows in
        text order then span order. Tokens are assigned to the span that contains their first character; n-grams
        that cross a span boundary count for the text only."""
        doc_parts: dict[str, tuple[list, list]] = {b: ([], []) for b in self.terms}
        span_parts: dict[str, tuple[list, list]] = {b: ([], []) for b in self.terms}
        n_spans = 0
        for i, text in enumerate(texts):
            own = spans[i] if spans is not None else ()
            starts = np.array([s for s, _ in own], dtype=np.int64)
            ends = np.array([e for _, e in own], dtype=np.int64)
            lowered = text.lower()
            # offsets in ``lowered`` → offsets in ``text`` (they differ only where lower-casing changes a length: "İ")
            origin = None if len(lowered) == len(text) else np.repeat(np.arange(len(text)), [len(c.lower()) for c in text])
            for block in self.terms:
                ids, first, last = self._word_ids(lowered) if block == "word" else self._char_ids_of(lowered)
                if origin is not None and len(ids):
                    first, last = origin[first], origin[last]
                doc_parts[block][0].append(ids)
                doc_parts[block][1].append(np.full(len(ids), i, dtype=np.int64))
                if len(own) and len(ids):
                    which = np.searchsorted(starts, first, side="right") - 1
                    inside = (which >= 0) & (last < ends[np.maximum(which, 0)])  # n-gram wholly inside the span
                    span_parts[block][0].append(ids[inside])
                    span_parts[block][1].append(which[inside] + n_spans)
            n_spans += len(own)
        docs = TermCounts({b: _csr(*doc_parts[b], len(texts), len(self.terms[b])) for b in self.terms}, self.terms)
        if spans is None:
            return docs, None
        return docs, TermCounts({b: _csr(*span_parts[b], n_spans, len(self.terms[b])) for b in self.terms}, self.terms)

    def _word_ids(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vocabulary ids of the unigrams and bigrams, with the start of their first token and of their last."""
        index = self.index["word"]
        matches = list(_TOKEN.finditer(text))
        tokens = [m.group() for m in matches]
        starts = [m.start() for m in matches]
        ids, first, last = [], [], []
        for j, token in enumerate(tokens):
            k = index.get(token)
            if k is not None:
                ids.append(k)
                first.append(starts[j])
                last.append(starts[j])
        for j in range(len(tokens) - 1):
            k = index.get(f"{tokens[j]} {tokens[j + 1]}")
            if k is not None:
                ids.append(k)
                first.append(starts[j])
                last.append(starts[j + 1])
        first_ = np.array(first, dtype=np.int64)
        return np.array(ids, dtype=np.int32), first_, np.array(last, dtype=np.int64)

    def _char_ids_of(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vocabulary ids of the character n-grams of every word, with the word's start (twice, as ``_word_ids``)."""
        matches = list(_WORD.finditer(text))
        if not matches:
            return self._empty, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        cache = self._chars
        words = [m.group() for m in matches]
        arrays = [cache[w] if w in cache else self._char_ids(w) for w in words]
        lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
        position = np.repeat(np.fromiter((m.start() for m in matches), dtype=np.int64, count=len(matches)), lengths)
        return np.concatenate(arrays), position, position


def _csr(ids: list[np.ndarray], rows: list[np.ndarray], n_rows: int, n_cols: int) -> sparse.csr_matrix:
    if ids:
        cols, rows_ = np.concatenate(ids), np.concatenate(rows)
    else:
        cols, rows_ = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    matrix = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows_, cols)), shape=(n_rows, n_cols))
    matrix.sum_duplicates()
    return matrix


def sublinear_tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """``(1 + log tf) · idf``, rows L2-normalised (scikit-learn's ``TfidfTransformer(sublinear_tf=True)``)."""
    X = counts.astype(np.float32, copy=True)
    X.data = (1.0 + np.log(X.data)) * idf[X.indices]
    norms = np.sqrt(np.bincount(np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)), weights=X.data.astype(np.float64) ** 2,
                                minlength=X.shape[0]))
    norms[norms == 0] = 1.0
    X.data /= np.repeat(norms, np.diff(X.indptr)).astype(np.float32)
    return X
