"""The review loop's persistence, mixed into the SQLite and PostgreSQL stores (over ``SQLStore``'s plumbing).

Two tables (schema version 3):

- ``reviews``: the current decision per document, kind (``narrative``, ``subnarrative``, ``entity``) and target
  (the label, or the entity key): ``accepted`` or ``rejected``, with ``value`` the entity's main role;
- ``review_audit``: every change as a new row (who, when, action, state before and after, as JSON). Triggers make
  it append-only: an ``UPDATE``, ``DELETE`` (or PostgreSQL ``TRUNCATE``) of it fails.

A document is *reviewed* once it has a decision. Its reviewed labels are the model's labels that were not rejected
plus the ones accepted or added; a rejected narrative takes along its subnarratives not accepted, and the bare ``Other``
(no narrative) is left out (``reviewed_examples``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from narrascope.documents import Analysis, LabelScore, entity_summary
from narrascope.errors import InputError
from narrascope.training.labelled import LabelledDocument, belongs_to
from narrascope.store.base import Page, QueueItem, Review, ReviewChange
from narrascope.store.sql import now
from narrascope.taxonomy import OTHER

REVIEW_KINDS = ("narrative", "subnarrative", "entity")
REVIEW_STATUSES = ("accepted", "rejected")
REVIEW_COLUMNS = "document_id, kind, target, status, value, user_name, updated_at"
AUDIT_COLUMNS = "id, document_id, kind, target, action, before_state, after_state, user_name, created_at"


Decision = tuple[str, str, str, str | None]
"""One current decision: ``(kind, target, status, value)`` as in the ``reviews`` table."""


def apply_decisions(analysis: Analysis, decisions: Sequence[Decision]) -> Analysis:
    """The one decision rule: the labels and roles an article carries once a person reviewed it.

    Every page, count, trend, export and API answer goes through it (``Store.get_analysis`` returns its result and
    the ``labels`` / ``entities`` tables hold it), so they all agree. Without decisions the article carries the labels
    the model decided (with its own tuned thresholds: the scores are its confidence, not a second cut-off). With them:

    - a rejected label is dropped; a rejected narrative takes along its subnarratives that were not accepted;
    - an accepted or added label the model did not give is added (score 1.0, no evidence); an added subnarrative
      brings its narrative unless that was rejected;
    - the bare ``Other`` goes once a real narrative is there, and comes back when none is left;
    - an entity's rejected role drops its mentions; an accepted role becomes the role of all its mentions (their fine
      roles go when it changes);
    - the explanation stays only while the labels it explains do.

    The result is a copy marked ``reviewed``; the model's own analysis is left as it was.
    """
    if not decisions:
        return analysis
    status = {(kind, target): (state, value) for kind, target, state, value in decisions}
    rejected = {target for (kind, target), (state, _) in status.items() if kind != "entity" and state == "rejected"}
    accepted = {target for (kind, target), (state, _) in status.items() if kind != "entity" and state == "accepted"}
    fine_added = [t for (kind, t), (state, _) in status.items() if kind == "subnarrative" and state == "accepted"]
    coarse_added = [t for (kind, t), (state, _) in status.items() if kind == "narrative" and state == "accepted"]
    coarse_added += [parent_label(t) for t in fine_added if t != OTHER and parent_label(t) not in rejected]
    narratives = _decided(analysis.narratives, coarse_added, lambda label: label not in rejected)
    subnarratives = _decided(analysis.subnarratives, fine_added, lambda label: label not in rejected and (
        label in accepted or not any(belongs_to(label, n) for n in rejected)))
    if any(n.label != OTHER for n in narratives):
        narratives = [n for n in narratives if n.label != OTHER]
        subnarratives = [s for s in subnarratives if s.label != OTHER]
    else:
        narratives = [n for n in narratives if n.label == OTHER] or [LabelScore(OTHER, 1.0)]
        subnarratives = [s for s in subnarratives if s.label == OTHER] or [LabelScore(OTHER, 1.0)]
    entities = []
    for mention in analysis.entities:
        key = mention.entity or mention.text
        state, value = status.get(("entity", key), (None, None))
        if state == "rejected":
            continue
        if state == "accepted" and value and value != mention.main_role:
            mention = replace(mention, main_role=value, fine_roles=[])
        entities.append(mention)
    explanation = analysis.explanation
    kept = {n.label for n in narratives} | {s.label for s in subnarratives}
    if explanation and (explanation.narrative not in kept or (explanation.subnarrative or explanation.narrative) not in kept):
        explanation = None
    return replace(analysis, narratives=narratives, subnarratives=subnarratives, entities=entities,
                   explanation=explanation, reviewed=True)


def parent_label(subnarrative: str) -> str:
    """The narrative a subnarrative label belongs to (``URW: A: B`` → ``URW: A``)."""
    return subnarrative.rsplit(": ", 1)[0]


def _decided(scores: Sequence[LabelScore], added: Sequence[str], keep: Callable[[str], bool]) -> list[LabelScore]:
    """``scores`` that ``keep`` keeps, then the ``added`` labels not among them (score 1.0: a person's decision)."""
    kept = [s for s in scores if keep(s.label)]
    have = {s.label for s in kept}
    for label in dict.fromkeys(added):
        if label not in have and keep(label):
            kept.append(LabelScore(label, 1.0))
            have.add(label)
    return kept


def _change(row: tuple) -> ReviewChange:
    return ReviewChange(int(row[0]), row[1], row[2], row[3], row[4], json.loads(row[5]) if row[5] else None,
                        json.loads(row[6]), row[7], row[8])


class ReviewSQL:
    """Review methods over ``SQLStore``'s plumbing (``_execute``, ``_all``, ``_one``, ``transaction``)."""

    _all: Any
    _one: Any
    _execute: Any
    transaction: Any
    _write_parts: Any
    _model_analysis: Any
    recounted: Any

    def _decisions(self, document_id: str) -> list[Decision]:
        return [tuple(r) for r in self._all(
            "SELECT kind, target, status, value FROM reviews WHERE document_id = ? ORDER BY kind, target", (document_id,))]

    def _reviewed_analysis(self, analysis: Analysis) -> Analysis:
        """``analysis`` with the document's decisions applied (``apply_decisions``)."""
        return apply_decisions(analysis, self._decisions(analysis.document_id))

    def _keep_reviewed_labels(self, document_id: str) -> None:
        """Before a new analysis replaces the stored one of a reviewed document: the labels and roles the reviewer
        left as the model gave them become accepted decisions (audit action ``keep``), so the document keeps its
        reviewed labels whatever the new model says."""
        decisions = self._decisions(document_id)
        old = self._model_analysis(document_id) if decisions else None
        if old is None:
            return
        current = apply_decisions(old, decisions)
        decided = {(kind, target) for kind, target, _, _ in decisions}
        stamp = now()
        rows = [(kind, s.label, None) for kind, scores in (("narrative", current.narratives),
                                                           ("subnarrative", current.subnarratives))
                for s in scores if s.label != OTHER]
        rows += [("entity", e["entity"], e["main_role"]) for e in entity_summary(current.entities)
                 if e["main_role"] != "Unknown"]
        for kind, target, value in rows:
            if (kind, target) in decided:
                continue
            before = self._model_state(document_id, kind, target)
            self._record(document_id, kind, target, "accepted", value, "narrascope", "keep", before, stamp)

    def _model_state(self, document_id: str, kind: str, target: str) -> dict[str, Any] | None:
        """What the stored analysis says about ``target``: its score, or the entity's majority main role."""
        analysis = self._model_analysis(document_id)
        if analysis is None:
            return None
        if kind == "entity":
            roles = {e["entity"]: e["main_role"] for e in entity_summary(analysis.entities) if e["main_role"] != "Unknown"}
            return {"status": "predicted", "value": roles[target]} if target in roles else None
        scores = analysis.narratives if kind == "narrative" else analysis.subnarratives
        score = next((s.score for s in scores if s.label == target), None)
        return {"status": "predicted", "score": round(float(score), 4)} if score is not None else None

    def _record(self, document_id: str, kind: str, target: str, status: str, value: str | None, user: str,
                action: str, before: dict[str, Any] | None, stamp: str) -> tuple:
        """Write the current decision and its audit row; returns the audit row."""
        self._execute(
            "INSERT INTO reviews (document_id, kind, target, status, value, user_name, updated_at) VALUES"
            " (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (document_id, kind, target) DO UPDATE SET status = excluded.status,"
            " value = excluded.value, user_name = excluded.user_name, updated_at = excluded.updated_at",
            (document_id, kind, target, status, value, user, stamp))
        return self._one(
            f"INSERT INTO review_audit ({AUDIT_COLUMNS.removeprefix('id, ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            f" RETURNING {AUDIT_COLUMNS}",
            (document_id, kind, target, action, json.dumps(before, ensure_ascii=False) if before else None,
             json.dumps({"status": status, "value": value}, ensure_ascii=False), user, stamp))

    def _relabel(self, document_id: str) -> None:
        """Rewrite the document's ``labels``, ``entities`` and ``explanations`` rows with its reviewed analysis, so
        that counts, trends and filters use the reviewed labels at once."""
        analysis = self._model_analysis(document_id) or Analysis(document_id)  # a hand-labelled article: no analysis
        self._write_parts(self._reviewed_analysis(analysis))

    def review(self, document_id: str, kind: str, target: str, status: str, value: str | None = None,
               user: str = "analyst", action: str | None = None) -> ReviewChange:
        """Record a decision (see ``Store.review``); the ``reviews`` row, the audit row and the document's reviewed
        labels commit together. ``value`` is an entity's main role (ignored for labels); the action is ``accept``,
        ``reject``, ``add`` (a label or entity the model did not give) or ``change`` (another role than the model's
        or the last decision's) unless given."""
        if kind not in REVIEW_KINDS:
            raise InputError(f"unknown review kind {kind!r}; use one of {', '.join(REVIEW_KINDS)}", document_id)
        if status not in REVIEW_STATUSES:
            raise InputError(f"unknown review status {status!r}; use accepted or rejected", document_id)
        if not target.strip():
            raise InputError("a review needs a label or an entity", document_id)
        if kind != "entity" or status == "rejected":
            value = None
        stamp = now()
        with self.transaction():
            if self._one("SELECT 1 FROM documents WHERE id = ?", (document_id,)) is None:
                raise InputError("no such document in the corpus", document_id)
            row = self._one("SELECT status, value, user_name, updated_at FROM reviews WHERE document_id = ? AND kind = ?"
                            " AND target = ?", (document_id, kind, target))
            model = self._model_state(document_id, kind, target)
            before: dict[str, Any] | None = (
                {"status": row[0], "value": row[1], "user": row[2], "at": row[3]} if row else model)
            if kind == "entity" and status == "accepted" and value is None and before:
                value = before.get("value")
            if action is None:
                earlier_role = before.get("value") if before and before["status"] != "rejected" else None
                if status == "rejected":
                    action = "reject"
                elif not model and not (row and row[0] == "accepted"):
                    action = "add"
                elif kind == "entity" and earlier_role is not None and value != earlier_role:
                    action = "change"
                else:
                    action = "accept"
            inserted = self._record(document_id, kind, target, status, value, user, action, before, stamp)
            with self.recounted([document_id]):  # the daily counts (trends) follow the reviewed labels
                self._relabel(document_id)
        return _change(inserted)

    def reviews(self, document_id: str) -> list[Review]:
        rows = self._all(f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE document_id = ? ORDER BY kind, target",
                         (document_id,))
        return [Review(*r) for r in rows]

    def review_history(self, document_id: str | None = None, limit: int = 100, user: str | None = None,
                       action: str | None = None, kind: str | None = None, offset: int = 0) -> list[ReviewChange]:
        where, params = [], []
        for column, value in (("document_id", document_id), ("user_name", user), ("action", action), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        condition = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self._all(f"SELECT {AUDIT_COLUMNS} FROM review_audit {condition}ORDER BY id DESC LIMIT ? OFFSET ?",
                         params + [limit, offset])
        return [_change(r) for r in rows]

    def review_queue(self, limit: int = 20, offset: int = 0, coarse_threshold: float = 0.4,
                     fine_threshold: float = 0.25) -> Page[QueueItem]:
        base = ("FROM documents d WHERE EXISTS (SELECT 1 FROM analyses a WHERE a.document_id = d.id)"
                " AND NOT EXISTS (SELECT 1 FROM duplicates x WHERE x.document_id = d.id)")
        total = int(self._one(f"SELECT COUNT(*) {base}")[0])
        rows = self._all(
            "SELECT d.id, d.title, d.language, (SELECT MIN(ABS(l.score - CASE WHEN l.level = 'narrative' THEN ? ELSE ?"
            " END)) FROM labels l WHERE l.document_id = d.id) AS margin, CASE WHEN EXISTS (SELECT 1 FROM reviews r"
            f" WHERE r.document_id = d.id) THEN 1 ELSE 0 END AS reviewed {base}"
            " ORDER BY reviewed, margin NULLS LAST, d.id LIMIT ? OFFSET ?",
            (coarse_threshold, fine_threshold, limit, offset))
        items = []
        for doc_id, title, language, margin, reviewed in rows:
            item = QueueItem(doc_id, title, language, float(margin) if margin is not None else None,
                             reviewed=bool(reviewed))
            if margin is not None:
                scored = self._all("SELECT level, label, score FROM labels WHERE document_id = ?", (doc_id,))
                level, item.label, score = min(scored, key=lambda r: (
                    abs(float(r[2]) - (coarse_threshold if r[0] == "narrative" else fine_threshold)), r[1]))
                item.score = float(score)
            items.append(item)
        return Page(items, total, limit, offset)

    def reviewed_examples(self, document_id: str | None = None) -> list[LabelledDocument]:
        where, params = (" WHERE document_id = ?", (document_id,)) if document_id is not None else ("", ())
        decided: dict[str, list[Decision]] = {}
        for row in self._all(f"SELECT document_id, kind, target, status, value FROM reviews{where} ORDER BY document_id,"
                             " kind, target", params):
            decided.setdefault(row[0], []).append(tuple(row[1:]))
        examples = []
        for doc_id, decisions in decided.items():
            doc = self._one("SELECT text, language FROM documents WHERE id = ?", (doc_id,))
            if doc is None:
                continue
            analysis = apply_decisions(self._model_analysis(doc_id) or Analysis(doc_id), decisions)
            roles = {e["entity"]: e["main_role"] for e in entity_summary(analysis.entities) if e["main_role"] != "Unknown"}
            roles.update({target: value for kind, target, status, value in decisions
                          if kind == "entity" and status == "accepted" and value})
            examples.append(LabelledDocument(
                doc_id, doc[0], doc[1], [n.label for n in analysis.narratives if n.label != OTHER],
                [s.label for s in analysis.subnarratives if s.label != OTHER], roles))
        return examples
