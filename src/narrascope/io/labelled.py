"""Labelled articles: the reviewed set that ``narrascope export-labels`` writes and ``narrascope train`` reads back.

One row per article with the columns ``id, text, language, labels``; ``labels`` joins the narratives
(``Narrative``, e.g. ``URW: Discrediting Ukraine``) and subnarratives (``Narrative: Subnarrative``) with ``;``, the
way SemEval's annotation files join them. ``Other`` (or no label) means the article pushes no narrative of the
taxonomy. JSONL rows may also carry ``roles``: ``{entity: main role}`` as reviewed by an analyst.

    write_labelled(sys.stdout, store.reviewed_examples(), "csv")

The ``semeval`` format writes subtask-2 annotation lines (``id<TAB>narratives<TAB>subnarratives``) instead.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from narrascope.documents import Document
from narrascope.errors import ConfigError
from narrascope.semeval.io import NarrativeAnnotation, SemevalCorpus, split_labels
from narrascope.taxonomy import OTHER

LABELLED_COLUMNS = ("id", "text", "language", "labels")
LABELLED_FORMATS = ("csv", "jsonl", "semeval")


def is_subnarrative(label: str) -> bool:
    """``Domain: Narrative: Subnarrative`` has two ``": "`` separators; a narrative has one (the bare ``Other`` none)."""
    return label.count(": ") >= 2


def parent_narrative(subnarrative: str) -> str:
    """The narrative a subnarrative label belongs to (its label without the last level)."""
    return subnarrative.rsplit(": ", 1)[0]


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

    @classmethod
    def from_labels(cls, id: str, text: str, language: str | None, labels: Iterable[str],
                    roles: dict[str, str] | None = None) -> LabelledDocument:
        """Split mixed labels into narratives and subnarratives; a subnarrative brings its narrative along."""
        narratives: list[str] = []
        subnarratives: list[str] = []
        for label in labels:
            label = label.strip()
            if not label or label == OTHER:
                continue
            if is_subnarrative(label):
                if label not in subnarratives:
                    subnarratives.append(label)
                label = parent_narrative(label)
            if label not in narratives:
                narratives.append(label)
        return cls(id, text, language, narratives, subnarratives, dict(roles or {}))

    def annotation(self) -> NarrativeAnnotation:
        """The SemEval subtask-2 annotation: no narrative is ``Other``; a narrative without a subnarrative gets
        ``<Narrative>: Other``."""
        if not self.narratives:
            return NarrativeAnnotation(self.id, [OTHER], [OTHER])
        subs = list(self.subnarratives)
        for narrative in self.narratives:
            if not any(parent_narrative(s) == narrative for s in subs):
                subs.append(f"{narrative}: {OTHER}")
        return NarrativeAnnotation(self.id, list(self.narratives), subs)

    def record(self) -> dict[str, Any]:
        row: dict[str, Any] = {"id": self.id, "text": self.text, "language": self.language, "labels": self.labels}
        if self.roles:
            row["roles"] = dict(self.roles)
        return row


def parse_labels(value: str) -> list[str]:
    """The labels of a ``;``-joined ``labels`` field, stripped, in order, without duplicates."""
    return split_labels(value)


def write_labelled(stream: TextIO, documents: Iterable[LabelledDocument], fmt: str = "csv") -> int:
    """Write ``documents`` to ``stream`` as ``csv``, ``jsonl`` or ``semeval``; returns how many were written."""
    if fmt not in LABELLED_FORMATS:
        raise ConfigError(f"unknown label format {fmt!r}; use one of {', '.join(LABELLED_FORMATS)}")
    count = 0
    writer = csv.writer(stream, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(LABELLED_COLUMNS)
    for doc in documents:
        if writer is not None:
            writer.writerow([doc.id, doc.text, doc.language or "", doc.labels])
        elif fmt == "jsonl":
            stream.write(json.dumps(doc.record(), ensure_ascii=False) + "\n")
        else:
            ann = doc.annotation()
            stream.write(f"{doc.id}\t{';'.join(ann.narratives)}\t{';'.join(ann.subnarratives)}\n")
        count += 1
    return count


def labelled_corpus(documents: Iterable[LabelledDocument]) -> SemevalCorpus:
    """Training data for ``train_narratives``: the documents and their subtask-2 annotations."""
    corpus = SemevalCorpus()
    for doc in documents:
        corpus.documents[doc.id] = Document(id=doc.id, text=doc.text, language=doc.language)
        corpus.narratives[doc.id] = doc.annotation()
    return corpus
