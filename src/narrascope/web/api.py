"""The JSON API (``/api``): analyse documents, search the corpus, storylines and trends.

Read endpoints are open; ``POST`` endpoints need the bearer token (see ``narrascope.web.app.require_token``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from narrascope.corpus.trends import ALPHA, MIN_DOCS, MIN_RATIO
from narrascope.errors import NarrascopeError
from narrascope.store.base import Storyline
from narrascope.store.search import SYNTAX as SEARCH_SYNTAX
from narrascope.web.queries import (
    Language,
    Text,
    build_query,
    check_period,
    check_text,
    document_with_analysis,
    run_query,
    storyline_total,
    storyline_with_documents,
)
from narrascope.web.schemas import (
    MAX_OFFSET,
    AnalysisOut,
    AnalyzeResult,
    BatchIn,
    BatchResult,
    DocumentIn,
    DocumentOut,
    DocumentPage,
    DocumentSummary,
    DocumentWithAnalysis,
    EntitiesOut,
    EntityFramingOut,
    ErrorOut,
    HealthOut,
    StorylineDetail,
    StorylineOut,
    StorylinePage,
    SurgeOut,
    TrendRowOut,
    TrendsOut,
)
from narrascope.web.state import WebState, require_token, web_state

ERRORS = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 413, 422, 503)}
router = APIRouter(prefix="/api", responses={400: ERRORS[400], 422: ERRORS[422], 413: ERRORS[413]})


@router.get("/health", response_model=HealthOut, summary="Liveness and corpus size")
def health(request: Request) -> HealthOut:
    state = web_state(request)
    with state.lock:
        count = state.store.count_documents()
    return HealthOut(status="ok", documents=count, writes_enabled=bool(state.token))


@router.get("/documents", response_model=DocumentPage, summary="Search and filter documents")
def list_documents(
    request: Request,
    narrative: Text = None, subnarrative: Text = None, entity: Text = None,
    outlet: Text = None, language: Language = None,
    since: Annotated[date | None, Query(description="First day, YYYY-MM-DD (inclusive).")] = None,
    until: Annotated[date | None, Query(description="Last day, YYYY-MM-DD (inclusive).")] = None,
    q: Annotated[str | None, Query(max_length=500, description=SEARCH_SYNTAX)] = None,
    include_duplicates: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> DocumentPage:
    """Documents matching every given filter, newest first. Labels are exact taxonomy labels
    (e.g. ``URW: Blaming the war on others``); syndicated copies are left out unless ``include_duplicates``."""
    query = build_query(narrative, subnarrative, entity, outlet, language, since, until, q, None, include_duplicates,
                        limit, offset)
    page = run_query(web_state(request), query)
    return DocumentPage(items=[DocumentSummary.of(d) for d in page.items], total=page.total, limit=page.limit,
                        offset=page.offset)


@router.get("/documents/{document_id:anypath}", response_model=DocumentWithAnalysis,
            responses={404: ERRORS[404]}, summary="A document and its analysis")
def get_document(request: Request, document_id: str) -> DocumentWithAnalysis:
    doc, analysis = document_with_analysis(web_state(request), document_id)
    if doc is None:
        raise HTTPException(404, f"no document with id {document_id!r}")
    return DocumentWithAnalysis(document=DocumentOut.of(doc), analysis=AnalysisOut.of(analysis) if analysis else None)


def _analyze(state: WebState, items: list[DocumentIn], store: bool) -> list[AnalyzeResult]:
    docs = [item.to_document() for item in items]
    seen: dict[str, str] = {}
    for i, doc in enumerate(docs):
        if seen.setdefault(doc.id, doc.content_hash) != doc.content_hash:
            raise HTTPException(422, f"documents.{i}.id: id {doc.id!r} is used twice in the batch with different texts")
    try:
        analyses = state.analyze(docs)
    except (NarrascopeError, ImportError, OSError) as exc:
        raise HTTPException(503, f"analysis unavailable: {exc}") from None
    stored: set[int] = state.save(list(zip(docs, analyses))) if store else set()
    results = []
    for doc, analysis in zip(docs, analyses):
        note = None
        if store and id(doc) not in stored:
            note = "not stored: a document with the same URL or text is already in the corpus"
        results.append(AnalyzeResult(document=DocumentOut.of(doc), analysis=AnalysisOut.of(analysis),
                                     stored=id(doc) in stored, note=note))
    return results


@router.post("/analyze", response_model=AnalyzeResult, dependencies=[Depends(require_token)],
             responses={401: ERRORS[401], 403: ERRORS[403], 503: ERRORS[503]}, summary="Analyse one article")
def analyze_one(request: Request, document: DocumentIn,
                store: Annotated[bool, Query(description="Add the article to the corpus.")] = True) -> AnalyzeResult:
    """Run the analysis pipeline (language, narratives with evidence, entity roles, explanation) on one article;
    with ``store`` (default) it is added to the corpus unless the same URL or text is already there."""
    return _analyze(web_state(request), [document], store)[0]


@router.post("/analyze/batch", response_model=BatchResult, dependencies=[Depends(require_token)],
             responses={401: ERRORS[401], 403: ERRORS[403], 503: ERRORS[503]}, summary="Analyse up to 100 articles")
def analyze_batch(request: Request, batch: BatchIn,
                  store: Annotated[bool, Query(description="Add the articles to the corpus.")] = True) -> BatchResult:
    results = _analyze(web_state(request), batch.documents, store)
    stored = sum(r.stored for r in results)
    return BatchResult(results=results, stored=stored, skipped=len(results) - stored if store else 0)


def storyline_out(story: Storyline) -> StorylineOut:
    return StorylineOut.model_validate(story.to_dict())


@router.get("/storylines", response_model=StorylinePage, summary="Storylines, largest first")
def list_storylines(request: Request, limit: Annotated[int, Query(ge=1, le=100)] = 20,
                    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> StorylinePage:
    state = web_state(request)
    with state.lock:
        page = state.store.storylines(limit=limit, offset=offset, total=storyline_total(state))
        full = [state.store.get_storyline(s.id) or s for s in page.items]
    return StorylinePage(items=[storyline_out(s) for s in full], total=page.total, limit=limit, offset=offset)


@router.get("/storylines/{storyline_id}", response_model=StorylineDetail, responses={404: ERRORS[404]},
            summary="A storyline with its timeline and documents")
def get_storyline(request: Request, storyline_id: str) -> StorylineDetail:
    story, docs = storyline_with_documents(web_state(request), storyline_id)
    if story is None:
        raise HTTPException(404, f"no storyline with id {storyline_id!r}")
    return StorylineDetail(**storyline_out(story).model_dump(), documents=[DocumentSummary.of(d) for d in docs])


@router.get("/entities", response_model=EntitiesOut, summary="How the corpus frames its entities")
def get_entities(
    request: Request,
    entity: Text = None,
    by: Literal["outlet", "language"] | None = None,
    since: date | None = None, until: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500, description="The entities framed in the most documents.")] = 20,
) -> EntitiesOut:
    """Per entity (and outlet or language), the documents casting it as Protagonist, Antagonist or Innocent: each
    document once, by the role of most of the entity's mentions in it; syndicated copies counted once."""
    from narrascope.corpus.entities import entity_framing

    check_text(entity=entity)
    check_period(since, until)
    state = web_state(request)
    with state.lock:
        rows = entity_framing(state.store, entity, by, since.isoformat() if since else None,
                              until.isoformat() if until else None, limit)
    return EntitiesOut(by=by, rows=[EntityFramingOut(**r.to_dict()) for r in rows])


@router.get("/trends", response_model=TrendsOut, summary="Daily counts and surge alerts")
def get_trends(
    request: Request,
    by: Literal["narrative", "subnarrative", "outlet", "language"] = "narrative",
    since: date | None = None, until: date | None = None,
    alpha: Annotated[float, Query(gt=0, le=0.5, description="A surge's p-value is at most this.")] = ALPHA,
    min_docs: Annotated[int, Query(ge=1, le=100_000, description="A surge needs this many documents.")] = MIN_DOCS,
    min_ratio: Annotated[float, Query(ge=1, le=1000, description="A surge's share is at least this many times "
                                                                 "its baseline share.")] = MIN_RATIO,
) -> TrendsOut:
    """Documents per day and key (syndicated copies counted once) and surges: runs of days since which a key has
    more documents than its trailing 28-day rate explains (exact Poisson test, p ≤ ``alpha``), at least
    ``min_docs`` of them and ``min_ratio`` times its baseline share."""
    from narrascope.corpus.trends import trends

    check_period(since, until)
    state = web_state(request)
    with state.lock:
        rows, surges = trends(state.store, by, since.isoformat() if since else None,
                              until.isoformat() if until else None, alpha=alpha, min_docs=min_docs,
                              min_ratio=min_ratio)
    return TrendsOut(by=by, rows=[TrendRowOut(day=r.day, key=r.key, count=r.count) for r in rows],
                     surges=[SurgeOut.of(s) for s in surges])
