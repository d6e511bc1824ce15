"""Training and cross-validating the entity models (subtask 1): the role framer (``out_of_fold``,
``cross_validate_framer``, ``train_framer``) and entity salience (``salience_examples``, ``cross_validate_salience``),
on a corpus with annotated mentions, folds by document."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from narrascope.annotations import MentionAnnotation, mention_span, official_span
from narrascope.components.entities.framer import MAIN_ROLES, EntityFramer, MentionContext, RolePrediction
from narrascope.components.entities.gazetteer import Gazetteer
from narrascope.components.entities.mentions import find_mentions
from narrascope.components.entities.salience import EntitySalience, entity_features
from narrascope.errors import InputError
from narrascope.semeval.metrics import score_subtask1
from narrascope.training.folds import document_folds

log = logging.getLogger(__name__)


def corpus_examples(
    corpus: Any, use_narratives: bool = False
) -> tuple[list[str], list[MentionContext], list[tuple[str, list[str]]]]:
    """``(document ids, contexts, labels)`` for every annotated mention of a ``SemevalCorpus``, in file order.

    Gold narratives are left out by default: at prediction time only predicted ones exist.
    """
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


@dataclass
class OutOfFold:
    """Out-of-fold scores of a framer CV: one row per annotated mention (``corpus_examples`` order).

    ``main`` is ``(n, 3)`` in ``MAIN_ROLES`` order and ``fine`` ``(n, 22)`` in ``framer.fine_roles_`` order, each row
    scored by the fold model that did not see the mention's document; ``framer`` is the last fold's model (for its
    role lists and ``decode``)."""

    ids: list[str]
    contexts: list[MentionContext]
    labels: list[tuple[str, list[str]]]
    main: np.ndarray
    fine: np.ndarray
    framer: EntityFramer

    def predictions(self, main: np.ndarray | None = None) -> list[RolePrediction]:
        """Decoded predictions (``main``: other main-role scores, e.g. the gold roles one-hot, for headroom studies)."""
        order = [MAIN_ROLES.index(c) for c in self.framer.classes_]
        return self.framer.decode((self.main if main is None else main)[:, order], self.fine)

    def score(self, corpus: Any, predictions: Sequence[RolePrediction] | None = None) -> Any:
        """Official subtask-1 scores (``Subtask1Scores``, overall and per language) of ``predictions``."""
        predictions = self.predictions() if predictions is None else predictions
        gold: dict[str, list[MentionAnnotation]] = {}
        pred: dict[str, list[MentionAnnotation]] = {}
        for doc_id, ctx, (main, fine), p in zip(self.ids, self.contexts, self.labels, predictions, strict=True):
            start, end = official_span(ctx.text, ctx.start, ctx.end)
            gold.setdefault(doc_id, []).append(MentionAnnotation(doc_id, ctx.mention, start, end, main, fine))
            pred.setdefault(doc_id, []).append(MentionAnnotation(doc_id, ctx.mention, start, end, p.main_role, p.fine_roles))
        languages = {d.id: (d.language or "unknown").upper() for d in corpus.documents.values()}
        return score_subtask1(gold, pred, languages=languages)


def out_of_fold(corpus: Any, n_folds: int = 5, seed: int = 0, **params: Any) -> OutOfFold:
    """Out-of-fold main and fine scores of ``EntityFramer(**params)``, ``n_folds`` folds by document."""
    params.setdefault("taxonomy", corpus.taxonomy)
    ids, contexts, labels = corpus_examples(corpus)
    if not ids:
        raise InputError("no annotated entity mention to cross-validate on (subtask-1-annotations.txt and its "
                         "raw-documents/)")
    folds = np.array(document_folds(ids, n_folds, seed))
    main = np.zeros((len(ids), len(MAIN_ROLES)))
    fine: np.ndarray | None = None
    framer: EntityFramer | None = None
    for k in range(n_folds):
        train = np.flatnonzero(folds != k)
        test = np.flatnonzero(folds == k)
        framer = EntityFramer(**params).fit([contexts[i] for i in train], [labels[i] for i in train])
        m, f = framer.predict_proba([contexts[i] for i in test])
        for j, c in enumerate(framer.classes_):
            main[test, MAIN_ROLES.index(c)] = m[:, j]
        fine = np.zeros((len(ids), f.shape[1])) if fine is None else fine
        fine[test] = f
        log.info("fold %d/%d done", k + 1, n_folds)
    assert framer is not None and fine is not None
    return OutOfFold(ids, contexts, labels, main, fine, framer)


def cross_validate_framer(corpus: Any, n_folds: int = 5, seed: int = 0, **params: Any) -> Any:
    """5-fold CV by document on a ``SemevalCorpus``; returns ``Subtask1Scores`` (overall and per language)."""
    return out_of_fold(corpus, n_folds, seed, **params).score(corpus)


def train_framer(corpus: Any, path: Path | str | None = None, model_card: str | None = None, **params: Any) -> EntityFramer:
    """Fit a framer on every annotated mention of ``corpus`` (all languages); save it to ``path`` when given."""
    params.setdefault("taxonomy", corpus.taxonomy)
    _, contexts, labels = corpus_examples(corpus)
    framer = EntityFramer(**params).fit(contexts, labels)
    if path is not None:
        framer.save(path, model_card=model_card)
    return framer


def salience_examples(corpus: Any, n_folds: int = 5, seed: int = 0) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """``(document id, fold, features, framed?)`` per entity of the annotated documents of a ``SemevalCorpus``.

    Mentions are found as ``narrascope analyze`` finds them (NER + gazetteer), but with a gazetteer built from the
    other folds' annotations; an entity counts as framed when one of its mentions overlaps an annotated mention.
    """
    doc_ids = sorted(d for d in corpus.mentions if d in corpus.documents)
    folds = dict(zip(doc_ids, document_folds(doc_ids, n_folds, seed)))
    gazetteers = {
        k: Gazetteer.build([m for d, ms in corpus.mentions.items() if folds.get(d) != k for m in ms]) for k in range(n_folds)
    }
    ids, fold, rows, framed = [], [], [], []
    for doc_id in doc_ids:
        doc = corpus.documents[doc_id]
        gazetteer = gazetteers[folds[doc_id]]
        found = find_mentions(doc.text, doc.language, gazetteer=gazetteer)
        if not found:
            continue
        gold = [mention_span(doc.text, m) for m in corpus.mentions[doc_id]]
        keys, X = entity_features(found, doc.text, doc.language, gazetteer)
        hit = {m.entity or m.text for m in found if any(s < m.end and m.start < e for s, e in gold)}
        ids += [doc_id] * len(keys)
        fold += [folds[doc_id]] * len(keys)
        rows.append(X)
        framed += [k in hit for k in keys]
    return ids, np.asarray(fold), np.vstack(rows), np.asarray(framed, dtype=bool)


def cross_validate_salience(folds: np.ndarray, X: np.ndarray, y: np.ndarray, C: float = 1.0) -> np.ndarray:
    """Out-of-fold probabilities over the folds of ``salience_examples`` (whose gazetteers left each fold out)."""
    out = np.zeros(len(y))
    for k in np.unique(folds):
        train, test = folds != k, folds == k
        out[test] = EntitySalience(C).fit(X[train], y[train]).predict_proba(X[test])
    return out
