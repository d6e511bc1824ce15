"""Entity framing applied to articles: the ``entities`` pipeline step and framing of official mention files.

``frame_document`` finds the named-entity mentions of one article (``narrascope.components.entities.mentions``), asks the
``EntityFramer`` for their roles and returns ``EntityMention`` records with the sentence around each mention as
evidence. ``frame_mentions`` frames given mentions (``narrascope.semeval.tasks`` runs it on an official input file) and
returns them in input order, ready for ``narrascope.semeval.io.write_subtask1``.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrascope.annotations import MentionAnnotation
from narrascope.components.entities.framer import SHIPPED_FRAMER, EntityFramer, MentionContext
from narrascope.documents import Analysis, Document, EntityMention, Evidence
from narrascope.errors import InputError

if TYPE_CHECKING:
    from narrascope.components.entities.gazetteer import Gazetteer
    from narrascope.components.entities.salience import EntitySalience


def _sentence_finder(text: str) -> Any:
    """``evidence(start, end)``: the sentence containing a span (the span itself when it crosses sentences)."""
    from narrascope.sentences import split_sentences

    sentences = split_sentences(text)
    starts = [s.start for s in sentences]

    def evidence(start: int, end: int, score: float) -> Evidence:
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and sentences[i].end >= end:
            s = sentences[i]
            return Evidence(s.start, s.end, s.text, score)
        return Evidence(start, end, text[start:end], score)

    return evidence


def frame_document(
    document: Document, framer: EntityFramer, narratives: Sequence[str] = (), ner: bool = True, gazetteer: Gazetteer | None = None,
    salience_model: EntitySalience | None = None, max_mentions: int | None = None, warnings: list[str] | None = None,
) -> list[EntityMention]:
    """Find and frame the entity mentions of one document, in text order, each with its entity's salience
    (``gazetteer``, ``salience_model``: default the shipped ones).

    With ``max_mentions``, a document with more mentions (a book-length text: framing reads the e5 states of every
    chunk that holds a framed mention) has only that many framed, those of its most salient entities (``_most_salient``), and a note is
    appended to ``warnings``.
    """
    from narrascope.components.entities.mentions import find_mentions
    from narrascope.components.entities.salience import shipped_salience

    found = find_mentions(document.text, document.language, gazetteer=gazetteer, ner=ner)
    if not found:
        return []
    salience = (salience_model or shipped_salience()).score(found, document.text, document.language, gazetteer)
    if max_mentions is not None and len(found) > max_mentions:
        kept = _most_salient(found, salience, max_mentions)
        if warnings is not None:
            warnings.append(
                f"entities: {len(found)} mentions found; {len(kept)} framed, those of the most salient entities "
                f"(max_mentions={max_mentions}, at most a quarter of them per entity)"
            )
        found = kept
    contexts = [MentionContext(document.text, m.start, m.end, list(narratives)) for m in found]
    evidence = _sentence_finder(document.text)
    return [
        EntityMention(
            m.text, m.start, m.end, m.entity, p.main_role, p.fine_roles, round(p.score, 4), evidence(m.start, m.end, round(p.score, 4)),
            round(salience[m.entity or m.text], 4),
        )
        for m, p in zip(found, framer.predict(contexts))
    ]


def _most_salient(found: Sequence[Any], salience: Mapping[str, float], limit: int) -> list[Any]:
    """At most ``limit`` mentions, in text order: the first mentions of each entity, the most salient entities first,
    no entity taking more than a quarter of ``limit`` (so that one name repeated thousands of times leaves room for
    the others)."""
    by_entity: dict[str, list[Any]] = {}
    for m in found:
        by_entity.setdefault(m.entity or m.text, []).append(m)
    per_entity = max(1, -(-limit // 4))
    kept: list[Any] = []
    for key in sorted(by_entity, key=lambda k: -salience[k]):
        kept += by_entity[key][: min(per_entity, limit - len(kept))]
        if len(kept) >= limit:
            break
    return sorted(kept, key=lambda m: m.start)


MAX_MENTIONS = 1000  # framed per document by the pipeline step; the example articles have 58 on average


class EntitiesStep:
    """Pipeline step: fills ``Analysis.entities`` with framed mentions (after ``narratives`` when it ran); at most
    ``max_mentions`` per document (None: all), those of the most salient entities."""

    name = "entities"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("entities",)

    def __init__(self, model: str | Path | None = None, ner: bool = True, max_mentions: int | None = MAX_MENTIONS) -> None:
        self.model_path = Path(model) if model else SHIPPED_FRAMER
        self.ner = ner
        self.max_mentions = max_mentions
        self._framer: EntityFramer | None = None

    @property
    def framer(self) -> EntityFramer:
        if self._framer is None:
            from narrascope.components.entities.framer import shipped_framer

            self._framer = shipped_framer() if self.model_path == SHIPPED_FRAMER else EntityFramer.load(self.model_path)
        return self._framer

    def prepare(self) -> None:
        """Load and check the framer and the salience model now (``Pipeline.prepare``)."""
        from narrascope.components.entities.salience import shipped_salience

        _ = self.framer, shipped_salience()

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        for doc, analysis in zip(documents, analyses):
            analysis.entities = frame_document(
                doc, self.framer, analysis.narrative_labels, ner=self.ner, max_mentions=self.max_mentions, warnings=analysis.warnings
            )


def frame_mentions(
    documents: Mapping[str, Document], mentions: Sequence[MentionAnnotation], framer: EntityFramer, source: str = "mentions"
) -> list[MentionAnnotation]:
    """Roles for given mentions (official offsets), in the given order; a mention of an unknown document fails."""
    from narrascope.annotations import mention_span

    contexts = []
    for i, m in enumerate(mentions, 1):
        doc = documents.get(m.id)
        if doc is None:
            raise InputError(f"document {m.id!r} of mention {m.mention!r} is not among the documents given", source, i)
        start, end = mention_span(doc.text, m)
        if not 0 <= start < end <= len(doc.text):
            raise InputError(f"mention {m.mention!r} ({m.start}-{m.end}) lies outside document {m.id!r}", source, i)
        contexts.append(MentionContext(doc.text, start, end))
    predictions = framer.predict(contexts)
    return [
        MentionAnnotation(m.id, m.mention, m.start, m.end, p.main_role, list(p.fine_roles)) for m, p in zip(mentions, predictions)
    ]
