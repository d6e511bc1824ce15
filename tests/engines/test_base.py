"""Chunking, chunk isolation and the item codec shared by every engine."""

from __future__ import annotations

import pytest

from narrascope.documents import Analysis, Document, FailedInput
from narrascope.engines import EngineRun, PipelineSpec, chunk_items, create_engine
from narrascope.engines.base import analyze_chunk, decode_item, encode_item
from narrascope.errors import ConfigError
from narrascope.pipeline import Pipeline

from .conftest import dumps


class RecordingPipeline(Pipeline):
    """A pipeline that remembers the document batches it was given."""

    def analyze_batch(self, documents):  # type: ignore[no-untyped-def]
        self.seen.append([d.id for d in documents])
        return super().analyze_batch(documents)


def batches_of(items, size, chunked):  # type: ignore[no-untyped-def]
    pipeline = RecordingPipeline(steps=[], batch_size=size)
    pipeline.seen = []
    if chunked:
        for chunk in chunk_items(items, size):
            list(pipeline.analyze(chunk))
    else:
        list(pipeline.analyze(items))
    return pipeline.seen


@pytest.mark.parametrize("size", [1, 3, 4, 32])
def test_chunks_give_the_same_batches_as_one_pipeline_run(fresh_items, size):
    items = fresh_items()
    assert batches_of(items, size, chunked=True) == batches_of(items, size, chunked=False)
    chunks = list(chunk_items(items, size))
    assert [x for chunk in chunks for x in chunk] == items
    for chunk in chunks:  # at most ``size`` documents per stretch between failed inputs
        assert sum(isinstance(x, Document) for x in chunk) <= size * (1 + sum(isinstance(x, FailedInput) for x in chunk))


def test_chunk_items_on_empty_and_only_failures():
    assert list(chunk_items([], 4)) == []
    failures = [FailedInput(source="a", reason="r"), FailedInput(source="b", reason="r")]
    assert list(chunk_items(failures, 4)) == [failures]


def test_item_codec_round_trip():
    doc = Document(id="1", text="Привет", title="t", language="ru", published="2025-01-02")
    failed = FailedInput(source="f.csv", reason="bad row", line=3, id="7")
    assert decode_item(encode_item(doc)) == doc
    assert decode_item(encode_item(failed)) == failed


def test_analyze_chunk_turns_escaping_exceptions_into_error_rows():
    class Fragile(Pipeline):
        def analyze(self, items, progress=None):  # type: ignore[no-untyped-def]
            items = list(items)
            if any(isinstance(i, Document) and "bad" in i.text for i in items):
                raise RuntimeError("engine bug")
            return iter([Analysis.failed(i) if isinstance(i, FailedInput) else Analysis(document_id=i.id) for i in items])

    chunk = [Document(id="a", text="ok"), Document(id="b", text="bad"), FailedInput(source="s", reason="why", id="c")]
    result = analyze_chunk(Fragile(), chunk)
    assert [a.document_id for a in result] == ["a", "b", "c"]
    assert [a.error for a in result][0] is None
    assert "RuntimeError: engine bug" in result[1].error
    assert result[2].error == "why"


def test_spec_builds_steps_with_options_and_imports(steps_module):
    spec = PipelineSpec(steps=("test_words", "test_crash"), options={"test_crash": {"marker": None}}, batch_size=5, imports=(steps_module,))
    pipeline = spec.build()
    assert pipeline.names == ["test_words", "test_crash"] and pipeline.batch_size == 5


def test_engine_run_reports_progress_per_document(fresh_items, steps_module):
    spec = PipelineSpec(steps=("test_words",), batch_size=4, imports=(steps_module,))
    done: list[int] = []
    result = list(EngineRun(create_engine("local", workers=1), spec).analyze(fresh_items(), progress=done.append))
    assert len(done) == len(result) == len(fresh_items())
    assert dumps(result) == dumps(list(spec.build().analyze(fresh_items())))


def test_unknown_engine_and_bad_workers_are_config_errors():
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        create_engine("spark")
    with pytest.raises(ConfigError, match="workers must be >= 1"):
        create_engine("local", workers=0)


def test_ray_engine_without_ray_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ConfigError, match=r"install narrascope\[ray\]"):
        create_engine("ray")


def test_spec_carries_the_modules_that_registered_its_steps(steps_module):
    spec = PipelineSpec(steps=("language", "test_words")).with_step_modules()
    assert spec.imports == ("narrascope.components.language.step", steps_module)
    with pytest.raises(ConfigError, match="unknown step 'nope'"):
        PipelineSpec(steps=("nope",)).with_step_modules()
