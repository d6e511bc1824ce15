"""Pydantic models of the REST API's requests and responses (the boundary only: dataclasses inside).

Inputs are validated strictly so that malformed requests are answered with a 4xx JSON error, never a 500: texts
must be non-blank valid Unicode without NUL characters, at most ``MAX_DOCUMENT_BYTES`` of UTF-8, dates ISO-8601,
URLs absolute http(s).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from narrascope.corpus.trends import Surge
from narrascope.dates import normalise_date
from narrascope.documents import Analysis, Document
from narrascope.io.urls import is_http_url

MAX_DOCUMENT_BYTES = 1_000_000
MAX_BATCH = 100
# The page numbers and offsets a request may ask for: far past any corpus (a page past the last shows the last one),
# yet bounded. A bound of 50,000 pages (1M offsets) left the last pages of a 1.48M-article corpus answering 422.
MAX_PAGE = 100_000_000
MAX_OFFSET = 2_000_000_000


def _clean(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if "\x00" in value:
        raise ValueError(f"{field} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{field} is not valid Unicode (lone surrogate)") from None
    return value


def form_errors(exc: ValidationError) -> list[str]:
    """A form's validation errors, one ``field: message`` line each, for a page to show beside the form."""
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]


class DocumentIn(BaseModel):
    """An article to analyse. Only ``text`` is required; ``id`` defaults to a hash of the text."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "NATO instructors are already fighting on the front line, a source claims.",
        "title": "Who is really fighting", "outlet": "example.org", "published": "2024-03-01", "language": "en"}]})

    text: str = Field(min_length=1, description=f"Article text (UTF-8, at most {MAX_DOCUMENT_BYTES:,} bytes).")
    id: str | None = Field(default=None, min_length=1, max_length=200, description="Your id for the document.")
    title: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=2000, description="The article's http(s) URL.")
    outlet: str | None = Field(default=None, max_length=200)
    published: str | None = Field(default=None, max_length=40, description="ISO-8601 date or datetime, e.g. 2024-03-01, or RFC 2822; stored as ISO 8601.")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$", description="ISO 639-1 code; detected when absent.")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        _clean(value, "text")
        if not value.strip():
            raise ValueError("text is blank")
        if len(value.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"text is over {MAX_DOCUMENT_BYTES:,} bytes; split the article or shorten it")
        return value

    @field_validator("id", "title", "url", "outlet")
    @classmethod
    def _fields(cls, value: str | None, info: Any) -> str | None:
        value = _clean(value, info.field_name)
        value = value if value and value.strip() else None  # blank means absent (a blank URL is no identity)
        if info.field_name == "url" and value is not None and not is_http_url(value):
            raise ValueError(f"url {value[:100]!r} is not an absolute http(s) URL")
        return value

    @field_validator("published")
    @classmethod
    def _published(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalise_date(value)
        except ValueError as exc:
            raise ValueError(f"published {exc}") from None

    def to_document(self) -> Document:
        doc = Document(id=self.id or "", text=self.text, title=self.title, url=self.url, outlet=self.outlet,
                       published=self.published, language=self.language, source="api")
        if not doc.id:
            doc.id = "api-" + doc.content_hash[:16]
        return doc


class BatchIn(BaseModel):
    """Up to ``MAX_BATCH`` articles analysed together."""

    model_config = ConfigDict(extra="forbid")
    documents: list[DocumentIn] = Field(min_length=1, max_length=MAX_BATCH)


class EvidenceOut(BaseModel):
    start: int
    end: int
    text: str
    score: float = 0.0


class LabelScoreOut(BaseModel):
    label: str
    score: float
    evidence: list[EvidenceOut] = []


class EntityMentionOut(BaseModel):
    text: str
    start: int
    end: int
    entity: str | None = None
    main_role: str | None = None
    fine_roles: list[str] = []
    score: float = 0.0
    evidence: EvidenceOut | None = None
    salience: float | None = Field(default=None, ge=0, le=1, description="Probability that the article frames this mention's "
                                   "entity (the same for all its mentions); null for analyses made before salience.")


class EntitySummaryOut(BaseModel):
    """Who is cast as what: one entity of the analysis (the rows of ``documents.entity_summary``)."""

    entity: str = Field(description="The entity's name (the mention text when the entity is not named).")
    main_role: str = Field(description="The role of most of its mentions: Protagonist, Antagonist, Innocent or "
                                       "Unknown (ties: the higher summed score).")
    fine_roles: list[str] = Field([], description="The fine roles of the mentions with main_role, most frequent first.")
    mentions: int = Field(ge=1, description="How many mentions the entity has.")
    share: float = Field(ge=0, le=1, description="The fraction of its mentions cast as main_role (4 decimals).")
    salience: float | None = Field(default=None, ge=0, le=1, description="Probability that the article frames the entity (that "
                                   "annotators would give it a role); null for analyses made before salience.")
    framed: bool | None = Field(default=None, description="Whether salience reaches documents.FRAMED_SALIENCE (0.3); false: "
                                "\"not framed\", the article most likely gives the entity no role and main_role is only "
                                "the framer's guess; null for analyses made before salience.")


class ExplanationOut(BaseModel):
    text: str
    narrative: str
    subnarrative: str | None = None
    sources: list[EvidenceOut] = []
    explainer: str | None = None


class AnalysisOut(BaseModel):
    """What narrascope says about one document; offsets are character offsets into the document's text."""

    document_id: str
    language: str | None = None
    title: str | None = None
    source: str | None = None
    narratives: list[LabelScoreOut] = []
    subnarratives: list[LabelScoreOut] = []
    entities: list[EntityMentionOut] = []
    entity_summary: list[EntitySummaryOut] = Field([], description="One row per entity, the most salient first (then the most mentioned); "
                                                   "derived from entities, as in the JSON output.")
    explanation: ExplanationOut | None = None
    warnings: list[str] = []
    error: str | None = None
    model: str | None = None
    taxonomy: str | None = None
    language_support: Literal["trained", "transfer", "unsupported"] | None = Field(
        None, description="How far to trust the labels for the document's language: trained (the model had training "
        "articles in it), transfer (covered only by the multilingual representation: far less reliable), unsupported "
        "(no labels; see warnings); null when no narrative step ran.")
    reviewed: bool = Field(False, description="True once a person accepted, rejected or added a label or role of this "
                           "article: the labels are then the reviewed ones (labels a person added score 1.0).")

    @classmethod
    def of(cls, analysis: Analysis) -> AnalysisOut:
        return cls.model_validate(analysis.to_dict())


class DocumentOut(BaseModel):
    id: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    language: str | None = None
    source: str | None = None

    @classmethod
    def of(cls, document: Document) -> DocumentOut:
        return cls.model_validate(document.to_dict())


class DocumentSummary(BaseModel):
    """A search hit: the document without its text, plus a snippet."""

    id: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    language: str | None = None
    snippet: str

    @classmethod
    def of(cls, document: Document) -> DocumentSummary:
        data = document.to_dict()
        data["snippet"] = " ".join(document.text[:300].split())
        return cls.model_validate(data)


class DocumentPage(BaseModel):
    items: list[DocumentSummary]
    total: int
    limit: int
    offset: int


class DocumentWithAnalysis(BaseModel):
    document: DocumentOut
    analysis: AnalysisOut | None = Field(description="null when the document has not been analysed yet")


class AnalyzeResult(BaseModel):
    """The analysis of one submitted document; ``stored`` says whether it was added to the corpus."""

    document: DocumentOut
    analysis: AnalysisOut
    stored: bool
    note: str | None = None


class BatchResult(BaseModel):
    results: list[AnalyzeResult]
    stored: int
    skipped: int


class StorylineOut(BaseModel):
    id: str
    title: str
    size: int
    first_seen: str | None = None
    last_seen: str | None = None
    narratives: dict[str, int] = {}
    outlets: dict[str, int] = {}
    languages: dict[str, int] = {}
    timeline: list[tuple[str, int]] = []


class StorylinePage(BaseModel):
    items: list[StorylineOut]
    total: int
    limit: int
    offset: int


class StorylineDetail(StorylineOut):
    documents: list[DocumentSummary] = Field(description="the storyline's documents, earliest first (at most 500)")


class TrendRowOut(BaseModel):
    day: str
    key: str
    count: int


class SurgeOut(BaseModel):
    """A rise of one key (narrative, outlet, …) found by the surge test (``narrascope.corpus.trends``)."""

    since: str = Field(description="first day of the rise")
    day: str = Field(description="last day of the rise (inclusive)")
    key: str
    count: int = Field(description="the key's documents in the rise (copies counted once)")
    total: int = Field(description="all documents in the rise")
    baseline_count: int = Field(description="the key's documents in the baseline window before the rise")
    baseline_total: int = Field(description="all documents in the baseline window")
    expected: float = Field(description="documents the baseline rate predicts for the rise")
    ratio: float = Field(description="the key's share in the rise over its baseline share")
    p_value: float = Field(description="one-sided p-value of the rise (exact conditional Poisson test)")
    share: float
    baseline: float
    score: float = Field(description="-log10(p_value)")

    @classmethod
    def of(cls, surge: Surge) -> SurgeOut:
        return cls(**surge.to_dict())


class TrendsOut(BaseModel):
    by: str
    rows: list[TrendRowOut]
    surges: list[SurgeOut]


class EntityFramingOut(BaseModel):
    """How the corpus frames one entity (in one outlet or language when grouped)."""

    entity: str = Field(description="The entity's name.")
    group: str | None = Field(default=None, description="The outlet or language of this row; null when not grouped.")
    documents: int = Field(ge=1, description="Documents framing the entity (syndicated copies counted once).")
    roles: dict[str, int] = Field(description="Documents per main role, each document counted once by the role of "
                                              "most of the entity's mentions in it.")
    main_role: str = Field(description="The role of most of those documents.")
    share: float = Field(ge=0, le=1, description="The fraction of the documents with main_role.")
    mentions: int = Field(ge=1, description="Framed mentions of the entity in those documents.")


class EntitiesOut(BaseModel):
    by: str | None = Field(default=None, description="outlet, language or null.")
    rows: list[EntityFramingOut]


class HealthOut(BaseModel):
    status: str
    documents: int
    writes_enabled: bool


class ErrorOut(BaseModel):
    """Every error response: ``status`` repeats the HTTP status; ``details`` lists validation problems."""

    error: str
    status: int
    details: list[str] = []
