"""The review loop's JSON API (``/api/review``): the review-first queue, a document's decisions and history,
accepting, rejecting or adding a narrative label or an entity role, labelling a new article, and the reviewed set.

Writes need the bearer token; the person is named by the ``X-Narrascope-User`` header (default ``analyst``) and
recorded, with the time and the state before and after, in the store's append-only audit trail. The pages
(``narrascope.web.review_pages``) use the same helpers.
"""

from __future__ import annotations

import io
import unicodedata
from typing import Annotated, Any, Literal, TypedDict

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from narrascope.documents import Document
from narrascope.errors import InputError
from narrascope.store.base import QueueItem, Review, ReviewChange
from narrascope.training.labelled import LABELLED_FORMATS, write_labelled
from narrascope.web.queries import Text
from narrascope.web.schemas import MAX_OFFSET, DocumentIn, DocumentOut, ErrorOut
from narrascope.web.state import WebState, require_token, web_state

MAIN_ROLES = ("Protagonist", "Antagonist", "Innocent")
DEFAULT_USER = "analyst"
ERRORS = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)}
router = APIRouter(prefix="/api/review", tags=["review"], responses={422: ERRORS[422]})


# -- the boundary ---------------------------------------------------------------------------------------------------
class DecisionIn(BaseModel):
    """One decision: ``accept`` or ``reject`` a label or role the model gave, or ``add`` a missing one. For an entity,
    ``target`` is its key and ``role`` the main role (``accept`` without ``role`` confirms the model's)."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "reject", "add"]
    kind: Literal["narrative", "subnarrative", "entity"]
    target: str = Field(min_length=1, max_length=500)
    role: Literal["Protagonist", "Antagonist", "Innocent"] | None = None


class DecisionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"decisions": [
        {"decision": "reject", "kind": "narrative", "target": "URW: Discrediting Ukraine"},
        {"decision": "add", "kind": "entity", "target": "NATO", "role": "Antagonist"}]}]})
    decisions: list[DecisionIn] = Field(min_length=1, max_length=200)


class LabelledArticleIn(BaseModel):
    """A new article with its labels (``Narrative`` or ``Narrative: Subnarrative``; none means ``Other``) and
    optionally the main roles of the entities it names."""

    model_config = ConfigDict(extra="forbid")
    document: DocumentIn
    labels: list[str] = Field(default_factory=list, max_length=200)
    roles: dict[str, Literal["Protagonist", "Antagonist", "Innocent"]] = Field(default_factory=dict, max_length=200)


class ReviewOut(BaseModel):
    kind: str
    target: str
    status: str
    value: str | None
    user: str
    updated_at: str


class ReviewStateOut(BaseModel):
    """A document's current decisions, its reviewed labels and roles (what ``export-labels`` writes) and history."""

    document_id: str
    reviews: list[ReviewOut]
    narratives: list[str]
    subnarratives: list[str]
    roles: dict[str, str]
    history: list[ReviewChange]


class QueueItemOut(BaseModel):
    document_id: str
    title: str | None
    language: str | None
    margin: float | None
    label: str | None
    score: float | None
    reviewed: bool


class QueueOut(BaseModel):
    items: list[QueueItemOut]
    total: int
    limit: int
    offset: int


class LabelledArticleOut(BaseModel):
    document: DocumentOut
    changes: list[ReviewChange]


# -- shared with the pages ------------------------------------------------------------------------------------------
def clean_user(value: str | None) -> str:
    """The reviewer's name: trimmed, at most 100 characters, no control characters; blank is ``analyst``."""
    name = (value or "").strip()
    if not name:
        return DEFAULT_USER
    if len(name) > 100 or any(unicodedata.category(c).startswith("C") for c in name):
        raise HTTPException(422, "user: a name of at most 100 printable characters")
    return name


def check_label(state: WebState, kind: str, label: str) -> None:
    """422 unless ``label`` is a ``kind`` label (narrative or subnarrative) of the app's taxonomy."""
    taxonomy = state.taxonomy
    if not taxonomy.is_known(label) or (kind == "subnarrative") != (taxonomy.is_fine(label)):
        raise HTTPException(422, f"{label!r} is not a {kind} of the taxonomy {taxonomy.name!r}")


def decide(state: WebState, document_id: str, decision: DecisionIn, user: str) -> ReviewChange:
    """Record one decision (the caller holds ``state.lock``)."""
    if decision.kind != "entity":
        check_label(state, decision.kind, decision.target)
    elif decision.decision == "add" and not decision.role:
        raise HTTPException(422, f"adding entity {decision.target!r} needs its role ({', '.join(MAIN_ROLES)})")
    status = "rejected" if decision.decision == "reject" else "accepted"
    action = "add" if decision.decision == "add" else None
    try:
        return state.store.review(document_id, decision.kind, decision.target, status,  # type: ignore[arg-type]
                                  value=decision.role if status == "accepted" and decision.kind == "entity" else None, user=user, action=action)
    except InputError as exc:
        raise HTTPException(404 if "no such document" in str(exc) else 422, str(exc)) from None


def label_article(state: WebState, doc: Document, labels: list[str], roles: dict[str, str],
                  user: str) -> list[ReviewChange]:
    """Store a new article (no analysis) with its labels and roles as accepted decisions (audit action ``label``);
    409 when the corpus already has its id, URL or text."""
    taxonomy = state.taxonomy
    kinds = []
    for label in dict.fromkeys(label.strip() for label in labels if label.strip()):
        kind = "subnarrative" if taxonomy.is_fine(label) else "narrative"
        check_label(state, kind, label)
        kinds.append((kind, label))
    if not kinds:
        kinds = [("narrative", "Other")]
    if any(not entity.strip() for entity in roles):
        raise HTTPException(422, "an entity's name cannot be blank")
    with state.lock, state.store.transaction():
        if not state.store.add_documents([doc]):
            raise HTTPException(409, f"not stored: the corpus already has a document with the id {doc.id!r}, its URL or "
                                     "its text; review that one instead")
        changes = [state.store.review(doc.id, kind, label, "accepted", user=user, action="label")  # type: ignore[arg-type]
                   for kind, label in kinds]
        changes += [state.store.review(doc.id, "entity", entity, "accepted", value=role, user=user, action="label")
                    for entity, role in roles.items()]
    return changes


def new_document(item: DocumentIn) -> Document:
    """The document of a hand-labelled article (id ``review-<hash>`` unless given)."""
    doc = item.to_document()
    doc.source = "review"
    if item.id is None:
        doc.id = "review-" + doc.content_hash[:16]
    return doc


def review_state(state: WebState, document_id: str) -> ReviewStateOut:
    with state.lock:
        if state.store.get_document(document_id) is None:
            raise HTTPException(404, f"no document with id {document_id!r}")
        reviews = state.store.reviews(document_id)
        history = state.store.review_history(document_id, limit=200)
        reviewed = next(iter(state.store.reviewed_examples(document_id)), None)
    return ReviewStateOut(
        document_id=document_id, reviews=[review_out(r) for r in reviews],
        narratives=reviewed.narratives if reviewed else [], subnarratives=reviewed.subnarratives if reviewed else [],
        roles=reviewed.roles if reviewed else {}, history=list(history))


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(kind=review.kind, target=review.target, status=review.status, value=review.value,
                     user=review.user, updated_at=review.updated_at)


def queue_out(item: QueueItem) -> QueueItemOut:
    return QueueItemOut(**item.to_dict())


def export_text(state: WebState, fmt: str) -> str:
    stream = io.StringIO()
    with state.lock:
        examples = state.store.reviewed_examples()
    write_labelled(stream, examples, fmt, state.taxonomy)
    return stream.getvalue()


# -- routes ---------------------------------------------------------------------------------------------------------
User = Annotated[str | None, Header(alias="X-Narrascope-User", description="Who reviews (default: analyst).")]
class _WriteRoute(TypedDict):
    """The route decorator arguments of a write endpoint: the token dependency and its error responses."""

    dependencies: list[Any]
    responses: dict[int | str, dict[str, Any]]


WRITE: _WriteRoute = {"dependencies": [Depends(require_token)], "responses": {401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]}}


@router.get("/queue", response_model=QueueOut, summary="Documents to review first")
def get_queue(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 20,
              offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> QueueOut:
    """Analysed documents, unreviewed first, then by the model's uncertainty: the smallest distance of a label's
    score from the decision threshold (0.4 for narratives, 0.25 for subnarratives) first."""
    state = web_state(request)
    with state.lock:
        page = state.store.review_queue(limit=limit, offset=offset)
    return QueueOut(items=[queue_out(i) for i in page.items], total=page.total, limit=limit, offset=offset)


AUDIT_ACTIONS = ("accept", "reject", "add", "change", "label", "keep")
AuditAction = Literal["accept", "reject", "add", "change", "label", "keep"]


def audit_rows(state: WebState, document_id: str | None, user: str | None, action: str | None, kind: str | None,
               limit: int, offset: int) -> list[ReviewChange]:
    """The audit trail with the filters that are given (blank ones ignored), newest first."""
    with state.lock:
        return list(state.store.review_history(document_id or None, limit=limit, user=user or None,
                                               action=action or None, kind=kind or None, offset=offset))


@router.get("/audit", response_model=list[ReviewChange], summary="The audit trail, newest first")
def get_audit(request: Request, document_id: Text = None, user: Text = None, action: AuditAction | None = None,
              kind: Literal["narrative", "subnarrative", "entity"] | None = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[ReviewChange]:
    """Every decision: who, when, the action (accept, reject, add, change, label, keep), the state before (the
    previous decision or the model's score/role) and after."""
    return audit_rows(web_state(request), document_id, user, action, kind, limit, offset)


@router.get("/export", response_class=PlainTextResponse, summary="The reviewed set (csv, jsonl or semeval)")
def get_export(request: Request, format: Literal["csv", "jsonl", "semeval"] = "csv") -> PlainTextResponse:
    """What ``narrascope export-labels --format FORMAT`` writes."""
    assert format in LABELLED_FORMATS
    media = {"csv": "text/csv", "jsonl": "application/x-ndjson", "semeval": "text/plain"}[format]
    return PlainTextResponse(export_text(web_state(request), format), media_type=f"{media}; charset=utf-8")


@router.post("/articles", response_model=LabelledArticleOut, status_code=201, summary="Label a new article", **WRITE)
def post_article(request: Request, article: LabelledArticleIn, user: User = None) -> LabelledArticleOut:
    """Add an article to the corpus with the labels (and entity roles) you give it; it joins the reviewed set."""
    doc = new_document(article.document)
    changes = label_article(web_state(request), doc, article.labels, dict(article.roles), clean_user(user))
    return LabelledArticleOut(document=DocumentOut.of(doc), changes=list(changes))


@router.get("/documents/{document_id:anypath}", response_model=ReviewStateOut, responses={404: ERRORS[404]},
            summary="A document's decisions, reviewed labels and history")
def get_review(request: Request, document_id: str) -> ReviewStateOut:
    return review_state(web_state(request), document_id)


@router.post("/documents/{document_id:anypath}", response_model=ReviewStateOut, summary="Accept, reject or add", **WRITE)
def post_review(request: Request, document_id: str, body: DecisionsIn, user: User = None) -> ReviewStateOut:
    """Record the decisions in order (all or none) and return the document's new state."""
    state = web_state(request)
    name = clean_user(user)
    with state.lock, state.store.transaction():
        for decision in body.decisions:
            decide(state, document_id, decision, name)
    return review_state(state, document_id)
