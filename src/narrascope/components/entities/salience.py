"""Entity salience: how likely a found entity is one the article frames (one that SemEval annotators annotated).

NER and the gazetteer find every name in an article (dozens per article, 16% of them framed by the annotators), so
"who is cast as what" needs a ranking. ``EntitySalience`` is a logistic regression over a few document-level facts
about each entity's mentions: how often and how early it is mentioned, whether it is in the title or lead, how often
the name was annotated in the training data (the gazetteer count), which finder found it and its NER label, the shape
of the name and the article's language. Fitted on ``salience_examples`` of the training release, whose gazetteer
feature comes from the *other* folds' annotations, so it is honest for unseen articles
(``benchmarks/entities.py --part salience --save-salience``); shipped as JSON weights.

    from narrascope.components.entities.salience import shipped_salience
    scores = shipped_salience().score(found_mentions, text, language)   # {entity key: probability}
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.components.estimator import Estimator, check_shape, model_directory, read_config
from narrascope.errors import ModelError
from narrascope.shipped import MODELS_DIR

SHIPPED_SALIENCE = MODELS_DIR / "salience"
LEAD_CHARS = 150
LANGUAGES = ("bg", "en", "hi", "pt", "ru")
LABELS = {"PER": "person", "PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "NORP": "group"}
FEATURES = (
    "log_mentions", "mention_share", "first_position", "in_title_or_lead", "most_mentioned", "log_gazetteer_count",
    "any_gazetteer", "only_gazetteer", "lowercase", "words", "log_entities",
    "label_person", "label_org", "label_place", "label_group", "label_none",
    *(f"lang_{lang}" for lang in LANGUAGES),
)


def _lead_end(text: str) -> int:
    """End of the title (first line) or of the first ``LEAD_CHARS`` characters, whichever is later."""
    first = text.find("\n")
    return max(first if first >= 0 else len(text), LEAD_CHARS)


def entity_features(mentions: Sequence[Any], text: str, language: str | None, gazetteer: Any) -> tuple[list[str], np.ndarray]:
    """``(entity keys, (n_entities, len(FEATURES)) matrix)`` for found mentions (``FoundMention`` with ``entity``).

    ``gazetteer`` gives the training count of a name (``gazetteer.get(name).count``); pass the gazetteer that found the
    mentions. Entities are in order of first mention.
    """
    groups: dict[str, list[Any]] = {}
    for m in sorted(mentions, key=lambda m: m.start):
        groups.setdefault(m.entity or m.text, []).append(m)
    total = max(1, len(mentions))
    most = max((len(ms) for ms in groups.values()), default=0)
    lead = _lead_end(text)
    length = max(1, len(text))
    rows = []
    for key, ms in groups.items():
        counts = [(e.count if (e := gazetteer.get(m.text)) is not None else 0) for m in ms]
        labels = {LABELS.get(m.label or "", "none") for m in ms}
        sources = {m.source for m in ms}
        row = [
            math.log1p(len(ms)), len(ms) / total, ms[0].start / length, float(ms[0].start < lead), float(len(ms) == most),
            math.log1p(max(counts)), float("gazetteer" in sources), float(sources == {"gazetteer"}),
            float(key[:1].islower()), float(len(key.split())), math.log1p(len(groups)),
            *(float(label in labels) for label in ("person", "org", "place", "group", "none")),
            *(float((language or "").lower()[:2] == lang) for lang in LANGUAGES),
        ]
        rows.append(row)
    return list(groups), np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


class EntitySalience(Estimator):
    """Logistic regression over ``FEATURES`` (standardised); ``score`` gives each entity a probability."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: np.ndarray, y: Sequence[bool]) -> EntitySalience:
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(FEATURES) or len(X) != len(y) or len(set(y)) < 2:
            raise ModelError(f"EntitySalience.fit needs a (n, {len(FEATURES)}) matrix and labels of both classes")
        self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0) + 1e-9
        model = LogisticRegression(C=self.C, max_iter=2000).fit((X - self.mean_) / self.scale_, np.asarray(y, dtype=bool))
        self.coef_, self.intercept_ = model.coef_[0], float(model.intercept_[0])
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``(n,)`` probabilities that each entity is framed."""
        if not hasattr(self, "coef_"):
            raise ModelError("EntitySalience is not fitted: call fit() or EntitySalience.load(path)")
        X = np.asarray(X, dtype=np.float64).reshape(-1, len(FEATURES))
        return 1.0 / (1.0 + np.exp(-(((X - self.mean_) / self.scale_) @ self.coef_ + self.intercept_)))

    def score(self, mentions: Sequence[Any], text: str, language: str | None, gazetteer: Any = None) -> dict[str, float]:
        """``{entity key: probability}`` for the found mentions of one document (default: the shipped gazetteer)."""
        if not mentions:
            return {}
        if gazetteer is None:
            from narrascope.components.entities.mentions import default_gazetteer

            gazetteer = default_gazetteer()
        keys, X = entity_features(mentions, text, language, gazetteer)
        return {k: float(p) for k, p in zip(keys, self.predict_proba(X))}

    def save(self, path: Path | str, model_card: str | None = None) -> None:
        """Write ``salience.json`` (features, standardisation, weights) and ``MODEL_CARD.md`` to ``path``."""
        with model_directory(path) as tmp:
            self._write(tmp, model_card)

    def _write(self, path: Path, model_card: str | None) -> None:
        state = {
            "format": "narrascope-entity-salience/1", "features": list(FEATURES), "C": self.C,
            "mean": [round(float(v), 6) for v in self.mean_], "scale": [round(float(v), 6) for v in self.scale_],
            "coef": [round(float(v), 6) for v in self.coef_], "intercept": round(self.intercept_, 6),
        }
        (path / "salience.json").write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
        if model_card is not None:
            (path / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str = SHIPPED_SALIENCE) -> EntitySalience:
        """Load a model written by ``save``; a model built for other features is refused."""
        file = Path(path) / "salience.json"
        try:
            state = read_config(file)
        except ModelError as exc:
            raise ModelError(f"no usable salience model: {exc}") from None
        if state.get("format") != "narrascope-entity-salience/1" or state.get("features") != list(FEATURES):
            raise ModelError(f"{file}: not a salience model for this narrascope version's features")
        try:
            model = cls(C=float(state["C"]))
            model.mean_, model.scale_ = np.array(state["mean"], dtype=float), np.array(state["scale"], dtype=float)
            model.coef_, model.intercept_ = np.array(state["coef"], dtype=float), float(state["intercept"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{file}: incomplete salience model ({type(exc).__name__}: {exc})") from None
        for name in ("mean_", "scale_", "coef_"):
            check_shape(file, name.rstrip("_"), getattr(model, name), (len(FEATURES),))
        return model


@lru_cache(maxsize=1)
def shipped_salience() -> EntitySalience:
    """The salience model shipped in ``narrascope/models/salience/``, loaded once."""
    return EntitySalience.load(SHIPPED_SALIENCE)
