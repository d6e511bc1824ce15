"""The review pages: the review-first queue (``/review``), one article's labels and entity roles to accept, reject
or add (``/review/articles/{id}``), and a form to label a new article (``/review/new``).

Every form carries the API token and the reviewer's name (``user``, default ``analyst``): without the right token
nothing is written (403). After a decision the page is shown again with the token and name kept in the form.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from narrascope.documents import entity_summary
from narrascope.web.review import (AUDIT_ACTIONS, MAIN_ROLES, DecisionIn, ReviewOut, audit_rows, clean_user, decide,
                                   label_article, new_document, review_state)
from narrascope.web.schemas import MAX_PAGE, DocumentIn, form_errors
from narrascope.web.state import WebState, render, web_state

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
PAGE_SIZE = 25


@router.get("/review")
def queue(request: Request, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> HTMLResponse:
    state = web_state(request)
    with state.lock:
        result = state.store.review_queue(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(request, "review_queue.html", result=result, page=page,
                  pages=max(1, -(-result.total // PAGE_SIZE)), writes=bool(state.token))


def _article(request: Request, document_id: str, status: int = 200, **form: Any) -> HTMLResponse:
    state = web_state(request)
    with state.lock:  # the rows are what the model said, each with its decision
        doc = state.store.get_document(document_id)
        analysis = state.store.get_analysis(document_id, reviewed=False) if doc else None
    if doc is None:
        raise HTTPException(404, f"No article with id {document_id!r} in this corpus.")
    current = review_state(state, document_id)
    decided = {(r.kind, r.target): r for r in current.reviews}
    rows: list[tuple[str, str, float | None, ReviewOut | None]] = []
    for kind, scores in (("narrative", analysis.narratives if analysis else []),
                         ("subnarrative", analysis.subnarratives if analysis else [])):
        rows += [(kind, s.label, s.score, decided.pop((kind, s.label), None)) for s in scores]
    rows += [(kind, target, None, review) for (kind, target), review in decided.items() if kind != "entity"]
    entities = {e["entity"]: e["main_role"] for e in entity_summary(analysis.entities)} if analysis else {}
    entity_rows = [(name, role, next((r for r in current.reviews if r.kind == "entity" and r.target == name), None))
                   for name, role in entities.items()]
    entity_rows += [(r.target, None, r) for r in current.reviews if r.kind == "entity" and r.target not in entities]
    tax = state.taxonomy
    return render(request, "review_article.html", status=status, doc=doc, rows=rows, entity_rows=entity_rows,
                  current=current, roles=MAIN_ROLES, coarse=tax.coarse_labels, fine=tax.fine_labels,
                  writes=bool(state.token), form=form)


@router.get("/review/articles/{document_id:anypath}")
def article(request: Request, document_id: str) -> HTMLResponse:
    return _article(request, document_id)


def _decision(value: str, add_label: str, entity: str, role: str, is_fine: Any) -> DecisionIn:
    """The decision of the pressed button: ``accept|KIND|TARGET``, ``reject|KIND|TARGET``, ``role|ENTITY`` (with
    the ``role`` select), ``add-label`` (the ``add_label`` select) or ``add-entity`` (``entity`` and ``role``)."""
    action, _, rest = value.partition("|")
    if action in ("accept", "reject"):
        kind, _, target = rest.partition("|")
        # accepting an entity confirms its current role: the add-entity form's role select is not about it
        return DecisionIn.model_validate({"decision": action, "kind": kind, "target": target})
    if action == "role":
        return DecisionIn.model_validate({"decision": "accept", "kind": "entity", "target": rest, "role": role or None})
    if action == "add-label":
        return DecisionIn(decision="add", kind="subnarrative" if is_fine(add_label) else "narrative", target=add_label)
    if action == "add-entity":
        return DecisionIn.model_validate({"decision": "add", "kind": "entity", "target": entity.strip(), "role": role or None})
    raise ValueError(f"unknown decision {value!r}")


@router.post("/review/articles/{document_id:anypath}")
async def article_submit(request: Request, document_id: str) -> HTMLResponse:
    state = web_state(request)
    form = await request.form()
    value = lambda name: str(form.get(name) or "")  # noqa: E731
    token, user = value("token"), value("user")
    if not state.token_ok(token):
        reason = "reviews are disabled on this server (no API token configured)" if not state.token else \
            "the API token is missing or wrong: nothing was recorded"
        return _article(request, document_id, status=403, errors=[reason], token=token, user=user)
    decision_value = value("decision")
    role = value(f"role:{decision_value.partition('|')[2]}") if decision_value.startswith("role|") else value("role")
    try:
        name = clean_user(user)
        decision = _decision(decision_value, value("add_label"), value("entity"), role, state.taxonomy.is_fine)
        with state.lock:
            change = decide(state, document_id, decision, name)
    except (ValidationError, ValueError) as exc:
        return _article(request, document_id, status=422, errors=[str(exc).splitlines()[0]], token=token, user=user)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return _article(request, document_id, status=exc.status_code, errors=[str(exc.detail)], token=token, user=user)
    note = f"Recorded: {change.action} {change.target!r} ({change.kind}) by {change.user}."
    return _article(request, document_id, note=note, token=token, user=user)


@router.get("/review/new")
def new_form(request: Request) -> HTMLResponse:
    tax = web_state(request).taxonomy
    return render(request, "review_new.html", form={}, errors=[], coarse=tax.coarse_labels, fine=tax.fine_labels,
                  writes=bool(web_state(request).token))


@router.post("/review/new")
def new_submit(
    request: Request,
    text: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    labels: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    token: Annotated[str, Form()] = "",
    user: Annotated[str, Form()] = "",
) -> HTMLResponse:
    state = web_state(request)
    tax = state.taxonomy
    form = {"text": text, "title": title, "language": language, "labels": labels, "token": token, "user": user}
    again = lambda status, errors: render(request, "review_new.html", status=status, form=form, errors=errors,  # noqa: E731
                                          coarse=tax.coarse_labels, fine=tax.fine_labels, writes=bool(state.token))
    if not state.token_ok(token):
        return again(403, ["the API token is missing or wrong: nothing was saved" if state.token else
                           "labelling is disabled on this server (no API token configured)"])
    try:
        item = DocumentIn(text=text, title=title.strip() or None, language=language.strip() or None)
        name = clean_user(user)
        doc = new_document(item)
        label_article(state, doc, labels, {}, name)
    except ValidationError as exc:
        return again(422, form_errors(exc))
    except HTTPException as exc:
        return again(exc.status_code, [str(exc.detail)])
    return _article(request, doc.id, note=f"Saved {doc.id!r} with {len(labels) or 'no'} label(s).", token=token,
                    user=user)


AUDIT_PAGE = 50


@router.get("/review/audit")
def audit(request: Request, document_id: Annotated[str | None, Query(max_length=500)] = None,
          user: Annotated[str | None, Query(max_length=100)] = None,
          action: Literal["", "accept", "reject", "add", "change", "label", "keep"] = "",
          kind: Literal["", "narrative", "subnarrative", "entity"] = "",
          page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> HTMLResponse:
    """The audit trail: every decision with who, when, what, before and after; filtered by article, person, action
    and kind."""
    state = web_state(request)
    rows = audit_rows(state, document_id, user, action, kind, AUDIT_PAGE + 1, (page - 1) * AUDIT_PAGE)
    filters = {"document_id": document_id or "", "user": user or "", "action": action, "kind": kind}
    kept = {k: v for k, v in filters.items() if v}
    link = lambda p: "/review/audit?" + urlencode({**kept, "page": p})  # noqa: E731
    return render(request, "review_audit.html", rows=rows[:AUDIT_PAGE], more=len(rows) > AUDIT_PAGE, page=page,
                  link=link, filters=filters, actions=AUDIT_ACTIONS, kinds=("narrative", "subnarrative", "entity"))


# -- re-analysing the corpus with the server's model ----------------------------------------------------------------
@dataclass
class ReanalysisJob:
    """A re-analysis running (or run) in the background of the server: how far it got."""

    model: str
    todo: int = 0
    done: int = 0
    status: str = "starting"
    error: str | None = None
    seconds: float = 0.0


_JOBS: dict[int, ReanalysisJob] = {}  # id(WebState) -> its last job
_JOBS_LOCK = threading.Lock()


def _run_job(state: WebState, job: ReanalysisJob) -> None:
    from narrascope.corpus.reanalysis import reanalyze

    def started(summary: Any) -> None:
        job.todo, job.status = summary.todo, "running"

    def progress(count: int) -> None:
        job.done += count

    try:
        summary = reanalyze(state.store, state.get_pipeline(), lock=state.lock, started=started, progress=progress,
                            analysis_lock=state.pipeline_lock)
        job.status, job.seconds = "done", summary.seconds
    except Exception as exc:  # noqa: BLE001 - shown on the page; the committed batches stay
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"


def _reanalysis_page(request: Request, status: int = 200, errors: list[str] | None = None, token: str = "") -> HTMLResponse:
    state = web_state(request)
    with state.lock:
        models = state.store.analysis_models()
    job = _JOBS.get(id(state))
    return render(request, "review_reanalyze.html", status=status, job=job, models=models,
                  model=state.get_pipeline().model_id, writes=bool(state.token), errors=errors or [],
                  form={"token": token}, running=job is not None and job.status in ("starting", "running"))


@router.get("/review/reanalyze")
def reanalysis(request: Request) -> HTMLResponse:
    """Which model labelled the stored articles, and a button to re-analyse them with the server's model."""
    return _reanalysis_page(request)


@router.post("/review/reanalyze")
def reanalysis_start(request: Request, token: Annotated[str, Form()] = "") -> HTMLResponse:
    """Start re-analysing the corpus with the server's model in the background (needs the API token)."""
    state = web_state(request)
    if not state.token_ok(token):
        reason = "re-analysis is disabled on this server (no API token configured)" if not state.token else \
            "the API token is missing or wrong: nothing was started"
        return _reanalysis_page(request, 403, [reason], token)
    with _JOBS_LOCK:
        job = _JOBS.get(id(state))
        if job is None or job.status not in ("starting", "running"):
            job = _JOBS[id(state)] = ReanalysisJob(model=state.get_pipeline().model_id or "")
            threading.Thread(target=_run_job, args=(state, job), daemon=True, name="narrascope-reanalysis").start()
    return _reanalysis_page(request, token=token)
