"""Gold labels of articles, as the models train on them: narrative labels, entity mentions with roles,
explanations, and a corpus holding documents with whatever labels exist. Plain dataclasses; the official SemEval
file formats that read into them live in ``narrascope.semeval``.

Mention offsets follow the SemEval convention (UTF-16 code units, ``end`` inclusive, so a CRLF or an emoji counts
as two); ``mention_span`` converts them to Python string offsets and ``official_span`` back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from narrascope.documents import Document
from narrascope.taxonomy import Taxonomy


@dataclass
class NarrativeAnnotation:
    """Subtask 2 gold or prediction for one document."""

    id: str
    narratives: list[str]
    subnarratives: list[str]


@dataclass
class MentionAnnotation:
    """Subtask 1 gold or prediction for one mention; official offsets (UTF-16 code units, ``end`` inclusive)."""

    id: str
    mention: str
    start: int
    end: int
    main_role: str | None = None
    fine_roles: list[str] = field(default_factory=list)


def index_to_utf16(text: str, index: int) -> int:
    """The UTF-16 code-unit offset of Python string index ``index`` in ``text``."""
    prefix = text[:index]
    return index if prefix.isascii() else len(prefix.encode("utf-16-le")) // 2


def utf16_to_index(text: str, offset: int) -> int:
    """The Python string index of UTF-16 code-unit ``offset`` in ``text`` (inside a surrogate pair: the character)."""
    if text.isascii():
        return offset
    return len(text.encode("utf-16-le")[: 2 * offset].decode("utf-16-le", errors="ignore"))


def mention_span(text: str, mention: MentionAnnotation) -> tuple[int, int]:
    """Python ``(start, end)`` offsets, ``end`` exclusive, of an official mention: ``text[start:end]`` is the mention."""
    return utf16_to_index(text, mention.start), utf16_to_index(text, mention.end + 1)


def official_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Official ``(start, end)`` (UTF-16 code units, ``end`` inclusive) of the Python span ``text[start:end]``."""
    return index_to_utf16(text, start), index_to_utf16(text, end) - 1


@dataclass
class ExplanationAnnotation:
    """Subtask 3 gold for one document (``explanation`` empty in the input file of dominant narratives)."""

    id: str
    narrative: str
    subnarrative: str | None
    explanation: str = ""


@dataclass
class AnnotatedCorpus:
    """One or more language folders: documents and whatever annotations exist, keyed by document id."""

    documents: dict[str, Document] = field(default_factory=dict)
    narratives: dict[str, NarrativeAnnotation] = field(default_factory=dict)
    mentions: dict[str, list[MentionAnnotation]] = field(default_factory=dict)
    explanations: dict[str, ExplanationAnnotation] = field(default_factory=dict)
    # the taxonomy the narrative labels come from; models trained on the corpus label with it
    taxonomy: Taxonomy | None = field(default=None, repr=False)

    def language_of(self, doc_id: str) -> str | None:
        return self.documents[doc_id].language if doc_id in self.documents else None

    def extend(self, other: AnnotatedCorpus) -> None:
        self.documents.update(other.documents)
        self.narratives.update(other.narratives)
        self.mentions.update(other.mentions)
        self.explanations.update(other.explanations)
        self.taxonomy = self.taxonomy or other.taxonomy
