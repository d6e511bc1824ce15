"""What the web routes share: the ``WebState`` (store, pipeline, token, limits) on ``app.state.web``, the
token dependency of write endpoints, the ``anypath`` route parameter for document ids, and page rendering."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from starlette.convertors import Convertor, register_url_convertor

from narrascope.documents import Analysis, Document
from narrascope.store.base import Store
from narrascope.web.ratelimit import RateLimiter

T = TypeVar("T")
CACHE_ENTRIES = 512  # cached page results (WebState.cached) before the cache starts afresh
ANONYMOUS_MAX_BYTES = 100_000  # a paste analysed without the API token (the API takes up to 1 MB)


class AnyPathConvertor(Convertor[str]):
    """Route parameter ``{name:anypath}``: like ``path`` but matching any character, newlines included, so that
    every stored document id (line breaks and control characters too) round-trips through its quoted URL."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", AnyPathConvertor())


@dataclass
class WebState:
    """What the routes share: the store (behind ``lock``), the pipeline (built on first use) and the token."""

    store: Store
    pipeline: Any = None
    token: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    pipeline_lock: threading.Lock = field(default_factory=threading.Lock)
    anonymous_max_bytes: int = ANONYMOUS_MAX_BYTES
    paste_limiter: RateLimiter = field(default_factory=RateLimiter)
    dedup_weeks: int = 4  # the duplicate detector's window (``narrascope serve --dedup-weeks``)
    # results that only change with the corpus, valid while the store's change_marker() is ``_cache_marker``
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    _cache_marker: Any = field(default=None, repr=False)
    # the duplicate detector and storyline builder of the last save, with the marker the store had after it
    _ingest_state: tuple[Any, Any, Any] | None = field(default=None, repr=False)

    @property
    def taxonomy(self) -> Any:
        """The ``Taxonomy`` pages label with: the narratives model's (``serve --model``; the shipped one by default),
        read without loading the model's weights; the shipped model's for a pipeline without a narratives step."""
        taxonomy = self.get_pipeline().taxonomy
        if taxonomy is None:
            from narrascope.components.narratives.classifier import DEFAULT_MODEL_DIR
            from narrascope.taxonomy import load_taxonomy

            taxonomy = load_taxonomy(DEFAULT_MODEL_DIR)
        return taxonomy

    def get_pipeline(self) -> Any:
        if self.pipeline is None:
            from narrascope.pipeline import DEFAULT_STEPS, Pipeline

            self.pipeline = Pipeline.from_names(DEFAULT_STEPS)
        return self.pipeline

    def analyze(self, documents: list[Document]) -> list[Analysis]:
        """Analyse ``documents`` (one request at a time: the models are shared and CPU-bound)."""
        with self.pipeline_lock:
            return list(self.get_pipeline().analyze(documents))

    def save(self, pairs: Sequence[tuple[Document, Analysis]]) -> set[int]:
        """Add new documents and their analyses to the corpus (dedup and storylines as ``narrascope ingest``);
        returns ``id()`` of the documents stored (the others were already known by URL or text)."""
        from narrascope.corpus.dedup import DuplicateDetector
        from narrascope.corpus.ingestion import ingest
        from narrascope.corpus.storylines import StorylineBuilder

        given = [(doc, doc.id) for doc, _ in pairs]
        with self.lock:
            # Loading every signature and storyline takes seconds on a large corpus: keep them from the last save
            # unless the store changed since (another process ingested, a document was added by review).
            state, self._ingest_state = self._ingest_state, None
            if state is not None and state[0] == self.store.change_marker():
                detector, builder = state[1], state[2]
            else:
                detector = DuplicateDetector(window_weeks=self.dedup_weeks).load(self.store)
                builder = StorylineBuilder().load(self.store)
            before = self.store.change_marker()
            summary = ingest([doc for doc, _ in pairs], self.store, sources=["web api"],
                             analyses={doc.id: analysis for doc, analysis in pairs}, detector=detector,
                             storylines=builder, loaded=True)
            # what this save alone makes of the marker; anything else means another writer: load afresh next time
            after = self.store.change_marker()
            if after[:2] == (before[0] + summary.added, summary.run_id) and after[3:] == before[3:]:
                self._ingest_state = (after, detector, builder)
        return {id(doc) for doc, doc_id in given if doc_id in summary.stored}

    def cached(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` (under the store lock), remembered by ``key`` until the store changes (its
        ``change_marker``); the result is shared between requests, so callers must not modify it."""
        with self.lock:
            marker = self.store.change_marker()
            if marker != self._cache_marker:
                self._cache.clear()
                self._cache_marker = marker
            if key not in self._cache:
                if len(self._cache) >= CACHE_ENTRIES:
                    self._cache.clear()
                self._cache[key] = compute()
            return self._cache[key]

    def token_ok(self, presented: str | None) -> bool:
        if not self.token or presented is None:
            return False
        return hmac.compare_digest(presented.encode(), self.token.encode())

    def paste_refusal(self, client: str, text: str, token: str | None) -> tuple[int, str, float] | None:
        """Why an anonymous paste (no valid token) is refused, as (413 or 429, message, retry-after seconds);
        ``None`` when it may be analysed. With the token only the API's limits apply."""
        if self.token_ok(token):
            return None
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > self.anonymous_max_bytes:
            return 413, (f"The text is {size / 1000:,.0f} kB, over the {self.anonymous_max_bytes / 1000:,.0f} kB limit "
                         "of an anonymous paste: shorten it, or give the API token (up to 1 MB)."), 0.0
        wait = self.paste_limiter.wait(client)
        if wait:
            limiter = self.paste_limiter
            return 429, (f"Too many analyses from your address: at most {limiter.per_minute:g} per minute (bursts of "
                         f"{limiter.burst}) without the API token. Try again in {wait:.0f} s, or give the API token."), wait
        return None


def web_state(request: Request) -> WebState:
    """The ``WebState`` of the app serving ``request``."""
    return request.app.state.web


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``template`` (in ``templates/``) rendered with ``context``, as the page's response."""
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("taxonomy_in_use", request.app.state.web.taxonomy.name)  # the footer names it
    return templates.TemplateResponse(request, template, context, status_code=status)


bearer = HTTPBearer(auto_error=False, description="The token given to `narrascope serve --token`.")


def require_token(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Dependency of write endpoints: 403 when writes are disabled, 401 without the right bearer token."""
    state: WebState = request.app.state.web
    if not state.token:
        raise HTTPException(403, "write endpoints are disabled: start the server with --token or set "
                                 "NARRASCOPE_API_TOKEN to enable them")
    if credentials is None or not state.token_ok(credentials.credentials):
        raise HTTPException(401, "missing or wrong API token: send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
