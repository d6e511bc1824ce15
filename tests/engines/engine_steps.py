"""Test-only pipeline steps, importable by worker processes (``PipelineSpec.imports``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from narrascope.documents import Analysis, Document, LabelScore
from narrascope.registry import steps


@steps.register("test_words")
class WordStep:
    """Deterministic per-document output with floats: a label per document and a word-count warning; fails on the
    documents containing ``fail_on``."""

    name = "test_words"

    def __init__(self, fail_on: str = "BOOM") -> None:
        self.fail_on = fail_on

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        for doc, analysis in zip(documents, analyses):
            if self.fail_on in doc.text:
                raise ValueError(f"cannot analyse {doc.id}")
            words = doc.text.split()
            analysis.narratives.append(LabelScore(label=f"len-{len(words) % 3}", score=len(words) / 7.0))
            analysis.warnings.append(f"words={len(words)}")


@steps.register("test_crash")
class CrashStep:
    """Kills its worker process: once per existing ``marker`` file, or always on a document containing ``KILL``."""

    name = "test_crash"

    def __init__(self, marker: str | None = None) -> None:
        self.marker = Path(marker) if marker else None

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        if self.marker is not None and self.marker.exists():
            self.marker.unlink()
            os._exit(3)
        if any("KILL" in doc.text for doc in documents):
            os._exit(4)


@steps.register("test_threads")
class ThreadsStep:
    """Reports the worker's ``OMP_NUM_THREADS`` as a warning."""

    name = "test_threads"

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        for analysis in analyses:
            analysis.warnings.append(f"threads={os.environ.get('OMP_NUM_THREADS')}")
