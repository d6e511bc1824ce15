"""The Ray engine: the same pipeline on a Ray cluster, through Ray Data (``pip install narrascope[ray]``).

Two ways in:

* ``RayEngine.run(items, spec)`` takes documents already in memory (what ``narrascope analyze`` reads). They are cut
  into the same chunks as the local engine (``chunk_items``), one chunk per row, so both engines return
  byte-identical analyses in input order.
* ``RayEngine.analyze_files(paths, spec, output)`` lets the cluster read JSONL, Parquet or ``.txt`` files itself
  and write Parquet, for corpora too big to pass through one driver.

Either way ``map_batches`` runs a callable class in an actor pool of ``workers`` actors: each actor builds the
pipeline once. A killed actor is restarted and its batch retried by Ray (``max_restarts``/``max_task_retries``);
an exception inside a batch becomes error rows; chunks lost for good (a document that kills its worker every time)
come back as error analyses: each chunk is its own Ray Data block, and the Data context tolerates errored blocks, so
Ray drops only that chunk instead of failing the job. Actors hold two tasks at a time (one is scheduled while the
other runs); the chunks lost with a dying actor run once more, one task per actor, so that only the killer's own
chunk becomes error rows. Reading and writing files take no CPU slot
(``num_cpus=0``): the actor pool holds every CPU, and a read task waiting for a slot would wait forever. Importing
this module does not import Ray.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from narrascope.documents import Analysis, Document
from narrascope.engines.base import Item, PipelineSpec, analyze_chunk, chunk_items, decode_item, encode_item, error_analysis
from narrascope.errors import ConfigError, InputError

log = logging.getLogger(__name__)

DOCUMENT_FIELDS = ("id", "text", "title", "url", "outlet", "published", "language", "source")
OUTPUT_COLUMNS = ("document_id", "error", "analysis")
LOST = "engine: Ray gave up on this chunk (its worker died repeatedly)"
IO_TASK = {"num_cpus": 0}  # file reads/writes: the actor pool holds every CPU slot
# Ray kills a worker process that has not registered within 60 s and starts another, which on a loaded machine
# can loop forever; our workers import the pipeline's models before they do any work.
LOCAL_SYSTEM_CONFIG = {"worker_register_timeout_seconds": 600}


def import_ray() -> Any:
    """The ``ray`` module, or a ``ConfigError`` telling how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"the ray engine needs Ray Data: install narrascope[ray] ({exc})") from None
    return ray


class ChunkAnalyzer:
    """Ray Data UDF for in-memory input: each row is one chunk (``seq``, JSON ``items``); out comes one row per item."""

    def __init__(self, spec: PipelineSpec) -> None:
        self.pipeline = spec.build()

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"seq": [], "position": [], **{c: [] for c in OUTPUT_COLUMNS}}
        for row in batch.to_pylist():
            try:
                chunk = [decode_item(record) for record in json.loads(row["items"])]
                analyses = analyze_chunk(self.pipeline, chunk)
            except Exception as exc:  # noqa: BLE001 - a bad row never fails the job: position -1 marks it
                out["seq"].append(row["seq"])
                out["position"].append(-1)
                out["document_id"].append("")
                out["error"].append(f"engine: {type(exc).__name__}: {exc}")
                out["analysis"].append("")
                continue
            for position, analysis in enumerate(analyses):
                out["seq"].append(row["seq"])
                out["position"].append(position)
                _append_analysis(out, analysis)
        return out


class DocumentAnalyzer:
    """Ray Data UDF for file input: each row is one document (JSONL/Parquet columns or a ``.txt`` file)."""

    def __init__(self, spec: PipelineSpec) -> None:
        self.pipeline = spec.build()

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {c: [] for c in OUTPUT_COLUMNS}
        rows = batch.to_pylist()
        try:
            analyses = analyze_chunk(self.pipeline, [row_to_item(row) for row in rows])
        except Exception as exc:  # noqa: BLE001 - a bad batch never fails the job
            reason = f"engine: {type(exc).__name__}: {exc}"
            analyses = [Analysis(document_id=str(row.get("id") or row.get("path") or "?"), error=reason) for row in rows]
        for analysis in analyses:
            _append_analysis(out, analysis)
        return out


def _append_analysis(out: dict[str, list[Any]], analysis: Analysis) -> None:
    out["document_id"].append(analysis.document_id)
    out["error"].append(analysis.error)
    out["analysis"].append(json.dumps(analysis.to_dict(), ensure_ascii=False, sort_keys=True))


def row_to_item(row: dict[str, Any]) -> Item:
    """A Ray Data row as a ``Document``: a ``.txt`` file (``bytes``, ``path``) or JSONL/Parquet document fields."""
    from narrascope.documents import FailedInput

    if "bytes" in row:
        path = str(row.get("path") or "?")
        try:
            text = row["bytes"].decode("utf-8")
        except UnicodeDecodeError as exc:
            return FailedInput(source=path, reason=f"not UTF-8 text: {exc}", id=Path(path).stem)
        return Document(id=Path(path).stem, text=text, source=path)
    fields = {k: (None if row.get(k) is None else str(row[k])) for k in DOCUMENT_FIELDS}
    source = fields["source"] or row.get("path") or "?"
    doc_id, text = fields.pop("id"), fields.pop("text")
    if not doc_id or text is None:
        return FailedInput(source=str(source), reason="row has no 'id' or no 'text'", id=doc_id)
    return Document(id=doc_id, text=text, **fields)


class RayEngine:
    """Runs the pipeline with Ray Data.

    ``address``: ``None`` starts (or reuses) a Ray instance on this machine, ``"auto"`` joins the running cluster,
    ``"ray://host:10001"`` connects a Ray client. ``workers``: actors in the pool (default: the cluster's CPUs).
    ``chunks_per_window``: in-memory input is sent to Ray this many chunks at a time, bounding driver memory.
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        max_retries: int = 3,
        chunks_per_window: int = 2000,
        progress: bool = False,
        init_options: dict[str, Any] | None = None,
        start_attempts: int = 3,
    ) -> None:
        if workers is not None and workers < 1:
            raise ConfigError(f"ray engine: workers must be >= 1, got {workers}")
        import_ray()  # fail now, with the install hint, rather than mid-run
        self.address = address
        self.workers = workers
        self.max_retries = max_retries
        self.chunks_per_window = chunks_per_window
        self.progress = progress
        self.init_options = init_options or {}
        self.start_attempts = max(1, start_attempts)

    def connect(self) -> Any:
        """Initialise Ray (unless already initialised) and set the Data context; returns the ``ray`` module."""
        ray = import_ray()
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": self.progress}
            if self.address:
                options["address"] = self.address
            else:  # a new local instance: give slow worker start-ups (imports on a busy machine) time to register
                options["_system_config"] = LOCAL_SYSTEM_CONFIG
            options.update(self.init_options)
            # A local start is retried: Ray's start-up has fixed deadlines (its agents must come up within ~15 s)
            # that a busy small machine can miss once and then meet with warm caches.
            attempts = 1 if self.address else self.start_attempts
            for attempt in range(1, attempts + 1):
                try:
                    ray.init(**options)
                    break
                except Exception as exc:  # noqa: BLE001 - ray.init raises bare Exception on start-up timeouts
                    ray.shutdown()
                    if attempt == attempts:
                        where = self.address or "a new local instance"
                        raise ConfigError(f"ray engine: cannot start or connect to Ray ({where}): {exc}") from None
                    log.warning("ray engine: Ray did not start (%s); trying again", exc)
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = self.progress
        context.max_errored_blocks = -1  # a chunk Ray gives up on is reported as error rows, not a failed job
        return ray

    def _pool_size(self, ray: Any) -> int:
        return self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))

    def _map(self, ray: Any, dataset: Any, udf: type, spec: PipelineSpec, batch_size: int, in_flight: int = 1) -> Any:
        return dataset.map_batches(
            udf,
            fn_constructor_args=(spec,),
            batch_size=batch_size,
            batch_format="pyarrow",
            # ``in_flight`` tasks queued per actor: 2 keeps an actor busy while the next task is scheduled (about
            # 0.15 s a task); 1 means a task dies only with its own killer chunk, never as the neighbour of one.
            compute=ray.data.ActorPoolStrategy(size=self._pool_size(ray), max_tasks_in_flight_per_actor=in_flight),
            num_cpus=1,
            max_restarts=-1,
            max_task_retries=self.max_retries,
        )

    def run(self, items: Iterable[Item], spec: PipelineSpec) -> Iterator[Analysis]:
        """Analyse ``items`` on Ray; yields one analysis per item in input order."""
        yield from self.run_chunks(chunk_items(items, spec.batch_size), spec)

    def run_chunks(self, chunks: Iterable[list[Item]], spec: PipelineSpec) -> Iterator[Analysis]:
        """Analyse ``chunks`` (each one ``Pipeline.analyze`` call) on Ray, ``chunks_per_window`` at a time (each
        window a Ray dataset of its own, whose actors load the models again); one analysis per item, in order."""
        ray = self.connect()
        spec = spec.with_step_modules()
        chunks = iter(chunks)
        seq = 0
        while window := list(islice(chunks, self.chunks_per_window)):
            yield from self._run_window(ray, window, seq, spec)
            seq += len(window)

    def _run_window(self, ray: Any, window: Sequence[list[Item]], first: int, spec: PipelineSpec) -> Iterator[Analysis]:
        """The window's analyses in input order. Its chunks run with two tasks queued per actor; chunks Ray gave up
        on (their worker died every time: a killer document, or a chunk queued behind one) run once more with one
        task per actor, so that only a killer's own chunk becomes error rows. Results after the first lost chunk
        wait for that second pass."""
        lost: list[int] = []
        held: dict[int, list[Analysis]] = {}
        for seq, analyses in self._analyse(ray, list(enumerate(window, first)), spec, in_flight=2):
            if analyses is None:
                lost.append(seq)
            elif lost:
                held[seq] = analyses
            else:
                yield from analyses
        if not lost:
            return
        log.warning("ray engine: %d chunk(s) lost with their worker; running them again one task per actor", len(lost))
        again = self._analyse(ray, [(seq, window[seq - first]) for seq in lost], spec, in_flight=1)
        held.update((seq, analyses or list(_errors(window[seq - first], LOST))) for seq, analyses in again)
        for seq in sorted(held):
            yield from held[seq]

    def _analyse(self, ray: Any, chunks: list[tuple[int, list[Item]]], spec: PipelineSpec,
                 in_flight: int) -> Iterator[tuple[int, list[Analysis] | None]]:
        """``(seq, analyses)`` for each ``(seq, chunk)`` in order; ``None`` for a chunk Ray gave up on."""
        # A row's "seq" is its chunk's place in ``chunks``.
        rows = [{"seq": i, "items": json.dumps([encode_item(item) for item in chunk], ensure_ascii=False)}
                for i, (_, chunk) in enumerate(chunks)]
        # One chunk per block: a block is Ray's unit of retry and of loss, so a killer document costs only its chunk.
        dataset = self._map(ray, ray.data.from_items(rows, override_num_blocks=len(rows)), ChunkAnalyzer, spec, 1,
                            in_flight)
        done = -1  # rows arrive in input order, grouped by chunk; a skipped chunk is one Ray gave up on
        current: list[Analysis] = []
        for row in dataset.iter_rows():
            i = row["seq"]
            if i != done:
                if current:
                    yield chunks[done][0], current
                for skipped in range(done + 1, i):
                    yield chunks[skipped][0], None
                done, current = i, []
            if row["position"] < 0:
                current.extend(_errors(chunks[i][1], row["error"]))
            else:
                current.append(Analysis.from_dict(json.loads(row["analysis"])))
        if current:
            yield chunks[done][0], current
        for skipped in range(done + 1, len(chunks)):
            yield chunks[skipped][0], None

    def analyze_files(self, paths: Sequence[str | Path], spec: PipelineSpec, output: str | Path) -> int:
        """Read documents with Ray Data, analyse them and write Parquet files (``document_id``, ``error``,
        ``analysis`` as JSON) into the folder ``output``; returns the number of rows written.

        Input by extension: ``.jsonl``/``.json`` (one document object per line, fields as ``Document``),
        ``.parquet`` (columns as ``Document`` fields) or ``.txt`` (one document per file, id = file name stem);
        a folder is read as the files of one kind inside it.
        """
        ray = self.connect()
        spec = spec.with_step_modules()
        dataset = self.read(ray, paths)
        analysed = self._map(ray, dataset, DocumentAnalyzer, spec, spec.batch_size)
        analysed.write_parquet(str(output), ray_remote_args=IO_TASK)
        return int(ray.data.read_parquet(str(output)).count())

    def read(self, ray: Any, paths: Sequence[str | Path]) -> Any:
        """A Ray dataset of document rows from JSONL, Parquet or ``.txt`` files (one kind per call)."""
        kinds = {_input_kind(Path(p)) for p in paths}
        if len(kinds) != 1:
            raise InputError(f"ray engine: give files of one kind (jsonl, parquet or txt), got {sorted(kinds)}")
        kind, names = kinds.pop(), [str(p) for p in paths]
        if kind == "jsonl":
            import pyarrow as pa
            import pyarrow.json as pj

            schema = pa.schema([(name, pa.string()) for name in DOCUMENT_FIELDS])
            options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
            return ray.data.read_json(names, parse_options=options, file_extensions=["jsonl", "json"], ray_remote_args=IO_TASK)
        if kind == "parquet":
            return ray.data.read_parquet(names, ray_remote_args=IO_TASK)
        return ray.data.read_binary_files(names, include_paths=True, file_extensions=["txt"], ray_remote_args=IO_TASK)


def _errors(chunk: list[Item], reason: str) -> Iterator[Analysis]:
    for item in chunk:
        yield error_analysis(item, reason)


def _input_kind(path: Path) -> str:
    if path.is_dir():
        suffixes = {p.suffix for p in path.iterdir() if p.is_file()}
        for kind, suffix in (("jsonl", ".jsonl"), ("parquet", ".parquet"), ("txt", ".txt")):
            if suffix in suffixes:
                return kind
        raise InputError("no .jsonl, .parquet or .txt files in this folder", path=str(path))
    kinds = {".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".txt": "txt"}
    if path.suffix not in kinds:
        raise InputError("unsupported input for the ray engine (use .jsonl, .parquet or .txt)", path=str(path))
    return kinds[path.suffix]

