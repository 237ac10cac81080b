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
