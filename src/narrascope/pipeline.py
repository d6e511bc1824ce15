"""The analysis pipeline: an ordered list of named steps run over batches of documents.

Each step is a callable ``step(documents, analyses) -> None`` that adds its part to the ``Analysis`` of each
document (spaCy-style components). Steps are looked up by name in ``narrascope.registry.steps``; the pipeline knows
nothing about storage or engines. A step that fails on one document records the error on that document's analysis
and the batch goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from narrascope.documents import Analysis, Document, FailedInput
from narrascope.registry import steps as step_registry

log = logging.getLogger(__name__)

DEFAULT_STEPS = ("language", "narratives", "explain")


class Step(Protocol):
    """A pipeline component: adds its part to each analysis of the batch."""

    name: str

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None: ...


@step_registry.register("language")
class LanguageStep:
    """Detect the language of documents that have none (ISO 639-1 codes)."""

    name = "language"

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        from narrascope.components.language.detector import detect_language

        for doc, analysis in zip(documents, analyses):
            if not doc.language:
                doc.language = detect_language(doc.text)
            analysis.language = doc.language
            if doc.language is None:
                analysis.warnings.append("language could not be identified")


@step_registry.register("narratives")
def _narratives_step(**options: Any) -> Step:
    """The ``narratives`` step (``narrascope.components.narratives.classifier.NarrativeStep``), imported only when used."""
    from narrascope.components.narratives.classifier import NarrativeStep

    return NarrativeStep(**options)


@step_registry.register("entities")
def _entities_step(**options: Any) -> Step:
    """The ``entities`` step (``narrascope.components.entities.step.EntitiesStep``), imported only when used."""
    from narrascope.components.entities.step import EntitiesStep

    return EntitiesStep(**options)


@step_registry.register("explain")
def _explain_step(**options: Any) -> Step:
    """The ``explain`` step (``narrascope.components.explain.explainers.ExplainStep``), imported only when used."""
    from narrascope.components.explain.explainers import ExplainStep

    return ExplainStep(**options)


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
        taxonomy = self.taxonomy
        if taxonomy is not None:  # a custom narratives model: every step labels with its taxonomy
            for step in self.steps:
                if hasattr(step, "use_taxonomy"):
                    step.use_taxonomy(taxonomy)

    @property
    def taxonomy(self) -> Any:
        """The ``Taxonomy`` of the narratives step's model (``None`` without a narratives step)."""
        return next((step.taxonomy for step in self.steps if step.name == "narratives" and hasattr(step, "taxonomy")), None)

    @property
    def names(self) -> list[str]:
        return [step.name for step in self.steps]

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
