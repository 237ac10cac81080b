"""onnxruntime cross-checks of the elementwise, activation and normalization op families
(src/ops/elementwise.cc, activation.cc, normalization.cc): one-node models over several shapes,
element types, opsets and attribute combinations, finngl vs onnxruntime (rtol 1e-5 / atol 1e-6,
exact for integer outputs)."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ONNX_TYPE, single_op, check_against_ort, make_model

def rand(rng, shape, dtype="float32", lo=-3.0, hi=3.0):
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -100), min(info.max, 100)
        return rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)
    return rng.uniform(lo, hi, size=shape).astype(dtype)


# ---------------------------------------------------------------------------- Add/Sub/Mul/Div

BROADCAST_SHAPES = [
    ((2, 3), (2, 3)), ((2, 3), ()), ((), (2, 3)), ((2, 3, 4, 5), (3, 1, 1)), ((3, 1), (1, 4)),
    ((2, 1, 3, 1), (4, 1, 5)), ((1,), (5, 1)), ((4, 1, 6), (6,)), ((1, 16), (16,)),
]


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_binary_float_broadcast(op, shapes, rng, tmp_path):
    a, b = rand(rng, shapes[0]), rand(rng, shapes[1])
    if op == "Div":
        b = np.where(np.abs(b) < 0.1, 0.5, b).astype(np.float32)
    model, feeds = single_op(op, [("a", a, False), ("b", b, False)])
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div"])
@pytest.mark.parametrize("dtype", ["float64", "int8", "uint8", "int16", "int32", "int64", "uint32"])
def test_binary_other_types(op, dtype, rng, tmp_path):
    a = rand(rng, (3, 4), dtype)
    b = rand(rng, (4,), dtype)
    if op == "Div":
        b = np.where(b == 0, 3, b).astype(dtype)
    model, feeds = single_op(op, [("a", a, False), ("b", b, True)])
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul"])
def test_binary_integer_wraparound(op, tmp_path):
    a = np.array([100, -128, 127, -100, 64], dtype=np.int8)
    b = np.array([100, -1, 1, 100, 4], dtype=np.int8)
    model, feeds = single_op(op, [("a", a, False), ("b", b, False)])
    check_against_ort(model, feeds, tmp_path)


def test_integer_div_truncates(tmp_path):
    a = np.array([7, -7, 7, -7, 0, 9, -9, 1], dtype=np.int32)
    b = np.array([2, 2, -2, -2, 5, 4, 4, -3], dtype=np.int32)
    model, feeds = single_op("Div", [("a", a, False), ("b", b, False)])
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("opset", [7, 13, 14])
def test_binary_opsets(opset, rng, tmp_path):
    model, feeds = single_op("Mul", [("a", rand(rng, (2, 3, 4)), False),
                                     ("b", rand(rng, (3, 1)), True)], opset=opset)
    check_against_ort(model, feeds, tmp_path)


# ---------------------------------------------------------------------------- unary ops

EXTREME = np.array([-100, -30, -10, -1, -1e-3, 0, 1e-3, 0.5, 1, 10, 30, 100, -87.5, 88.7],
                   dtype=np.float32)


@pytest.mark.parametrize("op", ["Relu", "Sigmoid", "Tanh", "Neg", "Abs", "Exp", "Sign", "Floor",
                                "Ceil", "Round", "Identity"])
@pytest.mark.parametrize("shape", [(7,), (2, 3, 4), (1, 3, 2, 2), ()])
def test_unary_float(op, shape, rng, tmp_path):
    x = rand(rng, shape, lo=-4, hi=4)
    model, feeds = single_op(op, [("x", x, False)])
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("op", ["Sigmoid", "Tanh", "Exp", "Relu", "Abs", "Sign", "Neg"])
def test_unary_extreme_values(op, tmp_path):
    model, feeds = single_op(op, [("x", EXTREME, False)])
    check_against_ort(model, feeds, tmp_path)


def test_sqrt(rng, tmp_path):
    x = rand(rng, (3, 5), lo=0, hi=100)
    model, feeds = single_op("Sqrt", [("x", x, False)])
    check_against_ort(model, feeds, tmp_path)


def test_round_half_to_even(tmp_path):
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999, -3.7], dtype=np.float32)
    for op in ["Round", "Floor", "Ceil"]:
        model, feeds = single_op(op, [("x", x, False)])
        check_against_ort(model, feeds, tmp_path / op)


@pytest.mark.parametrize("op,dtypes", [
    ("Relu", ["float64", "int8", "int32"]),
    ("Neg", ["float64", "int8", "int16", "int32", "int64"]),
    ("Abs", ["float64", "int8", "uint8", "int32", "int64"]),
    ("Sign", ["float64", "int8", "uint8", "int32", "int64"]),
    ("Identity", ["float64", "int8", "uint8", "int64"]),
    ("Sigmoid", ["float64"]), ("Tanh", ["float64"]), ("Exp", ["float64"]),
    ("Floor", ["float64"]), ("Ceil", ["float64"]), ("Round", ["float64"]),
])
def test_unary_other_types(op, dtypes, rng, tmp_path):
    for dtype in dtypes:
        x = rand(rng, (2, 5), dtype)
        model, feeds = single_op(op, [("x", x, False)])
        check_against_ort(model, feeds, tmp_path / dtype)


@pytest.mark.parametrize("alpha", [None, 0.2, 3.0])
def test_leaky_relu(alpha, rng, tmp_path):
    attrs = {} if alpha is None else {"alpha": alpha}
    for dtype in ["float32", "float64"]:
        model, feeds = single_op("LeakyRelu", [("x", rand(rng, (2, 3, 4), dtype), False)], attrs)
        check_against_ort(model, feeds, tmp_path / dtype)


# ---------------------------------------------------------------------------- Clip

@pytest.mark.parametrize("bounds",
                         [(-1.0, 1.5), (0.0, None), (None, 2.0), (None, None), (2.0, 1.0)])
@pytest.mark.parametrize("as_initializer", [True, False])
def test_clip_inputs(bounds, as_initializer, rng, tmp_path):
    x = rand(rng, (3, 4))
    inputs = [("x", x, False)]
    for name, v in zip(["lo", "hi"], bounds):
        inputs.append(None if v is None else (name, np.array(v, dtype=np.float32), as_initializer))
    while inputs[-1] is None:
        inputs.pop()
    model, feeds = single_op("Clip", inputs)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "float64"])
def test_clip_types(dtype, rng, tmp_path):
    x = rand(rng, (20,), dtype)
    lo, hi = np.array(2, dtype=dtype), np.array(50, dtype=dtype)
    model, feeds = single_op("Clip", [("x", x, False), ("lo", lo, True), ("hi", hi, True)],
                             opset=13)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("attrs", [{"min": -0.5, "max": 0.5}, {"min": 0.0}, {}])
def test_clip_opset6_attributes(attrs, rng, tmp_path):
    model, feeds = single_op("Clip", [("x", rand(rng, (2, 5)), False)], attrs, opset=6)
    check_against_ort(model, feeds, tmp_path)


def test_clip_opset11(rng, tmp_path):
    model, feeds = single_op("Clip", [("x", rand(rng, (6,)), False),
                                      ("lo", np.array(-1, dtype=np.float32), True)], opset=11)
    check_against_ort(model, feeds, tmp_path)


# ---------------------------------------------------------------------------- Cast

CAST_VALUES = np.array([-3.7, -1.5, -0.5, 0, 0.49, 0.5, 1.5, 2.9, 100.25, 127, -128],
                       dtype=np.float32)


@pytest.mark.parametrize("to", ["int8", "uint8", "int16", "int32", "int64", "float64", "float16",
                                "bool", "float32"])
def test_cast_from_float(to, tmp_path):
    x = CAST_VALUES
    if to in ("uint8",):
        x = np.abs(x)
    model, feeds = single_op("Cast", [("x", x, False)], {"to": ONNX_TYPE[np.dtype(to)]},
                             out_type=ONNX_TYPE[np.dtype(to)])
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("src,to", [("int32", "float32"), ("int8", "int32"), ("int64", "int8"),
                                    ("uint8", "int8"), ("int32", "uint8"), ("bool", "float32"),
                                    ("int8", "bool"), ("float64", "float32"),
                                    ("float16", "float32"),
                                    ("float16", "int32"), ("int64", "float16"), ("int32", "int64")])
def test_cast_between_types(src, to, rng, tmp_path):
    if src == "bool":
        x = rng.integers(0, 2, size=(3, 4)).astype(bool)
    elif src.startswith("int") or src.startswith("uint"):
        info = np.iinfo(np.dtype(src))
        lo, hi = max(info.min, -1000), min(info.max, 1000)
        x = rng.integers(lo, hi, size=(3, 4), endpoint=True).astype(src)
    else:
        x = rng.uniform(-300, 300, size=(3, 4)).astype(src)
    model, feeds = single_op("Cast", [("x", x, False)], {"to": ONNX_TYPE[np.dtype(to)]}, opset=13,
                             out_type=ONNX_TYPE[np.dtype(to)])
    check_against_ort(model, feeds, tmp_path)


# ---------------------------------------------------------------------------- BatchNormalization

@pytest.mark.parametrize("x_shape", [(4, 3), (2, 3, 7), (2, 3, 4, 5), (1, 3, 2, 2, 2)])
@pytest.mark.parametrize("opset,epsilon", [(15, None), (14, 1e-3), (9, 0.1), (7, None)])
def test_batch_norm(x_shape, opset, epsilon, rng, tmp_path):
    c = x_shape[1]
    x = rand(rng, x_shape)
    scale, bias, mean = rand(rng, (c,)), rand(rng, (c,)), rand(rng, (c,))
    var = rng.uniform(0.01, 3, size=(c,)).astype(np.float32)
    attrs = {} if epsilon is None else {"epsilon": epsilon}
    if opset >= 14:
        attrs["training_mode"] = 0
    if opset == 9:
        attrs["momentum"] = 0.8
    model, feeds = single_op("BatchNormalization",
                             [("x", x, False), ("scale", scale, True), ("B", bias, True),
                              ("mean", mean, True), ("var", var, True)], attrs, opset=opset)
    check_against_ort(model, feeds, tmp_path)


def test_batch_norm_runtime_params_double(rng, tmp_path):
    x = rand(rng, (2, 4, 3), "float64")
    params = [rand(rng, (4,), "float64") for _ in range(3)] + [rng.uniform(0.1, 2, size=4)]
    names = ["scale", "B", "mean", "var"]
    model, feeds = single_op("BatchNormalization",
                             [("x", x, False)] + [(n, p, False) for n, p in zip(names, params)])
    check_against_ort(model, feeds, tmp_path)


# ---------------------------------------------------------------------------- Softmax

@pytest.mark.parametrize("shape,axis", [((2, 5), None), ((2, 5), 0), ((3, 4, 5), None),
                                        ((3, 4, 5), 1), ((3, 4, 5), 0), ((3, 4, 5), -2),
                                        ((2, 3, 2, 4), 2), ((7,), -1),
                                        ((1, 1000), None)])
@pytest.mark.parametrize("opset", [11, 13])
def test_softmax(shape, axis, opset, rng, tmp_path):
    x = rand(rng, shape, lo=-8, hi=8)
    attrs = {} if axis is None else {"axis": axis}
    model, feeds = single_op("Softmax", [("x", x, False)], attrs, opset=opset)
    check_against_ort(model, feeds, tmp_path)


def test_softmax_large_logits_and_double(rng, tmp_path):
    x = np.array([[1000, 1001, 1002], [-1000, 0, 1000]], dtype=np.float32)
    model, feeds = single_op("Softmax", [("x", x, False)])
    check_against_ort(model, feeds, tmp_path / "large")
    model, feeds = single_op("Softmax", [("x", rand(rng, (3, 6), "float64"), False)], {"axis": 0})
    check_against_ort(model, feeds, tmp_path / "double")


# ---------------------------------------------------------------------------- ArgMax

@pytest.mark.parametrize("axis", [0, 1, -1, 2])
@pytest.mark.parametrize("keepdims", [0, 1])
@pytest.mark.parametrize("select_last", [0, 1])
def test_argmax(axis, keepdims, select_last, rng, tmp_path):
    # Few distinct values so ties occur and select_last_index matters.
    x = rng.integers(0, 4, size=(3, 4, 5)).astype(np.float32)
    model, feeds = single_op("ArgMax", [("x", x, False)],
                             {"axis": axis, "keepdims": keepdims, "select_last_index": select_last},
                             opset=13, out_type=TensorProto.INT64)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("dtype", ["float64", "int8", "uint8", "int32", "int64"])
def test_argmax_types_and_defaults(dtype, rng, tmp_path):
    model, feeds = single_op("ArgMax", [("x", rand(rng, (6, 3), dtype), False)], opset=11,
                             out_type=TensorProto.INT64)
    check_against_ort(model, feeds, tmp_path)


# ---------------------------------------------------------------------------- chains

def test_chain_like_an_lstm_gate(rng, tmp_path):
    """Gate arithmetic as in an LSTM step: sigmoid(x*W + b) * tanh(c) + ..., batch-broadcast."""
    x = rand(rng, (3, 8))
    w = rand(rng, (8,))
    b = rand(rng, (1, 8))
    nodes = [
        helper.make_node("Mul", ["x", "w"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["pre"]),
        helper.make_node("Sigmoid", ["pre"], ["gate"]),
        helper.make_node("Tanh", ["x"], ["cand"]),
        helper.make_node("Mul", ["gate", "cand"], ["prod"]),
        helper.make_node("Sub", ["prod", "x"], ["diff"]),
        helper.make_node("Clip", ["diff", "lo", "hi"], ["y"]),
    ]
    model = make_model(
        nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, (3, 8))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, (3, 8))],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
         numpy_helper.from_array(np.array(-1, np.float32), "lo"),
         numpy_helper.from_array(np.array(1, np.float32), "hi")], name="gate_chain")
    check_against_ort(model, {"x": x}, tmp_path)
