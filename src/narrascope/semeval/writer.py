"""The official subtask-2 prediction file as an output format of ``narrascope analyze --format semeval``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TextIO

from narrascope.annotations import NarrativeAnnotation
from narrascope.documents import Analysis
from narrascope.io.writers import InputInfo
from narrascope.semeval.io import write_subtask2


def semeval_id(document_id: str, source: str | None = None) -> str:
    """The official id of a document: its article's file name with ``.txt``, exactly as in the gold files (a ``.txt``
    file read on its own has its stem as id; a document from a SemEval folder already has the file name)."""
    if document_id.endswith(".txt"):
        return document_id
    if source and Path(source).suffix.lower() == ".txt" and Path(source).stem == document_id:
        return Path(source).name
    return f"{document_id}.txt"


class SemevalWriter:
    """The official subtask-2 prediction file (``id  narratives  subnarratives``, ids by ``semeval_id``); failed
    documents are skipped."""

    def __init__(self, out: Path | None = None, stream: TextIO | None = None) -> None:
        self.out = out
        self.stream = stream
        self.annotations: list[NarrativeAnnotation] = []
        self.skipped = 0

    def write(self, analysis: Analysis, info: InputInfo) -> None:
        if analysis.error is not None:
            self.skipped += 1
            return
        labels = NarrativeAnnotation(semeval_id(analysis.document_id, info.source), analysis.narrative_labels,
                                     analysis.subnarrative_labels)
        self.annotations.append(labels)

    def close(self) -> None:
        if self.out is not None:
            write_subtask2(self.out, self.annotations)
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "subtask-2.txt"  # pragma: no mutate -- a temporary file's name
            write_subtask2(path, self.annotations)
            stream = self.stream or sys.stdout
            stream.write(path.read_text(encoding="utf-8"))  # pragma: no mutate -- the default in a UTF-8 locale
            stream.flush()
