"""The dashboard: server-rendered pages (Jinja2 templates in ``templates/``) over the same store as the API.

Overview (narratives over time, surge alerts), search, narrative, article (evidence highlighted per label),
storylines, and a paste-an-article form. The form analyses without storing and needs no token; ticking "save to
the corpus" needs the API token in the form (so the open form can never write). Without the token a paste is
limited in size and rate per client address (``WebState.paste_refusal``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import ValidationError

from narrascope.documents import FRAMED_SALIENCE, Analysis, Document, entity_summary
from narrascope.errors import NarrascopeError
from narrascope.store.base import DocumentQuery, DocumentSort, Review, StorylineSort
from narrascope.store.search import SYNTAX as SEARCH_SYNTAX
from narrascope.taxonomy import OTHER, Taxonomy
from narrascope.web.queries import (
    Language,
    Text,
    build_query,
    check_period,
    check_text,
    run_query,
    storyline_total,
    storyline_with_documents,
)
from narrascope.web.state import WebState, render, web_state
from narrascope.web.charts import bars, surge_marks, swimlane, time_series
from narrascope.web.highlight import highlight, passage
from narrascope.web.schemas import MAX_PAGE, DocumentIn, form_errors

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
PAGE_SIZE = 20
SORT_NAMES = {"date": "newest", "oldest": "oldest", "title": "title", "outlet": "outlet"}


def article_url(document_id: str) -> str:
    return "/articles/" + quote(document_id, safe="")


def narrative_url(label: str) -> str:
    return "/narratives/" + quote(label, safe="")


def register_filters(templates: Jinja2Templates) -> None:
    """Template helpers: ``article_url``, ``narrative_url``, ``short`` (last label level), ``tojson_attr``, and
    ``search_syntax`` (the search boxes' hint), ``framed_at`` (the salience below which an entity is "not framed")."""
    env = templates.env
    env.globals["search_syntax"] = SEARCH_SYNTAX
    env.globals["framed_at"] = FRAMED_SALIENCE
    env.filters["article_url"] = article_url
    env.filters["narrative_url"] = narrative_url
    env.filters["short"] = lambda label: str(label).rsplit(": ", 1)[-1]
    env.filters["domain"] = lambda label: str(label).split(": ", 1)[0] if ": " in str(label) else ""
    env.filters["pct"] = lambda value: f"{100 * float(value):.0f}%"
    env.filters["p_value"] = lambda p: "< 0.0001" if float(p) < 1e-4 else f"{float(p):.2g}"


def _chart(data: dict) -> Markup:
    """Chart data as JSON safe to embed in ``<script type="application/json">``."""
    return Markup(json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _labels_of(state: WebState, documents: list[Document]) -> tuple[dict[str, list[str]], set[str]]:
    """The narrative labels each of ``documents`` carries (its reviewed ones once reviewed), and the ids of those
    a person reviewed (their rows get a "reviewed" mark)."""
    out: dict[str, list[str]] = {}
    reviewed: set[str] = set()
    with state.lock:
        for doc in documents:
            analysis = state.store.get_analysis(doc.id)
            out[doc.id] = [n for n in (analysis.narrative_labels if analysis else []) if n != OTHER]
            if analysis is not None and analysis.reviewed:
                reviewed.add(doc.id)
    return out, reviewed


def corpus_languages(state: WebState) -> list[str]:
    """The languages of the corpus's documents, most frequent first (for the language filters)."""
    return state.cached(("languages",), lambda: list(state.store.count_by("language", DocumentQuery())))


def _origins_of(state: WebState, documents: list[Document]) -> dict[str, Document]:
    """The origin of each syndicated copy among ``documents``."""
    out: dict[str, Document] = {}
    with state.lock:
        for doc in documents:
            link = state.store.origin_of(doc.id)
            origin = state.store.get_document(link.origin_id) if link else None
            if origin is not None:
                out[doc.id] = origin
    return out


@router.get("/")
def overview(request: Request, since: date | None = None, until: date | None = None, language: Language = None,
             outlet: Text = None) -> HTMLResponse:
    """Narratives over time, what is surging, surge alerts, totals, languages, outlets and storylines; ``language``
    and ``outlet`` (a part of its name) narrow every part of the page to that part of the corpus."""
    from narrascope.corpus.trends import SURGE_RULE, period_changes, trends

    check_period(since, until)
    check_text(language=language, outlet=outlet)
    state = web_state(request)
    s, u = (since.isoformat() if since else None), (until.isoformat() if until else None)
    language, outlet = (language or "").strip() or None, (outlet or "").strip() or None
    period_query = DocumentQuery(since=s, until=u, language=language, outlet=outlet)

    def compute() -> tuple:
        rows, surges = trends(state.store, "narrative", s, u, language=language, outlet=outlet)
        total = state.store.query_documents(replace(period_query, include_duplicates=True, limit=1)).total
        unique = state.store.query_documents(replace(period_query, limit=1)).total
        totals = state.store.label_counts("narrative", period_query)  # every labelled article, dated or not
        languages = state.store.count_by("language", period_query)
        outlets = state.store.count_by("outlet", period_query)
        periods, changes = period_changes(state.store, "narrative", s, u, language=language, outlet=outlet)
        stories = state.store.storylines(limit=6, language=language)
        recent = state.store.query_documents(replace(period_query, limit=8)).items
        return rows, surges, total, unique, totals, languages, outlets, periods, changes, stories, recent, \
            _labels_of(state, recent)

    (rows, surges, total, unique, totals, languages, outlets, periods, changes, stories, recent,
     recent_labels) = state.cached(("overview", s, u, language, outlet), compute)
    dated: Counter = Counter()
    for r in rows:
        dated[r.key] += r.count
    leaders = [k for k, _ in dated.most_common(6)]
    days = sorted({r.day for r in rows})
    series = time_series(rows, leaders)
    marks = surge_marks(series, surges)
    kept = {k: v for k, v in (("since", s), ("until", u), ("language", language), ("outlet", outlet)) if v}
    period = urlencode(kept)
    without = lambda key: urlencode({k: v for k, v in kept.items() if k != key})  # noqa: E731
    return render(
        request, "overview.html", since=s, until=u, total=total, unique=unique, days=days,
        chart_data=_chart({**series, "marks": marks}), unit=series["unit"], leaders=leaders,
        legend_entries=[(i % 8, k, dated[k], sum(1 for m in marks if m["series"] == i + 1))
                      for i, k in enumerate(leaders)],
        surges=list(reversed(surges))[:15], periods=periods, changes=[c for c in changes if c.count or c.previous][:12],
        narratives=sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:20], languages=bars(languages),
        outlets=bars(outlets), stories=stories, recent=recent, recent_labels=recent_labels[0], reviewed=recent_labels[1],
        period=period, surge_rule=SURGE_RULE, language=language, outlet=outlet,
        language_href="/documents?" + "".join(f"{p}&" for p in [without("language")] if p) + "language=",
        outlet_href="/documents?" + "".join(f"{p}&" for p in [without("outlet")] if p) + "outlet=",
        corpus_languages=corpus_languages(state),
    )


@router.get("/documents")
def documents(
    request: Request,
    narrative: Text = None,
    subnarrative: Text = None,
    entity: Text = None,
    outlet: Text = None,
    language: Language = None,
    since: date | None = None, until: date | None = None,
    q: Text = None,
    sort: DocumentSort = "date",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    copies: bool = False,
) -> HTMLResponse:
    """Filtered, sorted articles; a page past the last shows the last page, each article with the passage that
    matches the search words. Syndicated copies are left out unless ``copies`` is set; then they are marked."""
    state = web_state(request)
    filters = {"narrative": narrative, "subnarrative": subnarrative, "entity": entity, "outlet": outlet,
               "language": language, "since": since, "until": until, "q": q, "copies": 1 if copies else None}
    query = build_query(narrative, subnarrative, entity, outlet, language, since, until, q, include_duplicates=copies,
                        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    query.sort = sort
    result = run_query(state, query)
    pages = max(1, -(-result.total // PAGE_SIZE))
    if page > pages:  # page=999 of 5: show the last page (the pager says so) rather than an empty one
        page = pages
        query.offset = (page - 1) * PAGE_SIZE
        result = run_query(state, query)
    kept = {k: v for k, v in filters.items() if v}
    link = lambda p, by=sort: "/documents?" + urlencode({**kept, **({"sort": by} if by != "date" else {}), "page": p})  # noqa: E731
    tax = state.taxonomy
    snippets = {d.id: passage(d.text, q, d.title, d.language) for d in result.items}
    labels, reviewed = _labels_of(state, result.items)
    return render(request, "documents.html", filters=filters, result=result, page=page, pages=pages, link=link,
                  labels=labels, reviewed=reviewed, coarse=[n.label for n in tax.narratives], sort=sort,
                  sorts=SORT_NAMES, snippets=snippets, export=urlencode(kept), languages=corpus_languages(state),
                  origins=_origins_of(state, result.items) if copies else {})


@router.get("/articles/{document_id:anypath}")
def article(request: Request, document_id: str) -> HTMLResponse:
    """An article with its evidence highlighted: the labels it carries (its reviewed ones once reviewed)."""
    state = web_state(request)
    with state.lock:
        doc = state.store.get_document(document_id)
        analysis = state.store.get_analysis(document_id) if doc else None
        reviews = state.store.reviews(document_id) if doc else []
        copies = state.store.duplicates(origin_id=document_id) if doc else []
        origin_link = state.store.origin_of(document_id) if doc else None
        origin = state.store.get_document(origin_link.origin_id) if origin_link else None
        story_id = state.store.storyline_of(document_id) if doc else None
        story = state.store.get_storyline(story_id) if story_id else None
    if doc is None:
        raise HTTPException(404, f"No article with id {document_id!r} in this corpus.")
    return render(request, "article.html", **_article_context(doc, analysis, state.taxonomy, reviews),
                  copies=copies, origin=origin, origin_link=origin_link, story=story)


def _article_context(doc: Document, analysis: Analysis | None, tax: Taxonomy,
                     reviews: list[Review] | None = None) -> dict[str, Any]:
    shown = analysis or Analysis(document_id=doc.id)
    marked = highlight(doc.text, shown, tax)
    decided = {r.target: r for r in reviews or [] if r.kind != "entity"}
    return {"doc": doc, "analysis": analysis, "text": marked.html, "legend": marked.legend,
            "misplaced": marked.misplaced, "entities": entity_summary(shown.entities),
            "other": any(n.label == OTHER for n in shown.narratives), "decided": decided,
            "rejected": [r for r in decided.values() if r.status == "rejected"]}


@router.get("/narratives/{label:path}")
def narrative(request: Request, label: str) -> HTMLResponse:
    from narrascope.corpus.trends import trends

    tax = web_state(request).taxonomy
    fine = tax.is_fine(label) if tax.is_known(label) else label.count(": ") >= 2  # labels of another taxonomy: guess
    level = "subnarrative" if fine else "narrative"
    known = tax.is_known(label) and label != OTHER
    state = web_state(request)
    query = DocumentQuery(narrative=label, limit=10) if level == "narrative" else \
        DocumentQuery(subnarrative=label, limit=10)
    store = state.store

    def compute() -> tuple:
        examples = store.query_documents(query)
        rows, surges = state.cached(("trends", level), lambda: trends(store, level, None, None))  # type: ignore[arg-type]
        outlets = store.count_by("outlet", query)
        output = state.cached(("outlets",), lambda: store.count_by("outlet", DocumentQuery())) if outlets else {}
        languages = store.count_by("language", query)
        analyses = {d.id: store.get_analysis(d.id) for d in examples.items}
        sub_counts = store.label_counts("subnarrative", query) if level == "narrative" else {}
        return examples, rows, surges, outlets, output, languages, analyses, sub_counts

    examples, rows, surges, outlets, output, languages, analyses, sub_counts = \
        state.cached(("narrative", level, label), compute)
    if not known and examples.total == 0:
        raise HTTPException(404, f"{label!r} is not a narrative of the taxonomy and no article carries it.")
    own = [r for r in rows if r.key == label]
    evidence = {}
    for doc_id, a in analyses.items():
        scores = (a.narratives if level == "narrative" else a.subnarratives) if a else []
        hit = next((s for s in scores if s.label == label), None)
        evidence[doc_id] = (hit.evidence[0].text if hit and hit.evidence else None, hit.score if hit else None)
    info = tax.narrative(label) if known else None
    sub = tax.subnarrative(label) if known and level == "subnarrative" else None
    subnarratives = [(s.label, s.name, s.definition, sub_counts.get(s.label, 0)) for s in info.subnarratives] \
        if info and level == "narrative" else []
    shares = sorted(((o, n / output[o], n, output[o]) for o, n in outlets.items() if output.get(o)),
                    key=lambda t: (-t[1], -t[2], t[0]))[:10]
    top = shares[0][1] if shares else 1.0
    filtered = "/documents?" + urlencode({level: label}) + "&"
    return render(request, "narrative.html", label=label, level=level, info=info, sub=sub, examples=examples,
                  reviewed={doc_id for doc_id, a in analyses.items() if a is not None and a.reviewed},
                  evidence=evidence, chart_data=_chart(time_series(own, [label])), dated=sum(r.count for r in own),
                  surges=[s for s in reversed(surges) if s.key == label][:10],
                  outlets=[(o, share, n, all_, 100 * share / top) for o, share, n, all_ in shares],
                  languages=bars(languages), subnarratives=subnarratives, filtered=filtered)


@router.get("/entities")
def entities(
    request: Request,
    entity: Text = None,
    by: Literal["outlet", "language"] | None = None,
    since: date | None = None, until: date | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """How the corpus frames its entities (``corpus.entities.entity_table``), optionally per outlet or language;
    ``limit`` entities from the ``offset``-th on, with links to the previous and next ones. The page itself is kept
    until the store changes, as the table is: per outlet, 50 entities are some 2,000 rows (800 kB of HTML), whose
    rendering took longer than the query."""
    from narrascope.corpus.entities import entity_table

    check_period(since, until)
    state = web_state(request)
    args = (entity or None, by, since.isoformat() if since else None, until.isoformat() if until else None)
    filters = {"entity": entity, "by": by, "since": since, "until": until}
    kept = {k: v for k, v in filters.items() if v}

    def page(start: int, size: int = limit) -> str:
        return "/entities?" + urlencode({**kept, **({"limit": size} if size != 50 else {}), **({"offset": start} if start else {})})

    def html() -> bytes:
        table = entity_table(state.store, *args, limit=limit, offset=offset)
        pages = {"previous": page(max(0, offset - limit)) if offset else None,
                 "next": page(offset + limit) if offset + limit < table.entities else None,
                 "all": page(0, table.entities) if table.entities > limit and table.entities <= 5000 else None}
        return bytes(render(request, "entities.html", rows=table.rows, table=table, pages=pages, filters=filters,
                            export=urlencode(kept)).body)

    return HTMLResponse(state.cached(("entities page", *args, limit, offset), html))


@router.get("/storylines")
def storylines(
    request: Request,
    q: Text = None,
    language: Language = None,
    narrative: Text = None,
    sort: StorylineSort = "size",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """Storylines filtered by title words, language and narrative; largest, most recent or by title."""
    state = web_state(request)
    filters = {"q": (q or "").strip() or None, "language": language, "narrative": narrative}
    with state.lock:
        total = storyline_total(state, filters["q"], language, narrative)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        result = state.store.storylines(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, text=filters["q"], sort=sort,
                                        language=language, narrative=narrative, total=total)
        full = [state.store.get_storyline(s.id) or s for s in result.items]
    kept = {k: v for k, v in filters.items() if v}
    link = lambda p, by=sort: "/storylines?" + urlencode({**kept, **({"sort": by} if by != "size" else {}), "page": p})  # noqa: E731
    return render(request, "storylines.html", stories=full, total=result.total, page=page, pages=pages, link=link,
                  filters=filters, sort=sort, sorts={"size": "size", "recent": "most recent", "title": "title"},
                  export=urlencode({**kept, **({"sort": sort} if sort != "size" else {})}),
                  coarse=[n.label for n in state.taxonomy.narratives], languages=corpus_languages(state))


@router.get("/storylines/{storyline_id}")
def storyline(request: Request, storyline_id: str) -> HTMLResponse:
    state = web_state(request)
    story, docs = storyline_with_documents(state, storyline_id)
    if story is None:
        raise HTTPException(404, f"No storyline with id {storyline_id!r}.")
    first = next((d for d in docs if d.published), None)  # earliest first: the event's first publisher
    labels, reviewed = _labels_of(state, docs[:200])
    return render(request, "storyline.html", story=story, docs=docs, lanes=swimlane(docs), first=first,
                  labels=labels, reviewed=reviewed, origins=_origins_of(state, docs[:200]))


@router.get("/analyze")
def analyze_form(request: Request) -> HTMLResponse:
    return render(request, "analyze.html", form={}, errors=[], writes=bool(web_state(request).token))


@router.post("/analyze")
def analyze_submit(
    request: Request,
    text: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    outlet: Annotated[str, Form()] = "",
    published: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    save: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    state = web_state(request)
    given = {"title": title, "outlet": outlet, "published": published, "language": language}
    form: dict[str, object] = {"text": text, **given, "save": bool(save)}
    fields = {k: v.strip() or None for k, v in given.items()}
    try:
        item = DocumentIn(text=text, **fields)
    except ValidationError as exc:
        return render(request, "analyze.html", status=422, form=form, errors=form_errors(exc), writes=bool(state.token))
    if save and not state.token_ok(token):
        reason = "saving is disabled on this server (no API token configured)" if not state.token else \
            "the API token is missing or wrong, so the article was not analysed or saved"
        return render(request, "analyze.html", status=403, form=form, errors=[reason], writes=bool(state.token))
    refusal = state.paste_refusal(request.client.host if request.client else "unknown", text, token)
    if refusal:  # an anonymous paste over the size or rate limit (WebState.paste_refusal)
        status, message, retry = refusal
        page = render(request, "analyze.html", status=status, form=form, errors=[message], writes=bool(state.token))
        if retry:
            page.headers["retry-after"] = str(max(1, round(retry)))
        return page
    doc = item.to_document()
    doc.source = "web form"
    try:
        analysis = state.analyze([doc])[0]
    except (NarrascopeError, ImportError, OSError) as exc:
        raise HTTPException(503, f"The analysis is unavailable on this server: {exc}") from None
    note = "Not saved: analysed for this page only."
    if save:
        stored = state.save([(doc, analysis)])
        note = "Saved to the corpus." if stored else "Not saved: the same text or URL is already in the corpus."
    saved = note.startswith("Saved")
    return render(request, "analyzed.html", **_article_context(doc, analysis, state.taxonomy), copies=[], note=note, saved=saved,
                  transient=not saved)
