"""The default engine: this machine, in-process for one worker or a process pool sized to the cores.

Each pool process builds the pipeline once (in the pool initializer) and then analyses chunks of ``batch_size``
documents. Chunks are submitted a few at a time, so memory stays bounded on long streams, and results come back in
input order.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from narrascope.documents import Analysis
from narrascope.engines.base import Item, PipelineSpec, analyze_chunk, chunk_items, error_analysis
from narrascope.errors import ConfigError
from narrascope.pipeline import Pipeline

log = logging.getLogger(__name__)

_worker_pipeline: Pipeline | None = None


def _init_worker(spec: PipelineSpec, threads: int) -> None:
    """Pool initializer: build the pipeline once for this process, whose onnxruntime sessions use ``threads``
    threads unless ``OMP_NUM_THREADS`` says otherwise."""
    global _worker_pipeline
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    _worker_pipeline = spec.build()


def worker_threads(workers: int) -> int:
    """Threads per worker of a pool of ``workers``: the cores shared out, at least one. On two cores shared with a
    training job, two workers with two threads each analysed 7.3 articles/s (the default steps, ``benchmarks/speed.py
    --workers 2``), with one thread each 10.2; on the idle machine both about 9.5."""
    return max(1, default_workers() // max(1, workers))


def _analyze_in_worker(chunk: list[Item]) -> list[Analysis]:
    assert _worker_pipeline is not None, "worker pipeline not initialised"
    return analyze_chunk(_worker_pipeline, chunk)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalEngine:
    """Runs the pipeline on this machine; ``workers=None`` uses every core, ``workers=1`` stays in-process.

    ``prefetch`` chunks per worker are in flight at once. A chunk whose worker died (killed, out of memory) is
    retried in a fresh pool up to ``max_retries`` times, then recorded as error analyses.
    """

    name = "local"

    def __init__(self, workers: int | None = None, prefetch: int = 2, max_retries: int = 2) -> None:
        if workers is not None and workers < 1:
            raise ConfigError(f"local engine: workers must be >= 1, got {workers}")
        self.workers = workers or default_workers()
        self.prefetch = max(1, prefetch)
        self.max_retries = max_retries

    def run(self, items: Iterable[Item], spec: PipelineSpec) -> Iterator[Analysis]:
        """Analyse ``items`` in input order."""
        yield from self.run_chunks(chunk_items(items, spec.batch_size), spec)

    def run_chunks(self, chunks: Iterable[list[Item]], spec: PipelineSpec) -> Iterator[Analysis]:
        """Analyse ``chunks`` (each one ``Pipeline.analyze`` call) in input order; at most ``workers * prefetch``
        chunks are read ahead of the results."""
        if self.workers == 1:
            pipeline = spec.build()
            for chunk in chunks:
                yield from analyze_chunk(pipeline, chunk)
            return
        yield from self._run_pool(chunks, spec)

    def _run_pool(self, chunks: Iterable[list[Item]], spec: PipelineSpec) -> Iterator[Analysis]:
        queue = _Queue(self, spec.with_step_modules())
        limit = self.workers * self.prefetch
        try:
            for chunk in chunks:
                queue.add(chunk)
                while len(queue.pending) >= limit:
                    yield from queue.next_results()
            while queue.pending:
                yield from queue.next_results()
        finally:
            queue.pool.shutdown(cancel_futures=True)

    def start_pool(self, spec: PipelineSpec) -> ProcessPoolExecutor:
        """A fresh pool whose processes each build the pipeline once."""
        # spawn: workers start clean (no inherited threads or locks) and behave the same on every OS.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                   initargs=(spec, worker_threads(self.workers)))


class _Queue:
    """Chunks in flight, oldest first. When a worker dies the pool is restarted and the chunks that were in flight
    run one at a time, so the chunk that kills its worker is known; it is retried, then recorded as errors."""

    def __init__(self, engine: LocalEngine, spec: PipelineSpec) -> None:
        self.engine = engine
        self.spec = spec
        self.pool = engine.start_pool(spec)
        self.pending: deque[_Pending] = deque()
        self.suspects = 0  # the first ``suspects`` pending chunks run one at a time

    def add(self, chunk: list[Item]) -> None:
        self.pending.append(_Pending(chunk))
        self._submit()

    def _submit(self) -> None:
        for entry in list(self.pending)[:1] if self.suspects else self.pending:
            if entry.future is None:
                entry.future = _submit(self.pool, entry.chunk)

    def next_results(self) -> Iterator[Analysis]:
        """Yield the oldest chunk's analyses, or handle the death of a worker and yield what it costs."""
        head = self.pending[0]
        assert head.future is not None
        try:
            results = head.future.result()
        except BrokenProcessPool as exc:
            log.warning("a local worker died (%s); restarting the pool", exc)
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = self.engine.start_pool(self.spec)
            for entry in self.pending:
                entry.future = None
            if not self.suspects:  # parallel: the culprit is unknown, rerun everything in flight one at a time
                self.suspects = len(self.pending)
            else:
                head.attempts += 1
                if head.attempts > self.engine.max_retries:
                    self._pop()
                    yield from (error_analysis(i, f"engine: worker died {head.attempts} times on this chunk") for i in head.chunk)
            if self.pending:
                self._submit()
            return
        self._pop()
        yield from results

    def _pop(self) -> None:
        self.pending.popleft()
        self.suspects = max(0, self.suspects - 1)
        if self.pending:
            self._submit()


@dataclass
class _Pending:
    """A chunk submitted to the pool, with how many times its worker died."""

    chunk: list[Item]
    future: Future[list[Analysis]] | None = None
    attempts: int = 0


def _submit(pool: ProcessPoolExecutor, chunk: list[Item]) -> Future[list[Analysis]]:
    try:
        return pool.submit(_analyze_in_worker, chunk)
    except BrokenProcessPool as exc:  # noticed at submit time: fail this future, the caller restarts the pool
        future: Future[list[Analysis]] = Future()
        future.set_exception(exc)
        return future
