"""What every engine shares: the ``Engine`` protocol, the picklable ``PipelineSpec`` and the chunking rule.

An engine runs the same ``Pipeline`` over many documents, somewhere: in this process, in a process pool, or on a Ray
cluster. Workers never receive a live pipeline; they receive a ``PipelineSpec`` (step names and options) and build
the pipeline once per worker. Engines cut the input into the same chunks (``chunk_items``) and analyse each chunk
with ``analyze_chunk``, so every engine returns byte-identical analyses for the same documents, in input order.
"""

from __future__ import annotations

import importlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from narrascope.documents import Analysis, Document, FailedInput
from narrascope.pipeline import DEFAULT_STEPS, Pipeline

log = logging.getLogger(__name__)

Item = Document | FailedInput


@dataclass(frozen=True)
class PipelineSpec:
    """How to build a pipeline in a worker: step names, per-step options, batch size, plugin modules.

    ``imports`` are modules imported before the steps are looked up, for steps registered by a plugin module that
    is not declared as an entry point.
    """

    steps: tuple[str, ...] = tuple(DEFAULT_STEPS)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    batch_size: int = 32
    imports: tuple[str, ...] = ()

    def with_step_modules(self) -> PipelineSpec:
        """This spec, also importing the modules that registered its steps here, so that steps a plugin registered
        at import time exist in the workers too (a ``ConfigError`` now if a step is unknown)."""
        from dataclasses import replace

        from narrascope.registry import steps as step_registry

        modules = [getattr(step_registry.get(name), "__module__", None) for name in self.steps]
        extra = tuple(m for m in dict.fromkeys(modules) if m and m != "__main__" and m not in self.imports)
        return replace(self, imports=self.imports + extra)

    def build(self) -> Pipeline:
        """Import the plugin modules and build the pipeline (once per worker)."""
        for module in self.imports:
            importlib.import_module(module)
        pipeline = Pipeline.from_names(self.steps, **self.options)
        pipeline.batch_size = self.batch_size
        return pipeline


class Engine(Protocol):
    """Runs a pipeline over a stream of documents and yields one ``Analysis`` per input, in input order.

    Failed inputs come back as failed analyses; a document that breaks a step, or the worker, comes back with
    ``error`` set. An engine never stops the run because of one document.

    The built-in engines also have ``run_chunks(chunks, spec)``: the input already cut into chunks, each analysed as
    one ``Pipeline.analyze`` call (``run`` is ``run_chunks(chunk_items(items, spec.batch_size), spec)``), so that a
    caller cutting its own batches, as the ingest does, gets what ``Pipeline.analyze`` gives on each batch.
    """

    name: str

    def run(self, items: Iterable[Item], spec: PipelineSpec) -> Iterator[Analysis]: ...


def chunk_items(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Cut the stream where ``Pipeline.analyze`` would flush a batch: after ``size`` documents or at a failed input.

    Analysing chunk by chunk therefore gives the same batches, and so the same results, as one ``Pipeline.analyze``
    over the whole stream.
    """
    chunk: list[Item] = []
    documents = 0
    for item in items:
        chunk.append(item)
        if isinstance(item, FailedInput):
            documents = 0
            continue
        documents += 1
        if documents >= size:
            yield chunk
            chunk, documents = [], 0
    if chunk:
        yield chunk


def analyze_chunk(pipeline: Pipeline, chunk: Sequence[Item]) -> list[Analysis]:
    """Analyse one chunk; an exception that escapes the pipeline becomes error analyses instead of a lost chunk."""
    try:
        return list(pipeline.analyze(chunk))
    except Exception as exc:  # noqa: BLE001 - an engine never fails a run because of one chunk
        log.warning("chunk of %d failed (%s); analysing one by one", len(chunk), exc)
    results: list[Analysis] = []
    for item in chunk:
        try:
            results.extend(pipeline.analyze([item]))
        except Exception as exc:  # noqa: BLE001
            results.append(error_analysis(item, f"engine: {type(exc).__name__}: {exc}"))
    return results


def error_analysis(item: Item, reason: str) -> Analysis:
    """An analysis that records only why ``item`` could not be analysed."""
    if isinstance(item, FailedInput):
        return Analysis.failed(item)
    return Analysis(document_id=item.id, language=item.language, title=item.title, source=item.source, error=reason)


def encode_item(item: Item) -> dict[str, Any]:
    """A JSON-able record of a document or failed input, for shipping to workers."""
    return {"failed": isinstance(item, FailedInput), **item.to_dict()}


def decode_item(record: dict[str, Any]) -> Item:
    """The inverse of ``encode_item``."""
    data = {k: v for k, v in record.items() if k != "failed"}
    return FailedInput.from_dict(data) if record.get("failed") else Document.from_dict(data)


@dataclass
class EngineRun:
    """An engine bound to a pipeline spec, usable wherever a ``Pipeline`` is only asked to ``analyze``."""

    engine: Engine
    spec: PipelineSpec

    def analyze(self, items: Iterable[Item], progress: Callable[[int], None] | None = None) -> Iterator[Analysis]:
        """``engine.run`` with ``Pipeline.analyze``'s signature: analyses in input order, progress per document."""
        for analysis in self.engine.run(items, self.spec):
            if progress:
                progress(1)
            yield analysis

    def analyze_batches(self, batches: Iterable[Sequence[Item]]) -> Iterator[list[Analysis]]:
        """One list of analyses per batch, in order, each what ``Pipeline.analyze(batch)`` gives (the batch is cut
        at ``spec.batch_size`` as it would cut it). ``batches`` is read lazily, a few chunks ahead of the results
        (as many as the engine keeps in flight), so a caller can prepare the next batch while it stores the last.

        An engine without ``run_chunks`` (a plugin's) runs each batch on its own."""
        run_chunks = getattr(self.engine, "run_chunks", None)
        if run_chunks is None:
            for batch in batches:
                yield list(self.engine.run(batch, self.spec))
            return
        sizes: deque[int] = deque()  # the batches the engine has taken and not yet given back, by length

        def chunks() -> Iterator[list[Item]]:
            for batch in batches:
                sizes.append(len(batch))
                yield from chunk_items(batch, self.spec.batch_size)

        def empties() -> Iterator[list[Analysis]]:
            while sizes and not sizes[0]:
                sizes.popleft()
                yield []

        current: list[Analysis] = []
        for analysis in run_chunks(chunks(), self.spec):
            yield from empties()
            current.append(analysis)
            if len(current) == sizes[0]:
                sizes.popleft()
                yield current
                current = []
                yield from empties()
        yield from empties()
