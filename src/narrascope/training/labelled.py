"""Labelled articles: the reviewed set that ``narrascope export-labels`` writes and ``narrascope train`` reads back.

One row per article with the columns ``id, text, language, labels``; ``labels`` joins the narratives
(``Narrative``, e.g. ``URW: Discrediting Ukraine``) and subnarratives (``Narrative: Subnarrative``) with ``;``, the
way SemEval's annotation files join them. ``Other`` (or no label) means the article pushes no narrative of the
taxonomy. JSONL rows may also carry ``roles``: ``{entity: main role}`` as reviewed by an analyst.

    write_labelled(sys.stdout, store.reviewed_examples(), "csv")

The ``semeval`` format writes subtask-2 annotation lines (``id<TAB>narratives<TAB>subnarratives``) instead; an article
whose id holds a tab or a line break is left out of it with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from narrascope.documents import Document
from narrascope.errors import ConfigError, InputError
from narrascope.io.safe_csv import SafeCsvWriter
from narrascope.semeval.io import NarrativeAnnotation, SemevalCorpus, subtask2_line
from narrascope.taxonomy import OTHER, Taxonomy

LABELLED_COLUMNS = ("id", "text", "language", "labels")
LABELLED_FORMATS = ("csv", "jsonl", "semeval")


def belongs_to(subnarrative: str, narrative: str) -> bool:
    """Whether ``subnarrative`` is a subnarrative of ``narrative`` (its label is ``<narrative>: <name>``)."""
    return subnarrative.startswith(narrative + ": ")


@dataclass
class LabelledDocument:
    """An article with the narratives, subnarratives and entity roles a person confirmed."""

    id: str
    text: str
    language: str | None = None
    narratives: list[str] = field(default_factory=list)
    subnarratives: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def labels(self) -> str:
        """Narratives then subnarratives, ``;``-joined (``Other`` when there are none)."""
        return ";".join(self.narratives + self.subnarratives) or OTHER

    def annotation(self, taxonomy: Taxonomy) -> NarrativeAnnotation:
        """The SemEval subtask-2 annotation in ``taxonomy``'s labels: a subnarrative implies its narrative, a
        narrative without a subnarrative gets ``<Narrative>: Other``, no narrative is ``Other``."""
        from narrascope.training.data import annotation_of  # the same rules as training files

        return annotation_of(self.id, self.narratives + self.subnarratives, taxonomy)

    def record(self) -> dict[str, Any]:
        row: dict[str, Any] = {"id": self.id, "text": self.text, "language": self.language, "labels": self.labels}
        if self.roles:
            row["roles"] = dict(self.roles)
        return row


def write_labelled(stream: TextIO, documents: Iterable[LabelledDocument], fmt: str = "csv",
                   taxonomy: Taxonomy | None = None) -> int:
    """Write ``documents`` to ``stream`` as ``csv``, ``jsonl`` or ``semeval`` (annotations in ``taxonomy``'s labels,
    which that format needs); returns how many were written (``semeval`` leaves out ids it cannot hold)."""
    if fmt not in LABELLED_FORMATS:
        raise ConfigError(f"unknown label format {fmt!r}; use one of {', '.join(LABELLED_FORMATS)}")
    if fmt == "semeval" and taxonomy is None:
        raise ConfigError("the semeval label format needs the taxonomy the labels come from")
    count = 0
    writer = SafeCsvWriter(stream) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(LABELLED_COLUMNS)
    for doc in documents:
        if writer is not None:
            writer.writerow([doc.id, doc.text, doc.language, doc.labels])
        elif fmt == "jsonl":
            stream.write(json.dumps(doc.record(), ensure_ascii=False) + "\n")
        else:
            line = subtask2_line(doc.annotation(taxonomy))  # type: ignore[arg-type]  # checked above
            if line is None:
                continue
            stream.write(line)
        count += 1
    return count


def labelled_corpus(documents: Iterable[LabelledDocument], taxonomy: Taxonomy) -> SemevalCorpus:
    """Training data for ``train_narratives``: the documents and their subtask-2 annotations in ``taxonomy``'s labels.
    A label the taxonomy does not know is an ``InputError`` naming the document."""
    from narrascope.training.data import unknown_label_message

    corpus = SemevalCorpus(taxonomy=taxonomy)
    for doc in documents:
        try:
            corpus.narratives[doc.id] = doc.annotation(taxonomy)
        except KeyError as exc:
            raise InputError(unknown_label_message(str(exc.args[0]), taxonomy), f"reviewed document {doc.id!r}") from None
        corpus.documents[doc.id] = Document(id=doc.id, text=doc.text, language=doc.language)
    return corpus
