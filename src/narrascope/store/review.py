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
from collections.abc import Sequence
from typing import Any

from narrascope.errors import InputError
from narrascope.training.labelled import LabelledDocument, belongs_to
from narrascope.store.base import Page, QueueItem, Review, ReviewChange
from narrascope.store.sql import now
from narrascope.taxonomy import OTHER

REVIEW_KINDS = ("narrative", "subnarrative", "entity")
REVIEW_STATUSES = ("accepted", "rejected")
REVIEW_COLUMNS = "document_id, kind, target, status, value, user_name, updated_at"
AUDIT_COLUMNS = "id, document_id, kind, target, action, before_state, after_state, user_name, created_at"


def _change(row: tuple) -> ReviewChange:
    return ReviewChange(int(row[0]), row[1], row[2], row[3], row[4], json.loads(row[5]) if row[5] else None,
                        json.loads(row[6]), row[7], row[8])


class ReviewSQL:
    """Review methods over ``SQLStore``'s plumbing (``_execute``, ``_all``, ``_one``, ``transaction``)."""

    _all: Any
    _one: Any
    _execute: Any
    transaction: Any

    def _model_state(self, document_id: str, kind: str, target: str) -> dict[str, Any] | None:
        """What the stored analysis says about ``target``: its score, or the entity's majority main role."""
        if kind == "entity":
            roles = self._model_roles(document_id)
            return {"status": "predicted", "value": roles[target]} if target in roles else None
        row = self._one("SELECT score FROM labels WHERE document_id = ? AND level = ? AND label = ?",
                        (document_id, kind, target))
        return {"status": "predicted", "score": round(float(row[0]), 4)} if row else None

    def _model_roles(self, document_id: str) -> dict[str, str]:
        """Each entity's main role in the stored analysis (the role of most of its mentions)."""
        roles: dict[str, str] = {}
        for entity, role, _ in self._all(
                "SELECT entity, main_role, COUNT(*) FROM entities WHERE document_id = ? AND main_role IS NOT NULL"
                " GROUP BY entity, main_role ORDER BY entity, 3 DESC, main_role", (document_id,)):
            roles.setdefault(entity, role)
        return roles

    def review(self, document_id: str, kind: str, target: str, status: str, value: str | None = None,
               user: str = "analyst", action: str | None = None) -> ReviewChange:
        """Record a decision (see ``Store.review``); the ``reviews`` row and the audit row commit together."""
        if kind not in REVIEW_KINDS:
            raise InputError(f"unknown review kind {kind!r}; use one of {', '.join(REVIEW_KINDS)}", document_id)
        if status not in REVIEW_STATUSES:
            raise InputError(f"unknown review status {status!r}; use accepted or rejected", document_id)
        if not target.strip():
            raise InputError("a review needs a label or an entity", document_id)
        stamp = now()
        with self.transaction():
            if self._one("SELECT 1 FROM documents WHERE id = ?", (document_id,)) is None:
                raise InputError("no such document in the corpus", document_id)
            row = self._one("SELECT status, value, user_name, updated_at FROM reviews WHERE document_id = ? AND kind = ?"
                            " AND target = ?", (document_id, kind, target))
            model = self._model_state(document_id, kind, target)
            if row:
                before: dict[str, Any] | None = {"status": row[0], "value": row[1], "user": row[2], "at": row[3]}
            else:
                before = model
            if kind == "entity" and status == "accepted" and value is None and model:
                value = model.get("value")
            if action is None:
                action = "reject" if status == "rejected" else "accept" if model and (
                    kind != "entity" or model.get("value") == value) else "add"
            after = {"status": status, "value": value}
            self._execute(
                "INSERT INTO reviews (document_id, kind, target, status, value, user_name, updated_at) VALUES"
                " (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (document_id, kind, target) DO UPDATE SET status = excluded.status,"
                " value = excluded.value, user_name = excluded.user_name, updated_at = excluded.updated_at",
                (document_id, kind, target, status, value, user, stamp))
            inserted = self._one(
                f"INSERT INTO review_audit ({AUDIT_COLUMNS.removeprefix('id, ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                f" RETURNING {AUDIT_COLUMNS}",
                (document_id, kind, target, action, json.dumps(before, ensure_ascii=False) if before else None,
                 json.dumps(after, ensure_ascii=False), user, stamp))
        return _change(inserted)

    def reviews(self, document_id: str) -> list[Review]:
        rows = self._all(f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE document_id = ? ORDER BY kind, target",
                         (document_id,))
        return [Review(*r) for r in rows]

    def review_history(self, document_id: str | None = None, limit: int = 100) -> list[ReviewChange]:
        where, params = ("WHERE document_id = ? ", [document_id]) if document_id is not None else ("", [])
        rows = self._all(f"SELECT {AUDIT_COLUMNS} FROM review_audit {where}ORDER BY id DESC LIMIT ?", params + [limit])
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
        decided: dict[str, list[tuple]] = {}
        for row in self._all(f"SELECT document_id, kind, target, status, value FROM reviews{where} ORDER BY document_id",
                             params):
            decided.setdefault(row[0], []).append(row[1:])
        examples = []
        for doc_id, decisions in decided.items():
            doc = self._one("SELECT text, language FROM documents WHERE id = ?", (doc_id,))
            if doc is None:
                continue
            examples.append(self._reviewed(doc_id, doc[0], doc[1], decisions))
        return examples

    def _reviewed(self, doc_id: str, text: str, language: str | None, decisions: Sequence[tuple]) -> LabelledDocument:
        levels: dict[str, list[str]] = {"narrative": [], "subnarrative": []}
        for level, label in self._all("SELECT level, label FROM labels WHERE document_id = ? ORDER BY score DESC, label",
                                      (doc_id,)):
            levels[level].append(label)
        roles = self._model_roles(doc_id)
        rejected: set[str] = set()
        accepted = {target for kind, target, status, _ in decisions if status == "accepted"}
        for kind, target, status, value in decisions:
            if kind == "entity":
                if status == "rejected":
                    roles.pop(target, None)
                elif value:
                    roles[target] = value
            elif status == "rejected":
                rejected.add(target)
            elif target not in levels[kind]:
                levels[kind].append(target)
        narratives = [n for n in levels["narrative"] if n not in rejected and n != OTHER]
        subnarratives = [s for s in levels["subnarrative"] if s not in rejected and s != OTHER
                         and (s in accepted or not any(belongs_to(s, n) for n in rejected))]
        return LabelledDocument(doc_id, text, language, narratives, subnarratives, roles)
