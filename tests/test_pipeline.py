"""Pipeline: steps run in order over batches, a step error stays with its document, failed inputs pass through."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from narrascope.documents import Analysis, Document, FailedInput
from narrascope.errors import ConfigError
from narrascope.pipeline import Pipeline
from narrascope.registry import steps as step_registry


class RecordingStep:
    """Marks every analysis it sees, remembers batch sizes, and raises on documents whose text says BOOM."""

    def __init__(self, name: str = "record") -> None:
        self.name = name
        self.batches: list[list[str]] = []

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        self.batches.append([d.id for d in documents])
        for doc, analysis in zip(documents, analyses):
            if "BOOM" in doc.text:
                raise ValueError(f"cannot handle {doc.id}")
            analysis.warnings.append(self.name)


step_registry.register("test-recording")(RecordingStep)


def docs(*texts: str) -> list[Document]:
    return [Document(id=f"d{i}", text=text) for i, text in enumerate(texts)]


def test_step_error_is_isolated_to_its_document() -> None:
    first, second = RecordingStep("first"), RecordingStep("second")
    pipeline = Pipeline(steps=[first, second], batch_size=8)
    analyses = list(pipeline.analyze(docs("fine", "BOOM here", "also fine")))
    assert [a.document_id for a in analyses] == ["d0", "d1", "d2"]
    assert analyses[1].error == "first failed: ValueError: cannot handle d1"
    assert analyses[0].error is None and analyses[2].error is None
    assert analyses[0].warnings == ["first", "second"] and analyses[2].warnings == ["first", "second"]
    # the batch was retried one by one, and the failed document never reached the second step
    assert first.batches == [["d0", "d1", "d2"], ["d0"], ["d1"], ["d2"]]
    assert second.batches == [["d0", "d2"]]


def test_failed_inputs_pass_through_in_order_and_progress_counts_everything() -> None:
    step = RecordingStep()
    pipeline = Pipeline(steps=[step], batch_size=2)
    items: list[Document | FailedInput] = [*docs("a", "b", "c"), FailedInput("x.bin", "not a text file", id="x")]
    items += [Document(id="e", text="e")]
    seen: list[int] = []
    analyses = list(pipeline.analyze(items, progress=seen.append))
    assert [a.document_id for a in analyses] == ["d0", "d1", "d2", "x", "e"]
    assert analyses[3].error == "not a text file" and analyses[3].source == "x.bin"
    assert all(len(batch) <= 2 for batch in step.batches)
    assert sum(seen) == len(items)


def test_from_names_builds_registered_steps_and_rejects_unknown_ones() -> None:
    pipeline = Pipeline.from_names(["language", "test-recording"])
    assert pipeline.names == ["language", "record"]
    with pytest.raises(ConfigError, match="unknown step 'no-such-step'.*language"):
        Pipeline.from_names(["no-such-step"])


def test_language_step_keeps_given_language_and_warns_when_unknown() -> None:
    pipeline = Pipeline.from_names(["language"])
    documents = [
        Document(id="given", text="Texto em português sobre o porto.", language="xx"),
        Document(id="en", text="The harbour council voted to build a sea wall after the floods."),
        Document(id="digits", text="12 34 56"),
    ]
    by_id = {a.document_id: a for a in pipeline.analyze(documents)}
    assert by_id["given"].language == "xx"
    assert by_id["en"].language == "en" and documents[1].language == "en"
    assert by_id["digits"].language is None and by_id["digits"].warnings == ["language could not be identified"]
