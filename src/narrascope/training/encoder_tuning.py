"""Fine-tune the top layers of multilingual-e5-small on narrative labels (PyTorch: the ``train`` extra).

The bottom layers stay frozen, so their output for every chunk of every training article is computed once in numpy
(``cache_states``, resumable: one file per block of articles under the cache folder) and training runs only the top
``trained_layers`` layers, the attention pooling and the label layer in torch (``fit_encoder_head``: AdamW, binary
cross-entropy over coarse and fine labels, a checkpoint after every epoch, resumed when present). The result is an
``EncoderHead`` whose inference is numpy (``narrascope.components.narratives.encoder_head``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.components.narratives.encoder_head import EncoderHead
from narrascope.embeddings.e5_encoder import E5Encoder, chunk_text
from narrascope.errors import ConfigError

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ConfigError("fine-tuning the encoder needs PyTorch: pip install 'narrascope[train]' "
                          "(or pip install torch==2.13.0 for the CPU build)") from exc
    return torch


def cache_states(encoder: E5Encoder, texts: Sequence[str], first_trained_layer: int, cache_dir: Path | str,
                 max_tokens: int = 126, max_chunks: int = 8, block: int = 64,
                 progress: Progress | None = None) -> list[list[np.ndarray]]:
    """Frozen-layer output (input of layer ``first_trained_layer``) of every chunk of every text, float16
    ``(tokens, 384)`` per chunk; blocks already in ``cache_dir`` are read, not recomputed."""
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    frozen = _frozen_forward(encoder, first_trained_layer)
    out: list[list[np.ndarray]] = []
    started = time.time()
    for b in range(0, len(texts), block):
        file = cache / f"states-L{first_trained_layer}-T{max_tokens}-C{max_chunks}-{b:06d}-{len(texts)}.npz"
        digest = np.frombuffer(hashlib.sha1("\0".join(texts[b : b + block]).encode("utf-8")).digest(), np.uint8)
        packed = np.load(file) if file.exists() else None
        if packed is not None and ("digest" not in packed or np.array_equal(packed["digest"], digest)):
            lengths, counts, flat = packed["lengths"], packed["counts"], packed["states"]
        else:  # not cached yet, or cached for other texts
            chunk_lists = [chunk_text(t, encoder.tokenizer, max_tokens, max_chunks) for t in texts[b : b + block]]
            chunks = [c for cl in chunk_lists for c in cl]
            counts = np.array([len(cl) for cl in chunk_lists])
            lengths = np.array([len(c.ids) for c in chunks])
            pieces: list[np.ndarray] = [np.zeros((0, 384), np.float16)] * len(chunks)
            order = sorted(range(len(chunks)), key=lambda i: lengths[i])
            for g in range(0, len(order), 32):
                group = order[g : g + 32]
                ids, mask = encoder.batch([chunks[i].ids for i in group])
                states = frozen(ids, mask)
                for row, i in enumerate(group):
                    pieces[i] = states[row, : lengths[i]].astype(np.float16)
            flat = np.concatenate(pieces) if pieces else np.zeros((0, 384), np.float16)
            tmp = file.with_suffix(".tmp.npz")
            np.savez(tmp, lengths=lengths, counts=counts, states=flat, digest=digest)
            tmp.rename(file)
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        k = 0
        for n in counts:
            out.append([flat[bounds[k + j] : bounds[k + j + 1]] for j in range(int(n))])
            k += int(n)
        if progress is not None:
            done = min(b + block, len(texts))
            rate = (time.time() - started) / max(done, 1)
            progress(f"frozen layers: {done}/{len(texts)} articles, ~{rate * (len(texts) - done):.0f} s left")
    return out


def _frozen_forward(encoder: E5Encoder, stop: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """States after the frozen layers ``[0, stop)``: torch's kernels when torch is installed (several times faster
    than numpy's batched matmuls on a CPU), else numpy; both match to ~1e-6."""
    try:
        torch = _torch()
    except ConfigError:
        return lambda ids, mask: encoder.token_states(ids, mask, stop=stop)
    layers = _module(encoder, 0, 1).layers[:stop]

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            x, m = torch.from_numpy(encoder.embed_tokens(ids)), torch.from_numpy(mask)
            for layer in layers:
                x = layer(x, m)
            return np.asarray(x.numpy())

    return run


def _module(encoder: E5Encoder, first: int, n_labels: int) -> Any:
    torch = _torch()
    nn = torch.nn
    hidden, heads, eps = encoder.hidden, encoder.n_heads, encoder.eps

    class Layer(nn.Module):  # type: ignore[name-defined]
        def __init__(self, index: int) -> None:
            super().__init__()
            t = encoder.tensors
            self.lin = nn.ModuleDict()
            for key in ("q", "k", "v", "ao", "fi", "fo"):
                w = torch.from_numpy(np.array(t[f"l{index}.{key}.w"]))
                lin = nn.Linear(w.shape[1], w.shape[0])
                lin.weight.data.copy_(w)
                lin.bias.data.copy_(torch.from_numpy(np.array(t[f"l{index}.{key}.b"])))
                self.lin[key] = lin
            self.norms = nn.ModuleDict()
            for key in ("aln", "oln"):
                norm = nn.LayerNorm(hidden, eps=eps)
                norm.weight.data.copy_(torch.from_numpy(np.array(t[f"l{index}.{key}.w"])))
                norm.bias.data.copy_(torch.from_numpy(np.array(t[f"l{index}.{key}.b"])))
                self.norms[key] = norm

        def forward(self, x: Any, mask: Any) -> Any:
            b, length, _ = x.shape
            hd = hidden // heads

            def split(y: Any) -> Any:
                return y.view(b, length, heads, hd).transpose(1, 2)

            q, k, v = (split(self.lin[key](x)) for key in "qkv")
            att = q @ k.transpose(-1, -2) / math.sqrt(hd) + (mask[:, None, None, :] - 1.0) * 1e9
            ctx = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, length, hidden)
            x = self.norms["aln"](x + self.lin["ao"](ctx))
            return self.norms["oln"](x + self.lin["fo"](torch.nn.functional.gelu(self.lin["fi"](x))))

    class Top(nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.first = first
            self.layers = nn.ModuleList([Layer(i) for i in range(first, encoder.n_layers)])
            self.attention = nn.Linear(hidden, 1)
            nn.init.zeros_(self.attention.weight)
            nn.init.zeros_(self.attention.bias)
            self.head = nn.Linear(hidden, n_labels)

        def chunk_vectors(self, x: Any, mask: Any) -> Any:
            for layer in self.layers:
                x = layer(x, mask)
            return (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)

        def forward(self, x: Any, mask: Any, counts: Sequence[int]) -> tuple[Any, Any]:
            vectors = self.chunk_vectors(x, mask)
            docs = []
            for part in torch.split(vectors, list(counts)):
                weights = self.attention(part).squeeze(-1).softmax(0)
                docs.append((weights[:, None] * part).sum(0))
            doc = torch.stack(docs)
            return self.head(doc), self.head(vectors)

        def export(self) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, float], np.ndarray, np.ndarray]:
            top: dict[str, np.ndarray] = {}
            for offset, layer in enumerate(self.layers):
                index = self.first + offset
                for key, lin in layer.lin.items():
                    top[f"l{index}.{key}.w"] = lin.weight.detach().numpy().astype(np.float32)
                    top[f"l{index}.{key}.b"] = lin.bias.detach().numpy().astype(np.float32)
                for key, norm in layer.norms.items():
                    top[f"l{index}.{key}.w"] = norm.weight.detach().numpy().astype(np.float32)
                    top[f"l{index}.{key}.b"] = norm.bias.detach().numpy().astype(np.float32)
            attention = (self.attention.weight.detach().numpy()[0].astype(np.float32),
                         float(self.attention.bias.detach().numpy()[0]))
            return (top, attention, self.head.weight.detach().numpy().astype(np.float32),
                    self.head.bias.detach().numpy().astype(np.float32))

    return Top()


def _batch(torch: Any, docs: Sequence[list[np.ndarray]]) -> tuple[Any, Any, list[int]]:
    chunks = [c for d in docs for c in d]
    width = max(len(c) for c in chunks)
    x = np.zeros((len(chunks), width, 384), np.float32)
    mask = np.zeros((len(chunks), width), np.float32)
    for i, c in enumerate(chunks):
        x[i, : len(c)] = c
        mask[i, : len(c)] = 1.0
    return torch.from_numpy(x), torch.from_numpy(mask), [len(d) for d in docs]


def fit_encoder_head(encoder: E5Encoder, states: Sequence[list[np.ndarray]], Y: np.ndarray, labels: Sequence[str],
                     first_trained_layer: int, max_chunks: int = 8, max_tokens: int = 126,
                     **train_args: Any) -> EncoderHead:
    """Train the top layers + pooling + label layer on cached frozen states (``train_top`` arguments) and export
    them as a numpy ``EncoderHead``."""
    model = train_top(encoder, states, Y, labels, first_trained_layer, **train_args)
    top, attention, weights, bias = model.export()
    return EncoderHead(labels, first_trained_layer, top, attention, weights, bias, max_tokens=max_tokens,
                       max_chunks=max_chunks)


def train_top(encoder: E5Encoder, states: Sequence[list[np.ndarray]], Y: np.ndarray, labels: Sequence[str],
              first_trained_layer: int, epochs: int = 3, batch_docs: int = 8, lr: float = 4e-5,
              head_lr: float = 2e-3, seed: int = 0, checkpoint: Path | str | None = None,
              train_chunks: int = 8, progress: Progress | None = None, threads: int | None = None) -> Any:
    """The torch module of the top layers + pooling + label layer trained on cached frozen states; resumable from
    ``checkpoint`` (written after every epoch)."""
    torch = _torch()
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = _module(encoder, first_trained_layer, len(labels))
    prior = np.clip(Y.mean(axis=0), 1e-3, 1 - 1e-3)
    model.head.bias.data.copy_(torch.from_numpy(np.log(prior / (1 - prior)).astype(np.float32)))
    params = [{"params": model.layers.parameters(), "lr": lr},
              {"params": list(model.attention.parameters()) + list(model.head.parameters()), "lr": head_lr}]
    optimiser = torch.optim.AdamW(params, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(states) / batch_docs)
    total = max(1, epochs * steps_per_epoch)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / max(1, total // 10)) * max(0.0, 1 - step / total))
    start_epoch = 0
    ckpt = Path(checkpoint) if checkpoint else None
    if ckpt is not None and ckpt.exists():
        saved = torch.load(ckpt, weights_only=False)
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        scheduler.load_state_dict(saved["scheduler"])
        start_epoch = int(saved["epoch"])
        rng = np.random.default_rng(seed + start_epoch)
        if progress is not None:
            progress(f"resumed from {ckpt} after epoch {start_epoch}")
    loss_fn = torch.nn.BCEWithLogitsLoss()
    Yt = torch.from_numpy(Y.astype(np.float32))
    started = time.time()
    for epoch in range(start_epoch, epochs):
        model.train()
        order = rng.permutation(len(states))
        running = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * batch_docs : (step + 1) * batch_docs]
            docs = []
            for i in idx:
                chunks = states[i]
                if len(chunks) > train_chunks:  # a random window of the article's chunks
                    s = int(rng.integers(0, len(chunks) - train_chunks + 1))
                    chunks = chunks[s : s + train_chunks]
                docs.append([c.astype(np.float32) for c in chunks])
            x, mask, counts = _batch(torch, docs)
            logits, _ = model(x, mask, counts)
            loss = loss_fn(logits, Yt[idx])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            running += float(loss.detach())
            if progress is not None and (step + 1) % 25 == 0:
                done = (epoch - start_epoch) * steps_per_epoch + step + 1
                left = (time.time() - started) / done * ((epochs - start_epoch) * steps_per_epoch - done)
                progress(f"epoch {epoch + 1}/{epochs} step {step + 1}/{steps_per_epoch} loss {running / (step + 1):.4f}"
                         f" ~{left:.0f} s left")
        if ckpt is not None:
            tmp = ckpt.with_suffix(".tmp")
            torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(),
                        "scheduler": scheduler.state_dict(), "epoch": epoch + 1}, tmp)
            tmp.rename(ckpt)
    model.eval()
    return model


def predict_top(model: Any, states: Sequence[list[np.ndarray]], batch_docs: int = 16) -> np.ndarray:
    """Document probabilities of a ``train_top`` module from cached frozen states."""
    torch = _torch()
    out = []
    with torch.no_grad():
        for b in range(0, len(states), batch_docs):
            docs = [[c.astype(np.float32) for c in d] for d in states[b : b + batch_docs]]
            x, mask, counts = _batch(torch, docs)
            logits, _ = model(x, mask, counts)
            out.append(torch.sigmoid(logits).numpy())
    return np.vstack(out).astype(np.float32) if out else np.zeros((0, 0), np.float32)


def predict_cached(head: EncoderHead, encoder: E5Encoder, states: Sequence[list[np.ndarray]],
                   first_trained_layer: int) -> np.ndarray:
    """Document probabilities from cached frozen states (numpy top layers): out-of-fold scoring without re-running
    the frozen layers."""
    from narrascope.components.narratives.encoder_head import sigmoid

    base = head.encoder
    out = np.zeros((len(states), len(head.labels)), np.float32)
    for d, chunks in enumerate(states):
        ids_len = [len(c) for c in chunks]
        width = max(ids_len)
        x = np.zeros((len(chunks), width, 384), np.float32)
        mask = np.zeros((len(chunks), width), np.float32)
        for i, c in enumerate(chunks):
            x[i, : len(c)] = c
            mask[i, : len(c)] = 1.0
        top = base.token_states(np.zeros((len(chunks), width), np.int64), mask, start=first_trained_layer, states=x)
        vectors = base.mean_pool(top, mask)
        out[d] = sigmoid(head.pool(vectors) @ head.weights.T + head.bias)
    return out


def out_of_fold_encoder(encoder: E5Encoder, states: Sequence[list[np.ndarray]], Y: np.ndarray, labels: Sequence[str],
                        fold_index: Sequence[np.ndarray], first_trained_layer: int, work_dir: Path | str,
                        progress: Progress | None = None, extra: Sequence[list[np.ndarray]] = (),
                        extra_Y: np.ndarray | None = None, extra_left_out: Sequence[np.ndarray] | None = None,
                        **fit_args: Any) -> np.ndarray:
    """Out-of-fold probabilities ``(n, labels)``: fold k scored by a head fine-tuned on the other folds (plus the
    ``extra`` rows with labels ``extra_Y``, e.g. the supplement: added to every training part, never scored, except
    the rows ``extra_left_out[k]`` for fold k: the supplement's articles in a held-out language). Each fold's result
    is kept in ``work_dir`` (``oof-<k>.npy``), so an interrupted run resumes at the fold it was in."""
    extra_Y = np.zeros((0, Y.shape[1]), Y.dtype) if extra_Y is None else extra_Y
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    P = np.zeros(Y.shape, dtype=np.float32)
    for k, test in enumerate(fold_index):
        done = work / f"oof-{k}.npy"
        if done.exists():
            P[test] = np.load(done)
            continue
        train = np.setdiff1d(np.arange(len(states)), test)
        kept = np.setdiff1d(np.arange(len(extra)), extra_left_out[k] if extra_left_out is not None else [])
        say = (lambda m, k=k: progress(f"fold {k + 1}/{len(fold_index)}: {m}")) if progress else None
        model = train_top(encoder, [states[i] for i in train] + [extra[j] for j in kept],
                          np.vstack([Y[train], extra_Y[kept]]), labels,
                          first_trained_layer, checkpoint=work / f"fold-{k}.pt", progress=say, **fit_args)
        P[test] = predict_top(model, [states[i] for i in test])
        np.save(done, P[test])
    return P


@dataclass
class EncoderSettings:
    """How ``narrascope train --encoder`` fine-tunes the e5 head."""

    work_dir: Path
    epochs: int = 2
    layers: int = 2  # top layers fine-tuned (the others frozen)
    train_chunks: int = 4  # chunks per article in a training step (a random window of the article's first 8)
    supplement: bool = True  # add the hand-written supplement (training/supplement) to every training part
    cv_supplement: bool = True  # False: the supplement joins the final fit only (folds trained without it, reused)
    # the folds use only the supplement's first N articles (None: all), the final fit all of it: the folds of an earlier,
    # smaller supplement are reused (the blend and thresholds are then tuned without the articles added since)
    fold_supplement: int | None = None
    blends: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    max_chunks: int = 8  # chunks of 126 tokens read per article, in training and analysis
    # False: one set of thresholds for every language. Per-language thresholds also learn each language's share of
    # narratives in the training data (with the release alone a Russian article always got its best narrative); with
    # the supplement in training they no longer do for Portuguese, and the bundled examples need English's own
    # (the model card has both measured)
    language_thresholds: bool = True


def run_tag(layers: int, epochs: int, train_chunks: int, supplement: int) -> str:
    """The name shared by the work folders of fine-tunings with these settings and ``supplement`` articles of the
    supplement in every training part (``train --encoder`` and ``benchmarks/encoder.py`` read each other's finished
    folds; the supplement's size is in the name, so folds trained with another supplement are not reused)."""
    return f"L{layers}-E{epochs}-C{train_chunks}" + (f"-sup{supplement}" if supplement else "")


def supplement_for(taxonomy: Any) -> tuple[list[Any], list[Any]]:
    """The hand-written supplement's documents and labels when ``taxonomy`` has every label it uses (SemEval's), else
    none: a user's own taxonomy trains without it."""
    from narrascope.training.supplement import read_supplement, supplement_labels

    if supplement_labels() <= {*taxonomy.coarse_labels, *taxonomy.fine_labels, "Other"}:
        docs, annotations = read_supplement(taxonomy)
        return list(docs), list(annotations)
    return [], []


def train_narratives_with_encoder(corpus: Any, settings: EncoderSettings, folds: int = 5,
                                  make_model: Callable[[], Any] | None = None, seed: int = 0,
                                  progress: Progress | None = None) -> tuple[Any, dict[str, Any], str]:
    """The n-gram narrative model plus a fine-tuned e5 head, blended: K-fold out-of-fold predictions of both (the
    encoder's fine-tuned per fold, resumable under ``settings.work_dir``), the blend weight chosen by mean fine F1 with
    every fold decoded with thresholds tuned on the other folds, the thresholds tuned on all blended out-of-fold
    predictions, the transfer thresholds on the encoder's alone; then both fitted on every document.
    Returns the model, its thresholds and the printed blend table."""
    from narrascope.training import evaluation as ev

    say = progress or (lambda message: None)
    make_model = ev.with_taxonomy(corpus, make_model)
    ids, docs, languages, fold_index = ev._split(corpus, folds, seed)
    sup_docs, sup_annotations = supplement_for(corpus.taxonomy) if settings.supplement else ([], [])
    # the n-gram heads learn from the supplement too (its rows follow the corpus's in the counts): with the e5 head
    # alone seeing it, the n-grams (most of the blend) still read "a Russian article on the war" as a narrative
    counts = ev._count(list(docs) + list(sup_docs), make_model)
    in_folds = len(sup_docs) if settings.cv_supplement else 0  # supplement articles in every fold (its first ones)
    if settings.fold_supplement is not None:
        in_folds = min(in_folds, settings.fold_supplement)
    ngram = ev._out_of_fold(corpus, ids, counts, fold_index, make_model, say, extra=sup_annotations[:in_folds])
    decoder = ev._decoder(corpus, make_model)
    labels = decoder.coarse_labels_ + decoder.fine_labels_
    annotations = [corpus.narratives[i] for i in ids]
    Y = decoder.label_matrix(annotations)
    encoder = E5Encoder()
    first = encoder.n_layers - settings.layers
    work = Path(settings.work_dir)
    states = cache_states(encoder, [d.text for d in docs], first, work / "cache", max_chunks=settings.max_chunks,
                          progress=say)
    extra: list[list[np.ndarray]] = []
    extra_Y = np.zeros((0, len(labels)), np.float32)
    if sup_docs:
        extra = cache_states(encoder, [d.text for d in sup_docs], first, work / "cache-supplement",
                             max_chunks=settings.max_chunks, progress=say)
        extra_Y = decoder.label_matrix(sup_annotations)
    fit_args: dict[str, Any] = {"epochs": settings.epochs, "train_chunks": settings.train_chunks, "progress": say, "seed": seed}
    fold_extra, fold_extra_Y = extra[:in_folds], extra_Y[:in_folds]
    tag = (f"oof-{run_tag(settings.layers, settings.epochs, settings.train_chunks, len(fold_extra))}"
           + (f"-F{folds}-S{seed}" if (folds, seed) != (5, 0) else ""))
    P = out_of_fold_encoder(encoder, states, Y, labels, fold_index, first, work / tag, extra=fold_extra,
                            extra_Y=fold_extra_Y, **fit_args)
    split = len(decoder.coarse_labels_)
    encoded = (P[:, :split], P[:, split:])
    per_language = languages if settings.language_thresholds else None
    lines = ["blend weight of the encoder: F1 fine / coarse, each fold decoded with thresholds tuned on the others"
             + (" (per language)" if per_language else " (shared by all languages)")]
    best: tuple[float, float, float] | None = None
    for w in (0.0, *settings.blends):
        probs = ((1 - w) * ngram[0] + w * encoded[0], (1 - w) * ngram[1] + w * encoded[1])
        fine, coarse = _other_folds_score(ev, corpus, ids, languages, fold_index, probs, decoder, per_language)
        lines.append(f"  w = {w:.2f}: {fine:.3f} / {coarse:.3f}")
        if w > 0 and (best is None or (fine, coarse) > best[1:]):
            best = (w, fine, coarse)
    assert best is not None
    w = best[0]
    blended = ((1 - w) * ngram[0] + w * encoded[0], (1 - w) * ngram[1] + w * encoded[1])
    thresholds = ev.tune_thresholds(decoder, blended, ids, corpus.narratives, per_language)
    final = make_model().fit_counts(counts, annotations + list(sup_annotations))
    final.languages_ = sorted({d.language for d in docs if d.language})
    final.set_params(**thresholds["global"], encoder_blend=w)
    final.language_thresholds = thresholds["languages"]
    if final.dense_alpha is not None:
        ev.fit_transfer_head(final, docs, annotations, make_model)
    final.transfer_thresholds = ev.tune_thresholds(decoder, encoded, ids, corpus.narratives)["global"]
    thresholds["transfer"] = final.transfer_thresholds
    say("fine-tuning the encoder on every document")
    head = fit_encoder_head(encoder, list(states) + extra, np.vstack([Y, extra_Y]), labels, first,
                            max_chunks=settings.max_chunks, checkpoint=work / tag / f"final-{len(extra)}.pt",
                            **fit_args)
    setattr(final, "encoder_", head)
    return final, thresholds, "\n".join(lines)


def _other_folds_score(ev: Any, corpus: Any, ids: list[str], languages: dict[str, str],
                       fold_index: Sequence[np.ndarray], probs: tuple[np.ndarray, np.ndarray],
                       decoder: Any, tune_languages: dict[str, str] | None = None) -> tuple[float, float]:
    """Mean over folds of (fine, coarse) F1, each fold decoded with thresholds tuned on the other folds (per language
    when ``tune_languages`` is given)."""
    scores = []
    for test in fold_index:
        rest = np.setdiff1d(np.arange(len(ids)), test)
        ev.tune_thresholds(decoder, (probs[0][rest], probs[1][rest]), [ids[i] for i in rest], corpus.narratives,
                           tune_languages)
        result = ev._score(decoder, (probs[0][test], probs[1][test]), [ids[i] for i in test], corpus.narratives,
                           languages)
        scores.append((result["ALL"]["fine"], result["ALL"]["coarse"]))
    fine, coarse = np.mean(scores, axis=0)
    return float(fine), float(coarse)
