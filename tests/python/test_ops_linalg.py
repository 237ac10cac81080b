"""onnxruntime cross-checks of the linear-algebra and pooling op families (src/ops/linalg.cc,
conv.cc, pool.cc): MatMul, Gemm, Conv, MaxPool, AveragePool and GlobalAveragePool as one-node
models over many shapes, element types and attribute combinations, finngl vs onnxruntime
(rtol 1e-5 / atol 1e-6, exact for integer outputs). Integer-typed (finn_datatype-annotated) inputs
are also checked for exactness against numpy int64 arithmetic where float32 accumulation, and so
onnxruntime, would round."""
import itertools

import numpy as np
import pytest

from conftest import assert_outputs_match, check_against_ort, run_finngl, run_ort, single_op

def rand(rng, shape, dtype="float32", k=1):
    """Random values; float operands of a k-term dot product are scaled by 1/sqrt(k) so that sums
    stay near 1 and float32 rounding-order differences (Eigen vs MLAS) stay below atol."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -50), min(info.max, 50), size=shape,
                            endpoint=True).astype(dtype)
    return np.asarray(rng.uniform(-1.0, 1.0, size=shape) / np.sqrt(k)).astype(dtype)


def ints_as_float(rng, shape, lo, hi):
    return rng.integers(lo, hi, size=shape, endpoint=True).astype(np.float32)


# ---------------------------------------------------------------------------- MatMul

MATMUL_SHAPES = [
    ((1, 320), (320, 256)), ((5, 7), (7, 3)), ((7,), (7, 4)), ((4, 7), (7,)), ((7,), (7,)),
    ((2, 3, 4, 5), (5, 6)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (3, 4, 2)), ((3, 2, 4), (4,)),
    ((1, 3, 4), (2, 1, 4, 5)), ((2, 3, 4), (2, 4, 5)), ((3, 4), (1, 1, 4, 2)), ((1, 64), (64, 1)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("b_init", [False, True], ids=["B_input", "B_init"])
def test_matmul_float(shapes, b_init, rng, tmp_path):
    k = shapes[0][-1]
    a, b = rand(rng, shapes[0], k=k), rand(rng, shapes[1], k=k)
    model, feeds = single_op("MatMul", [("a", a, False), ("b", b, b_init)])
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("dtype", ["float64", "int32", "int64", "uint32", "uint64"])
@pytest.mark.parametrize("shapes", [((3, 5), (5, 4)), ((2, 3, 5), (5,)), ((5,), (2, 5, 3))],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_matmul_other_types(dtype, shapes, rng, tmp_path):
    a, b = rand(rng, shapes[0], dtype), rand(rng, shapes[1], dtype)
    if np.dtype(dtype).kind == "u":
        a, b = np.abs(a.astype(np.int64)).astype(dtype), np.abs(b.astype(np.int64)).astype(dtype)
    model, feeds = single_op("MatMul", [("a", a, False), ("b", b, True)])
    check_against_ort(model, feeds, tmp_path)


def test_matmul_int32_wraps_like_onnxruntime(rng, tmp_path):
    a = rng.integers(1 << 19, 1 << 20, size=(2, 64)).astype(np.int32)
    b = rng.integers(1 << 19, 1 << 20, size=(64, 3)).astype(np.int32)
    model, feeds = single_op("MatMul", [("a", a, False), ("b", b, False)])
    check_against_ort(model, feeds, tmp_path)


def test_matmul_integer_typed_small_values_match_ort(rng, tmp_path):
    # INT4 values with K = 320: float32 sums are exact, so onnxruntime agrees bit for bit.
    a, w = ints_as_float(rng, (3, 320), -8, 7), ints_as_float(rng, (320, 256), -8, 7)
    model, feeds = single_op("MatMul", [("a", a, False), ("w", w, True)],
                             datatypes={"a": "INT4", "w": "INT4"})
    assert_outputs_match(run_ort(model, feeds), run_finngl(model, feeds, tmp_path), 0, 0)


def test_matmul_integer_typed_is_exact_beyond_float32(rng, tmp_path):
    # INT16 values, K = 4096: exact sums exceed 2^24; finngl rounds the exact int64 sum once.
    a, w = ints_as_float(rng, (2, 4096), 20000, 32767), ints_as_float(rng, (4096, 3), 20000, 32767)
    model, feeds = single_op("MatMul", [("a", a, False), ("w", w, True)],
                             datatypes={"a": "INT16", "w": "INT16"})
    exact = a.astype(np.int64) @ w.astype(np.int64)
    got = run_finngl(model, feeds, tmp_path)["y"]
    np.testing.assert_array_equal(got, exact.astype(np.float32))
    assert not np.array_equal(run_ort(model, feeds)["y"], exact.astype(np.float32)), \
        "onnxruntime's float32 accumulation was expected to round here"


# ---------------------------------------------------------------------------- Gemm

@pytest.mark.parametrize("trans_a,trans_b", list(itertools.product([0, 1], repeat=2)))
@pytest.mark.parametrize("c_shape", [None, (), (1,), (3,), (1, 3), (4, 1), (4, 3)],
                         ids=lambda s: "noC" if s is None else f"C{s}")
@pytest.mark.parametrize("alpha,beta", [(None, None), (0.5, -2.0)])
def test_gemm(trans_a, trans_b, c_shape, alpha, beta, rng, tmp_path):
    m, k, n = 4, 6, 3
    a = rand(rng, (k, m) if trans_a else (m, k))
    b = rand(rng, (n, k) if trans_b else (k, n))
    inputs = [("a", a, False), ("b", b, True)]
    if c_shape is not None:
        inputs.append(("c", rand(rng, c_shape), False))
    attrs = {"transA": trans_a, "transB": trans_b}
    if alpha is not None:
        attrs.update(alpha=alpha, beta=beta)
    model, feeds = single_op("Gemm", inputs, attrs)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("opset", [9, 11, 13])
def test_gemm_opsets_and_double(opset, rng, tmp_path):
    a, b, c = rand(rng, (2, 5), "float64"), rand(rng, (5, 3), "float64"), rand(rng, (3,), "float64")
    model, feeds = single_op("Gemm", [("a", a, False), ("b", b, False), ("c", c, True)],
                             {"beta": 0.25}, opset=opset)
    check_against_ort(model, feeds, tmp_path)


def test_gemm_integer_typed_is_exact(rng, tmp_path):
    a = ints_as_float(rng, (2, 2048), 100000, 131071)
    b = ints_as_float(rng, (3, 2048), 100000, 131071)
    c = ints_as_float(rng, (3,), -1000, 1000)
    model, feeds = single_op("Gemm", [("a", a, False), ("b", b, True), ("c", c, True)],
                             {"transB": 1, "beta": 2.0},
                             datatypes={"a": "INT18", "b": "INT18", "c": "INT11"})
    exact = a.astype(np.int64) @ b.astype(np.int64).T + 2 * c.astype(np.int64)
    np.testing.assert_array_equal(run_finngl(model, feeds, tmp_path)["y"], exact.astype(np.float32))


# ---------------------------------------------------------------------------- Conv

def conv_cases():
    cases = []
    # 2-D sweep: strides x dilations x pads x (group, out channels) x bias.
    for strides, dilations, pads, (group, m), bias in itertools.product(
            [None, [2, 1], [2, 3]], [None, [2, 1]], [None, [1, 0, 2, 1]],
            [(1, 3), (2, 4), (4, 4), (4, 8)], [False, True]):
        cases.append(dict(x=(2, 4, 7, 6), k=(3, 2), strides=strides, dilations=dilations,
                          pads=pads, group=group, m=m, bias=bias))
    # auto_pad (onnxruntime rejects dilations with SAME_*).
    for auto_pad, strides in itertools.product(["SAME_UPPER", "SAME_LOWER", "VALID"],
                                               [[1, 1], [2, 2], [3, 1], [4, 4]]):
        cases.append(dict(x=(1, 2, 7, 5), k=(3, 2), strides=strides, auto_pad=auto_pad, m=3,
                          bias=True))
        if auto_pad == "VALID" or strides[0] <= 3:  # see test_conv_same_with_negative_padding
            cases.append(dict(x=(1, 2, 8, 5), k=(1, 1), strides=strides, auto_pad=auto_pad, m=2))
    for auto_pad in ["SAME_UPPER", "SAME_LOWER"]:
        cases.append(dict(x=(2, 3, 9), k=(4,), strides=[2], auto_pad=auto_pad, m=2, bias=True))
    cases.append(dict(x=(2, 4, 6, 5), k=(3, 3), dilations=[1, 2], auto_pad="VALID", m=2, group=2))
    # 1-D, 3-D, pointwise, depthwise and the benchmark's conv shapes.
    cases.append(dict(x=(1, 3, 10), k=(3,), strides=[2], dilations=[2], pads=[2, 1], m=4,
                      bias=True))
    cases.append(dict(x=(1, 3, 10), k=(1,), group=3, m=6))
    cases.append(dict(x=(2, 4, 5, 4, 3), k=(2, 3, 2), strides=[1, 2, 1],
                      pads=[1, 1, 0, 0, 1, 1], group=2, m=2, bias=True))
    cases.append(dict(x=(1, 2, 4, 5, 6), k=(3, 1, 2), strides=[2, 1, 3], auto_pad="SAME_UPPER",
                      m=3))
    cases.append(dict(x=(2, 5, 4, 3), k=(1, 1), m=3, bias=True))
    cases.append(dict(x=(1, 6, 8, 8), k=(3, 3), pads=[1, 1, 1, 1], group=6, m=6, bias=True))
    cases.append(dict(x=(1, 32, 100, 20), k=(4, 1), m=32, bias=True))
    cases.append(dict(x=(1, 16, 100, 40), k=(1, 2), strides=[1, 2], m=16, bias=True))
    return cases


def case_id(c):
    return "-".join(f"{k}{v}" for k, v in c.items() if v is not None and k != "x") + f"-x{c['x']}"


@pytest.mark.parametrize("case", conv_cases(), ids=case_id)
def test_conv(case, rng, tmp_path):
    group = case.get("group", 1)
    k = case["x"][1] // group * int(np.prod(case["k"]))
    x = rand(rng, case["x"], k=k)
    w = rand(rng, (case["m"], case["x"][1] // group) + tuple(case["k"]), k=k)
    inputs = [("x", x, False), ("w", w, True)]
    if case.get("bias"):
        inputs.append(("b", rand(rng, (case["m"],)), True))
    attrs = {"kernel_shape": list(case["k"])}
    for key in ["strides", "dilations", "pads", "auto_pad"]:
        if case.get(key) is not None:
            attrs[key] = case[key]
    if group != 1:
        attrs["group"] = group
    model, feeds = single_op("Conv", inputs, attrs, opset=11)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER"])
@pytest.mark.parametrize("length", [7, 8])
def test_conv_same_with_negative_padding(auto_pad, length, tmp_path):
    # Stride 4 > kernel 1: the SAME padding formula goes negative. finngl clamps it to 0 like the
    # ONNX reference implementation; onnxruntime shifts the windows for some lengths (length 8,
    # SAME_UPPER reads [1, 5]), so the oracle here is onnx.reference.
    from onnx.reference import ReferenceEvaluator
    x = np.arange(length, dtype=np.float32).reshape(1, 1, length)
    model, feeds = single_op("Conv", [("x", x, False), ("w", np.ones((1, 1, 1), np.float32), True)],
                             {"auto_pad": auto_pad, "strides": [4]})
    want = ReferenceEvaluator(model).run(None, feeds)[0]
    np.testing.assert_array_equal(want, [[[0, 4]]])
    np.testing.assert_array_equal(run_finngl(model, feeds, tmp_path)["y"], want)


def test_conv_runtime_weights(rng, tmp_path):
    x, w, b = rand(rng, (2, 3, 6, 6)), rand(rng, (4, 3, 3, 3)), rand(rng, (4,))
    model, feeds = single_op("Conv", [("x", x, False), ("w", w, False), ("b", b, False)],
                             {"strides": [2, 2], "pads": [1, 1, 1, 1]})
    check_against_ort(model, feeds, tmp_path)


def test_conv_integer_typed_is_exact(rng, tmp_path):
    # 256 channels x 3x3 taps of INT8 values near 127: sums near 3.7e7 exceed 2^24.
    x = ints_as_float(rng, (1, 256, 4, 4), 100, 127)
    w = ints_as_float(rng, (2, 256, 3, 3), 100, 127)
    model, feeds = single_op("Conv", [("x", x, False), ("w", w, True)],
                             datatypes={"x": "INT8", "w": "INT8"})
    xi, wi = x.astype(np.int64), w.astype(np.int64)
    exact = np.zeros((1, 2, 2, 2), dtype=np.int64)
    for oc in range(2):
        for i in range(2):
            for j in range(2):
                exact[0, oc, i, j] = np.sum(xi[0, :, i:i + 3, j:j + 3] * wi[oc])
    np.testing.assert_array_equal(run_finngl(model, feeds, tmp_path)["y"], exact.astype(np.float32))


# ---------------------------------------------------------------------------- pools

def pool_cases():
    cases = []
    for k, strides, pads, ceil in itertools.product([(2, 2), (3, 2)], [None, [2, 2], [3, 1]],
                                                    [None, [1, 0, 1, 1]], [0, 1]):
        cases.append(dict(x=(2, 3, 7, 6), k=k, strides=strides, pads=pads, ceil_mode=ceil))
    for auto_pad in ["SAME_UPPER", "SAME_LOWER", "VALID"]:
        cases.append(dict(x=(1, 2, 7, 5), k=(3, 2), strides=[2, 2], auto_pad=auto_pad))
        cases.append(dict(x=(1, 2, 8), k=(3,), strides=[3], auto_pad=auto_pad, ceil_mode=1))
        cases.append(dict(x=(1, 2, 9, 6), k=(2, 2), auto_pad=auto_pad))
    cases.append(dict(x=(1, 2, 9, 8), k=(2, 3), strides=[2, 1], dilations=[2, 2],
                      pads=[1, 1, 1, 0], ceil_mode=1))
    cases.append(dict(x=(1, 1, 6), k=(2,), dilations=[2], pads=[1, 1]))
    cases.append(dict(x=(1, 1, 6), k=(2,), strides=[2], dilations=[2], pads=[1, 1], ceil_mode=1))
    cases.append(dict(x=(2, 2, 4, 5, 6), k=(2, 2, 3), strides=[2, 1, 2], pads=[1, 0, 1, 0, 1, 1],
                      ceil_mode=1))
    cases.append(dict(x=(1, 1, 7), k=(2,), strides=[2], pads=[1, 1], ceil_mode=1))
    cases.append(dict(x=(1, 8, 100, 20), k=(2, 1), strides=[2, 1]))
    return cases


def pool_attrs(case):
    attrs = {"kernel_shape": list(case["k"])}
    for key in ["strides", "dilations", "pads", "auto_pad", "ceil_mode"]:
        if case.get(key) is not None:
            attrs[key] = case[key]
    return attrs


@pytest.mark.parametrize("case", pool_cases(), ids=case_id)
def test_maxpool(case, rng, tmp_path):
    x = rand(rng, case["x"])
    model, feeds = single_op("MaxPool", [("x", x, False)], pool_attrs(case), opset=12)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("case", pool_cases()[:8] + pool_cases()[-6:-1], ids=case_id)
def test_maxpool_indices(case, rng, tmp_path):
    x = rand(rng, case["x"])
    model, feeds = single_op("MaxPool", [("x", x, False)], pool_attrs(case), opset=12,
                             num_outputs=2)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "float64"])
def test_maxpool_types(dtype, rng, tmp_path):
    x = rand(rng, (2, 3, 7, 6), dtype)
    model, feeds = single_op("MaxPool", [("x", x, False)],
                             {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 0, 1, 1]},
                             opset=12)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("case", pool_cases(), ids=case_id)
@pytest.mark.parametrize("count_include_pad", [0, 1])
def test_averagepool(case, count_include_pad, rng, tmp_path):
    x = rand(rng, case["x"])
    attrs = pool_attrs(case)
    attrs["count_include_pad"] = count_include_pad
    # Dilations on AveragePool need opset 19.
    model, feeds = single_op("AveragePool", [("x", x, False)], attrs,
                             opset=19 if "dilations" in attrs else 11)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 4, 6, 7), (2, 2, 3, 4, 5), (1, 8, 100, 20)])
def test_global_average_pool(shape, rng, tmp_path):
    x = rand(rng, shape)
    model, feeds = single_op("GlobalAveragePool", [("x", x, False)])
    check_against_ort(model, feeds, tmp_path)
