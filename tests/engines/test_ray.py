"""The Ray engine on a local Ray with 2 CPUs: same bytes as the local engine, killed workers retried, file I/O.

Ray is part of the ``dev`` extra that the README's test command installs; without it the tests skip with the reason,
except under ``CI=true``, where a missing Ray fails the run. The tests start their own local Ray (``address="local"``:
never a cluster named by ``RAY_ADDRESS``) and share it; a start that fails three times fails the tests.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from narrascope.documents import Analysis, Document
from narrascope.engines import EngineRun, PipelineSpec, create_engine
from narrascope.engines.ray import LOCAL_SYSTEM_CONFIG, RayEngine

from .conftest import dumps
from .test_ingest import contents, run, spec

try:
    import ray
    import ray.data  # noqa: F401
except ImportError as exc:
    if os.environ.get("CI") == "true":
        raise ImportError(f"CI=true and Ray is not installed ({exc}): pip install -e '.[dev]'") from exc
    pytest.skip(f"Ray is not installed: pip install -e '.[dev]' ({exc})", allow_module_level=True)

pytestmark = pytest.mark.slow
START_ATTEMPTS = 3


@pytest.fixture(scope="module")
def local_ray():
    """A Ray instance of its own on this machine, 2 CPUs, whose workers can import the test-only steps."""
    tests_dir = str(Path(__file__).resolve().parents[1])
    ray.shutdown()
    for attempt in range(1, START_ATTEMPTS + 1):  # Ray's start-up has fixed deadlines a busy 2-core machine can miss
        try:
            ray.init(
                address="local",
                num_cpus=2,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env={"env_vars": {"PYTHONPATH": tests_dir}},
                _system_config=LOCAL_SYSTEM_CONFIG,
            )
            break
        except Exception as exc:  # noqa: BLE001 - Ray's own start-up (e.g. timeouts on an overloaded machine)
            ray.shutdown()
            if attempt == START_ATTEMPTS:
                raise RuntimeError(f"a local Ray could not start ({START_ATTEMPTS} attempts): {exc}") from exc
    yield ray
    ray.shutdown()


def test_ray_gives_the_same_bytes_as_local_and_retries_a_killed_worker(local_ray, fresh_items, steps_module, tmp_path):
    plain = PipelineSpec(steps=("test_words",), batch_size=4, imports=(steps_module,))
    expected = dumps(list(create_engine("local", workers=1).run(fresh_items(), plain)))
    assert dumps(list(create_engine("ray", workers=2).run(fresh_items(), plain))) == expected

    marker = tmp_path / "crash-once"
    marker.touch()
    crashing = PipelineSpec(
        steps=("test_words", "test_crash"), options={"test_crash": {"marker": str(marker)}}, batch_size=4, imports=(steps_module,)
    )
    result = dumps(list(create_engine("ray", workers=2, chunks_per_window=8).run(fresh_items(), crashing)))
    assert not marker.exists(), "the crash step never ran in a Ray worker"
    assert result == expected


def test_ray_reads_jsonl_and_txt_and_writes_parquet(local_ray, steps_module, tmp_path):
    lines = [json.dumps({"id": f"j{i}", "text": f"word {'x ' * i}", "published": "2025-03-01", "extra": 1}) for i in range(6)]
    lines.append(json.dumps({"id": "no-text"}))
    (tmp_path / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts = tmp_path / "txt"
    texts.mkdir()
    (texts / "a1.txt").write_text("один два три", encoding="utf-8")
    (texts / "bad.txt").write_bytes(b"\xff\xfe not utf-8 \xff")
    spec = PipelineSpec(steps=("test_words",), batch_size=2, imports=(steps_module,))
    engine = create_engine("ray", workers=2)

    assert engine.analyze_files([tmp_path / "docs.jsonl"], spec, tmp_path / "out-jsonl") == 7
    rows = ray.data.read_parquet(str(tmp_path / "out-jsonl")).take_all()
    by_id = {r["document_id"]: r for r in rows}
    assert by_id["no-text"]["error"] and by_id["j3"]["error"] is None
    assert json.loads(by_id["j3"]["analysis"])["warnings"] == ["words=4"]

    assert engine.analyze_files([texts], spec, tmp_path / "out-txt") == 2
    rows = {r["document_id"]: r for r in ray.data.read_parquet(str(tmp_path / "out-txt")).take_all()}
    assert rows["a1"]["error"] is None and "not UTF-8" in rows["bad"]["error"]


def test_an_ingest_on_ray_stores_what_the_in_process_ingest_stores(local_ray, steps_module, tmp_path):
    """This process stays the one writer; two windows of Ray datasets analyse; a re-ingest adds nothing."""
    here, on_ray = tmp_path / "here.db", tmp_path / "ray.db"
    engine = create_engine("ray", workers=2, chunks_per_window=8)
    summary = run(here, spec(steps_module).build())
    assert run(on_ray, EngineRun(engine, spec(steps_module))) == summary
    assert summary["added"] == 30 and summary["analysis_failed"] == 1
    assert contents(on_ray) == contents(here)
    again = run(on_ray, EngineRun(engine, spec(steps_module, fail_on="NEVER")))
    assert (again["added"], again["reanalysed"], again["analysis_failed"], again["skipped"]) == (0, 1, 0, 31)


def test_a_document_that_always_kills_its_ray_worker_becomes_error_rows(local_ray, steps_module):
    docs = [Document(id=f"d{i}", text=f"text {i}" + (" KILL" if i == 4 else ""), language="en") for i in range(8)]
    spec = PipelineSpec(steps=("test_words", "test_crash"), batch_size=2, imports=(steps_module,))
    result = list(create_engine("ray", workers=2, max_retries=1).run(docs, spec))
    assert [a.document_id for a in result] == [d.id for d in docs]
    assert {a.document_id for a in result if a.error} == {"d4", "d5"}  # the killer's chunk, nothing else
    assert "Ray gave up on this chunk" in result[4].error


def test_chunks_lost_in_the_first_pass_run_again_one_task_per_actor_and_keep_their_place(monkeypatch):
    """The merge of the two passes, without Ray: chunk 1 is lost in the first pass (queued behind a killer, say) and
    comes back in the second; chunk 3 is lost in both and becomes error rows; the output keeps the input order."""
    docs = [Document(id=f"d{i}", text=f"text {i}", language="en") for i in range(10)]
    window = [docs[i:i + 2] for i in range(0, 10, 2)]
    passes: list[tuple[list[int], int]] = []

    def analyse(self, ray, chunks, spec, in_flight):  # noqa: ANN001, ANN202
        passes.append(([seq for seq, _ in chunks], in_flight))
        lost = {11, 13} if len(passes) == 1 else {13}
        for seq, chunk in chunks:
            yield seq, None if seq in lost else [Analysis(document_id=d.id) for d in chunk]

    monkeypatch.setattr(RayEngine, "_analyse", analyse)
    engine = create_engine("ray", workers=1)
    result = list(engine._run_window(None, window, 10, PipelineSpec(steps=())))
    assert passes == [([10, 11, 12, 13, 14], 2), ([11, 13], 1)]
    assert [a.document_id for a in result] == [d.id for d in docs]
    assert [a.document_id for a in result if a.error] == ["d6", "d7"]
    assert all("Ray gave up on this chunk" in a.error for a in result if a.error)
