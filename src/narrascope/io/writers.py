"""Writing analyses out: JSONL (default) and flat CSV (the SemEval subtask-2 submission format is registered by
``narrascope.semeval.writer``; every writer is looked up in ``narrascope.registry.writers``).

Each written record is ``Analysis.to_dict()`` plus a little metadata of the input it came from (url, outlet,
published, length, line), never the full text. ``analyze_items`` pairs each analysis with that metadata, and a
``RunSummary`` counts what was analysed and what failed, for the summary line on stderr.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from narrascope.documents import Analysis, Document, FailedInput, entity_summary
from narrascope.errors import ConfigError
from narrascope.io.safe_csv import SafeCsvWriter

CSV_COLUMNS = (
    "id", "source", "language", "language_support", "title", "url", "outlet", "published",
    "narratives", "subnarratives", "protagonists", "antagonists", "innocents", "explanation", "warnings", "error",
)  # fmt: skip
ROLE_COLUMNS = {"protagonists": "Protagonist", "antagonists": "Antagonist", "innocents": "Innocent"}


@dataclass
class InputInfo:
    """What a record says about its input besides the analysis: where it came from, not the text."""

    id: str
    source: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    chars: int | None = None
    line: int | None = None

    @classmethod
    def of(cls, item: Document | FailedInput) -> InputInfo:
        if isinstance(item, FailedInput):
            return cls(id=item.id or item.source, source=item.source, line=item.line)
        return cls(
            id=item.id, source=item.source, url=item.url, outlet=item.outlet, published=item.published,
            chars=len(item.text),
        )  # fmt: skip


def analysis_record(analysis: Analysis, info: InputInfo) -> dict[str, Any]:
    """The JSON record of one analysed input (readable back with ``Analysis.from_dict``)."""
    record = analysis.to_dict()
    record.update(url=info.url, outlet=info.outlet, published=info.published, chars=info.chars)
    if info.line is not None:
        record["line"] = info.line
    return record


class Analyzer(Protocol):
    """What ``analyze_items`` runs: a ``narrascope.pipeline.Pipeline`` or anything with its ``analyze``."""

    def analyze(self, items: Iterable[Document | FailedInput], progress: Callable[[int], None] | None = None) -> Iterator[Analysis]: ...


def analyze_items(
    pipeline: Analyzer,
    items: Iterable[Document | FailedInput],
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[Analysis, InputInfo]]:
    """Run ``pipeline`` over ``items`` and yield each analysis with the metadata of its input, in input order."""
    pending: deque[InputInfo] = deque()

    def remember(stream: Iterable[Document | FailedInput]) -> Iterator[Document | FailedInput]:
        for item in stream:
            pending.append(InputInfo.of(item))
            yield item

    for analysis in pipeline.analyze(remember(items), progress=progress):
        yield analysis, pending.popleft()


class AnalysisWriter(Protocol):
    """Writes one record per analysis; ``close`` finishes the output (and closes a file it opened)."""

    def write(self, analysis: Analysis, info: InputInfo) -> None: ...

    def close(self) -> None: ...


class _StreamWriter:
    def __init__(self, out: Path | None = None, stream: TextIO | None = None) -> None:
        self.out = out
        self._owned = out is not None
        self.stream: TextIO = open(out, "w", encoding="utf-8", newline="") if out is not None else (stream or sys.stdout)

    def close(self) -> None:
        if self._owned:
            self.stream.close()
        else:
            self.stream.flush()


class JsonlWriter(_StreamWriter):
    """One JSON object per line (the default: pipes into ``jq`` and reads back with ``Analysis.from_dict``)."""

    def write(self, analysis: Analysis, info: InputInfo) -> None:
        self.stream.write(json.dumps(analysis_record(analysis, info), ensure_ascii=False) + "\n")
        self.stream.flush()


class CsvWriter(_StreamWriter):
    """Flat columns (``CSV_COLUMNS``); label lists are ``;``-joined, the explanation is its text; ``protagonists``,
    ``antagonists`` and ``innocents`` are the entities of ``entity_summary`` with that main role, most salient first
    (empty when the ``entities`` step did not run). Cells a spreadsheet would run as formulas get a ``'`` in front
    (``narrascope.io.safe_csv``)."""

    def __init__(self, out: Path | None = None, stream: TextIO | None = None) -> None:
        super().__init__(out, stream)
        self._csv = SafeCsvWriter(self.stream)
        self._csv.writerow(CSV_COLUMNS)

    def write(self, analysis: Analysis, info: InputInfo) -> None:
        summary = entity_summary(analysis.entities)
        row = {
            "id": analysis.document_id,
            "source": info.source,
            "language": analysis.language,
            "language_support": analysis.language_support,
            "title": analysis.title,
            "url": info.url,
            "outlet": info.outlet,
            "published": info.published,
            "narratives": ";".join(analysis.narrative_labels),
            "subnarratives": ";".join(analysis.subnarrative_labels),
            **{column: ";".join(r["entity"] for r in summary if r["main_role"] == role) for column, role in ROLE_COLUMNS.items()},
            "explanation": analysis.explanation.text if analysis.explanation else None,
            "warnings": ";".join(analysis.warnings),
            "error": analysis.error,
        }
        self._csv.writerow([row[c] for c in CSV_COLUMNS])


def open_writer(fmt: str, out: Path | None = None, stream: TextIO | None = None) -> AnalysisWriter:
    """The writer registered for ``fmt`` (``narrascope.registry.writers``: jsonl, csv, semeval), to ``out`` or else
    ``stream`` (default: stdout)."""
    from narrascope.registry import writers

    if fmt not in writers:
        raise ConfigError(f"unknown output format {fmt!r}; choose one of: {', '.join(writers.names())}")
    if out is not None and out.is_dir():
        raise ConfigError(f"--out {out} is a folder; give a file name")
    return writers.create(fmt, out=out, stream=stream)


@dataclass
class RunSummary:
    """Counts of one run: documents analysed, and each failure with its source and reason."""

    analysed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def add(self, analysis: Analysis, info: InputInfo) -> None:
        if analysis.error is None:
            self.analysed += 1
            return
        where = info.source or info.id
        if info.line is not None and not where.endswith(f":{info.line}"):
            where = f"{where}:{info.line}"
        self.failures.append((where, analysis.error))

    @property
    def failed(self) -> int:
        return len(self.failures)

    def line(self) -> str:
        """``N documents analysed, M failed``."""
        return f"{self.analysed} document{'' if self.analysed == 1 else 's'} analysed, {self.failed} failed"

    def report(self, limit: int = 50) -> list[str]:
        """The summary line followed by up to ``limit`` failures (``source: reason``)."""
        lines = [self.line()]
        lines += [f"  {where}: {reason}" for where, reason in self.failures[:limit]]
        if self.failed > limit:
            lines.append(f"  … and {self.failed - limit} more")
        return lines
