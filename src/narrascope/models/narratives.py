"""The multilingual NarrativeClassifier (SemEval-2025 Task 10 subtask 2) with evidence sentences.

Signals: TF-IDF of word uni/bi-grams and character 2–5-grams over all languages jointly (cross-lingual transfer comes
from shared names, numbers and cognates, and from the character n-grams), optionally concatenated with a document
embedding from any registered ``Embedder``. One-vs-rest logistic-regression heads for narratives (coarse, incl. the
bare ``Other``) and subnarratives (fine). Decoding respects the taxonomy:

1. the domain (URW or CC) is the one with the larger summed narrative probability, labels of the other domain are
   dropped;
2. a subnarrative is predicted when its probability passes ``fine_threshold`` and its narrative's passes
   ``coarse_threshold * parent_factor``; a predicted subnarrative implies its narrative;
3. a narrative predicted without a subnarrative gets ``<Narrative>: Other``;
4. nothing predicted → the bare ``Other``; if ``Other`` is weaker than the best narrative by ``min_top_prob``, that
   narrative (and its best subnarrative) is predicted instead, because F1-samples rewards a plausible label.

Evidence: each sentence is scored with the same linear head as the document; the top sentences per label are kept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from narrascope.documents import Document, Evidence, LabelScore
from narrascope.errors import ModelError
from narrascope.semeval.io import NarrativeAnnotation
from narrascope.sentences import split_sentences
from narrascope.taxonomy import OTHER, Taxonomy, load_default_taxonomy

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path(__file__).parent / "default"


@dataclass
class Prediction:
    """Decoded labels of one document with their probabilities."""

    narratives: list[tuple[str, float]]
    subnarratives: list[tuple[str, float]]

    def annotation(self, doc_id: str) -> NarrativeAnnotation:
        return NarrativeAnnotation(doc_id, [n for n, _ in self.narratives], [s for s, _ in self.subnarratives])


@dataclass
class NarrativeClassifier:
    """Multi-label narrative/subnarrative classifier (scikit-learn style estimator)."""

    word_features: int = 60000
    char_features: int = 60000
    C: float = 8.0
    coarse_threshold: float = 0.3
    fine_threshold: float = 0.25
    parent_factor: float = 0.5
    min_top_prob: float = 0.15
    max_chars: int = 20000
    embedder: str | None = None
    evidence_sentences: int = 2
    taxonomy: Taxonomy = field(default_factory=load_default_taxonomy, repr=False)

    # ---- features -------------------------------------------------------------------------------------------------

    def _text(self, doc: Document) -> str:
        return doc.text[: self.max_chars]

    def _fit_vectorizers(self, texts: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.word_vectorizer_ = TfidfVectorizer(
            ngram_range=(1, 2), min_df=2, max_df=0.6, sublinear_tf=True, max_features=self.word_features, dtype=np.float32
        )
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=3, max_df=0.8, sublinear_tf=True,
            max_features=self.char_features, dtype=np.float32,
        )
        self.word_vectorizer_.fit(texts)
        self.char_vectorizer_.fit(texts)

    def _features(self, texts: list[str]) -> sparse.csr_matrix:
        blocks = [self.word_vectorizer_.transform(texts), self.char_vectorizer_.transform(texts)]
        if self.embedder:
            from narrascope.models.embedders import get_embedder

            blocks.append(sparse.csr_matrix(get_embedder(self.embedder).embed(texts)))
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    # ---- estimator contract ---------------------------------------------------------------------------------------

    def fit(self, documents: Sequence[Document], annotations: Sequence[NarrativeAnnotation]) -> NarrativeClassifier:
        """Learn the vectorisers and one head per label seen in ``annotations`` (aligned with ``documents``)."""
        from sklearn.linear_model import LogisticRegression

        if len(documents) != len(annotations) or not documents:
            raise ModelError("fit needs as many annotations as documents, and at least one document")
        texts = [self._text(d) for d in documents]
        self._fit_vectorizers(texts)
        X = self._features(texts)
        known = set(self.taxonomy.coarse_labels) | set(self.taxonomy.fine_labels)
        coarse = sorted({label for a in annotations for label in a.narratives if label in known})
        fine = sorted({label for a in annotations for label in a.subnarratives if label in known and label != OTHER})
        self.coarse_labels_ = coarse
        self.fine_labels_ = fine
        heads: dict[str, list[np.ndarray]] = {"coarse": [], "fine": []}
        for kind, labels, column in (("coarse", coarse, "narratives"), ("fine", fine, "subnarratives")):
            W = np.zeros((len(labels), X.shape[1]), dtype=np.float32)
            b = np.full(len(labels), -10.0, dtype=np.float32)
            for i, label in enumerate(labels):
                y = np.array([label in getattr(a, column) for a in annotations])
                if y.all() or not y.any():
                    b[i] = 10.0 if y.all() else -10.0
                    continue
                head = LogisticRegression(C=self.C, max_iter=300, class_weight="balanced", solver="liblinear")
                head.fit(X, y)
                W[i] = head.coef_[0]
                b[i] = head.intercept_[0]
            heads[kind] = [W, b]
        self.coarse_W_, self.coarse_b_ = heads["coarse"]
        self.fine_W_, self.fine_b_ = heads["fine"]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "coarse_W_"):
            raise ModelError("NarrativeClassifier is not fitted: call fit() or load() first")

    def _scores(self, X: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        coarse = X @ self.coarse_W_.T + self.coarse_b_
        fine = X @ self.fine_W_.T + self.fine_b_
        return np.asarray(coarse), np.asarray(fine)

    def predict_proba(self, documents: Sequence[Document]) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities ``(n, len(coarse_labels_))`` and ``(n, len(fine_labels_))``."""
        self._check_fitted()
        coarse, fine = self._scores(self._features([self._text(d) for d in documents]))
        return _sigmoid(coarse), _sigmoid(fine)

    def decode(self, coarse_p: np.ndarray, fine_p: np.ndarray) -> Prediction:
        """Turn one document's probabilities into taxonomy-consistent labels (rules in the module docstring)."""
        tax = self.taxonomy
        cp = dict(zip(self.coarse_labels_, coarse_p.tolist()))
        fp = dict(zip(self.fine_labels_, fine_p.tolist()))
        other_p = cp.pop(OTHER, 0.0)
        domain_mass: dict[str, float] = {}
        for label, p in cp.items():
            domain_mass[tax.domain_of(label) or ""] = domain_mass.get(tax.domain_of(label) or "", 0.0) + p
        if not cp:
            return Prediction([(OTHER, other_p)], [(OTHER, other_p)])
        domain = max(domain_mass, key=domain_mass.__getitem__)
        cp = {k: v for k, v in cp.items() if tax.domain_of(k) == domain}
        fp = {k: v for k, v in fp.items() if tax.domain_of(k) == domain}
        chosen_fine = {
            k: v for k, v in fp.items()
            if v >= self.fine_threshold and cp.get(tax.parent(k), 0.0) >= self.coarse_threshold * self.parent_factor
        }
        chosen_coarse = {k: v for k, v in cp.items() if v >= self.coarse_threshold}
        for label in chosen_fine:
            parent = tax.parent(label)
            chosen_coarse.setdefault(parent, cp.get(parent, 0.0))
        if not chosen_coarse:
            best = max(cp, key=cp.__getitem__)
            if cp[best] < self.min_top_prob or other_p >= cp[best]:
                return Prediction([(OTHER, other_p)], [(OTHER, other_p)])
            chosen_coarse = {best: cp[best]}
        for narrative in list(chosen_coarse):
            if not any(tax.parent(f) == narrative for f in chosen_fine):
                other_label = tax.narrative(narrative).other_label
                children = {k: v for k, v in fp.items() if tax.parent(k) == narrative}
                best_child = max(children, key=children.__getitem__) if children else None
                if best_child and best_child != other_label and children[best_child] >= self.fine_threshold * 0.5:
                    chosen_fine[best_child] = children[best_child]
                else:
                    chosen_fine[other_label] = fp.get(other_label, chosen_coarse[narrative])
        narratives = sorted(chosen_coarse.items(), key=lambda kv: -kv[1])
        subnarratives = sorted(chosen_fine.items(), key=lambda kv: -kv[1])
        return Prediction(narratives, subnarratives)

    def predict(self, documents: Sequence[Document]) -> list[Prediction]:
        """Taxonomy-consistent labels for each document."""
        coarse, fine = self.predict_proba(documents)
        return [self.decode(c, f) for c, f in zip(coarse, fine)]

    def predict_with_evidence(self, documents: Sequence[Document]) -> list[tuple[list[LabelScore], list[LabelScore]]]:
        """Labels with the top evidence sentences (offsets into each document's text) per label."""
        results = []
        for doc, prediction in zip(documents, self.predict(documents)):
            sentences = [s for s in split_sentences(doc.text[: self.max_chars]) if len(s.text) >= 20]
            if sentences:
                s_coarse, s_fine = self._scores(self._features([s.text for s in sentences]))
            coarse_index = {label: i for i, label in enumerate(self.coarse_labels_)}
            fine_index = {label: i for i, label in enumerate(self.fine_labels_)}

            def evidence(label: str, index: dict[str, int], scores: np.ndarray) -> list[Evidence]:
                if not sentences or label == OTHER:
                    return []
                if label not in index:  # "<Narrative>: Other" → evidence of the narrative itself
                    label, index, scores = self.taxonomy.parent(label), coarse_index, s_coarse
                    if label not in index:
                        return []
                column = _sigmoid(scores[:, index[label]])
                top = np.argsort(-column)[: self.evidence_sentences]
                return [Evidence(sentences[i].start, sentences[i].end, sentences[i].text, round(float(column[i]), 4)) for i in top]

            narratives = [LabelScore(lbl, round(p, 4), evidence(lbl, coarse_index, s_coarse if sentences else None)) for lbl, p in prediction.narratives]
            subnarratives = [LabelScore(lbl, round(p, 4), evidence(lbl, fine_index, s_fine if sentences else None)) for lbl, p in prediction.subnarratives]
            results.append((narratives, subnarratives))
        return results

    # ---- persistence ----------------------------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        keys = ("word_features", "char_features", "C", "coarse_threshold", "fine_threshold", "parent_factor",
                "min_top_prob", "max_chars", "embedder", "evidence_sentences")
        return {k: getattr(self, k) for k in keys}

    def save(self, path: Path | str) -> None:
        """Write ``config.json`` and ``weights.npz`` (vocabularies, idf, heads as float16) to the directory ``path``."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        config = self.config() | {"coarse_labels": self.coarse_labels_, "fine_labels": self.fine_labels_, "format": 1}
        (path / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
        arrays: dict[str, np.ndarray] = {}
        for name, vec in (("word", self.word_vectorizer_), ("char", self.char_vectorizer_)):
            terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
            arrays[f"{name}_terms"] = np.array(terms, dtype=object).astype(str)
            arrays[f"{name}_idf"] = vec.idf_.astype(np.float32)
        # Heads are sparse-ish after L2 logistic regression on TF-IDF: store float16, exact enough for ranking.
        for name in ("coarse_W_", "coarse_b_", "fine_W_", "fine_b_"):
            arrays[name.rstrip("_")] = getattr(self, name).astype(np.float16 if name.endswith("W_") else np.float32)
        np.savez_compressed(path / "weights.npz", **arrays)

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL_DIR) -> NarrativeClassifier:
        """Load a model saved with ``save``."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        path = Path(path)
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            arrays = np.load(path / "weights.npz", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path}: not a narrascope narrative model ({exc}); train one with `narrascope train`") from exc
        params = {k: config[k] for k in cls().config() if k in config}
        model = cls(**params)
        model.coarse_labels_ = list(config["coarse_labels"])
        model.fine_labels_ = list(config["fine_labels"])
        for name, kwargs in (
            ("word", dict(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)),
            ("char", dict(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32)),
        ):
            vec = TfidfVectorizer(**kwargs)
            vec.vocabulary_ = {str(t): i for i, t in enumerate(arrays[f"{name}_terms"])}
            vec.idf_ = arrays[f"{name}_idf"].astype(np.float32)
            setattr(model, f"{name}_vectorizer_", vec)
        model.coarse_W_ = arrays["coarse_W"].astype(np.float32)
        model.coarse_b_ = arrays["coarse_b"].astype(np.float32)
        model.fine_W_ = arrays["fine_W"].astype(np.float32)
        model.fine_b_ = arrays["fine_b"].astype(np.float32)
        return model


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


class NarrativeStep:
    """Pipeline step: fills ``Analysis.narratives`` / ``subnarratives`` (with evidence) from a ``NarrativeClassifier``."""

    name = "narratives"

    def __init__(self, model: str | Path | None = None) -> None:
        self.model_path = Path(model) if model else DEFAULT_MODEL_DIR
        self._model: NarrativeClassifier | None = None

    @property
    def model(self) -> NarrativeClassifier:
        if self._model is None:
            self._model = NarrativeClassifier.load(self.model_path)
        return self._model

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Any]) -> None:
        for analysis, (narratives, subnarratives) in zip(analyses, self.model.predict_with_evidence(documents)):
            analysis.narratives = narratives
            analysis.subnarratives = subnarratives
            analysis.model = f"narratives:{self.model_path.name}"
            analysis.taxonomy = self.model.taxonomy.name
