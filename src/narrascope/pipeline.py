"""The analysis pipeline: an ordered list of named steps run over batches of documents.

Each step is a callable ``step(documents, analyses) -> None`` that adds its part to the ``Analysis`` of each
document (spaCy-style components). It declares the ``Analysis`` fields it ``requires`` (assigned by an earlier step)
and those it ``assigns``; a pipeline whose step lacks a requirement is refused with a ``ConfigError``. Steps are
looked up by name in ``narrascope.registry.steps``; the pipeline knows nothing about storage or engines. A step that
fails on one document records the error on that document's analysis and the batch goes on.

``load()`` is the one-call entry point (``nlp = narrascope.load(); nlp("text")``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from narrascope.documents import Analysis, Document, FailedInput
from narrascope.errors import ConfigError
from narrascope.registry import steps as step_registry

log = logging.getLogger(__name__)

DEFAULT_STEPS = ("language", "narratives", "explain")


class Step(Protocol):
    """A pipeline component: adds its part to each analysis of the batch."""

    name: str
    requires: tuple[str, ...]  # Analysis fields an earlier step must assign (optional attribute; default none)
    assigns: tuple[str, ...]  # Analysis fields this step fills (optional attribute; default none)

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None: ...


def check_steps(steps: Sequence[Step]) -> None:
    """Refuse an order of steps in which a step requires a field that no earlier step assigns."""
    assigned: dict[str, str] = {}
    for step in steps:
        for requirement in getattr(step, "requires", ()):
            if requirement not in assigned:
                providers = [name for name in step_registry.names() if _declared_assigns(name, requirement)]
                hint = f"; add the {' or '.join(repr(p) for p in providers)} step before it" if providers else ""
                raise ConfigError(f"step {step.name!r} requires {requirement!r}, which no earlier step assigns{hint}")
        for field_name in getattr(step, "assigns", ()):
            assigned[field_name] = step.name


def _declared_assigns(name: str, field_name: str) -> bool:
    try:
        return field_name in getattr(step_registry.get(name), "assigns", ())
    except Exception:  # noqa: BLE001 - a plugin step that cannot be imported just gives no hint
        return False


@dataclass
class Pipeline:
    """Runs ``steps`` in order over batches of documents."""

    steps: list[Step] = field(default_factory=list)
    batch_size: int = 32

    @classmethod
    def from_names(cls, names: Iterable[str] = DEFAULT_STEPS, **options: Any) -> Pipeline:
        """Build a pipeline from registered step names; ``options[name]`` are passed to that step's factory."""
        built = [step_registry.create(name, **options.get(name, {})) for name in names]
        return cls(steps=built)

    def __post_init__(self) -> None:
        check_steps(self.steps)
        taxonomy = self.taxonomy
        if taxonomy is not None:  # a custom narratives model: every step labels with its taxonomy
            for step in self.steps:
                if hasattr(step, "use_taxonomy"):
                    step.use_taxonomy(taxonomy)

    @property
    def taxonomy(self) -> Any:
        """The ``Taxonomy`` of the narratives step's model (``None`` without a narratives step)."""
        return next((step.taxonomy for step in self.steps if step.name == "narratives" and hasattr(step, "taxonomy")), None)

    def prepare(self) -> Pipeline:
        """Load every step's model now (steps with a ``prepare()`` method; they load lazily otherwise), so that a
        missing or damaged model fails here with a ``ModelError`` naming its file instead of failing every document."""
        for step in self.steps:
            prepare = getattr(step, "prepare", None)
            if callable(prepare):
                prepare()
        return self

    @property
    def model_id(self) -> str | None:
        """The id of the narratives step's model (``narratives:<dir>@<hash>``; ``None`` without a narratives step):
        what ``Analysis.model`` records and ``narrascope reanalyze`` compares."""
        return next((step.model_id for step in self.steps if step.name == "narratives" and hasattr(step, "model_id")), None)

    @property
    def names(self) -> list[str]:
        return [step.name for step in self.steps]

    def __call__(self, text_or_document: str | Document) -> Analysis:
        """Analyse one text (given an id from its content) or ``Document``."""
        return self.analyze_batch([as_document(text_or_document)])[0]

    def pipe(self, items: Iterable[str | Document], batch_size: int | None = None) -> Iterator[Analysis]:
        """Analyse a stream of texts or ``Document``s in batches, yielding one ``Analysis`` each, in order."""
        size = batch_size or self.batch_size
        batch: list[Document] = []
        for item in items:
            batch.append(as_document(item))
            if len(batch) >= size:
                yield from self.analyze_batch(batch)
                batch = []
        if batch:
            yield from self.analyze_batch(batch)

    def analyze_batch(self, documents: Sequence[Document]) -> list[Analysis]:
        """Analyse one batch; a step error on the batch is retried document by document."""
        analyses = [Analysis(document_id=d.id, language=d.language, title=d.title, source=d.source) for d in documents]
        for step in self.steps:
            pending = [(d, a) for d, a in zip(documents, analyses) if a.error is None]
            if not pending:
                break
            before = [_snapshot(a) for _, a in pending]
            try:
                step([d for d, _ in pending], [a for _, a in pending])
            except Exception as exc:  # noqa: BLE001 - isolate the failing document
                log.debug("step %s failed on a batch (%s); retrying one by one", step.name, exc)
                for (doc, analysis), saved in zip(pending, before):
                    analysis.__dict__.update(saved)  # undo what the failed batch call half-did
                    try:
                        step([doc], [analysis])
                    except Exception as single:  # noqa: BLE001
                        analysis.error = f"{step.name} failed: {type(single).__name__}: {single}"
        return analyses

    def analyze(
        self,
        items: Iterable[Document | FailedInput],
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[Analysis]:
        """Analyse a stream of documents (failed inputs pass through as failed analyses), in input order."""
        batch: list[Document] = []
        for item in items:
            if isinstance(item, FailedInput):
                yield from self._flush(batch, progress)
                batch = []
                if progress:
                    progress(1)
                yield Analysis.failed(item)
                continue
            batch.append(item)
            if len(batch) >= self.batch_size:
                yield from self._flush(batch, progress)
                batch = []
        yield from self._flush(batch, progress)

    def _flush(self, batch: list[Document], progress: Callable[[int], None] | None) -> Iterator[Analysis]:
        if not batch:
            return
        results = self.analyze_batch(batch)
        if progress:
            progress(len(batch))
        yield from results


def _snapshot(analysis: Analysis) -> dict[str, Any]:
    """The analysis' fields with their lists copied: enough to undo a step, which adds or replaces items but does
    not edit the ones already there (a deep copy cost ~10% of the pipeline's time)."""
    return {k: list(v) if isinstance(v, list) else v for k, v in analysis.__dict__.items()}


def as_document(item: str | Document) -> Document:
    """``item`` itself, or a ``Document`` of the text ``item`` whose id is taken from its content."""
    if isinstance(item, Document):
        return item
    if not isinstance(item, str):
        raise TypeError(f"expected a str or a Document, got {type(item).__name__}")
    return Document(id="text-" + Document(id="", text=item).content_hash[:12], text=item)


def load(
    model: str | Path | None = None,
    steps: Iterable[str] | None = None,
    taxonomy: str | Path | Any | None = None,
    batch_size: int = 32,
    **options: dict[str, Any],
) -> Pipeline:
    """The analysis pipeline, ready to call: ``nlp = load(); nlp("text").narratives``.

    ``model``: a narrative model directory written by ``narrascope train`` (default: the shipped SemEval model);
    ``steps``: step names (default ``DEFAULT_STEPS``; add ``"entities"`` for entity framing); ``taxonomy``: a
    ``Taxonomy`` or taxonomy file that the model must use (a ``ConfigError`` if it was trained on another one);
    ``options[step]``: keyword arguments for that step.
    """
    names = list(steps) if steps is not None else list(DEFAULT_STEPS)
    step_options = {name: dict(value) for name, value in options.items()}
    if model is not None:
        step_options.setdefault("narratives", {})["model"] = model
    pipeline = Pipeline.from_names(names, **step_options)
    pipeline.batch_size = batch_size
    if model is not None:  # a model of the user's: checked now, not at the first document
        pipeline.prepare()
    if taxonomy is not None:
        from narrascope.taxonomy import Taxonomy, load_taxonomy

        wanted = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        used = pipeline.taxonomy
        if used is not None and used.labels != wanted.labels:
            raise ConfigError(
                f"the narrative model uses the taxonomy {used.name!r}, not {wanted.name!r}; "
                "train a model on it first: narrascope train FILES --taxonomy FILE --out DIR"
            )
    return pipeline
