"""The local engine: in-process and process-pool runs agree byte for byte; dead workers cost only their chunk."""

from __future__ import annotations

from pathlib import Path

from narrascope.documents import Document
from narrascope.engines import PipelineSpec, create_engine
from narrascope.engines.local import default_workers, worker_threads

from .conftest import dumps


def test_in_process_run_equals_one_pipeline_run(fresh_items, steps_module):
    spec = PipelineSpec(steps=("test_words",), batch_size=4, imports=(steps_module,))
    result = list(create_engine("local", workers=1).run(fresh_items(), spec))
    assert dumps(result) == dumps(list(spec.build().analyze(fresh_items())))
    by_id = {a.document_id: a for a in result}
    assert by_id["boom"].error and "cannot analyse boom" in by_id["boom"].error
    assert by_id["x18"].error == "line 18: no text"
    assert sum(a.error is None for a in result) == 40


def test_pool_matches_in_process_and_survives_a_killed_worker(fresh_items, steps_module, tmp_path: Path):
    marker = tmp_path / "crash-once"
    marker.touch()
    spec = PipelineSpec(
        steps=("test_words", "test_crash"),
        options={"test_crash": {"marker": str(marker)}},
        batch_size=3,
        imports=(steps_module,),
    )
    expected = dumps(list(create_engine("local", workers=1).run(fresh_items(), PipelineSpec(("test_words",), batch_size=3, imports=(steps_module,)))))
    result = dumps(list(create_engine("local", workers=2).run(fresh_items(), spec)))
    assert not marker.exists(), "the crash step never ran in a worker"
    assert result == expected


def test_a_document_that_always_kills_its_worker_becomes_error_rows(steps_module):
    docs = [Document(id=f"d{i}", text=f"text {i}" + (" KILL" if i == 4 else ""), language="en") for i in range(8)]
    spec = PipelineSpec(steps=("test_words", "test_crash"), batch_size=2, imports=(steps_module,))
    result = list(create_engine("local", workers=2, max_retries=1).run(docs, spec))
    assert [a.document_id for a in result] == [d.id for d in docs]
    failed = {a.document_id for a in result if a.error}
    assert failed == {"d4", "d5"}  # the chunk holding the killer document, nothing else
    assert "worker died" in result[4].error


def test_default_workers_is_the_cores_this_process_may_use(monkeypatch):
    import os

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)  # pinned to 3 of the cores
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert default_workers() == 3
    assert create_engine("local").workers == 3 and create_engine("local", workers=1).workers == 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # not Linux: every core
    assert default_workers() == 64
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown
    assert default_workers() == 1


def test_pool_workers_share_the_cores_out_unless_the_user_set_threads(steps_module, monkeypatch):
    import narrascope.engines.local as local

    monkeypatch.setattr(local, "default_workers", lambda: 4)
    assert [worker_threads(n) for n in (1, 2, 3, 4, 8)] == [4, 2, 1, 1, 1]
    monkeypatch.undo()
    docs = [Document(id=f"d{i}", text=f"text {i}", language="en") for i in range(4)]
    spec = PipelineSpec(steps=("test_threads",), batch_size=2, imports=(steps_module,))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    result = list(create_engine("local", workers=2).run(docs, spec))
    assert {a.warnings[0] for a in result} == {f"threads={worker_threads(2)}"}
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's choice reaches the workers unchanged
    result = list(create_engine("local", workers=2).run(docs, spec))
    assert {a.warnings[0] for a in result} == {"threads=3"}
