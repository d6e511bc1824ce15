"""Entity framing (SemEval subtask 1): the role a news article casts a named entity in.

``EntityFramer`` follows the scikit-learn contract. Each example is one mention in context: the words around the
mention (a character window clipped to whole words), the mention string itself (character n-grams: an entity-name
prior shared across languages) and, when known, the document's narratives. A logistic regression predicts the main
role (Protagonist / Antagonist / Innocent); one-vs-rest logistic regressions score the 22 fine roles, and the
prediction keeps the fine roles of the predicted main role whose probability clears ``fine_threshold`` (at least the
best one).
"""

from __future__ import annotations

import json
import logging
import pickle
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.errors import ModelError
from narrascope.registry import framers

log = logging.getLogger(__name__)

MAIN_ROLES = ("Protagonist", "Antagonist", "Innocent")
SHIPPED_FRAMER = Path(__file__).parent / "framer"


@dataclass
class MentionContext:
    """One mention to frame: ``text[start:end]`` is the mention (Python offsets, end exclusive)."""

    text: str
    start: int
    end: int
    narratives: list[str] = field(default_factory=list)

    @property
    def mention(self) -> str:
        return self.text[self.start : self.end]


@dataclass
class RolePrediction:
    main_role: str
    fine_roles: list[str]
    score: float


def _context_window(ctx: MentionContext, width: int) -> str:
    left = ctx.text[max(0, ctx.start - width) : ctx.start]
    right = ctx.text[ctx.end : ctx.end + width]
    left = left.split(None, 1)[-1] if ctx.start > width and " " in left else left
    right = right.rsplit(None, 1)[0] if " " in right else right
    return f"{left} ENTMENTION {right}"


def _narrative_tokens(narratives: Sequence[str]) -> str:
    return " ".join("NARR_" + "".join(ch for ch in n if ch.isalnum()) for n in narratives)


def _role_map() -> dict[str, str]:
    from narrascope.taxonomy import load_default_taxonomy

    taxonomy = load_default_taxonomy()
    return {role: taxonomy.role_main(role) for role in taxonomy.fine_roles}


@framers.register("tfidf")
class EntityFramer:
    """Classify mentions in context into a main role and fine roles (TF-IDF + logistic regression)."""

    def __init__(self, window: int = 200, C: float = 4.0, fine_threshold: float = 0.35, max_features: int = 30000) -> None:
        self.window = window
        self.C = C
        self.fine_threshold = fine_threshold
        self.max_features = max_features

    # --- features -------------------------------------------------------------------------------------------------
    def _features(self, contexts: Sequence[MentionContext], fit: bool = False) -> Any:
        from scipy.sparse import hstack

        windows = [_context_window(c, self.window) + " " + _narrative_tokens(c.narratives) for c in contexts]
        names = [c.mention.lower() for c in contexts]
        if fit:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.context_vectorizer_ = TfidfVectorizer(
                ngram_range=(1, 2), min_df=2, max_features=self.max_features, sublinear_tf=True, lowercase=True
            )
            self.name_vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, max_features=8000)
            return hstack([self.context_vectorizer_.fit_transform(windows), self.name_vectorizer_.fit_transform(names)]).tocsr()
        return hstack([self.context_vectorizer_.transform(windows), self.name_vectorizer_.transform(names)]).tocsr()

    # --- estimator contract ---------------------------------------------------------------------------------------
    def fit(self, contexts: Sequence[MentionContext], labels: Sequence[tuple[str, Sequence[str]]]) -> EntityFramer:
        """Fit on mentions and their ``(main_role, fine_roles)`` labels."""
        from sklearn.linear_model import LogisticRegression

        if len(contexts) != len(labels) or not contexts:
            raise ModelError(f"EntityFramer.fit needs as many labels as mentions (got {len(contexts)} and {len(labels)})")
        self.role_main_ = _role_map()
        self.fine_roles_ = sorted(self.role_main_)
        X = self._features(contexts, fit=True)
        mains = [main for main, _ in labels]
        self.main_model_ = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced").fit(X, mains)
        self.fine_models_: dict[str, Any] = {}
        self.fine_priors_: dict[str, float] = {}
        for role in self.fine_roles_:
            y = np.array([role in fine for _, fine in labels], dtype=int)
            self.fine_priors_[role] = float(y.mean())
            if 0 < y.sum() < len(y):
                self.fine_models_[role] = LogisticRegression(C=self.C, max_iter=2000).fit(X, y)
        return self

    def predict_proba(self, contexts: Sequence[MentionContext]) -> tuple[np.ndarray, np.ndarray]:
        """``(main, fine)`` probabilities: ``(n, len(classes_))`` over main roles and ``(n, len(fine_roles_))``."""
        self._check_fitted()
        X = self._features(contexts)
        main = self.main_model_.predict_proba(X)
        fine = np.zeros((len(contexts), len(self.fine_roles_)), dtype=float)
        for j, role in enumerate(self.fine_roles_):
            model = self.fine_models_.get(role)
            fine[:, j] = model.predict_proba(X)[:, 1] if model is not None else self.fine_priors_[role]
        return main, fine

    @property
    def classes_(self) -> list[str]:
        return list(self.main_model_.classes_)

    def predict(self, contexts: Sequence[MentionContext]) -> list[RolePrediction]:
        """Main role, the fine roles of that main role (at least one) and the main-role probability per mention."""
        if not contexts:
            return []
        main, fine = self.predict_proba(contexts)
        out = []
        for i in range(len(contexts)):
            k = int(main[i].argmax())
            role = self.classes_[k]
            allowed = [j for j, r in enumerate(self.fine_roles_) if self.role_main_[r] == role]
            best = max(allowed, key=lambda j: fine[i, j])
            # relative threshold: keep roles close to the best one, so a label set is predicted, not just one role
            keep = [j for j in allowed if fine[i, j] >= self.fine_threshold or j == best]
            keep.sort(key=lambda j: -fine[i, j])
            out.append(RolePrediction(role, [self.fine_roles_[j] for j in keep], float(main[i, k])))
        return out

    def _check_fitted(self) -> None:
        if not hasattr(self, "main_model_"):
            raise ModelError("EntityFramer is not fitted: call fit() or EntityFramer.load(path)")

    # --- persistence ----------------------------------------------------------------------------------------------
    def save(self, path: Path | str, model_card: str | None = None) -> None:
        """Write ``config.json``, ``model.pkl`` (learned state) and ``MODEL_CARD.md`` to directory ``path``."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        config = {"window": self.window, "C": self.C, "fine_threshold": self.fine_threshold, "max_features": self.max_features}
        (path / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        state = {k: v for k, v in self.__dict__.items() if k.endswith("_")}
        with open(path / "model.pkl", "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        if model_card is not None:
            (path / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str = SHIPPED_FRAMER) -> EntityFramer:
        """Load a framer written by ``save`` (default: the one shipped with narrascope)."""
        path = Path(path)
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            with open(path / "model.pkl", "rb") as fh:
                state = pickle.load(fh)
        except FileNotFoundError as exc:
            raise ModelError(f"no entity framer at {path}: {exc.filename} is missing") from None
        framer = cls(**config)
        framer.__dict__.update(state)
        return framer


_SHIPPED: EntityFramer | None = None


def shipped_framer() -> EntityFramer:
    """The framer shipped in the package, loaded once."""
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = EntityFramer.load(SHIPPED_FRAMER)
    return _SHIPPED


def summarize_roles(analysis: Any) -> dict[str, list[str]]:
    """Who is cast as what in one analysis: ``{main_role: [entity, ...]}`` (each entity once, by its first role)."""
    votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for m in analysis.entities:
        if m.main_role:
            votes[m.entity or m.text][m.main_role] += m.score or 1.0
    summary: dict[str, list[str]] = {}
    for entity, roles in votes.items():
        summary.setdefault(max(roles, key=roles.__getitem__), []).append(entity)
    return summary


# --- training data and cross-validation ---------------------------------------------------------------------------


def corpus_examples(
    corpus: Any, use_narratives: bool = False
) -> tuple[list[str], list[MentionContext], list[tuple[str, list[str]]]]:
    """``(document ids, contexts, labels)`` for every annotated mention of a ``SemevalCorpus``, in file order.

    Gold narratives are left out by default: at prediction time only predicted ones exist.
    """
    from narrascope.semeval.io import mention_span

    texts = {d.id: d.text for d in corpus.documents.values()}
    narratives = {k: list(a.narratives) for k, a in corpus.narratives.items()} if use_narratives else {}
    ids, contexts, labels = [], [], []
    for doc_id, mentions in corpus.mentions.items():
        text = texts.get(doc_id)
        if text is None:
            continue
        for m in mentions:
            start, end = mention_span(text, m)
            ids.append(doc_id)
            contexts.append(MentionContext(text, start, end, narratives.get(doc_id, [])))
            labels.append((m.main_role or "", list(m.fine_roles)))
    return ids, contexts, labels


def document_folds(doc_ids: Sequence[str], n_folds: int = 5, seed: int = 0) -> list[int]:
    """A fold number per example such that all mentions of one document share a fold."""
    unique = sorted(set(doc_ids))
    rng = np.random.default_rng(seed)
    rng.shuffle(unique)
    fold_of = {doc_id: i % n_folds for i, doc_id in enumerate(unique)}
    return [fold_of[d] for d in doc_ids]


def cross_validate_framer(corpus: Any, n_folds: int = 5, seed: int = 0, **params: Any) -> Any:
    """5-fold CV by document on a ``SemevalCorpus``; returns ``Subtask1Scores`` (overall and per language)."""
    from narrascope.semeval.io import MentionAnnotation
    from narrascope.semeval.metrics import score_subtask1

    ids, contexts, labels = corpus_examples(corpus)
    folds = np.array(document_folds(ids, n_folds, seed))
    predictions: list[RolePrediction | None] = [None] * len(ids)
    for k in range(n_folds):
        train = np.flatnonzero(folds != k)
        test = np.flatnonzero(folds == k)
        framer = EntityFramer(**params).fit([contexts[i] for i in train], [labels[i] for i in train])
        for i, p in zip(test, framer.predict([contexts[i] for i in test])):
            predictions[i] = p
        log.info("fold %d/%d done", k + 1, n_folds)
    gold: dict[str, list[MentionAnnotation]] = {}
    pred: dict[str, list[MentionAnnotation]] = {}
    for doc_id, ctx, (main, fine), p in zip(ids, contexts, labels, predictions):
        from narrascope.semeval.io import official_span

        start, end = official_span(ctx.text, ctx.start, ctx.end)
        gold.setdefault(doc_id, []).append(MentionAnnotation(doc_id, ctx.mention, start, end, main, fine))
        assert p is not None
        pred.setdefault(doc_id, []).append(MentionAnnotation(doc_id, ctx.mention, start, end, p.main_role, p.fine_roles))
    languages = {d.id: (d.language or "unknown").upper() for d in corpus.documents.values()}
    return score_subtask1(gold, pred, languages=languages)
