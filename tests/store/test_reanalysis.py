"""A document whose analysis failed in a step is analysed again by a later ingest (on SQLite and PostgreSQL), not
skipped as already stored: a damaged model or a crash in a step must not leave documents without labels for good."""

from __future__ import annotations

from collections.abc import Sequence

from narrascope.corpus.ingestion import ingest
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.engines import EngineRun, PipelineSpec, create_engine
from narrascope.pipeline import Pipeline
from narrascope.registry import steps
from narrascope.store import Store

NARR = "URW: Discrediting Ukraine"


class LabelStep:
    """A narratives step that fails on the documents whose text contains ``fail_on``."""

    name = "narratives"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("narratives",)

    def __init__(self, fail_on: str | None) -> None:
        self.fail_on = fail_on
        self.seen: list[str] = []

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        for doc, analysis in zip(documents, analyses):
            self.seen.append(doc.id)
            if self.fail_on and self.fail_on in doc.text:
                raise ValueError("BadZipFile: File is not a zip file")
            analysis.narratives = [LabelScore(NARR, 0.9)]


@steps.register("test_labels_failing_on")
class RegisteredLabelStep(LabelStep):
    """``LabelStep`` by a registered name, so that engine workers can build it (``PipelineSpec``)."""


DOCS = [
    Document("a", "Kyiv officials met NATO generals on Monday.", url="http://a.test/1"),
    Document("b", "Broken: the parliament met on Tuesday.", url="http://a.test/2"),
    Document("c", "Broken too, but without a URL."),
]


def _copies() -> list[Document]:
    return [Document(d.id, d.text, url=d.url) for d in DOCS]


def test_failed_analyses_are_retried_by_the_next_ingest(store: Store) -> None:
    first = ingest(_copies(), store, Pipeline([LabelStep("Broken")]), storylines=False)
    assert (first.added, first.analysis_failed) == (3, 2)
    assert [d.id for d in store.failed_analyses(["http://a.test/2"], [DOCS[2].content_hash])] == ["b", "c"]
    errors = {i: (store.get_analysis(i) or Analysis(i)).error for i in "abc"}
    assert errors["a"] is None and "BadZipFile" in (errors["b"] or "") and errors["c"]

    step = LabelStep(None)
    second = ingest(_copies(), store, Pipeline([step]), storylines=False)
    assert (second.added, second.reanalysed, second.analysis_failed) == (0, 2, 0)
    assert sorted(step.seen) == ["b", "c"]  # the good analysis is not redone
    for i in "abc":
        analysis = store.get_analysis(i)
        assert analysis is not None and analysis.error is None and [n.label for n in analysis.narratives] == [NARR]
    assert store.failed_analyses(["http://a.test/1", "http://a.test/2"], [d.content_hash for d in DOCS]) == []
    third = ingest(_copies(), store, Pipeline([LabelStep(None)]), storylines=False)
    assert (third.added, third.reanalysed, third.skipped) == (0, 0, 3)


def test_failed_analyses_are_retried_by_the_next_ingest_on_an_engine(store: Store) -> None:
    """The same, with the analysis on a process pool of two workers: stored with its error, analysed again next time."""
    pool = create_engine("local", workers=2)

    def on_pool(fail_on: str | None) -> EngineRun:
        return EngineRun(pool, PipelineSpec(("test_labels_failing_on",), {"test_labels_failing_on": {"fail_on": fail_on}}))

    first = ingest(_copies(), store, on_pool("Broken"), storylines=False)
    assert (first.added, first.analysis_failed) == (3, 2)
    assert "BadZipFile" in ((store.get_analysis("b") or Analysis("b")).error or "")
    second = ingest(_copies(), store, on_pool(None), storylines=False)
    assert (second.added, second.reanalysed, second.analysis_failed, second.skipped) == (0, 2, 0, 3)
    for i in "abc":
        analysis = store.get_analysis(i)
        assert analysis is not None and analysis.error is None and [n.label for n in analysis.narratives] == [NARR]
    third = ingest(_copies(), store, on_pool(None), storylines=False)
    assert (third.added, third.reanalysed, third.skipped) == (0, 0, 3)
