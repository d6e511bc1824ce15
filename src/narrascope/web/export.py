"""Downloads: the filtered articles, the storylines and the entity framing as CSV or JSON.

Served at ``/api/export/documents.csv`` (or ``.json``), ``/api/export/storylines.*`` and ``/api/export/entities.*``
with the same filters as the pages that link to them (errors are JSON, as everywhere under ``/api``). Exports
hold at most ``EXPORT_LIMIT`` rows. CSV cells that a spreadsheet would run as a formula are prefixed with ``'`` (``narrascope.io.safe_csv``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from narrascope.documents import Document
from narrascope.io.safe_csv import SafeCsvWriter
from narrascope.store.base import DocumentSort, Storyline, StorylineSort
from narrascope.web.queries import Language, Text, build_query, check_period, check_text, run_query
from narrascope.web.state import WebState, web_state

router = APIRouter(prefix="/api/export", tags=["export"])
EXPORT_LIMIT = 10_000
Format = Literal["csv", "json"]
DOCUMENT_FIELDS = ["id", "title", "outlet", "published", "language", "url", "narratives", "subnarratives",
                   "scores", "evidence", "storyline", "storyline_title", "copy_of", "reviewed", "review_decisions"]
"""The article export: the labels, each label's score (``label: 0.87``), its evidence sentences (``label: sentence``),
the storyline (id and title), the origin of a syndicated copy, and the reviews (``status kind target``)."""
STORYLINE_FIELDS = ["id", "title", "size", "first_seen", "last_seen", "languages", "outlets", "narratives"]
ENTITY_FIELDS = ["entity", "group", "documents", "mentions", "main_role", "share", "roles"]


def to_csv(rows: Sequence[dict[str, Any]], fields: list[str]) -> str:
    """``rows`` as CSV with a header line; lists are joined with ``"; "``, mappings as ``key: value; …``."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(fields)
    for row in rows:
        cells = []
        for key in fields:
            value = row.get(key)
            if isinstance(value, dict):
                value = "; ".join(f"{k}: {v}" for k, v in value.items())
            elif isinstance(value, (list, tuple)):
                value = "; ".join(map(str, value))
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue()


def download(rows: Sequence[dict[str, Any]], fields: list[str], fmt: Format, name: str, bom: bool = False) -> Response:
    """A CSV or JSON attachment named ``name.csv`` / ``name.json``; ``bom`` starts a CSV with a UTF-8 byte order mark,
    so that spreadsheet tools read it as UTF-8 (Cyrillic, Devanagari) instead of a local code page."""
    if fmt == "csv":
        body, media = ("\ufeff" if bom else "") + to_csv(rows, fields), "text/csv; charset=utf-8"
    else:
        body, media = json.dumps([{k: r.get(k) for k in fields} for r in rows], ensure_ascii=False), "application/json"
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})


def document_rows(state: WebState, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """One export row per document (``DOCUMENT_FIELDS``)."""
    rows = []
    titles: dict[str, str] = {}
    with state.lock:
        for d in documents:
            a = state.store.get_analysis(d.id)
            labels = [*a.narratives, *a.subnarratives] if a else []
            sid = state.store.storyline_of(d.id)
            if sid and sid not in titles:
                story = state.store.get_storyline(sid)
                titles[sid] = story.title if story else ""
            origin = state.store.origin_of(d.id)
            reviews = state.store.reviews(d.id)
            rows.append({"id": d.id, "title": d.title, "outlet": d.outlet, "published": d.published,
                         "language": d.language, "url": d.url,
                         "narratives": a.narrative_labels if a else [], "subnarratives": a.subnarrative_labels if a else [],
                         "scores": {label.label: round(label.score, 4) for label in labels},
                         "evidence": [f"{label.label}: {' '.join(e.text.split())}" for label in labels
                                      for e in label.evidence],
                         "storyline": sid, "storyline_title": titles.get(sid or ""),
                         "copy_of": origin.origin_id if origin else None, "reviewed": bool(reviews),
                         "review_decisions": [f"{r.status} {r.kind} {r.target}" for r in reviews]})
    return rows


def storyline_rows(state: WebState, stories: Sequence[Storyline]) -> list[dict[str, Any]]:
    with state.lock:
        full = [state.store.get_storyline(s.id) or s for s in stories]
    return [s.to_dict() for s in full]


@router.get("/documents.{fmt}", summary="The filtered articles as CSV or JSON")
def export_documents(
    request: Request, fmt: Format,
    narrative: Text = None, subnarrative: Text = None, entity: Text = None, outlet: Text = None,
    language: Language = None,
    since: date | None = None, until: date | None = None, q: Text = None, sort: DocumentSort = "date",
    copies: bool = False, bom: bool = False,
) -> Response:
    """Every article matching the filters of ``/documents`` (at most 10,000; copies with ``copies``), with its labels,
    their scores and evidence, its storyline, the article it copies and its reviews; ``bom``: a CSV for spreadsheets."""
    state = web_state(request)
    query = build_query(narrative, subnarrative, entity, outlet, language, since, until, q, include_duplicates=copies,
                        limit=500)
    query.sort = sort
    documents: list[Document] = []
    while len(documents) < EXPORT_LIMIT:
        page = run_query(state, query)
        documents += page.items
        if len(page.items) < query.limit:
            break
        query.offset += query.limit
    return download(document_rows(state, documents[:EXPORT_LIMIT]), DOCUMENT_FIELDS, fmt, "articles", bom)


@router.get("/storylines.{fmt}", summary="The storylines as CSV or JSON")
def export_storylines(request: Request, fmt: Format, q: Text = None, language: Language = None,
                      narrative: Text = None, sort: StorylineSort = "size", bom: bool = False) -> Response:
    """Storylines matching the filters of ``/storylines`` (at most 10,000) with their languages, outlets and
    narratives; ``bom``: a CSV for spreadsheets."""
    state = web_state(request)
    check_text(q=q, language=language, narrative=narrative)
    with state.lock:
        page = state.store.storylines(limit=EXPORT_LIMIT, text=q, sort=sort, language=language, narrative=narrative)
    return download(storyline_rows(state, page.items), STORYLINE_FIELDS, fmt, "storylines", bom)


@router.get("/entities.{fmt}", summary="The entity framing as CSV or JSON")
def export_entities(request: Request, fmt: Format, entity: Text = None, by: Literal["outlet", "language"] | None = None,
                    since: date | None = None, until: date | None = None, bom: bool = False) -> Response:
    """The rows of ``/entities`` (at most 10,000): per entity (and outlet or language), documents per role; ``bom``:
    a CSV for spreadsheets."""
    from narrascope.corpus.entities import entity_framing

    state = web_state(request)
    check_text(entity=entity)
    check_period(since, until)
    with state.lock:
        rows = entity_framing(state.store, entity or None, by, since.isoformat() if since else None,
                              until.isoformat() if until else None, limit=EXPORT_LIMIT)
    return download([r.to_dict() for r in rows], ENTITY_FIELDS, fmt, "entities", bom)


