"""qonnx cross-checks of the QONNX custom ops (src/ops/qonnx.cc): Quant / IntQuant, BipolarQuant,
Trunc v1 / v2 and MultiThreshold. Randomized (seeded) one-op models run through finngl and through
qonnx's own executor (qonnx.core.onnx_exec.execute_onnx); outputs must be IDENTICAL
(np.array_equal), because finngl evaluates qonnx's numpy formulas step by step in float32."""
import copy
import zlib

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import make_model, run_finngl

QONNX = "qonnx.custom_op.general"
MODES = ["ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]


def seeded(*params):
    """A generator seeded from the test parameters, so every case is reproducible."""
    return np.random.default_rng(zlib.crc32(repr(params).encode()))


def f32(v):
    return np.asarray(v, dtype=np.float32)


def qonnx_model(nodes, feeds, inits, outputs, qonnx_opset=1, domain=QONNX, name="qonnx_test"):
    """`feeds`/`inits`: name -> array; `outputs`: name -> shape."""
    graph_inputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape)
                    for k, v in feeds.items()]
    graph_outputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, s)
                     for k, s in outputs.items()]
    initializers = [numpy_helper.from_array(v, k) for k, v in inits.items()]
    return make_model(nodes, graph_inputs, graph_outputs, initializers,
                      extra_opsets=[(domain, qonnx_opset)], name=name)


def run_qonnx(model, feeds):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    return execute_onnx(ModelWrapper(copy.deepcopy(model)), dict(feeds))


def check_identical(model, feeds, tmp_path):
    want = run_qonnx(model, feeds)
    got = run_finngl(model, feeds, tmp_path)
    for out in model.graph.output:
        w, g = np.asarray(want[out.name]), got[out.name]
        assert g.dtype == np.float32, f"{out.name}: finngl dtype {g.dtype}"
        assert g.shape == w.shape, f"{out.name}: shape {g.shape} != {w.shape}"
        w = w.astype(np.float32)
        if not np.array_equal(g, w, equal_nan=True):
            bad = np.flatnonzero(~((g == w) | (np.isnan(g) & np.isnan(w))))
            i = bad[0]
            raise AssertionError(
                f"{out.name}: {bad.size} of {g.size} values differ; first at flat index {i}: "
                f"finngl {g.flat[i]!r} vs qonnx {w.flat[i]!r}")


def quant_inputs(rng, shape, scale, zeropt, lo, hi):
    """x spanning [lo - 3, hi + 3] (in units of scale around zeropt) with a mix of exact half-way
    points, values a hair off them, and uniform values, so every rounding mode is exercised."""
    n = int(np.prod(shape))
    k = rng.integers(int(2 * (lo - 3)), int(2 * (hi + 3)) + 1, size=n) / 2.0
    kind = rng.integers(0, 3, size=n)
    u = rng.uniform(lo - 3, hi + 3, size=n)
    eps = rng.choice([-1e-4, 1e-4], size=n)
    q = np.where(kind == 0, k, np.where(kind == 1, k + eps, u)).reshape(shape)
    return f32((q - zeropt) * scale)


# ---------------------------------------------------------------------------- Quant / IntQuant

def int_range(signed, narrow, bits):
    if signed:
        return -(2 ** (bits - 1)) + narrow, 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1 - narrow


@pytest.mark.parametrize("scale_kind", ["tensor", "channel"])
@pytest.mark.parametrize("zp_kind", ["zero", "int"])
@pytest.mark.parametrize("narrow", [0, 1])
@pytest.mark.parametrize("signed", [0, 1])
@pytest.mark.parametrize("mode", MODES)
def test_quant_all_bit_widths(mode, signed, narrow, zp_kind, scale_kind, tmp_path):
    """One model with a Quant node per bit width 1..16 (each with its own input)."""
    rng = seeded("quant", mode, signed, narrow, zp_kind, scale_kind)
    shape = (2, 3, 4, 5)
    if scale_kind == "tensor":
        scale = f32(rng.uniform(0.01, 0.7))
    else:
        scale = f32(rng.uniform(0.01, 0.7, size=(1, 3, 1, 1)))
    zp = f32(0.0) if zp_kind == "zero" else f32(rng.integers(-3, 4))
    nodes, feeds, inits, outputs = [], {}, {"scale": scale, "zp": zp}, {}
    for bits in range(1, 17):
        lo, hi = int_range(signed, narrow, bits)
        feeds[f"x{bits}"] = quant_inputs(rng, shape, scale, float(zp), lo, hi)
        inits[f"bits{bits}"] = f32(bits)
        nodes.append(helper.make_node(
            "Quant", [f"x{bits}", "scale", "zp", f"bits{bits}"], [f"y{bits}"], domain=QONNX,
            name=f"quant{bits}", signed=signed, narrow=narrow, rounding_mode=mode))
        outputs[f"y{bits}"] = shape
    check_identical(qonnx_model(nodes, feeds, inits, outputs), feeds, tmp_path)


@pytest.mark.parametrize("signed,narrow", [(1, 0), (1, 1), (0, 0), (0, 1)])
@pytest.mark.parametrize("mode", ["ROUND", "FLOOR", "HALF_UP"])
def test_quant_wide_bit_widths(mode, signed, narrow, tmp_path):
    """Bit widths 17..32: the range bounds are float32 powers of two as in qonnx (2**31 - 1
    rounds to 2**31 in float32)."""
    rng = seeded("quant_wide", mode, signed, narrow)
    shape = (4, 8)
    nodes, feeds, inits, outputs = [], {}, {}, {}
    for bits in range(17, 33):
        scale = f32(1.0 if bits % 2 else rng.uniform(0.5, 2.0))
        lo, hi = int_range(signed, narrow, bits)
        feeds[f"x{bits}"] = quant_inputs(rng, shape, scale, 0.0, lo, hi)
        inits.update({f"s{bits}": scale, f"bits{bits}": f32(bits)})
        nodes.append(helper.make_node(
            "Quant", [f"x{bits}", f"s{bits}", "zp", f"bits{bits}"], [f"y{bits}"], domain=QONNX,
            name=f"quant{bits}", signed=signed, narrow=narrow, rounding_mode=mode))
        outputs[f"y{bits}"] = shape
    inits["zp"] = f32(0)
    check_identical(qonnx_model(nodes, feeds, inits, outputs), feeds, tmp_path)


@pytest.mark.parametrize("case", range(6))
def test_quant_assorted(case, tmp_path):
    """IntQuant spelling, the onnx.brevitas domain alias, per-channel zero points, int8 zero points
    (as QCDQToQuant leaves them), non-integer bit widths and lower-case rounding modes."""
    rng = seeded("quant_assorted", case)
    shape = (3, 4, 2) if case % 2 else (5, 6)
    channels = shape[1]
    scale = f32(rng.uniform(0.02, 0.3, size=(1, channels) + (1,) * (len(shape) - 2)))
    op, domain, mode = "Quant", QONNX, MODES[case % len(MODES)]
    if case == 0:
        zp = rng.integers(-4, 5, size=scale.shape).astype(np.float32)
        bits = f32(5)
    elif case == 1:
        zp = np.asarray(rng.integers(-3, 4), dtype=np.int8)
        bits = f32(6)
        op = "IntQuant"
    elif case == 2:
        zp = f32(0)
        bits = f32(3.5)
    elif case == 3:
        zp = np.asarray(rng.integers(0, 5), dtype=np.uint8)
        bits = f32(4)
        domain = "onnx.brevitas"
    elif case == 4:
        zp = f32(1)
        bits = f32(2.25)
        mode = mode.lower()
    else:
        zp = f32(0.5)  # non-integer zero points are executed like qonnx too
        bits = f32(7)
    for signed, narrow in [(1, 0), (1, 1), (0, 0), (0, 1)]:
        lo, hi = int_range(signed, narrow, float(bits))
        feeds = {"x": quant_inputs(rng, shape, scale, float(np.mean(zp)), lo, hi)}
        node = helper.make_node(op, ["x", "scale", "zp", "bits"], ["y"], domain=domain,
                                signed=signed, narrow=narrow, rounding_mode=mode)
        model = qonnx_model([node], feeds, {"scale": scale, "zp": zp, "bits": bits},
                            {"y": shape}, domain=domain)
        check_identical(model, feeds, tmp_path / f"s{signed}n{narrow}")


# ---------------------------------------------------------------------------- BipolarQuant

@pytest.mark.parametrize("shape,scale_shape", [((7,), ()), ((2, 3, 4), (1, 3, 1)),
                                               ((2, 5), (1, 5)), ((1, 4, 3, 3), (1, 4, 1, 1))])
def test_bipolar_quant(shape, scale_shape, tmp_path):
    rng = seeded("bipolar", shape)
    x = f32(rng.uniform(-2, 2, size=shape))
    x.flat[:: 3] = 0.0  # zero maps to +1
    scale = f32(rng.uniform(0.1, 2.0, size=scale_shape))
    node = helper.make_node("BipolarQuant", ["x", "scale"], ["y"], domain=QONNX)
    model = qonnx_model([node], {"x": x}, {"scale": scale}, {"y": shape})
    check_identical(model, {"x": x}, tmp_path)


# ---------------------------------------------------------------------------- Trunc

@pytest.mark.parametrize("scale_kind", ["tensor", "channel"])
@pytest.mark.parametrize("mode", MODES)
def test_trunc_v1(mode, scale_kind, tmp_path):
    rng = seeded("trunc_v1", mode, scale_kind)
    shape = (2, 4, 3, 3)
    scale = f32(rng.uniform(0.01, 0.5)) if scale_kind == "tensor" else \
        f32(rng.uniform(0.01, 0.5, size=(1, 4, 1, 1)))
    nodes, feeds, inits, outputs = [], {}, {"scale": scale}, {}
    for i, (in_bw, out_bw, zp) in enumerate([(8, 4, 0), (16, 8, 0), (12, 11, 2), (10, 3, -1),
                                              (8, 8, 0)]):
        lo, hi = int_range(1, 0, in_bw)
        feeds[f"x{i}"] = quant_inputs(rng, shape, scale, zp, lo, hi)
        inits.update({f"zp{i}": f32(zp), f"in{i}": f32(in_bw), f"out{i}": f32(out_bw)})
        nodes.append(helper.make_node(
            "Trunc", [f"x{i}", "scale", f"zp{i}", f"in{i}", f"out{i}"], [f"y{i}"], domain=QONNX,
            name=f"trunc{i}", rounding_mode=mode))
        outputs[f"y{i}"] = shape
    check_identical(qonnx_model(nodes, feeds, inits, outputs, qonnx_opset=1), feeds, tmp_path)


@pytest.mark.parametrize("narrow", [0, 1])
@pytest.mark.parametrize("signed", [0, 1])
@pytest.mark.parametrize("mode", MODES)
def test_trunc_v2(mode, signed, narrow, tmp_path):
    rng = seeded("trunc_v2", mode, signed, narrow)
    shape = (2, 3, 5)
    nodes, feeds, inits, outputs = [], {}, {}, {}
    cases = [(8, 4, "tensor", 0, True), (16, 8, "channel", 0, True), (12, 9, "tensor", 3, True),
             (8, 6, "channel", 0, False), (10, 2, "tensor", -2, False)]
    for i, (in_bw, out_bw, kind, zp, pow2) in enumerate(cases):
        scale = f32(rng.uniform(0.01, 0.5)) if kind == "tensor" else \
            f32(rng.uniform(0.01, 0.5, size=(1, 3, 1)))
        # Brevitas: out_scale = scale * 2**(in - out); otherwise a ratio qonnx rounds to a power
        # of two inside Trunc.
        factor = 2.0 ** (in_bw - out_bw) if pow2 else rng.uniform(1.5, 2.0 ** (in_bw - out_bw))
        out_scale = f32(scale * factor)
        lo, hi = int_range(signed, 0, in_bw)
        feeds[f"x{i}"] = quant_inputs(rng, shape, scale, zp, lo, hi)
        inits.update({f"s{i}": scale, f"zp{i}": f32(zp), f"in{i}": f32(in_bw),
                      f"os{i}": out_scale, f"out{i}": f32(out_bw)})
        nodes.append(helper.make_node(
            "Trunc", [f"x{i}", f"s{i}", f"zp{i}", f"in{i}", f"os{i}", f"out{i}"], [f"y{i}"],
            domain=QONNX, name=f"trunc{i}", rounding_mode=mode, signed=signed, narrow=narrow))
        outputs[f"y{i}"] = shape
    check_identical(qonnx_model(nodes, feeds, inits, outputs, qonnx_opset=2), feeds, tmp_path)


# ---------------------------------------------------------------------------- MultiThreshold

LAYOUT_SHAPES = {None: [(3, 5), (2, 4, 6), (2, 3, 4, 4)], "NCHW": [(2, 3, 4, 4)],
                 "NHWC": [(2, 4, 4, 3)], "NC": [(4, 6)], "NWC": [(2, 5, 3)], "NCW": [(2, 3, 5)]}


def channel_axis(layout, rank):
    if layout is None:
        layout = {2: "NC", 3: "NWC", 4: "NCHW"}[rank]
    return layout.index("C") if "C" in layout else 1


@pytest.mark.parametrize("out", [(1.0, 0.0), (2.0, -3.0), (0.5, -1.5), (0.1, 0.25)],
                         ids=lambda o: f"scale{o[0]}_bias{o[1]}")
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("layout", list(LAYOUT_SHAPES), ids=str)
def test_multithreshold(layout, shared, out, tmp_path):
    rng = seeded("mt", layout, shared, out)
    for i, shape in enumerate(LAYOUT_SHAPES[layout]):
        c = shape[channel_axis(layout, len(shape))]
        n = int(rng.integers(1, 16))
        thresholds = f32(np.round(rng.uniform(-2, 2, size=(1 if shared else c, n)), 2))
        v = f32(np.round(rng.uniform(-2.5, 2.5, size=shape), 2))
        # Values exactly on thresholds: the comparison is >=.
        picks = rng.choice(thresholds.ravel(), size=v.size // 3)
        v.flat[rng.choice(v.size, size=picks.size, replace=False)] = picks
        attrs = {"out_dtype": "INT8", "out_scale": out[0], "out_bias": out[1]}
        if layout is not None:
            attrs["data_layout"] = layout
        node = helper.make_node("MultiThreshold", ["v", "thresholds"], ["y"], domain=QONNX, **attrs)
        model = qonnx_model([node], {"v": v}, {"thresholds": thresholds}, {"y": shape})
        check_identical(model, {"v": v}, tmp_path / str(i))


def test_multithreshold_runtime_thresholds(tmp_path):
    rng = seeded("mt_runtime")
    v = f32(rng.uniform(-1, 1, size=(2, 3, 4)))
    t = f32(rng.uniform(-1, 1, size=(3, 7)))
    node = helper.make_node("MultiThreshold", ["v", "t"], ["y"], domain=QONNX, out_dtype="UINT3",
                            data_layout="NCW")
    model = qonnx_model([node], {"v": v, "t": t}, {}, {"y": v.shape})
    check_identical(model, {"v": v, "t": t}, tmp_path)
