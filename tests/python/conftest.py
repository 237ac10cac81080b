"""Shared fixtures for finngl's Python tests: run a model through finngl's CLI and through the
independent references (onnxruntime, qonnx) and compare.

finngl is driven through `finngl exec` (the binary from the CMake build; FINNGL_BIN overrides the
path), so these tests exercise the real import, type inference and executor.
"""
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest

ROOT = Path(__file__).resolve().parents[2]
FINNGL_BIN = os.environ.get("FINNGL_BIN", str(ROOT / "build" / "tools" / "finngl"))


def output_file_name(tensor_name: str) -> str:
    """The file name `finngl exec` uses for an output tensor (tools/cmd_exec.cc)."""
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", tensor_name) + ".npy"


def finngl_cli(*args, check=True):
    """Runs the finngl binary; returns the CompletedProcess."""
    proc = subprocess.run([FINNGL_BIN, *map(str, args)], capture_output=True, text=True,
                          timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"finngl {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def _save_model(model, directory: Path) -> Path:
    if isinstance(model, (str, Path)):
        return Path(model)
    path = directory / "model.onnx"
    onnx.save(model, str(path))
    return path


def run_finngl(model, inputs: dict, tmp_path: Path) -> dict:
    """Executes `model` (ModelProto or path) with finngl on named numpy inputs."""
    tmp_path = Path(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = _save_model(model, tmp_path)
    args = ["exec", path, "-q", "-o", tmp_path / "out"]
    for i, (name, value) in enumerate(inputs.items()):
        f = tmp_path / f"input_{i}.npy"
        np.save(f, value)
        args += ["--input", f"{name}={f}"]
    finngl_cli(*args)
    m = onnx.load(str(path), load_external_data=False)
    return {o.name: np.load(tmp_path / "out" / output_file_name(o.name)) for o in m.graph.output}


def run_ort(model, inputs: dict) -> dict:
    import onnxruntime as ort
    data = model.SerializeToString() if isinstance(model, onnx.ModelProto) else str(model)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, inputs)))


def assert_outputs_match(expected: dict, actual: dict, rtol=1e-5, atol=1e-6, what=""):
    """Same names, shapes and dtypes; exact for integer/bool outputs, close for floats."""
    assert set(expected) == set(actual), f"{what}: outputs {sorted(actual)} != {sorted(expected)}"
    for name, want in expected.items():
        got = actual[name]
        assert got.shape == want.shape, f"{what} {name}: shape {got.shape} != {want.shape}"
        assert got.dtype == want.dtype, f"{what} {name}: dtype {got.dtype} != {want.dtype}"
        if np.issubdtype(want.dtype, np.floating):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"{what} {name}")
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"{what} {name}")


def check_against_ort(model, inputs: dict, tmp_path, rtol=1e-5, atol=1e-6):
    """The standard cross-check: finngl's outputs equal onnxruntime's."""
    onnx.checker.check_model(model)
    assert_outputs_match(run_ort(model, inputs), run_finngl(model, inputs, tmp_path), rtol, atol,
                         what=model.graph.name)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def make_model(nodes, inputs, outputs, initializers=(), opset=17, extra_opsets=(), name="test"):
    """onnx.helper shorthand with a fixed IR version that onnxruntime and finngl both read."""
    from onnx import helper
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    return helper.make_model(graph, opset_imports=opsets, ir_version=8)


ONNX_TYPE = {
    np.dtype("float32"): onnx.TensorProto.FLOAT, np.dtype("float64"): onnx.TensorProto.DOUBLE,
    np.dtype("float16"): onnx.TensorProto.FLOAT16, np.dtype("bool"): onnx.TensorProto.BOOL,
    np.dtype("int8"): onnx.TensorProto.INT8, np.dtype("uint8"): onnx.TensorProto.UINT8,
    np.dtype("int16"): onnx.TensorProto.INT16, np.dtype("uint16"): onnx.TensorProto.UINT16,
    np.dtype("int32"): onnx.TensorProto.INT32, np.dtype("uint32"): onnx.TensorProto.UINT32,
    np.dtype("int64"): onnx.TensorProto.INT64, np.dtype("uint64"): onnx.TensorProto.UINT64,
}


def annotate_datatype(model, tensor, datatype):
    """Adds a qonnx `finn_datatype` annotation for `tensor` to the main graph."""
    ann = onnx.TensorAnnotation()
    ann.tensor_name = tensor
    entry = ann.quant_parameter_tensor_names.add()
    entry.key, entry.value = "finn_datatype", datatype
    model.graph.quantization_annotation.append(ann)


def single_op(op, inputs, attrs=None, opset=17, num_outputs=1, datatypes=None, out_type=None):
    """A one-node model. `inputs`: list of (name, array, is_initializer), or None for an omitted
    optional input. Outputs are "y", "y1", ... typed by ONNX's own shape inference (`out_type`
    overrides the first output's element type). `datatypes`: optional {tensor: finn_datatype}.
    Returns (model, runtime feeds)."""
    from onnx import helper, numpy_helper, shape_inference
    names, graph_inputs, inits, feeds = [], [], [], {}
    for entry in inputs:
        if entry is None:
            names.append("")
            continue
        name, value, is_init = entry
        names.append(name)
        if is_init:
            inits.append(numpy_helper.from_array(value, name))
        else:
            graph_inputs.append(helper.make_tensor_value_info(name, ONNX_TYPE[value.dtype], value.shape))
            feeds[name] = value
    outs = ["y"] + [f"y{i}" for i in range(1, num_outputs)]
    node = helper.make_node(op, names, outs, name=f"{op.lower()}_0", **(attrs or {}))
    untyped = [helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None) for o in outs]
    model = make_model([node], graph_inputs, untyped, inits, opset=opset, name=f"{op}_opset{opset}")
    # The checker wants typed graph outputs: take ONNX's own inferred ones.
    inferred = shape_inference.infer_shapes(model, strict_mode=True)
    for i in range(num_outputs):
        model.graph.output[i].CopyFrom(inferred.graph.output[i])
    if out_type is not None:
        model.graph.output[0].type.tensor_type.elem_type = out_type
    for tensor, dt in (datatypes or {}).items():
        annotate_datatype(model, tensor, dt)
    return model, feeds
