"""The onnxruntime route of the e5 encoder computes what the numpy reference computes, and its graph cache holds."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from narrascope.components.narratives.encoder_head import token_batches  # noqa: E402
from narrascope.embeddings import e5_onnx  # noqa: E402
from narrascope.embeddings.e5_encoder import E5Encoder  # noqa: E402
from narrascope.errors import ModelError  # noqa: E402

TEXTS = ["NATO is directly fighting in Ukraine, the minister said.",
         "Климатът се променя бавно, казват учените, но политиците не слушат.",
         "O governo anunciou novas medidas para a economia na terça-feira. " * 6,
         "रूस ने कहा कि पश्चिमी देश युद्ध में सीधे तौर पर शामिल हैं।",
         "x"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def reference() -> E5Encoder:
    return E5Encoder(backend="numpy")


def _states(encoder: E5Encoder) -> tuple[np.ndarray, np.ndarray]:
    ids, mask = encoder.batch([encoder.ids(t) for t in TEXTS])
    return encoder.token_states(ids, mask), mask


def _with_cache(monkeypatch: pytest.MonkeyPatch, cache: Path, backend: str) -> E5Encoder:
    monkeypatch.setenv("NARRASCOPE_CACHE_DIR", str(cache))
    return E5Encoder(backend=backend)


def test_float32_graph_gives_the_numpy_states(reference: E5Encoder, cache: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ref, mask = _states(reference)
    fast, _ = _states(_with_cache(monkeypatch, cache, "onnx"))
    on = mask.astype(bool)
    assert np.abs(ref[on] - fast[on]).max() < 1e-3


def test_int8_graph_stays_close_to_the_numpy_vectors(reference: E5Encoder, cache: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    ref, mask = _states(reference)
    fast, _ = _states(_with_cache(monkeypatch, cache, "int8"))
    a, b = reference.mean_pool(ref, mask), reference.mean_pool(fast, mask)
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cosine.min() > 0.98
    assert not np.allclose(a, b, atol=1e-6)  # it is the quantised graph that ran, not numpy


@pytest.mark.parametrize("backend", ["int8", "onnx"])
def test_a_sequence_gets_the_same_states_alone_or_in_any_batch(backend: str, cache: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = _with_cache(monkeypatch, cache, backend)
    together, mask = _states(encoder)
    for i, text in enumerate(TEXTS):
        ids, own = encoder.batch([encoder.ids(text)])
        alone = encoder.token_states(ids, own)[0]
        n = int(own.sum())
        assert np.array_equal(alone[:n], together[i, :n])  # byte-identical: no dependence on the neighbours
        assert not together[i, n:].any()  # padding positions stay zero


def test_the_graph_follows_the_fine_tuned_layers(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = _with_cache(monkeypatch, cache, "onnx")
    tuned_tensors = {"l11.fo.b": base.tensors["l11.fo.b"] + 0.5}
    tuned = E5Encoder(top_layers=tuned_tensors, backend="onnx")
    reference = E5Encoder(top_layers=tuned_tensors, backend="numpy")
    fast, mask = _states(tuned)
    ref, _ = _states(reference)
    on = mask.astype(bool)
    assert np.abs(ref[on] - fast[on]).max() < 1e-3
    files = sorted(p.name for p in (cache / "onnx").glob("*.onnx"))
    assert len([f for f in files if f.endswith(".fp32.onnx")]) == 2  # one graph per set of weights


def test_a_cached_graph_is_reused_and_a_damaged_one_rebuilt(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _states(_with_cache(monkeypatch, cache, "int8"))
    (built,) = [p for p in (cache / "onnx").glob("*.int8.onnx")]
    stamp = built.stat().st_mtime_ns
    _states(E5Encoder(backend="int8"))
    assert built.stat().st_mtime_ns == stamp
    built.write_bytes(b"not an onnx file")
    states, mask = _states(E5Encoder(backend="int8"))
    assert np.isfinite(states).all() and built.stat().st_size > 1_000_000


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NARRASCOPE_E5_BACKEND", raising=False)
    assert e5_onnx.resolve_backend() == "int8"
    monkeypatch.setenv("NARRASCOPE_E5_BACKEND", "ONNX")
    assert e5_onnx.resolve_backend() == "onnx"
    assert e5_onnx.resolve_backend("numpy") == "numpy"
    with pytest.raises(ModelError, match="NARRASCOPE_E5_BACKEND"):
        e5_onnx.resolve_backend("gpu")
    monkeypatch.setattr(e5_onnx, "available", lambda: False)
    assert e5_onnx.resolve_backend("int8") == "numpy"  # no onnxruntime: the numpy reference


def test_partial_runs_stay_numpy(reference: E5Encoder, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _with_cache(monkeypatch, cache, "int8")
    ids, mask = reference.batch([reference.ids(TEXTS[0])])
    assert np.array_equal(fast.token_states(ids, mask, stop=6), reference.token_states(ids, mask, stop=6))


@pytest.mark.parametrize("lengths,budget", [([3, 3, 3, 3], 6), ([2, 5, 9, 40, 41], 64), ([130], 100), ([], 10),
                                            ([1] * 10 + [128] * 3, 256)])
def test_token_batches_bound_the_padded_size(lengths: list[int], budget: int) -> None:
    groups = token_batches(lengths, budget)
    assert [i for g in groups for i in g] == list(range(len(lengths)))  # every sequence once, in order
    for g in groups:
        assert len(g) == 1 or len(g) * lengths[g[-1]] <= budget
    # greedy: a group could not take the next sequence without passing the budget
    for g, nxt in zip(groups, groups[1:]):
        assert (len(g) + 1) * lengths[nxt[0]] > budget


def test_an_unwritable_cache_folder_builds_the_graph_elsewhere(reference: E5Encoder, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("NARRASCOPE_CACHE_DIR", str(blocker))
    ref, mask = _states(reference)
    fast, _ = _states(E5Encoder(backend="onnx"))
    on = mask.astype(bool)
    assert np.abs(ref[on] - fast[on]).max() < 1e-3
    assert blocker.read_text() == "a file where the cache folder should be"


def test_the_cache_keeps_the_newest_graphs_only(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"e5-0-12-{i}.int8.onnx").write_bytes(b"x")
        stamp = 1_000_000 + i
        os.utime(tmp_path / f"e5-0-12-{i}.int8.onnx", (stamp, stamp))
    (tmp_path / "unrelated.txt").write_text("kept")
    current = tmp_path / "e5-0-12-0.int8.onnx"  # the oldest, but the one just built
    e5_onnx.prune(tmp_path, keep=3, current=current)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5-0-12-0.int8.onnx", "e5-0-12-3.int8.onnx",
                                                          "e5-0-12-4.int8.onnx", "unrelated.txt"]


@pytest.mark.parametrize("backend", ["int8", "onnx"])
def test_a_tapped_graph_gives_the_lower_layer_and_the_same_final_states(backend: str, reference: E5Encoder,
                                                                         cache: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = _with_cache(monkeypatch, cache, backend)
    final, mask = _states(encoder)
    ids, _ = encoder.batch([encoder.ids(t) for t in TEXTS])
    frozen, tapped_final = encoder.layer_outputs(ids, mask, (10, 12))
    assert np.array_equal(tapped_final, final)  # the extra output changes nothing of the final states
    (alone,) = encoder.layer_outputs(ids, mask, (10,))  # a graph of the 10 layers alone: the same states
    assert np.array_equal(alone, frozen)
    ref = reference.token_states(ids, mask, stop=10)
    on = mask.astype(bool)
    assert np.abs(ref[on] - frozen[on]).max() < (1e-3 if backend == "onnx" else 1.0)
    assert not np.allclose(frozen[on], final[on], atol=1e-2)
    assert any("-t10-" in p.name for p in (cache / "onnx").glob("*.onnx"))
    with pytest.raises(ModelError, match="taps"):
        e5_onnx.build_graph(encoder.tensors, 0, 10, 384, 12, 1e-12, taps=(10,))


def test_the_int8_graph_is_what_onnxruntime_quantisation_makes_of_the_float32_one(reference: E5Encoder,
                                                                                  tmp_path: Path) -> None:
    """Written directly (a numpy quantisation per channel) and by ``quantize_dynamic`` from the float32 graph: the
    same int8 weights and scales, the same states to the bit."""
    import logging

    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tensors = dict(reference.tensors)
    tensors["l1.fo.w"] = np.asarray(tensors["l1.fo.w"]).copy()
    tensors["l1.fo.w"][5] = 0.0  # an all-zero output channel: scale 1, as onnxruntime sets it
    args = (tensors, 0, 2, reference.hidden, reference.n_heads, reference.eps)
    onnx.save_model(e5_onnx.build_graph(*args), str(tmp_path / "fp32.onnx"))
    level = logging.getLogger().level
    quantize_dynamic(str(tmp_path / "fp32.onnx"), str(tmp_path / "ort.onnx"), weight_type=QuantType.QInt8,
                     per_channel=True, op_types_to_quantize=["MatMul"])
    logging.getLogger().setLevel(level)
    onnx.save_model(e5_onnx.build_graph(*args, int8=True), str(tmp_path / "ours.onnx"))
    inits = [{i.name: numpy_helper.to_array(i) for i in onnx.load(str(tmp_path / f)).graph.initializer}
             for f in ("ort.onnx", "ours.onnx")]
    quantised = [n for n in inits[0] if n.endswith(("_quantized", "_scale", "_zero_point")) and ".wt" in n]
    assert len(quantised) == 2 * 6 * 3
    for name in quantised:
        assert inits[1][name].dtype == inits[0][name].dtype and np.array_equal(inits[1][name], inits[0][name]), name
    assert inits[1]["l1.fo.wt_scale"][5] == 1.0
    ids, mask = reference.batch([reference.ids(TEXTS[0])])
    feed = {"states": reference.embed_tokens(ids), "mask": mask}
    outs = [ort.InferenceSession(str(tmp_path / f), providers=["CPUExecutionProvider"]).run(["out"], feed)[0]
            for f in ("ort.onnx", "ours.onnx")]
    assert np.array_equal(outs[0], outs[1])


def test_checking_the_backend_locates_onnx_without_importing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    code = "import sys; from narrascope.embeddings import e5_onnx; print(e5_onnx.available(), 'onnx' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split() == ["True", "False"]
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    assert not e5_onnx.available()  # onnx missing: no graph can be built
