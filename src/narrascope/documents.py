"""The data model that flows through narrascope: ``Document`` in, ``Analysis`` out.

Plain dataclasses that round-trip through JSON (``to_dict`` / ``from_dict``). Character offsets are Python string
offsets into ``Document.text`` with ``end`` exclusive; the SemEval writers convert to the official convention.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import Field, asdict, dataclass, field, fields
from typing import Any, ClassVar, Self, TypeVar

T = TypeVar("T")


def _from_dict(cls: type[T], data: dict[str, Any]) -> T:
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


class Record:
    """A dataclass that round-trips through JSON as its fields: ``to_dict()`` and ``from_dict(data)`` (keys that are
    not fields are ignored). A class whose fields need converting overrides both."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return _from_dict(cls, data)


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace, control characters and invisible format characters (zero-width
    space U+200B and joiners U+200C/U+200D, word joiner U+2060, BOM U+FEFF, soft hyphen, direction marks...).
    Such a text is treated as empty everywhere a document is read."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc") for ch in text)


@dataclass
class Document(Record):
    """One article. ``id`` is unique within a corpus; ``published`` is an ISO-8601 date or datetime."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    language: str | None = None
    source: str | None = None

    @property
    def content_hash(self) -> str:
        """SHA-256 of the text, the identity of a document's content."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class FailedInput(Record):
    """An input that could not become a ``Document``; the batch goes on without it."""

    source: str
    reason: str
    line: int | None = None
    id: str | None = None


@dataclass
class Evidence(Record):
    """A span of the article that supports a label: ``text == document.text[start:end]``."""

    start: int
    end: int
    text: str
    score: float = 0.0


@dataclass
class LabelScore:
    """A predicted narrative or subnarrative label with its confidence and evidence sentences."""

    label: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score, "evidence": [e.to_dict() for e in self.evidence]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabelScore:
        return cls(
            label=data["label"],
            score=float(data.get("score", 0.0)),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
        )


@dataclass
class EntityMention:
    """A named-entity mention and how the article frames it.

    ``entity`` is the normalised name shared by all mentions of one entity in the document; ``salience`` is the
    probability that the article frames that entity (``narrascope.components.entities.salience``), the same for all its mentions.
    """

    text: str
    start: int
    end: int
    entity: str | None = None
    main_role: str | None = None
    fine_roles: list[str] = field(default_factory=list)
    score: float = 0.0
    evidence: Evidence | None = None
    salience: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = self.evidence.to_dict() if self.evidence else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityMention:
        mention = _from_dict(cls, {k: v for k, v in data.items() if k != "evidence"})
        if data.get("evidence"):
            mention.evidence = Evidence.from_dict(data["evidence"])
        mention.fine_roles = list(mention.fine_roles)
        return mention


@dataclass
class Explanation:
    """A short (≤ 80 words) explanation of the dominant narrative, grounded in ``sources``."""

    text: str
    narrative: str
    subnarrative: str | None = None
    sources: list[Evidence] = field(default_factory=list)
    explainer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = [s.to_dict() for s in self.sources]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Explanation:
        explanation = _from_dict(cls, {k: v for k, v in data.items() if k != "sources"})
        explanation.sources = [Evidence.from_dict(s) for s in data.get("sources", [])]
        return explanation


@dataclass
class Analysis:
    """Everything narrascope says about one document.

    ``narratives`` hold coarse labels (``URW: <Narrative>``), ``subnarratives`` fine labels
    (``URW: <Narrative>: <Sub>``); the bare ``Other`` when no narrative applies. ``error`` is set (and the rest left
    empty) when the document could not be analysed. ``language_support`` says how far to trust the labels for the
    document's language: ``trained`` (the model had training articles in it), ``transfer`` (covered only by the
    multilingual representation: far less reliable) or ``unsupported`` (no labels; a warning says why); None when no
    narrative step ran. ``model`` names the narrative model that produced the labels (``narratives:<dir>@<hash>``);
    ``reviewed`` is true once a person accepted, rejected or added a label or role: the labels are then the reviewed
    ones (``narrascope.store.review.apply_decisions``).
    """

    document_id: str
    language: str | None = None
    title: str | None = None
    source: str | None = None
    narratives: list[LabelScore] = field(default_factory=list)
    subnarratives: list[LabelScore] = field(default_factory=list)
    entities: list[EntityMention] = field(default_factory=list)
    explanation: Explanation | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    model: str | None = None
    taxonomy: str | None = None
    language_support: str | None = None
    reviewed: bool = False

    @property
    def narrative_labels(self) -> list[str]:
        return [label.label for label in self.narratives]

    @property
    def subnarrative_labels(self) -> list[str]:
        return [label.label for label in self.subnarratives]

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "language": self.language,
            "title": self.title,
            "source": self.source,
            "narratives": [n.to_dict() for n in self.narratives],
            "subnarratives": [s.to_dict() for s in self.subnarratives],
            "entities": [e.to_dict() for e in self.entities],
            "entity_summary": entity_summary(self.entities),
            "explanation": self.explanation.to_dict() if self.explanation else None,
            "warnings": list(self.warnings),
            "error": self.error,
            "model": self.model,
            "taxonomy": self.taxonomy,
            "language_support": self.language_support,
            "reviewed": self.reviewed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        return cls(
            document_id=data["document_id"],
            language=data.get("language"),
            title=data.get("title"),
            source=data.get("source"),
            narratives=[LabelScore.from_dict(n) for n in data.get("narratives", [])],
            subnarratives=[LabelScore.from_dict(s) for s in data.get("subnarratives", [])],
            entities=[EntityMention.from_dict(e) for e in data.get("entities", [])],
            explanation=Explanation.from_dict(data["explanation"]) if data.get("explanation") else None,
            warnings=list(data.get("warnings", [])),
            error=data.get("error"),
            model=data.get("model"),
            taxonomy=data.get("taxonomy"),
            language_support=data.get("language_support"),
            reviewed=bool(data.get("reviewed", False)),
        )

    @classmethod
    def failed(cls, failure: FailedInput) -> Analysis:
        """The analysis of an input that could not be read: only the error is set."""
        return cls(document_id=failure.id or failure.source, source=failure.source, error=failure.reason)


# An entity whose salience is below this is "not framed": the article most likely gives it no role (annotators would
# not have), and the role the framer gives its mentions is shown as the model's guess only. The operating point of
# the salience model's card (``p >= 0.3``: precision 0.51, recall 0.49 of the framed entities, 5-fold CV).
FRAMED_SALIENCE = 0.3


def entity_summary(entities: list[EntityMention]) -> list[dict[str, Any]]:
    """Who is cast as what: one row per entity (derived from the mentions, never stored), the most salient first
    (then the most mentioned; mentions framed before salience existed: the most mentioned first).

    ``main_role`` is the role of most of the entity's mentions (ties: the higher summed score), ``share`` the fraction
    of its mentions with that role, ``fine_roles`` the fine roles of those mentions, most frequent first, ``salience``
    the probability that the article frames the entity (None when unknown), ``framed`` whether that reaches
    ``FRAMED_SALIENCE`` (None when unknown; False: "not framed", ``main_role`` is then only the framer's guess).
    """
    by_entity: dict[str, list[EntityMention]] = {}
    for mention in entities:
        by_entity.setdefault(mention.entity or mention.text, []).append(mention)
    rows = []
    for name, mentions in by_entity.items():
        votes: dict[str, list[float]] = {}
        for m in mentions:
            votes.setdefault(m.main_role or "Unknown", []).append(m.score)
        role = max(votes, key=lambda r: (len(votes[r]), sum(votes[r]), r))
        fine: dict[str, int] = {}
        for m in mentions:
            if (m.main_role or "Unknown") == role:
                for r in m.fine_roles:
                    fine[r] = fine.get(r, 0) + 1
        salience = max((m.salience for m in mentions if m.salience is not None), default=None)
        rows.append({
            "entity": name, "main_role": role, "fine_roles": sorted(fine, key=lambda r: (-fine[r], r)),
            "mentions": len(mentions), "share": round(len(votes[role]) / len(mentions), 4), "salience": salience,
            "framed": None if salience is None else salience >= FRAMED_SALIENCE,
        })
    return sorted(rows, key=lambda r: (-(r["salience"] if r["salience"] is not None else -1.0), -r["mentions"], r["entity"]))
