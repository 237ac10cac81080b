"""Negative tests of the command line: every class of bad input gets one clear message naming the
file, node, op and tensor involved, exit code 2, and no partial output files."""
import numpy as np
import pytest
from onnx import TensorProto, helper

from conftest import finngl_cli, make_model


def relu_model(shape=(1, 4)):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))
    return make_model([helper.make_node("Relu", ["x"], ["y"], name="relu0")], [x], [y])


def save(model, path):
    path.write_bytes(model.SerializeToString())
    return path


def assert_user_error(proc, *fragments):
    assert proc.returncode == 2, f"exit code {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert proc.stderr.startswith("finngl: error: "), proc.stderr
    assert proc.stderr.count("\n") == 1, f"expected one message line:\n{proc.stderr}"
    for f in fragments:
        assert f in proc.stderr, f"{f!r} not in {proc.stderr!r}"


def run_all_commands(path, tmp_path, *fragments):
    """info, check and exec must all reject the model the same way, writing nothing."""
    out = tmp_path / "out"
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((1, 4), np.float32))
    for args in (["info", path], ["check", path], ["exec", path, "--input", f"x={x}", "-o", out]):
        assert_user_error(finngl_cli(*args, check=False), str(path), *fragments)
    assert not out.exists()


def test_truncated_file(tmp_path):
    data = relu_model().SerializeToString()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(data[: len(data) // 2])
    run_all_commands(path, tmp_path, "not a valid ONNX model")


def test_not_an_onnx_file(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("this is not a protobuf at all\n" * 10)
    run_all_commands(path, tmp_path, "not a valid ONNX model")


def test_missing_model_file(tmp_path):
    proc = finngl_cli("info", tmp_path / "nope.onnx", check=False)
    assert_user_error(proc, "nope.onnx", "cannot open")


def test_unsupported_op(tmp_path):
    m = relu_model()
    m.graph.node[0].op_type = "FrobnicateLayer"
    run_all_commands(save(m, tmp_path / "m.onnx"), tmp_path, "relu0", "FrobnicateLayer", "unsupported op")


def test_bad_attribute_type(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    node = helper.make_node("LeakyRelu", ["x"], ["y"], name="leaky", alpha="big")
    m = make_model([node], [x], [y])
    path = save(m, tmp_path / "m.onnx")
    proc = finngl_cli("check", path, check=False)
    assert_user_error(proc, str(path), "leaky", "LeakyRelu", "alpha")


def test_bad_attribute_value(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    inits = [helper.make_tensor(n, TensorProto.FLOAT, [], [v]) for n, v in
             (("s", 0.5), ("z", 0.0), ("b", 4.0))]
    node = helper.make_node("Quant", ["x", "s", "z", "b"], ["y"], name="q0", domain="qonnx.custom_op.general",
                            signed=1, narrow=0, rounding_mode="SIDEWAYS")
    m = make_model([node], [x], [y], inits, extra_opsets=[("qonnx.custom_op.general", 1)])
    run_all_commands(save(m, tmp_path / "m.onnx"), tmp_path, "q0", "Quant", "rounding_mode", "SIDEWAYS")


def test_missing_initializer(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    m = make_model([helper.make_node("Add", ["x", "bias"], ["y"], name="add_bias")], [x], [y])
    run_all_commands(save(m, tmp_path / "m.onnx"), tmp_path, "add_bias", "Add", "'bias'")


def test_cycle(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    nodes = [helper.make_node("Add", ["x", "b"], ["a"], name="first"),
             helper.make_node("Relu", ["a"], ["b"], name="second"),
             helper.make_node("Identity", ["a"], ["y"], name="out")]
    run_all_commands(save(make_model(nodes, [x], [y]), tmp_path / "m.onnx"), tmp_path, "cycle")


@pytest.mark.parametrize("array,fragment", [
    (np.zeros((1, 5), np.float32), "expected shape [1, 4], got [1, 5]"),
    (np.zeros((4,), np.float32), "expected shape [1, 4], got [4]"),
    (np.zeros((1, 4), np.float64), "expected element type float"),
])
def test_wrong_input_shape_or_dtype(tmp_path, array, fragment):
    path = save(relu_model(), tmp_path / "m.onnx")
    inp = tmp_path / "bad.npy"
    np.save(inp, array)
    out = tmp_path / "out"
    proc = finngl_cli("exec", path, "--input", f"x={inp}", "-o", out, check=False)
    assert_user_error(proc, "'x'", fragment, "bad.npy")
    assert not out.exists()


def test_missing_npy(tmp_path):
    path = save(relu_model(), tmp_path / "m.onnx")
    out = tmp_path / "out"
    proc = finngl_cli("exec", path, "--input", f"x={tmp_path / 'absent.npy'}", "-o", out, check=False)
    assert_user_error(proc, "absent.npy", "'x'")
    assert not out.exists()


def test_malformed_npy(tmp_path):
    path = save(relu_model(), tmp_path / "m.onnx")
    inp = tmp_path / "junk.npy"
    inp.write_bytes(b"\x93NUMPY\x01\x00garbage")
    out = tmp_path / "out"
    proc = finngl_cli("exec", path, "--input", f"x={inp}", "-o", out, check=False)
    assert_user_error(proc, "junk.npy")
    assert not out.exists()


def test_unknown_and_missing_input_names(tmp_path):
    path = save(relu_model(), tmp_path / "m.onnx")
    inp = tmp_path / "x.npy"
    np.save(inp, np.zeros((1, 4), np.float32))
    proc = finngl_cli("exec", path, "--input", f"nosuch={inp}", "-o", tmp_path / "o", check=False)
    assert_user_error(proc, "no input named 'nosuch'", "'x'")


def test_valid_model_passes_and_writes_outputs(tmp_path):
    """The positive control for the tests above."""
    path = save(relu_model(), tmp_path / "m.onnx")
    inp = tmp_path / "x.npy"
    np.save(inp, np.array([[-1, 2, -3, 4]], np.float32))
    assert finngl_cli("check", path).returncode == 0
    finngl_cli("exec", path, "--input", str(inp), "-o", tmp_path / "out")
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "y.npy"), [[0, 2, 0, 4]])
