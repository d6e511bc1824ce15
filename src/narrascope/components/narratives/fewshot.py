"""Few-shot and zero-shot narrative detection: prototypes in a multilingual sentence-embedding space.

A label known only by its taxonomy entry (definition, examples: any language) and perhaps a handful of labelled
articles cannot train an n-gram head. ``PrototypeScorer`` scores it instead:

* every text is split into sentences, each embedded (``"static"``: distilled multilingual-e5 token vectors, fast;
  ``"e5"``: the transformer, slower) and centred on the mean sentence vector of the training articles (the space is
  anisotropic: raw cosines of unrelated sentences are high);
* the label's **prototype** is the normalised mean of its description sentences (name, definition, examples; k = 0),
  blended with the mean of its labelled articles' most label-like sentences (the ``article_sentences`` closest to the
  description) with weight ``k / (k + article_prior)``;
* an article's score is the mean cosine of its ``top_sentences`` best sentences to the prototype; those sentences are
  its evidence;
* the decision threshold comes from the training articles: with positives, the score that maximises binary F1 with
  each positive scored by the prototype built without it (leave-one-out: no positive scores itself); with none, the
  mean + ``zero_shot_z`` standard deviations of the other articles' scores. ``predict_proba`` maps the score to
  ``sigmoid((score - threshold) / scale)``, so 0.5 is the decision point.

``NarrativeClassifier`` uses it for labels with fewer than ``fewshot_below`` training articles (``attach_fewshot``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.annotations import NarrativeAnnotation
from narrascope.components.estimator import check_shape, read_arrays, require_arrays
from narrascope.sentences import Sentence, split_sentences
from narrascope.taxonomy import OTHER, Taxonomy

MIN_SENTENCE_CHARS = 20
FEWSHOT_BELOW = 10  # the cut-off `narrascope train --taxonomy` uses: labels with fewer articles are scored few-shot
FEWSHOT_FILE = "fewshot.npz"


def label_description(taxonomy: Taxonomy, label: str) -> list[str]:
    """The texts that describe ``label``: its name and definition, each example sentence, and for a subnarrative
    its narrative's name (context for short definitions)."""
    narrative = taxonomy.narrative(label)
    sub = taxonomy.subnarrative(label) if taxonomy.is_fine(label) else None
    if sub is not None:
        texts = [f"{narrative.name}: {sub.name}. {sub.definition}".strip(), *_sentences(sub.examples)]
    else:
        texts = [f"{narrative.name}. {narrative.definition}".strip(), *_sentences(narrative.example)]
    return [t for t in texts if t.strip()]


def _sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(text or "") if len(s.text) >= 8]


def article_sentences(text: str, max_chars: int = 20000) -> list[Sentence]:
    """The sentences of an article that are scored (at least ``MIN_SENTENCE_CHARS`` characters); a short article
    without any is scored as one sentence."""
    text = text[:max_chars]
    sentences = [s for s in split_sentences(text) if len(s.text) >= MIN_SENTENCE_CHARS]
    if not sentences and text.strip():
        stripped = text.strip()
        start = text.index(stripped)
        sentences = [Sentence(start, start + len(stripped), stripped)]
    return sentences


class SentenceVectors:
    """Sentence embeddings with an in-memory cache (cross-validation embeds the same articles many times)."""

    def __init__(self, embedder: str | Any = "static", max_cached: int = 300_000) -> None:
        self.embedder_name = embedder if isinstance(embedder, str) else getattr(embedder, "name", "custom")
        self._embedder = None if isinstance(embedder, str) else embedder
        self._cache: dict[str, np.ndarray] = {}
        self.max_cached = max_cached

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from narrascope.embeddings.embedders import get_embedder

            self._embedder = get_embedder(self.embedder_name)
        return self._embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` L2-normalised vectors, cached by text."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        fresh: dict[str, np.ndarray] = dict(zip(missing, self.embedder.embed(missing))) if missing else {}
        if len(self._cache) + len(fresh) > self.max_cached:
            self._cache.clear()
        self._cache.update(fresh)
        out = np.zeros((len(texts), int(self.embedder.dim)), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = fresh[t] if t in fresh else self._cache[t]
        return out

    def articles(self, texts: Sequence[str], max_chars: int = 20000) -> tuple[list[list[Sentence]], list[np.ndarray]]:
        """Each article's scored sentences and their vectors ``(n_sentences, dim)``."""
        sentences = [article_sentences(t, max_chars) for t in texts]
        flat = self.embed([s.text for ss in sentences for s in ss])
        bounds = np.cumsum([0] + [len(ss) for ss in sentences])
        return sentences, [flat[bounds[i]:bounds[i + 1]] for i in range(len(texts))]


_shared_vectors: dict[str, SentenceVectors] = {}


def sentence_vectors(embedder: str = "static") -> SentenceVectors:
    """One cached ``SentenceVectors`` per embedder name, shared in the process."""
    if embedder not in _shared_vectors:
        _shared_vectors[embedder] = SentenceVectors(embedder)
    return _shared_vectors[embedder]


def _normalise(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=-1, keepdims=True)
    return np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)


def _top_mean(sims: np.ndarray, top: int) -> np.ndarray:
    """Mean of the ``top`` largest values along the last axis (all of them when fewer); ``sims`` is (labels, n)."""
    if sims.shape[-1] == 0:
        return np.zeros(sims.shape[:-1], dtype=np.float32)
    top = min(top, sims.shape[-1])
    return np.sort(sims, axis=-1)[..., -top:].mean(axis=-1)


def _best_f1_threshold(scores: np.ndarray, positive: np.ndarray) -> float:
    """The score threshold (midpoint between neighbours) with the best binary F1 on ``scores`` (ties: the higher)."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], positive[order].astype(np.float64)
    tp = np.cumsum(y)
    predicted = np.arange(1, len(s) + 1)
    f1 = 2 * tp / (predicted + y.sum())
    # a cut is only possible where the next score differs
    valid = np.r_[s[:-1] > s[1:], True]
    best = int(np.argmax(np.where(valid, f1, -1.0)))
    return float((s[best] + s[best + 1]) / 2) if best + 1 < len(s) else float(s[best] - 1e-6)


@dataclass
class PrototypeScorer:
    """Scores labels by sentence similarity to a prototype of their description and labelled articles (estimator).

    ``fit(texts, annotations, labels, taxonomy)``; ``predict_proba(texts)`` → ``(n, len(labels_))`` in [0, 1];
    ``sentence_proba(texts)`` → per article, the sentences and their ``(n_sentences, len(labels_))`` probabilities.
    """

    embedder: str = "static"
    top_sentences: int = 2
    article_sentences: int = 3
    article_prior: float = 30.0
    contrast: float = 1.0
    zero_shot_z: float = 1.5
    scale: float = 0.02
    max_chars: int = 20000
    vectors: SentenceVectors | None = field(default=None, repr=False)

    def _vectors(self) -> SentenceVectors:
        if self.vectors is None:
            self.vectors = sentence_vectors(self.embedder)
        return self.vectors

    def fit(self, texts: Sequence[str], annotations: Sequence[NarrativeAnnotation], labels: Sequence[str],
            taxonomy: Taxonomy) -> PrototypeScorer:
        """Prototypes and thresholds of ``labels`` (coarse or fine labels of ``taxonomy``) from the training
        articles ``texts`` with their ``annotations``; a label's positives are the articles annotated with it."""
        _, article_vectors = self._vectors().articles(texts, self.max_chars)
        return self.fit_vectors(article_vectors, annotations, labels, taxonomy)

    def fit_vectors(self, article_vectors: Sequence[np.ndarray], annotations: Sequence[NarrativeAnnotation],
                    labels: Sequence[str], taxonomy: Taxonomy) -> PrototypeScorer:
        """``fit`` on pre-computed sentence vectors of the training articles."""
        self.labels_ = list(labels)
        stacked = [v for v in article_vectors if len(v)]
        dim = int(stacked[0].shape[1]) if stacked else int(self._vectors().embedder.dim)
        self.center_ = (np.concatenate(stacked).mean(axis=0) if stacked else np.zeros(dim)).astype(np.float32)
        centred = [_normalise(v - self.center_) for v in article_vectors]
        descriptions = [_normalise(self._vectors().embed(label_description(taxonomy, l)) - self.center_).mean(axis=0)
                        for l in self.labels_]
        definition = _normalise(np.array(descriptions, dtype=np.float32)).reshape(len(self.labels_), dim)
        reference = self._reference(taxonomy, dim)
        prototypes = np.zeros_like(definition)
        thresholds = np.zeros(len(self.labels_), dtype=np.float32)
        counts = np.zeros(len(self.labels_), dtype=np.int32)
        for j, label in enumerate(self.labels_):
            positive = np.array([label in a.narratives or label in a.subnarratives for a in annotations])
            k = int(positive.sum())
            counts[j] = k
            parts = [self._label_part(centred[i], definition[j]) for i in np.flatnonzero(positive)]
            total = np.sum(parts, axis=0) if parts else np.zeros(dim, np.float32)
            prototypes[j] = self._blend(definition[j], total, k) - self.contrast * reference[label]
            scores = np.array([_top_mean(v @ prototypes[j], self.top_sentences) for v in centred], dtype=np.float32)
            if k:
                loo = scores.copy()
                for i, part in zip(np.flatnonzero(positive), parts):
                    proto = self._blend(definition[j], total - part, k - 1) - self.contrast * reference[label]
                    loo[i] = _top_mean(centred[i] @ proto, self.top_sentences)
                thresholds[j] = _best_f1_threshold(loo, positive)
            else:
                negatives = scores if len(scores) else np.zeros(1)
                thresholds[j] = negatives.mean() + self.zero_shot_z * negatives.std()
        self.prototypes_, self.thresholds_, self.counts_ = prototypes, thresholds, counts
        return self

    def _reference(self, taxonomy: Taxonomy, dim: int) -> dict[str, np.ndarray]:
        """For each label, the mean description vector of the taxonomy's *other* narratives and subnarratives: what
        a sentence must resemble less than the label (subtracted from the prototype)."""
        everything = [n.label for n in taxonomy.narratives] + [s.label for n in taxonomy.narratives for s in n.subnarratives]
        vectors = np.array([_normalise(_normalise(self._vectors().embed(label_description(taxonomy, l)) - self.center_)
                                       .mean(axis=0)) for l in everything], dtype=np.float32).reshape(len(everything), dim)
        total = vectors.sum(axis=0)
        index = {l: i for i, l in enumerate(everything)}
        out = {}
        for label in self.labels_:
            own = vectors[index[label]] if label in index else 0.0
            n = len(everything) - (label in index)
            out[label] = (total - own) / n if n > 0 else np.zeros(dim, np.float32)
        return out

    def _label_part(self, vectors: np.ndarray, definition: np.ndarray) -> np.ndarray:
        """Mean of the article's sentences most similar to the label's description (unit length)."""
        if not len(vectors):
            return np.zeros_like(definition)
        top = np.argsort(-(vectors @ definition))[: self.article_sentences]
        return _normalise(vectors[top].mean(axis=0))

    def _blend(self, definition: np.ndarray, article_sum: np.ndarray, k: int) -> np.ndarray:
        if k <= 0:
            return definition
        articles = _normalise(article_sum / k)
        weight = k / (k + self.article_prior)
        return _normalise((1 - weight) * definition + weight * articles)

    def _check_fitted(self) -> None:
        if not hasattr(self, "prototypes_"):
            from narrascope.errors import ModelError

            raise ModelError("PrototypeScorer is not fitted: call fit() or load() first")

    def _probability(self, scores: np.ndarray) -> np.ndarray:
        return (1.0 / (1.0 + np.exp(-(scores - self.thresholds_) / self.scale))).astype(np.float32)

    def score_vectors(self, article_vectors: Sequence[np.ndarray]) -> np.ndarray:
        """Raw article scores ``(n, len(labels_))`` (mean cosine of the best sentences) from sentence vectors."""
        self._check_fitted()
        out = np.zeros((len(article_vectors), len(self.labels_)), dtype=np.float32)
        for i, v in enumerate(article_vectors):
            if len(v):
                out[i] = _top_mean(self.prototypes_ @ _normalise(v - self.center_).T, self.top_sentences)
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities ``(n, len(labels_))``; 0.5 is each label's decision threshold."""
        _, vectors = self._vectors().articles(texts, self.max_chars)
        return self._probability(self.score_vectors(vectors))

    def sentence_proba(self, texts: Sequence[str]) -> tuple[np.ndarray, list[list[Sentence]], list[np.ndarray]]:
        """Article probabilities, and each article's sentences with their probabilities ``(n_sentences, labels)``
        (the evidence: a sentence's own cosine to the prototype, on the article scale)."""
        sentences, vectors = self._vectors().articles(texts, self.max_chars)
        articles = self._probability(self.score_vectors(vectors))
        per_sentence = [self._probability(_normalise(v - self.center_) @ self.prototypes_.T) if len(v)
                        else np.zeros((0, len(self.labels_)), np.float32) for v in vectors]
        return articles, sentences, per_sentence

    # ---- persistence ----------------------------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        keys = ("embedder", "top_sentences", "article_sentences", "article_prior", "contrast", "zero_shot_z", "scale", "max_chars")
        return {k: getattr(self, k) for k in keys} | {"labels": getattr(self, "labels_", [])}

    def save(self, path: Path | str) -> None:
        """Write the prototypes, centre, thresholds and counts to ``fewshot.npz`` in the model directory ``path``."""
        self._check_fitted()
        np.savez_compressed(Path(path) / FEWSHOT_FILE, prototypes=self.prototypes_, center=self.center_,
                            thresholds=self.thresholds_, counts=self.counts_)

    @classmethod
    def load(cls, path: Path | str, config: dict[str, Any]) -> PrototypeScorer:
        file = Path(path) / FEWSHOT_FILE
        arrays = read_arrays(file)
        scorer = cls(**{k: v for k, v in config.items() if k != "labels"})
        scorer.labels_ = list(config["labels"])
        require_arrays(file, arrays, ["prototypes", "center", "thresholds", "counts"])
        dim = arrays["center"].shape[0] if arrays["center"].ndim == 1 else -1
        check_shape(file, "center", arrays["center"], (None,))
        check_shape(file, "prototypes", arrays["prototypes"], (len(scorer.labels_), dim))
        for name in ("thresholds", "counts"):
            check_shape(file, name, arrays[name], (len(scorer.labels_),))
        scorer.prototypes_ = arrays["prototypes"].astype(np.float32)
        scorer.center_ = arrays["center"].astype(np.float32)
        scorer.thresholds_ = arrays["thresholds"].astype(np.float32)
        scorer.counts_ = arrays["counts"].astype(np.int32)
        return scorer


def fewshot_labels(taxonomy: Taxonomy, annotations: Sequence[NarrativeAnnotation], below: int) -> list[str]:
    """The taxonomy's narratives and subnarratives with fewer than ``below`` training articles (never ``Other`` nor a
    ``<Narrative>: Other``, which have no description of their own)."""
    if below <= 0:
        return []
    counts: dict[str, int] = {}
    for a in annotations:
        for label in {*a.narratives, *a.subnarratives}:
            counts[label] = counts.get(label, 0) + 1
    candidates = [n.label for n in taxonomy.narratives] + [s.label for n in taxonomy.narratives for s in n.subnarratives]
    return [l for l in candidates if l != OTHER and counts.get(l, 0) < below]


# ---- the NarrativeClassifier's few-shot labels -------------------------------------------------------------------


def attach(model: Any, texts: Sequence[str], annotations: Sequence[NarrativeAnnotation]) -> PrototypeScorer | None:
    """Fit a ``PrototypeScorer`` for the labels of fitted ``model`` (a ``NarrativeClassifier``) with fewer than
    ``model.fewshot_below`` training articles; a label without a head gets an empty one (zero weights, so every
    signal of it is the scorer's); all of them decide at 0.5 (``model.label_thresholds``). ``None``: no such label."""
    labels = fewshot_labels(model.labels, annotations, model.fewshot_below)
    if not labels:
        return None
    scorer = PrototypeScorer(max_chars=model.max_chars).fit(texts, annotations, labels, model.labels)
    new_coarse = [l for l in labels if not model.labels.is_fine(l) and l not in model.coarse_labels_]
    new_fine = [l for l in labels if model.labels.is_fine(l) and l not in model.fine_labels_]
    if new_coarse or new_fine:
        split = len(model.coarse_labels_)
        for name, new in (("coarse", new_coarse), ("fine", new_fine)):
            W, b = getattr(model, f"{name}_W_"), getattr(model, f"{name}_b_")
            setattr(model, f"{name}_W_", np.vstack([W, np.zeros((len(new), W.shape[1]), W.dtype)]))
            setattr(model, f"{name}_b_", np.concatenate([b, np.zeros(len(new), b.dtype)]))
        if getattr(model, "dense_W_", None) is not None:
            W, b = model.dense_W_, model.dense_b_
            model.dense_W_ = np.vstack([W[:split], np.zeros((len(new_coarse), W.shape[1]), W.dtype), W[split:],
                                        np.zeros((len(new_fine), W.shape[1]), W.dtype)])
            model.dense_b_ = np.concatenate([b[:split], np.zeros(len(new_coarse), b.dtype), b[split:],
                                             np.zeros(len(new_fine), b.dtype)])
        model.coarse_labels_ = [*model.coarse_labels_, *new_coarse]
        model.fine_labels_ = [*model.fine_labels_, *new_fine]
        model._split = None  # the block-split weights are rebuilt on first use
    model.label_thresholds = {**model.label_thresholds, **{l: 0.5 for l in labels}}
    return scorer


def _columns(model: Any) -> list[int]:
    """Column of each few-shot label in the classifier's stacked ``(coarse + fine)`` probabilities."""
    split = len(model.coarse_labels_)
    return [model.coarse_labels_.index(l) if l in model.coarse_labels_ else split + model.fine_labels_.index(l)
            for l in model.fewshot_.labels_]


def overlay(model: Any, texts: Sequence[str], probabilities: np.ndarray) -> None:
    """Replace the few-shot labels' columns of ``probabilities`` ``(n, coarse + fine)`` by the scorer's."""
    probabilities[:, _columns(model)] = model.fewshot_.predict_proba(texts)


def overlay_sentences(model: Any, sentences: Sequence[Sequence[str]], document_p: np.ndarray,
                      sentence_p: list[np.ndarray], rows: Sequence[int]) -> None:
    """As ``overlay`` for the evidence path: ``sentences[k]`` are the scored sentences of document ``rows[k]``;
    its row of ``document_p`` and its sentences' rows in ``sentence_p[rows[k]]`` get the scorer's probabilities."""
    scorer: PrototypeScorer = model.fewshot_
    columns = _columns(model)
    vectors = scorer._vectors()
    flat = vectors.embed([s for ss in sentences for s in ss]) if any(sentences) else np.zeros((0, 1), np.float32)
    bounds = np.cumsum([0] + [len(ss) for ss in sentences])
    for k, row in enumerate(rows):
        v = flat[bounds[k]:bounds[k + 1]]
        document_p[row, columns] = scorer._probability(scorer.score_vectors([v]))[0]
        if len(v):
            per_sentence = scorer._probability(_normalise(v - scorer.center_) @ scorer.prototypes_.T)
            block = np.array(sentence_p[row], dtype=np.float32, copy=True)
            block[:, columns] = per_sentence
            sentence_p[row] = block
