"""The multilingual NarrativeClassifier (SemEval-2025 Task 10 subtask 2) with evidence sentences.

Signals: TF-IDF of word uni/bi-grams and character 2–5-grams (``char_wb``) over all languages jointly; cross-lingual
transfer comes from shared names, numbers and cognates and from the character n-grams. One multi-output ridge
regression (solved in closed form in its kernel form, so all ~110 label heads cost one linear solve) scores the
narratives (coarse, incl. the bare ``Other``) and subnarratives (fine); scores are clipped to [0, 1] and read as
probabilities. Decoding respects the taxonomy:

1. the domain (URW or CC) is the one with the larger summed narrative probability, labels of the other domain are
   dropped (a taxonomy without domains has one implicit domain: nothing is dropped);
2. a subnarrative is predicted when its probability passes ``fine_threshold`` and its narrative's passes
   ``coarse_threshold * parent_factor``; a predicted subnarrative implies its narrative;
3. a narrative predicted without a subnarrative gets its best subnarrative if that is close to the threshold, else
   ``<Narrative>: Other``;
4. nothing predicted → the bare ``Other``, unless the best narrative beats ``Other`` and ``min_top_prob``: F1-samples
   rewards a plausible label;
5. the "Other gate" (``other_gate``, None: off): when no label reached its threshold (step 4's case), the bare
   ``Other`` whenever its own probability reaches the gate; it never overrules a label that reached its threshold.

The thresholds are tuned by cross-validation, globally and for each language with enough training documents
(``language_thresholds``); a document is decoded with its language's thresholds.

Languages without training articles: a document whose ``language`` is set but not among the training languages
(``languages_``) is scored by the dense head on static multilingual embeddings and decoded with
``transfer_thresholds`` (tuned leave-one-language-out); ``language_support`` says which route a document took, and a
text in a script the static vocabulary does not cover gets no labels (``narrascope.components.narratives.dense``).

The taxonomy is a constructor argument (default: SemEval's); a saved model carries it (``taxonomy.yaml``), so a
model trained on a user's own narratives only ever outputs that taxonomy's labels.

Training works on raw term counts (``TermCounts``) so that cross-validation counts the corpus once and each fold picks
its vocabulary and IDF from its own training rows only. Evidence: each sentence is scored with the same linear heads
as the document; the top sentences per label are kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from narrascope.components.estimator import Estimator, check_shape, model_directory, read_saved, require_arrays
from narrascope.documents import Document, Evidence, LabelScore
from narrascope.errors import ModelError
from narrascope.components.narratives import dense, encoder_head, fewshot
from narrascope.components.narratives.features import BLOCKS, MIN_DF, TermCounter, TermCounts, count_terms, sublinear_tfidf
from narrascope.annotations import NarrativeAnnotation
from narrascope.sentences import split_sentences
from narrascope.taxonomy import OTHER, TAXONOMY_FILE, Taxonomy, load_taxonomy
from narrascope.shipped import MODELS_DIR, narrative_model_dir

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = MODELS_DIR / "default"
THRESHOLD_KEYS = ("coarse_threshold", "fine_threshold", "min_top_prob", "other_gate")
FORMAT = 3  # 3: Other gate, dense head for untrained languages, languages_; format-2 models still load


def label_sets(annotations: Iterable[NarrativeAnnotation], taxonomy: Taxonomy) -> tuple[list[str], list[str]]:
    """The coarse and fine taxonomy labels used in ``annotations`` (sorted), the heads a model trained on them has;
    the bare ``Other`` is a coarse head only."""
    annotations = list(annotations)
    known = set(taxonomy.coarse_labels) | set(taxonomy.fine_labels)
    coarse = sorted({label for a in annotations for label in a.narratives if label in known})
    fine = sorted({label for a in annotations for label in a.subnarratives if label in known and label != OTHER})
    return coarse, fine


@dataclass
class Prediction:
    """Decoded labels of one document with their probabilities."""

    narratives: list[tuple[str, float]]
    subnarratives: list[tuple[str, float]]
    # True when no label reached its threshold (the bare Other, or the best narrative as the fall-back): only such
    # documents can be gated into the bare Other
    fallback: bool = False

    def annotation(self, doc_id: str) -> NarrativeAnnotation:
        return NarrativeAnnotation(doc_id, [n for n, _ in self.narratives], [s for s, _ in self.subnarratives])


@dataclass
class NarrativeClassifier(Estimator):
    """Multi-label narrative/subnarrative classifier (scikit-learn style estimator)."""

    word_features: int = 60000
    char_features: int = 60000
    alpha: float = 0.5
    max_df: float = 0.7
    coarse_threshold: float = 0.4
    fine_threshold: float = 0.25
    parent_factor: float = 0.5
    min_top_prob: float = 0.25
    max_chars: int = 20000
    evidence_sentences: int = 2
    other_gate: float | None = None
    # per-language overrides of the THRESHOLD_KEYS, e.g. {"en": {"fine_threshold": 0.2}}
    language_thresholds: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the dense head for languages without training articles (None: no such head, every document takes the n-grams)
    dense_alpha: float | None = 3.0
    # thresholds of documents routed to the dense head (tuned leave-one-language-out; missing keys: the global ones)
    transfer_thresholds: dict[str, Any] = field(default_factory=dict)
    min_coverage: float = dense.MIN_COVERAGE
    # labels with fewer training articles are scored by the few-shot prototype scorer (fewshot.py); 0: never (the
    # default; `narrascope train --taxonomy` uses FEWSHOT_BELOW)
    fewshot_below: int = 0
    # per-label decision thresholds replacing coarse_threshold / fine_threshold for those labels
    label_thresholds: dict[str, float] = field(default_factory=dict)
    # the taxonomy the labels come from (saved with the model; ``fit`` fails without one)
    taxonomy: Taxonomy | None = field(default=None, repr=False)
    # weight of the fine-tuned e5 head (``encoder_``, when the model has one) in a training language's probabilities:
    # (1 - w) n-gram + w encoder; documents in other languages take the encoder's alone (instead of the dense head)
    encoder_blend: float = 0.5

    @property
    def labels(self) -> Taxonomy:
        """The model's taxonomy; a ``ModelError`` when none was given."""
        if self.taxonomy is None:
            raise ModelError("NarrativeClassifier needs the taxonomy its labels come from: NarrativeClassifier("
                             "taxonomy=load_taxonomy(FILE)), or train through narrascope.training with a corpus "
                             "that carries one")
        return self.taxonomy

    # ---- features -------------------------------------------------------------------------------------------------

    def _text(self, doc: Document) -> str:
        return doc.text[: self.max_chars]

    @property
    def blocks(self) -> tuple[str, ...]:
        return tuple(b for b in BLOCKS if getattr(self, f"{b}_features") > 0)

    def count(self, texts: Sequence[str]) -> TermCounts:
        """Counts of ``texts`` over the fitted vocabulary."""
        return self.counter.count(texts)[0]

    @property
    def counter(self) -> TermCounter:
        counter: TermCounter | None = getattr(self, "_counter", None)
        if counter is None:
            counter = TermCounter(self.terms_)
            self._counter: TermCounter | None = counter
        return counter

    def _blocks_tfidf(self, counts: TermCounts) -> dict[str, sparse.csr_matrix]:
        """Sublinear TF × IDF of each block, L2-normalised per block (as scikit-learn's TfidfVectorizer)."""
        return {block: sublinear_tfidf(counts.matrices[block], self.idf_[block]) for block in self.terms_}

    def _tfidf(self, counts: TermCounts) -> sparse.csr_matrix:
        """The blocks' TF-IDF side by side: the design matrix of the heads."""
        return sparse.hstack(list(self._blocks_tfidf(counts).values()), format="csr", dtype=np.float32)

    def _select(self, counts: TermCounts) -> TermCounts:
        """Pick each block's vocabulary (document frequency within [min_df, max_df], most frequent first) and IDF."""
        n = counts.n
        self.terms_, self.idf_ = {}, {}
        self._counter = None
        self._split: dict[str, np.ndarray] | None = None  # the heads' weights per block (built by _block_scores)
        for block in self.blocks:
            df = np.asarray((counts.matrices[block] > 0).sum(axis=0)).ravel()
            keep = np.flatnonzero((df >= MIN_DF[block]) & (df <= max(self.max_df * n, MIN_DF[block])))
            keep = keep[np.argsort(-df[keep], kind="stable")][: getattr(self, f"{block}_features")]
            keep.sort()
            self.terms_[block] = [counts.terms[block][j] for j in keep]
            self.idf_[block] = (np.log((1.0 + n) / (1.0 + df[keep])) + 1.0).astype(np.float32)
        return counts.project(self.terms_)

    # ---- estimator contract ---------------------------------------------------------------------------------------

    def fit(self, documents: Sequence[Document], annotations: Sequence[NarrativeAnnotation]) -> NarrativeClassifier:
        """Learn vocabularies, IDF and one head per label seen in ``annotations`` (aligned with ``documents``)."""
        if len(documents) != len(annotations) or not documents:
            raise ModelError("fit needs as many annotations as documents, and at least one document")
        texts = [self._text(d) for d in documents]
        vectors = dense.document_vectors(texts) if self.dense_alpha is not None else None
        self.fit_counts(count_terms(texts, blocks=self.blocks), annotations, vectors, [d.language for d in documents])
        return self.fit_fewshot(texts, annotations)

    def fit_fewshot(self, texts: Sequence[str], annotations: Sequence[NarrativeAnnotation]) -> NarrativeClassifier:
        """Score the taxonomy labels with fewer than ``fewshot_below`` training articles (none included) with a
        ``PrototypeScorer`` fitted on ``texts``; they get heads of their own and the decision threshold 0.5."""
        self.fewshot_ = fewshot.attach(self, texts, annotations)
        return self

    def fit_counts(self, counts: TermCounts, annotations: Sequence[NarrativeAnnotation],
                   vectors: np.ndarray | None = None, languages: Sequence[str | None] | None = None) -> NarrativeClassifier:
        """``fit`` on pre-computed term counts (rows aligned with ``annotations``); vocabulary chosen from these rows.
        With ``vectors`` (``dense.document_vectors`` of the same rows) the dense head is fitted too; ``languages``
        (one per row) become ``languages_``, the languages that take the n-gram heads."""
        if counts.n != len(annotations) or not annotations:
            raise ModelError("fit needs as many annotations as documents, and at least one document")
        X = self._tfidf(self._select(counts))
        self.coarse_labels_, self.fine_labels_ = label_sets(annotations, self.labels)
        Y = self.label_matrix(annotations)
        W, b = _ridge(X, Y, self.alpha)
        split = len(self.coarse_labels_)
        self.coarse_W_, self.coarse_b_ = W[:split], b[:split]
        self.fine_W_, self.fine_b_ = W[split:], b[split:]
        self.languages_ = sorted({lang for lang in languages or () if lang})
        self.dense_W_ = self.dense_b_ = None
        self.fewshot_ = None
        if vectors is not None and self.dense_alpha is not None:
            self.dense_W_, self.dense_b_ = dense.fit_dense(vectors, Y, self.dense_alpha)
        return self

    def label_matrix(self, annotations: Sequence[NarrativeAnnotation]) -> np.ndarray:
        """0/1 targets ``(n, coarse + fine labels)`` of ``annotations`` over the fitted label lists."""
        return np.array([[label in a.narratives for label in self.coarse_labels_]
                         + [label in a.subnarratives for label in self.fine_labels_] for a in annotations],
                        dtype=np.float64).reshape(len(annotations), -1)

    def _check_fitted(self) -> None:
        if not hasattr(self, "coarse_W_"):
            raise ModelError("NarrativeClassifier is not fitted: call fit() or load() first")

    def _raw_scores(self, X: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(X @ self.coarse_W_.T + self.coarse_b_), np.asarray(X @ self.fine_W_.T + self.fine_b_)

    def _block_scores(self, counts: TermCounts) -> tuple[np.ndarray, np.ndarray]:
        """``_raw_scores`` of counts, block by block (no stacked design matrix)."""
        weights: dict[str, np.ndarray] | None = getattr(self, "_split", None)
        if weights is None:
            W = np.vstack([self.coarse_W_, self.fine_W_])
            bounds = np.cumsum([0] + [len(t) for t in self.terms_.values()])
            weights = {b: np.ascontiguousarray(W[:, bounds[i]:bounds[i + 1]].T) for i, b in enumerate(self.terms_)}
            self._split = weights
        scores = np.zeros((counts.n, len(self.coarse_labels_) + len(self.fine_labels_)), dtype=np.float32)
        for block, X in self._blocks_tfidf(counts).items():
            scores += X @ weights[block]
        split = len(self.coarse_labels_)
        return scores[:, :split] + self.coarse_b_, scores[:, split:] + self.fine_b_

    def _scores(self, X: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        coarse, fine = self._raw_scores(X)
        return np.clip(coarse, 0.0, 1.0), np.clip(fine, 0.0, 1.0)

    def predict_proba_counts(self, counts: TermCounts) -> tuple[np.ndarray, np.ndarray]:
        """``predict_proba`` on counts over (a superset of) the fitted vocabulary."""
        self._check_fitted()
        return self._scores(self._tfidf(counts.project(self.terms_)))

    def predict_proba(self, documents: Sequence[Document]) -> tuple[np.ndarray, np.ndarray]:
        """Scores in [0, 1], ``(n, len(coarse_labels_))`` and ``(n, len(fine_labels_))``: the n-gram heads' (blended
        with the fine-tuned encoder's, when the model has one) for a document in a training language (or without a
        language); the encoder's (or the dense head's) for one in another language."""
        self._check_fitted()
        texts = [self._text(d) for d in documents]
        transfer = [i for i, d in enumerate(documents) if self.routes_to_dense(d.language)]
        ngram = [i for i in range(len(documents)) if i not in set(transfer)]
        split = len(self.coarse_labels_)
        out = np.zeros((len(documents), split + len(self.fine_labels_)), dtype=np.float32)
        if ngram:
            coarse, fine = self._block_scores(self.count([texts[i] for i in ngram]))
            out[ngram] = np.clip(np.hstack([coarse, fine]), 0.0, 1.0)
        if self.encoder_head is not None:
            encoded = encoder_head.encode_for(self, texts)
            encoder_head.blend_documents(self, out, [d.proba for d in encoded], ngram, transfer)
        elif transfer:
            out[transfer] = self.dense_proba(dense.document_vectors([texts[i] for i in transfer]))
        if getattr(self, "fewshot_", None) is not None:
            fewshot.overlay(self, texts, out)
        return out[:, :split], out[:, split:]

    def dense_proba(self, vectors: np.ndarray) -> np.ndarray:
        """The dense head's scores of static document vectors, ``(n, coarse + fine labels)`` in [0, 1]."""
        W, b = getattr(self, "dense_W_", None), getattr(self, "dense_b_", None)
        if W is None or b is None:
            raise ModelError("this narrative model has no dense head for untrained languages: retrain it")
        return dense.dense_scores(vectors, W, b)

    @property
    def encoder_head(self) -> Any:
        """The fine-tuned e5 head (``encoder_head.EncoderHead``) or None."""
        return getattr(self, "encoder_", None)

    def routes_to_dense(self, language: str | None) -> bool:
        """True when a document in ``language`` takes the transfer route (the fine-tuned encoder, or the dense head):
        the model has one, knows its training languages (trained on documents with a language) and ``language`` is
        set but not among them."""
        trained: list[str] = getattr(self, "languages_", None) or []
        has_route = getattr(self, "dense_W_", None) is not None or self.encoder_head is not None
        return has_route and bool(trained) and bool(language) and language not in trained

    def language_support(self, documents: Sequence[Document]) -> list[str]:
        """``trained``, ``transfer`` or ``unsupported`` for each document (``narrascope.components.narratives.dense``):
        a training language is trained; otherwise the static vocabulary's coverage of its text decides."""
        trained = set(getattr(self, "languages_", None) or self.language_thresholds)
        out = [dense.TRAINED if d.language and d.language in trained else "" for d in documents]
        rest = [i for i, support in enumerate(out) if not support]
        if rest:
            for i, share in zip(rest, dense.coverage([self._text(documents[i]) for i in rest])):
                out[i] = dense.TRANSFER if share >= self.min_coverage else dense.UNSUPPORTED
        return out

    def _label_maps(self) -> tuple[dict[str, str], dict[str, str]]:
        """Domain of every coarse and fine label, parent narrative of every fine label (cached: decode is hot in CV)."""
        key = (tuple(self.coarse_labels_), tuple(self.fine_labels_))
        if getattr(self, "_maps_key", None) != key:
            tax = self.labels
            labels = [*self.coarse_labels_, *self.fine_labels_]
            self._maps = ({l: tax.domain_of(l) or "" for l in labels},
                          {l: tax.parent(l) for l in self.fine_labels_})
            self._maps_key = key
        return self._maps

    def thresholds(self, language: str | None = None) -> dict[str, Any]:
        """The decision thresholds applied to a document in ``language``: the transfer thresholds for a language
        routed to the dense head, else its own overrides, else the global ones."""
        own = self.transfer_thresholds if self.routes_to_dense(language) else self.language_thresholds.get(language or "", {})
        return {k: own.get(k, getattr(self, k)) for k in THRESHOLD_KEYS}

    def decode(self, coarse_p: np.ndarray, fine_p: np.ndarray, language: str | None = None) -> Prediction:
        """Turn one document's probabilities into taxonomy-consistent labels (rules in the module docstring), with
        the thresholds of its ``language``."""
        t = self.thresholds(language)
        coarse_threshold, fine_threshold, min_top_prob = t["coarse_threshold"], t["fine_threshold"], t["min_top_prob"]
        tax = self.labels
        domain_of, parent_of = self._label_maps()
        cp = dict(zip(self.coarse_labels_, coarse_p.tolist()))
        fp = dict(zip(self.fine_labels_, fine_p.tolist()))
        other_p = cp.pop(OTHER, 0.0)
        own = self.label_thresholds
        gated = t["other_gate"] is not None and OTHER in self.coarse_labels_ and other_p >= t["other_gate"]
        domain_mass: dict[str, float] = {}
        for label, p in cp.items():
            domain_mass[domain_of[label]] = domain_mass.get(domain_of[label], 0.0) + p
        if not cp:
            return Prediction([(OTHER, other_p)], [(OTHER, other_p)], fallback=True)
        domain = max(domain_mass, key=domain_mass.__getitem__)
        cp = {k: v for k, v in cp.items() if domain_of[k] == domain}
        fp = {k: v for k, v in fp.items() if domain_of[k] == domain}
        chosen_fine = {
            k: v for k, v in fp.items()
            if v >= own.get(k, fine_threshold)
            and cp.get(parent_of[k], 0.0) >= own.get(parent_of[k], coarse_threshold) * self.parent_factor
        }
        chosen_coarse = {k: v for k, v in cp.items() if v >= own.get(k, coarse_threshold)}
        for label in chosen_fine:
            parent = parent_of[label]
            chosen_coarse.setdefault(parent, cp.get(parent, 0.0))
        fallback = not chosen_coarse
        if fallback:  # no label reached its threshold: the Other gate, else the best narrative if plausible
            best = max(cp, key=cp.__getitem__)
            if gated or cp[best] < min_top_prob or other_p >= cp[best]:
                return Prediction([(OTHER, other_p)], [(OTHER, other_p)], fallback=True)
            chosen_coarse = {best: cp[best]}
        # narratives with a chosen subnarrative, before any '<Narrative>: Other' is added below (such a label may be
        # no head of this model: training on one language leaves some out)
        with_child = {parent_of[f] for f in chosen_fine}
        for narrative in list(chosen_coarse):
            if narrative not in with_child:
                other_label = tax.narrative(narrative).other_label
                children = {k: v for k, v in fp.items() if parent_of[k] == narrative}
                best_child = max(children, key=children.__getitem__) if children else None
                if best_child and best_child != other_label and children[best_child] >= fine_threshold * 0.5:
                    chosen_fine[best_child] = children[best_child]
                else:
                    chosen_fine[other_label] = fp.get(other_label, chosen_coarse[narrative])
        narratives = sorted(chosen_coarse.items(), key=lambda kv: -kv[1])
        subnarratives = sorted(chosen_fine.items(), key=lambda kv: -kv[1])
        return Prediction(narratives, subnarratives, fallback=fallback)

    def predict(self, documents: Sequence[Document]) -> list[Prediction]:
        """Taxonomy-consistent labels for each document."""
        coarse, fine = self.predict_proba(documents)
        return [self.decode(c, f, d.language) for d, c, f in zip(documents, coarse, fine)]

    def predict_with_evidence(self, documents: Sequence[Document]) -> list[tuple[list[LabelScore], list[LabelScore]]]:
        """Labels with the top evidence sentences (offsets into each document's text) per label."""
        return self.predict_with_support(documents, [dense.TRAINED] * len(documents))

    def predict_with_support(self, documents: Sequence[Document], support: Sequence[str]) -> list[tuple[list[LabelScore], list[LabelScore]]]:
        """``predict_with_evidence`` given each document's ``language_support``: no labels where ``unsupported``."""
        self._check_fitted()
        results: list[tuple[list[LabelScore], list[LabelScore]]] = []
        coarse_index = {label: i for i, label in enumerate(self.coarse_labels_)}
        fine_index = {label: i for i, label in enumerate(self.fine_labels_)}
        texts = [self._text(doc) for doc in documents]
        all_sentences = [[s for s in split_sentences(text) if len(s.text) >= 20] for text in texts]
        split = len(self.coarse_labels_)
        doc_p = np.zeros((len(documents), split + len(self.fine_labels_)), dtype=np.float32)
        sentence_p: list[np.ndarray] = [doc_p[:0]] * len(documents)
        transfer = [i for i, d in enumerate(documents) if support[i] != dense.UNSUPPORTED and self.routes_to_dense(d.language)]
        ngram = [i for i, d in enumerate(documents) if support[i] != dense.UNSUPPORTED and i not in set(transfer)]
        if ngram:
            doc_counts, span_counts = self.counter.count(
                [texts[i] for i in ngram], [[(s.start, s.end) for s in all_sentences[i]] for i in ngram])
            assert span_counts is not None  # spans were given
            doc_p[ngram] = np.clip(np.hstack(self._block_scores(doc_counts)), 0.0, 1.0)
            flat = np.hstack(self._block_scores(span_counts))
            bounds = np.cumsum([0] + [len(all_sentences[i]) for i in ngram])
            for k, i in enumerate(ngram):
                sentence_p[i] = flat[bounds[k]:bounds[k + 1]]
        if self.encoder_head is not None:
            scored = [i for i in range(len(documents)) if support[i] != dense.UNSUPPORTED]
            encoded = encoder_head.encode_for(self, [texts[i] for i in scored])
            doc_rows = [e.proba for e in encoded]
            sentence_rows = [encoder_head.sentence_proba(e, all_sentences[i]) for e, i in zip(encoded, scored)]
            position = {i: k for k, i in enumerate(scored)}
            encoder_head.blend_documents(self, doc_p, [doc_rows[position[i]] if i in position else None
                                                       for i in range(len(documents))], ngram, transfer)
            transferred = set(transfer)
            for i in scored:
                sentence_p[i] = encoder_head.blend_rows(self, sentence_p[i], sentence_rows[position[i]],
                                                        i in transferred)
        elif transfer:
            sentence_texts = [s.text for i in transfer for s in all_sentences[i]]
            vectors = dense.document_vectors([texts[i] for i in transfer] + sentence_texts)
            doc_p[transfer] = self.dense_proba(vectors[: len(transfer)])
            flat = self.dense_proba(vectors[len(transfer):])
            bounds = np.cumsum([0] + [len(all_sentences[i]) for i in transfer])
            for k, i in enumerate(transfer):
                sentence_p[i] = flat[bounds[k]:bounds[k + 1]]
        if getattr(self, "fewshot_", None) is not None:
            scored = [i for i in range(len(documents)) if support[i] != dense.UNSUPPORTED]
            fewshot.overlay_sentences(self, [[s.text for s in all_sentences[i]] for i in scored], doc_p, sentence_p, scored)
        for i, (d, sentences) in enumerate(zip(documents, all_sentences)):
            if support[i] == dense.UNSUPPORTED:
                results.append(([], []))
                continue
            prediction = self.decode(doc_p[i, :split], doc_p[i, split:], d.language)
            s_coarse, s_fine = sentence_p[i][:, :split], sentence_p[i][:, split:]

            def evidence(label: str, index: dict[str, int], scores: np.ndarray) -> list[Evidence]:
                if not sentences or label == OTHER:
                    return []
                if label not in index:  # "<Narrative>: Other" → evidence of the narrative itself
                    label, index, scores = self.labels.parent(label), coarse_index, s_coarse
                    if label not in index:
                        return []
                column = scores[:, index[label]]
                top = np.argsort(-column)[: self.evidence_sentences]
                return [Evidence(sentences[i].start, sentences[i].end, sentences[i].text,
                                 round(float(np.clip(column[i], 0.0, 1.0)), 4)) for i in top]

            narratives = [LabelScore(lbl, round(p, 4), evidence(lbl, coarse_index, s_coarse)) for lbl, p in prediction.narratives]
            subnarratives = [LabelScore(lbl, round(p, 4), evidence(lbl, fine_index, s_fine)) for lbl, p in prediction.subnarratives]
            results.append((narratives, subnarratives))
        return results

    # ---- persistence ----------------------------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        keys = ("word_features", "char_features", "alpha", "max_df", "coarse_threshold", "fine_threshold",
                "parent_factor", "min_top_prob", "max_chars", "evidence_sentences", "other_gate", "language_thresholds",
                "dense_alpha", "transfer_thresholds", "min_coverage", "fewshot_below", "label_thresholds",
                "encoder_blend")
        return {k: getattr(self, k) for k in keys}

    def save(self, path: Path | str, model_card: str | None = None) -> None:
        """Write ``config.json``, ``weights.npz`` (vocabularies, IDF, int8 heads with a scale per label, the dense
        head), the model's taxonomy (``taxonomy.yaml``) and ``MODEL_CARD.md`` (when given) to the directory ``path``,
        atomically: ``path`` holds the old complete model until the new one is complete (``model_directory``)."""
        self._check_fitted()
        with model_directory(path) as tmp:
            self._write(tmp)
            if model_card is not None:
                (tmp / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")

    def _write(self, path: Path) -> None:
        scorer = getattr(self, "fewshot_", None)
        config = self.config() | {"fewshot": scorer.config() if scorer is not None else None,
                                  "coarse_labels": self.coarse_labels_, "fine_labels": self.fine_labels_,
                                  "blocks": list(self.terms_), "languages": list(getattr(self, "languages_", [])),
                                  "dense": getattr(self, "dense_W_", None) is not None,
                                  "dense_embedder": dense.DENSE_EMBEDDER, "format": FORMAT, "taxonomy": self.labels.name}
        self.labels.save(path / TAXONOMY_FILE)
        (path / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
        arrays: dict[str, Any] = {}  # numpy arrays (np.savez_compressed's **kwds would also take its allow_pickle)
        for block in self.terms_:
            # one UTF-8 buffer, newline-separated (no term contains whitespace other than single spaces): loads in
            # milliseconds where an array of 60k Python strings takes seconds
            arrays[f"{block}_vocab"] = np.frombuffer("\n".join(self.terms_[block]).encode("utf-8"), dtype=np.uint8)
            arrays[f"{block}_idf"] = self.idf_[block]
        for name in ("coarse", "fine"):
            W = getattr(self, f"{name}_W_")
            scale = np.maximum(np.abs(W).max(axis=1, initial=0.0), 1e-12) / 127.0
            arrays[f"{name}_W"] = np.round(W / scale[:, None]).astype(np.int8)
            arrays[f"{name}_scale"] = scale.astype(np.float32)
            arrays[f"{name}_b"] = getattr(self, f"{name}_b_").astype(np.float32)
        dense_W, dense_b = getattr(self, "dense_W_", None), getattr(self, "dense_b_", None)
        if dense_W is not None and dense_b is not None:
            arrays["dense_W"], arrays["dense_b"] = dense_W.astype(np.float32), dense_b.astype(np.float32)
        np.savez_compressed(path / "weights.npz", **arrays)
        if scorer is not None:
            scorer.save(path)
        if self.encoder_head is not None:
            self.encoder_head.save(path / encoder_head.FOLDER)

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL_DIR) -> NarrativeClassifier:
        """Load a model saved with ``save``, with its taxonomy (SemEval's for a model saved without one), and check
        all of it now: every file readable, every array of the shape the config implies, every weight finite, every
        label in the taxonomy; a ``ModelError`` naming the file otherwise."""
        path = Path(path)
        weights = path / "weights.npz"
        try:
            config, arrays = read_saved(path)
        except ModelError as exc:
            raise ModelError(f"not a usable narrascope narrative model: {exc}; train one with `narrascope train`") from None
        taxonomy = load_taxonomy(path)  # a model saved before models carried one: SemEval's (load_taxonomy)
        try:
            if config.get("format") not in (2, FORMAT):
                raise ValueError(f"model format {config.get('format')!r}, expected 2 or {FORMAT}")
            model = cls(**{k: config[k] for k in cls().config() if k in config}, taxonomy=taxonomy)
            model.coarse_labels_ = [str(label) for label in config["coarse_labels"]]
            model.fine_labels_ = [str(label) for label in config["fine_labels"]]
            blocks = [str(block) for block in config["blocks"]]
            require_arrays(weights, arrays, [f"{b}_idf" for b in blocks]
                           + [f"{n}_{part}" for n in ("coarse", "fine") for part in ("W", "scale", "b")])
            model.terms_ = {b: _vocabulary(arrays, b) for b in blocks}
            for b in blocks:
                check_shape(weights, f"{b}_idf", arrays[f"{b}_idf"], (len(model.terms_[b]),))
            model.idf_ = {b: arrays[f"{b}_idf"].astype(np.float32) for b in blocks}
            features = sum(len(terms) for terms in model.terms_.values())
            for name, labels in (("coarse", model.coarse_labels_), ("fine", model.fine_labels_)):
                check_shape(weights, f"{name}_W", arrays[f"{name}_W"], (len(labels), features))
                check_shape(weights, f"{name}_scale", arrays[f"{name}_scale"], (len(labels),))
                check_shape(weights, f"{name}_b", arrays[f"{name}_b"], (len(labels),))
                W = arrays[f"{name}_W"].astype(np.float32) * arrays[f"{name}_scale"][:, None]
                setattr(model, f"{name}_W_", W)
                setattr(model, f"{name}_b_", arrays[f"{name}_b"].astype(np.float32))
            # format 2: no dense head, training languages unknown (those with their own thresholds stand in)
            model.languages_ = list(config.get("languages", sorted(model.language_thresholds)))
            model.dense_W_ = model.dense_b_ = None
            if config.get("dense"):
                require_arrays(weights, arrays, ["dense_W", "dense_b"])
                outputs = len(model.coarse_labels_) + len(model.fine_labels_)
                check_shape(weights, "dense_W", arrays["dense_W"], (outputs, None))
                check_shape(weights, "dense_b", arrays["dense_b"], (outputs,))
                model.dense_W_, model.dense_b_ = arrays["dense_W"].astype(np.float32), arrays["dense_b"].astype(np.float32)
            model.fewshot_ = fewshot.PrototypeScorer.load(path, config["fewshot"]) if config.get("fewshot") else None
            setattr(model, "encoder_", encoder_head.load_if_present(path))  # learned state: not a parameter
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{path / 'config.json'}: not a narrascope narrative model ({type(exc).__name__}: {exc}); "
                             "train one with `narrascope train`") from exc
        foreign = [label for label in model.coarse_labels_ + model.fine_labels_ if not taxonomy.is_known(label)]
        if foreign:
            raise ModelError(f"{path}: labels not in its taxonomy {taxonomy.name!r}: {', '.join(foreign[:5])}; "
                             f"retrain the model or restore its {TAXONOMY_FILE}")
        return model


def _vocabulary(arrays: Any, block: str) -> list[str]:
    if f"{block}_vocab" in arrays:
        buffer = arrays[f"{block}_vocab"].tobytes().decode("utf-8")
        return buffer.split("\n") if buffer else []
    return arrays[f"{block}_terms"].tolist()  # models saved before the vocabulary buffer


def _ridge(X: sparse.csr_matrix, Y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Multi-output ridge regression with intercept: weights ``(labels, features)`` and biases ``(labels,)``.

    Solved in the kernel (dual) form ``(X Xᵀ + αI) A = Y - ȳ``, ``W = Xᵀ A``: one dense n×n solve serves every label,
    which is fast while the training set has up to some ten thousand documents.
    """
    mean = Y.mean(axis=0)
    if X.shape[0] > 20000:
        from sklearn.linear_model import Ridge

        ridge = Ridge(alpha=alpha, solver="sparse_cg").fit(X, Y)
        return ridge.coef_.astype(np.float32), ridge.intercept_.astype(np.float32)
    K = (X @ X.T).toarray().astype(np.float64)
    K[np.diag_indices_from(K)] += alpha
    A = np.linalg.solve(K, Y - mean)
    W = np.asarray((X.T @ A).T, dtype=np.float32)
    return W, mean.astype(np.float32)


class NarrativeStep:
    """Pipeline step: fills ``Analysis.narratives`` / ``subnarratives`` (with evidence) from a ``NarrativeClassifier``."""

    name = "narratives"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("narratives", "subnarratives", "language_support")

    def __init__(self, model: str | Path | NarrativeClassifier | None = None) -> None:
        self._model: NarrativeClassifier | None = None
        if isinstance(model, NarrativeClassifier):
            self._model, self.model_path = model, Path("custom")
        else:
            self.model_path = narrative_model_dir(model) if model else DEFAULT_MODEL_DIR
        self._taxonomy: Taxonomy | None = None
        self._model_id: str | None = None

    @property
    def taxonomy(self) -> Taxonomy:
        """The taxonomy of the model's labels (read without loading the weights): what other steps label with."""
        if self._model is not None:
            return self._model.labels
        if self._taxonomy is None:
            self._taxonomy = load_taxonomy(self.model_path)
        return self._taxonomy

    @property
    def model_id(self) -> str:
        """Which model labels: ``narratives:<directory name>@<first 12 hex digits of the SHA-256 of its files>``, so
        that a store can tell the analyses of a retrained model (same directory, new weights) from the old ones."""
        if self._model_id is None:
            self._model_id = f"narratives:{self.model_path.name}"
            if self.model_path.is_dir():
                digest = hashlib.sha256()
                for file in sorted(p for p in self.model_path.rglob("*") if p.is_file() and p.name != "MODEL_CARD.md"):
                    digest.update(file.relative_to(self.model_path).as_posix().encode() + b"\0" + file.read_bytes())
                self._model_id += "@" + digest.hexdigest()[:12]
        return self._model_id

    @property
    def model(self) -> NarrativeClassifier:
        if self._model is None:
            self._model = NarrativeClassifier.load(self.model_path)
        return self._model

    def prepare(self) -> None:
        """Load and check the whole model now (``Pipeline.prepare``): a damaged one fails before the first document."""
        _ = self.model

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Any]) -> None:
        support = self.model.language_support(documents)
        results = self.model.predict_with_support(documents, support)
        for doc, analysis, level, (narratives, subnarratives) in zip(documents, analyses, support, results):
            analysis.language_support = level
            if level == dense.UNSUPPORTED:
                analysis.warnings.append(
                    f"language {doc.language or 'unknown'}: its script or vocabulary is not covered by the narrative "
                    "model (neither trained on it nor covered by its multilingual representation); no narratives "
                    "predicted")
            elif level == dense.TRANSFER:
                analysis.warnings.append(
                    f"language {doc.language or 'unknown'}: the narrative model had no training articles in it; labels "
                    "come from cross-lingual transfer and are far less reliable (see the model card)")
            analysis.narratives = narratives
            analysis.subnarratives = subnarratives
            analysis.model = self.model_id
            analysis.taxonomy = self.model.labels.name
