"""Re-analysis: the stored corpus labelled again by a new narrative model, so that its labels show everywhere.

    summary = reanalyze(store, Pipeline.from_names(DEFAULT_STEPS, narratives={"model": "models/mine"}))

Incremental and resumable: the documents whose analysis the model already made (``Analysis.model``, the model's id
with a hash of its files) are skipped, so a run that was killed goes on where it stopped, and a second run does
nothing. Each batch commits on its own and is reported (``progress`` and the run's ``added`` count). Reviewed labels
are kept (``Store.add_analyses`` pins what the reviewer left as it was); entity roles found by an earlier run with the
``entities`` step are kept when the new pipeline has no such step. The model's taxonomy must be the store's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from narrascope.documents import Analysis, Record
from narrascope.errors import ConfigError
from narrascope.store.base import Store


@dataclass
class ReanalysisSummary(Record):
    """What a re-analysis did: ``done`` documents analysed by ``model`` (``failed`` of them with an error), out of the
    ``todo`` it found; ``already`` had an analysis by that model."""

    model: str
    run_id: int
    todo: int = 0
    done: int = 0
    failed: int = 0
    already: int = 0
    seconds: float = 0.0


def reanalyze(store: Store, pipeline: Any, batch_size: int = 64, progress: Callable[[int], None] | None = None,
              lock: AbstractContextManager[Any] | None = None,
              started: Callable[[ReanalysisSummary], None] | None = None,
              analysis_lock: AbstractContextManager[Any] | None = None) -> ReanalysisSummary:
    """Analyse again, with ``pipeline``, every stored document whose analysis its narrative model did not make.

    ``lock`` is held around each use of the store and ``analysis_lock`` around each batch's analysis (a web server
    shares its store and models between threads); ``started`` is called with the summary once the to-do count is
    known; ``progress`` with the documents of each batch.
    """
    model = pipeline.model_id
    if model is None:
        raise ConfigError("re-analysis needs a pipeline with the narratives step")
    guard = lock if lock is not None else nullcontext()
    begin = time.perf_counter()
    with guard:
        fixed = store.taxonomy_name()
        if fixed is not None and pipeline.taxonomy.name != fixed:
            store.check_taxonomy([pipeline.taxonomy.name])  # raises, saying what to do
        counts = store.analysis_models()
        run_id = store.start_run("reanalyze", [model])
    summary = ReanalysisSummary(model, run_id, todo=sum(n for m, n in counts.items() if m != model),
                                already=counts.get(model, 0))
    if started is not None:
        started(summary)
    keeps_entities = "entities" not in getattr(pipeline, "names", [])
    status = "failed"
    try:
        after = ""
        while True:
            with guard:
                batch = store.stale_documents(model, after=after, limit=batch_size)
                old = {d.id: store.get_analysis(d.id, reviewed=False) for d in batch} if keeps_entities else {}
            if not batch:
                break
            with analysis_lock if analysis_lock is not None else nullcontext():
                analyses = pipeline.analyze_batch(batch)
            for analysis in analyses:
                _keep_entities(analysis, old.get(analysis.document_id))
            with guard, store.transaction():
                store.add_analyses(analyses, run_id=run_id)
                summary.done += len(batch)
                summary.failed += sum(1 for a in analyses if a.error)
                store.heartbeat(run_id, added=summary.done)
            after = batch[-1].id
            if progress is not None:
                progress(len(batch))
        status = "done"
    finally:
        summary.seconds = round(time.perf_counter() - begin, 2)
        with guard:
            store.finish_run(run_id, status, summary.done, summary.already, summary.failed)
    return summary


def _keep_entities(analysis: Analysis, old: Analysis | None) -> None:
    """The entity roles of the earlier analysis, when the new pipeline found none (it has no ``entities`` step)."""
    if old is not None and old.entities and not analysis.entities and not analysis.error:
        analysis.entities = old.entities
