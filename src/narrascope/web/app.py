"""The FastAPI application: the JSON API under ``/api`` and the server-rendered dashboard, over one ``Store``.

    app = create_app(open_store("corpus.db"), token="s3cret")   # then: uvicorn.run(app)

Write endpoints (``POST /api/...``) need ``Authorization: Bearer <token>``; with no token configured they are
disabled (403). Both are checked before the request body is read (``RequestGate``), and so is its size: over
``max_body_bytes`` with the token, over ``FORM_MAX_BYTES`` without, a request is refused with 413. Every API error is a
JSON ``{"error", "status", "details"}``; dashboard errors are HTML pages. Store access is serialised with a lock
(one SQLite connection is shared by the worker threads); analyses run one at a time outside that lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from narrascope import __version__
from narrascope.io.urls import is_http_url
from narrascope.store.base import Store
from narrascope.web.ratelimit import RateLimiter
from narrascope.web.state import ANONYMOUS_MAX_BYTES, WebState

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_BODY_BYTES = 16 * 1024 * 1024
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}





class DropEmptyQuery:
    """ASGI middleware: drop empty query parameters (``?since=&entity=``), which an HTML filter form sends for every
    field left blank; they mean "no filter", not an invalid date or name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if query:
            pairs = query.split(b"&")
            kept = [p for p in pairs if p.partition(b"=")[2]]  # the other pairs stay byte for byte
            if len(kept) != len(pairs):
                scope = dict(scope, query_string=b"&".join(kept))
        await self.app(scope, receive, send)


FORM_MAX_BYTES = 4 * 1024 * 1024  # a form post (paste, review): 1 MB of text percent-encoded, and the other fields
READS = (b"GET", b"HEAD", b"OPTIONS")


class RequestGate:
    """ASGI middleware: what is decided before one byte of a request body is read.

    A write to the JSON API (any method but GET, HEAD and OPTIONS under ``/api/``) needs the bearer token in its
    ``Authorization`` header: without a token configured it is refused with 403, without the right token with 401,
    and the body is never read (the route's ``require_token`` checks again). A body over the limit is refused with
    413: on its declared ``Content-Length`` before reading, or as soon as a streamed body passes it. The limit is
    ``limit`` for a request with the right bearer token and ``form_limit`` for any other (the paste and review forms,
    whose token travels in the form). So an unauthenticated client can make the server hold at most ``form_limit``
    bytes per request.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, form_limit: int = FORM_MAX_BYTES) -> None:
        self.app = app
        self.limit = limit
        self.form_limit = form_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method", "GET").encode() in READS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        state: WebState = scope["app"].state.web
        authorised = _bearer_ok(state, headers.get(b"authorization"))
        if scope.get("path", "").startswith("/api/") and not authorised:
            if not state.token:
                await _refuse(scope, receive, send, 403, "write endpoints are disabled: start the server with --token "
                                                         "or set NARRASCOPE_API_TOKEN to enable them")
            else:
                await _refuse(scope, receive, send, 401, "missing or wrong API token: send 'Authorization: Bearer <token>'",
                              {"WWW-Authenticate": "Bearer"})
            return
        limit = self.limit if authorised else min(self.limit, self.form_limit)
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._too_large(scope, receive, send, limit)
            return
        parts: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            parts.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(parts)
        del parts
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        hint = "" if limit >= self.limit else " without the API token in the Authorization header"
        await _refuse(scope, receive, send, 413, f"request body over {limit:,} bytes{hint}; "
                                                 f"send at most {limit / 1_048_576:g} MB per request")


def _bearer_ok(state: WebState, header: bytes | None) -> bool:
    scheme, _, credentials = (header or b"").decode("latin-1").partition(" ")
    return scheme.lower() == "bearer" and state.token_ok(credentials.strip())


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str,
                  headers: dict[str, str] | None = None) -> None:
    """Answer without reading the body; the connection is closed after the answer (uvicorn does not read on)."""
    response = JSONResponse({"error": message, "status": status, "details": []}, status_code=status,
                            headers={**SECURITY_HEADERS, "connection": "close", **(headers or {})})
    await response(scope, receive, send)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/openapi.json"


def _error(request: Request, status: int, message: str, details: list[str] | None = None,
           headers: dict[str, str] | None = None) -> Any:
    if _wants_json(request):
        return JSONResponse({"error": message, "status": status, "details": details or []}, status_code=status,
                            headers=headers)
    templates: Jinja2Templates = request.app.state.templates
    context: dict[str, Any] = {"status": status, "message": message, "details": details or []}
    try:  # the footer names the taxonomy, as on every page; an error page never fails for want of it
        context["taxonomy_in_use"] = request.app.state.web.taxonomy.name
    except Exception:  # noqa: BLE001 - e.g. the model behind the taxonomy is what failed
        log.debug("error page without the taxonomy's name", exc_info=True)
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc if part not in ("body",)) or "body"


def create_app(store: Store, pipeline: Any = None, token: str | None = None,
               max_body_bytes: int = MAX_BODY_BYTES, anonymous_max_bytes: int = ANONYMOUS_MAX_BYTES,
               anonymous_per_minute: float = 10.0, anonymous_burst: int = 5, dedup_weeks: int = 4) -> FastAPI:
    """The narrascope web app over ``store``; ``pipeline`` defaults to the standard one (built on first use).

    The paste form analyses for anyone who can reach the server; without the API token a paste is limited to
    ``anonymous_max_bytes`` (413 beyond) and each client address to ``anonymous_per_minute`` analyses a minute in
    bursts of at most ``anonymous_burst`` (429 beyond). Articles stored through the API are linked to copies
    published within ``dedup_weeks`` calendar weeks, as ``narrascope ingest --dedup-weeks``.
    """
    from narrascope.web import api, export, pages, review, review_pages

    app = FastAPI(
        title="narrascope",
        version=__version__,
        description="Propaganda narratives in multilingual news (SemEval-2025 Task 10 taxonomy): analyse articles, "
                    "search the corpus, storylines and trends. Write endpoints need `Authorization: Bearer <token>`.",
        docs_url=None,  # the Swagger page needs assets from a CDN; the spec itself is at /openapi.json
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.web = WebState(store=store, pipeline=pipeline, token=token or None,
                             anonymous_max_bytes=anonymous_max_bytes, dedup_weeks=dedup_weeks,
                             paste_limiter=RateLimiter(per_minute=anonymous_per_minute, burst=anonymous_burst))
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    templates.env.tests["http_url"] = is_http_url  # {% if doc.url is http_url %}: never a javascript: link
    pages.register_filters(templates)
    app.state.templates = templates

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        return _error(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Any:
        details = [f"{_location(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()[:20]]
        return _error(request, 422, "invalid request: " + "; ".join(details[:3]), details)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Any:
        log.exception("unexpected error on %s", request.url.path)
        return _error(request, 500, f"internal error ({type(exc).__name__}); see the server log")

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Any:
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["server-timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.method not in ("GET", "HEAD") or request.url.path.startswith("/review"):
            # form answers show the API token again (kept in the form); review pages are per-reviewer: keep them out
            # of every cache and of the browser's history store
            response.headers["cache-control"] = "no-store"
        return response

    app.add_middleware(RequestGate, limit=max_body_bytes)
    app.add_middleware(DropEmptyQuery)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)
    app.include_router(export.router)
    app.include_router(pages.router)
    app.include_router(review.router)
    app.include_router(review_pages.router)
    return app


WARM_UP_TEXT = (
    "NATO officials said on Monday that Western weapons deliveries to Ukraine will continue. "
    "Moscow accused the alliance of fighting a proxy war against Russia."
)


def warm_up(pipeline: Any) -> None:
    """Load the pipeline's models and its taxonomy now (they load lazily, on the first request otherwise)."""
    from narrascope.documents import Document

    if pipeline is not None:
        pipeline.analyze_batch([Document(id="warm-up", text=WARM_UP_TEXT)])


def html_error(request: Request, status: int, message: str) -> HTMLResponse:
    """An HTML error page (for page routes that detect a problem themselves)."""
    return _error(request, status, message)
