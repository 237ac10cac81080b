"""onnxruntime cross-checks of the shape / data-movement ops (src/ops/shape_ops.cc, slicing_ops.cc,
pad_op.cc) and of QuantizeLinear / DequantizeLinear (src/ops/qdq.cc): one-node models over several
shapes, element types, opsets and attribute combinations; outputs must match onnxruntime (exact for
integer outputs and for data movement)."""
import itertools

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper, shape_inference

from conftest import check_against_ort, make_model, single_op

I64 = np.int64


def data(rng, shape, dtype="float32"):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -100), min(info.max, 100), size=shape,
                            endpoint=True).astype(dtype)
    return rng.uniform(-3, 3, size=shape).astype(dtype)


def run(op, inputs, tmp_path, attrs=None, opset=17, num_outputs=1):
    model, feeds = single_op(op, inputs, attrs, opset, num_outputs)
    check_against_ort(model, feeds, tmp_path)


DTYPES = ["float32", "int8", "int64", "float16", "uint8"]


# ---------------------------------------------------------------------------- Flatten / Reshape

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4), (2, 3, 4, 5)], ids=str)
def test_flatten(shape, dtype, rng, tmp_path):
    x = data(rng, shape, dtype)
    for axis in sorted({0, 1, -1, len(shape)}):
        run("Flatten", [("x", x, False)], tmp_path / f"a{axis}", {"axis": axis}, opset=13)


@pytest.mark.parametrize("shape,target", [
    ((2, 3, 4), [4, -1]), ((2, 3, 4), [0, -1]), ((2, 3, 4), [0, 0, 2, 2]), ((6,), [2, 3]),
    ((2, 3, 4), [-1]), ((1, 6), [3, 1, 2]), ((2, 3, 4), [2, -1, 2])], ids=str)
@pytest.mark.parametrize("opset", [5, 13, 14])
def test_reshape(shape, target, opset, rng, tmp_path):
    x = data(rng, shape)
    run("Reshape", [("x", x, False), ("shape", np.array(target, I64), True)], tmp_path, opset=opset)


def test_reshape_runtime_shape_and_allowzero(rng, tmp_path):
    x = data(rng, (2, 3, 4), "int8")
    run("Reshape", [("x", x, False), ("shape", np.array([3, 8], I64), False)], tmp_path / "rt")
    z = np.zeros((0, 3), np.float32)
    run("Reshape", [("x", z, False), ("shape", np.array([3, 0], I64), True)], tmp_path / "az",
        {"allowzero": 1}, opset=14)


# ---------------------------------------------------------------------------- Transpose

@pytest.mark.parametrize("dtype", DTYPES)
def test_transpose_rank3_all_perms(dtype, rng, tmp_path):
    x = data(rng, (2, 3, 4), dtype)
    for i, perm in enumerate(itertools.permutations(range(3))):
        run("Transpose", [("x", x, False)], tmp_path / str(i), {"perm": list(perm)})
    run("Transpose", [("x", x, False)], tmp_path / "default")


@pytest.mark.parametrize("perm", [[0, 2, 3, 1], [0, 3, 1, 2], [3, 2, 1, 0], [1, 0, 2, 3]], ids=str)
def test_transpose_rank4(perm, rng, tmp_path):
    run("Transpose", [("x", data(rng, (2, 3, 4, 5)), False)], tmp_path, {"perm": perm})


# ---------------------------------------------------------------------------- Squeeze / Unsqueeze

@pytest.mark.parametrize("axes", [None, [0], [-2], [0, 2]], ids=str)
@pytest.mark.parametrize("opset", [11, 13])
def test_squeeze(axes, opset, rng, tmp_path):
    x = data(rng, (1, 3, 1, 2))
    if axes is None:
        run("Squeeze", [("x", x, False)], tmp_path, opset=opset)
    elif opset < 13:
        run("Squeeze", [("x", x, False)], tmp_path, {"axes": axes}, opset=opset)
    else:
        run("Squeeze", [("x", x, False), ("axes", np.array(axes, I64), True)], tmp_path,
            opset=opset)


@pytest.mark.parametrize("axes", [[0], [-1], [0, 3], [1, -1], [2]], ids=str)
@pytest.mark.parametrize("opset", [11, 13])
def test_unsqueeze(axes, opset, rng, tmp_path):
    x = data(rng, (2, 3), "int64")
    if opset < 13:
        run("Unsqueeze", [("x", x, False)], tmp_path, {"axes": axes}, opset=opset)
    else:
        run("Unsqueeze", [("x", x, False), ("axes", np.array(axes, I64), True)], tmp_path,
            opset=opset)


# ---------------------------------------------------------------------------- Concat

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_concat(axis, dtype, rng, tmp_path):
    shapes = []
    for k in (1, 2, 3):
        s = [2, 3, 4]
        s[axis] = k
        shapes.append(tuple(s))
    inputs = [(f"x{i}", data(rng, s, dtype), i == 1) for i, s in enumerate(shapes)]
    run("Concat", inputs, tmp_path, {"axis": axis})


# ---------------------------------------------------------------------------- Slice

def random_slice(rng, shape):
    axes = rng.choice(len(shape), size=rng.integers(1, len(shape) + 1), replace=False)
    starts, ends, steps = [], [], []
    for a in axes:
        d = shape[a]
        step = int(rng.choice([1, 1, 2, 3, -1, -2]))
        pick = lambda: int(rng.choice([rng.integers(-d - 2, d + 3), 0, -1, d,
                                       np.iinfo(np.int64).max, np.iinfo(np.int64).min]))
        starts.append(pick())
        ends.append(pick())
        steps.append(step)
    return [int(a) for a in axes], starts, ends, steps


@pytest.mark.parametrize("case", range(30))
def test_slice_random(case, rng, tmp_path):
    rng = np.random.default_rng(100 + case)
    shape = [(5,), (4, 6), (3, 4, 5), (2, 3, 4, 5)][case % 4]
    x = data(rng, shape, DTYPES[case % len(DTYPES)])
    axes, starts, ends, steps = random_slice(rng, shape)
    inputs = [("x", x, False), ("starts", np.array(starts, I64), True),
              ("ends", np.array(ends, I64), True), ("axes", np.array(axes, I64), True),
              ("steps", np.array(steps, I64), True)]
    run("Slice", inputs, tmp_path, opset=13)


def test_slice_variants(rng, tmp_path):
    x = data(rng, (4, 6))
    # int32 arguments, no axes/steps.
    run("Slice", [("x", x, False), ("s", np.array([1, -4], np.int32), True),
                  ("e", np.array([3, 100], np.int32), True)], tmp_path / "i32", opset=13)
    # Runtime (non-constant) arguments.
    run("Slice", [("x", x, False), ("s", np.array([5], I64), False),
                  ("e", np.array([0], I64), False), ("a", np.array([1], I64), False),
                  ("st", np.array([-2], I64), False)], tmp_path / "rt", opset=13)
    # Opset 9: attributes.
    run("Slice", [("x", x, False)], tmp_path / "attr",
        {"starts": [1, 2], "ends": [-1, 1000], "axes": [0, 1]}, opset=9)


# ---------------------------------------------------------------------------- Gather

@pytest.mark.parametrize("idx_dtype", ["int32", "int64"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gather(axis, idx_dtype, rng, tmp_path):
    x = data(rng, (3, 4, 5))
    d = x.shape[axis]
    for i, idx_shape in enumerate([(), (2,), (2, 3)]):
        idx = rng.integers(-d, d, size=idx_shape).astype(idx_dtype)
        run("Gather", [("x", x, False), ("i", np.asarray(idx), i == 1)], tmp_path / str(i),
            {"axis": axis})


# ---------------------------------------------------------------------------- Split

def test_split_variants(rng, tmp_path):
    x = data(rng, (4, 6, 2))
    run("Split", [("x", x, False)], tmp_path / "eq", {"axis": 1}, opset=13, num_outputs=3)
    run("Split", [("x", x, False), ("split", np.array([1, 3], I64), True)], tmp_path / "in",
        {"axis": 0}, opset=13, num_outputs=2)
    run("Split", [("x", x, False)], tmp_path / "attr", {"axis": -2, "split": [1, 2, 3]}, opset=11,
        num_outputs=3)
    run("Split", [("x", data(rng, (7, 2), "int8"), False)], tmp_path / "n18",
        {"axis": 0, "num_outputs": 3}, opset=18, num_outputs=3)
    run("Split", [("x", x, False)], tmp_path / "eq11", {"axis": 2}, opset=11, num_outputs=2)


# ---------------------------------------------------------------------------- Pad

@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("dtype", ["float32", "int8", "int64"])
def test_pad_modes(mode, dtype, rng, tmp_path):
    x = data(rng, (2, 3, 4), dtype)
    for i, pads in enumerate([[0, 1, 2, 1, 0, 1], [1, 0, 0, 0, 2, 3], [0, -1, 1, 0, 1, -2],
                              [1, 2, 3, 1, 2, 3]]):
        if mode == "reflect" and any(p >= s for p, s in zip(pads, list(x.shape) * 2)):
            continue
        inputs = [("x", x, False), ("pads", np.array(pads, I64), True)]
        if mode == "constant" and i % 2:
            inputs.append(("value", np.array(7, dtype), True))
        run("Pad", inputs, tmp_path / str(i), {"mode": mode}, opset=13)


def test_pad_opsets(rng, tmp_path):
    x = data(rng, (3, 4))
    run("Pad", [("x", x, False)], tmp_path / "v2", {"pads": [1, 0, 0, 2], "value": 1.5}, opset=2)
    run("Pad", [("x", x, False)], tmp_path / "v2e", {"pads": [1, 1, 1, 1], "mode": "edge"},
        opset=2)
    run("Pad", [("x", x, False), ("pads", np.array([2, 1], I64), True), None,
                ("axes", np.array([-1], I64), True)], tmp_path / "v18", opset=18)
    run("Pad", [("x", x, False), ("pads", np.array([1, 2, 3, 1], I64), True)], tmp_path / "wrap",
        {"mode": "wrap"}, opset=19)
    run("Pad", [("x", x, False), ("pads", np.array([0, 1, 0, 1], I64), False),
                ("v", np.array(-2.0, np.float32), False)], tmp_path / "rt", opset=11)


# ---------------------------------------------------------------------------- Shape / Constant / Expand

def test_shape(rng, tmp_path):
    x = data(rng, (2, 3, 4, 5))
    run("Shape", [("x", x, False)], tmp_path / "13", opset=13)
    for i, (start, end) in enumerate([(1, None), (-2, None), (0, -1), (2, 2), (-10, 10)]):
        attrs = {"start": start} if end is None else {"start": start, "end": end}
        run("Shape", [("x", x, False)], tmp_path / str(i), attrs, opset=15)


def test_constant(rng, tmp_path):
    # `finngl exec` needs a runtime input, so the model also returns Shape(x).
    cases = [{"value": numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3))},
             {"value": numpy_helper.from_array(np.array([1, -2], np.int8))},
             {"value_floats": [1.5, -2.0]}, {"value_int": 7}, {"value_ints": [3, 4, 5]},
             {"value_float": 0.25}]
    x = data(rng, (2, 3))
    for i, attrs in enumerate(cases):
        nodes = [helper.make_node("Constant", [], ["c"], **attrs),
                 helper.make_node("Shape", ["x"], ["s"])]
        model = make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                           [helper.make_tensor_value_info("c", TensorProto.UNDEFINED, None),
                            helper.make_tensor_value_info("s", TensorProto.INT64, [2])],
                           opset=13, name="Constant")
        inferred = shape_inference.infer_shapes(model, strict_mode=True)
        model.graph.output[0].CopyFrom(inferred.graph.output[0])
        check_against_ort(model, {"x": x}, tmp_path / str(i))


@pytest.mark.parametrize("shape,target", [((3, 1), [2, 1, 4]), ((1,), [3]), ((2, 1, 3), [2, 4, 3]),
                                          ((2, 2), [1]), ((4,), [2, 1, 4])], ids=str)
def test_expand(shape, target, rng, tmp_path):
    run("Expand", [("x", data(rng, shape, "int8"), False), ("s", np.array(target, I64), True)],
        tmp_path)


# ---------------------------------------------------------------------------- QuantizeLinear / DequantizeLinear

def quant_data(rng, shape, scale):
    """Values around the quantization grid including exact half-way points and saturation."""
    k = rng.integers(-300, 300, size=shape) / 2.0
    return (k * scale + rng.choice([0.0, 0.0, 1e-3], size=shape)).astype(np.float32)


@pytest.mark.parametrize("zp_dtype", ["int8", "uint8", None])
@pytest.mark.parametrize("opset", [10, 13, 19])
def test_quantize_linear_per_tensor(zp_dtype, opset, rng, tmp_path):
    scale = np.array(0.037, np.float32)
    x = quant_data(rng, (3, 4, 5), scale)
    inputs = [("x", x, False), ("s", scale, True)]
    if zp_dtype:
        inputs.append(("zp", np.array(3, zp_dtype), True))
    run("QuantizeLinear", inputs, tmp_path, opset=opset)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("zp_dtype", ["int8", "uint8"])
def test_quantize_linear_per_axis(axis, zp_dtype, rng, tmp_path):
    shape = (3, 4, 5)
    c = shape[axis]
    scale = rng.uniform(0.01, 0.2, size=c).astype(np.float32)
    zp = rng.integers(0, 10, size=c).astype(zp_dtype)
    x = quant_data(rng, shape, 0.05)
    run("QuantizeLinear", [("x", x, False), ("s", scale, True), ("zp", zp, True)], tmp_path,
        {"axis": axis}, opset=13)


@pytest.mark.parametrize("x_dtype", ["int8", "uint8", "int32"])
@pytest.mark.parametrize("per_axis", [False, True])
def test_dequantize_linear(x_dtype, per_axis, rng, tmp_path):
    shape = (2, 3, 4)
    info = np.iinfo(x_dtype)
    lo, hi = (max(info.min, -100000), min(info.max, 100000))
    x = rng.integers(lo, hi, size=shape, endpoint=True).astype(x_dtype)
    if per_axis:
        scale = rng.uniform(0.001, 0.5, size=3).astype(np.float32)
        zp = (np.zeros(3) if x_dtype == "int32" else rng.integers(0, 20, size=3)).astype(x_dtype)
        attrs, opset = {"axis": 1}, 13
    else:
        scale = np.array(0.0123, np.float32)
        zp = np.array(0 if x_dtype == "int32" else 5, x_dtype)
        attrs, opset = {}, 10
    run("DequantizeLinear", [("x", x, False), ("s", scale, True), ("zp", zp, True)], tmp_path,
        attrs, opset=opset)
    run("DequantizeLinear", [("x", x, False), ("s", scale, True)], tmp_path / "nozp", attrs,
        opset=opset)
