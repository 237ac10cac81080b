"""`finngl opt --verify`: every pass is followed by an execution of the model, and the per-pass
mismatch counts printed must be the true counts.

The reference for the counts is numpy: a Div by 3 rewritten into a Mul by fl(1/3) (allowed with
--allow-inexact-float) changes exactly the elements where x / 3 != x * fl(1/3) in float32, which
numpy computes independently on the same --verify-input file.
"""
import re

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from conftest import finngl_cli, make_model


def div_model(n=4096):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])
    three = numpy_helper.from_array(np.array(3.0, dtype=np.float32), "three")
    nodes = [helper.make_node("Identity", ["x"], ["t"]), helper.make_node("Div", ["t", "three"], ["y"])]
    return make_model(nodes, [x], [y], initializers=[three])


def verify_rows(stdout):
    """{pass: (step mismatches, total mismatches)} from the --verify table."""
    rows = {}
    for line in stdout.splitlines():
        m = re.match(r"\s*\d+\s+([a-z0-9-]+)\s+\S+\s+(\d+) / \S+\s+(\d+) / \S+", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return rows


def test_verify_counts_the_mismatches_numpy_predicts(tmp_path):
    src, out, inp = tmp_path / "m.onnx", tmp_path / "o.onnx", tmp_path / "x.npy"
    onnx.save(div_model(), str(src))
    x = np.random.default_rng(7).standard_normal((1, 4096)).astype(np.float32) * 100
    np.save(inp, x)
    expected = int(np.sum(x / np.float32(3) != x * (np.float32(1) / np.float32(3))))
    assert expected > 0  # the check is not vacuous
    proc = finngl_cli("opt", src, "--passes", "remove-identity,div-to-mul", "--allow-inexact-float",
                      "--verify", "--verify-input", f"x={inp}", "-o", out, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = verify_rows(proc.stdout)
    assert rows["remove-identity"] == (0, 0)
    assert rows["div-to-mul"] == (expected, expected)
    assert f"{expected} output element(s) of the result differ" in proc.stderr
    assert out.exists()  # the result is still a valid model; the exit code reports the difference


def test_verify_random_samples_exact_pipeline_exits_0(tmp_path):
    src, out = tmp_path / "m.onnx", tmp_path / "o.onnx"
    onnx.save(div_model(64), str(src))
    proc = finngl_cli("opt", src, "--pipeline", "cleanup", "--verify", "--verify-samples", "5",
                      "-o", out)
    assert "verification on 5 random sample(s)" in proc.stdout
    rows = verify_rows(proc.stdout)
    assert rows and all(v == (0, 0) for v in rows.values()), rows


def test_verify_input_errors_exit_2(tmp_path):
    src, out, inp = tmp_path / "m.onnx", tmp_path / "o.onnx", tmp_path / "x.npy"
    onnx.save(div_model(8), str(src))
    np.save(inp, np.zeros((1, 8), np.float32))
    proc = finngl_cli("opt", src, "--passes", "remove-identity", "--verify",
                      "--verify-input", f"nope={inp}", "-o", out, check=False)
    assert proc.returncode == 2
    assert "--verify-input 'nope=" in proc.stderr and "no input named 'nope'" in proc.stderr
    assert not out.exists()
    np.save(inp, np.zeros((1, 9), np.float32))
    proc = finngl_cli("opt", src, "--passes", "remove-identity", "--verify",
                      "--verify-input", f"x={inp}", "-o", out, check=False)
    assert proc.returncode == 2 and "x.npy" in proc.stderr, proc.stderr
    assert not out.exists()
