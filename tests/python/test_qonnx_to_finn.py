"""QONNX -> FINN-ONNX conversion (fold-quant-weights, activation-to-multithreshold,
trunc-to-multithreshold, quant-act-to-multithreshold) against independent references.

- One-quantizer graphs: qonnx's own executor (qonnx.core.onnx_exec.execute_onnx) on the original
  QONNX graph versus finngl on the converted graph, on inputs placed on every quantizer level, on
  every tie (k + 0.5) * s and on their float32 neighbours: np.array_equal. qonnx also runs the
  converted graph (its MultiThreshold is an independent implementation of the thresholds).
- Brevitas networks exported with export_qonnx (an MLP with 2/4-bit per-channel weights and a CNN
  with Conv, BatchNorm, ReLU, MaxPool, Linear; QuantSigmoid / QuantTanh after a QuantIdentity):
  after `finngl opt` with the conversion passes, the output integers equal Brevitas' forward pass
  on thousands of random inputs (mismatch counts are asserted to be 0 and printed).
"""
import copy
import zlib

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import finngl_cli, make_model, run_finngl
from brevitas_models import Unwrap as ExportWrapper  # noqa: E402

QONNX = "qonnx.custom_op.general"
CONVERT = ["fold-quant-weights", "activation-to-multithreshold", "trunc-to-multithreshold",
           "quant-act-to-multithreshold"]
BREVITAS_PASSES = ["infer-types", "fold-constants", "gemm-to-matmul", "batchnorm-to-affine",
                   *CONVERT]


def f32(v):
    return np.asarray(v, dtype=np.float32)


def seeded(*params):
    return np.random.default_rng(zlib.crc32(repr(params).encode()))


def convert(model, tmp_path, passes=CONVERT):
    """Runs `finngl opt --passes ...`; returns (converted ModelProto, stdout)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    src, out = tmp_path / "qonnx.onnx", tmp_path / "finn.onnx"
    onnx.save(model, str(src))
    proc = finngl_cli("opt", src, "--passes", ",".join(passes), "-o", out)
    return onnx.load(str(out)), proc.stdout


def run_qonnx(model, feeds):
    """qonnx's executor. It runs standard nodes (Mul, Add) through onnxruntime in one-node models
    made with the installed onnx's newest IR version, which this onnxruntime does not read: those
    models are made with IR version 8 instead."""
    from qonnx.core import onnx_exec
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.infer_shapes import InferShapes
    from qonnx.util.basic import qonnx_make_model
    model = copy.deepcopy(model)
    model.ir_version = min(model.ir_version, 8)
    saved = onnx_exec.qonnx_make_model
    onnx_exec.qonnx_make_model = lambda graph, **kw: qonnx_make_model(graph, ir_version=8, **kw)
    try:
        wrapped = ModelWrapper(model).transform(InferShapes())
        return onnx_exec.execute_onnx(wrapped, dict(feeds))
    finally:
        onnx_exec.qonnx_make_model = saved


def op_types(model):
    return [n.op_type for n in model.graph.node]


def mismatches(want, got):
    want, got = np.asarray(want, dtype=np.float32), np.asarray(got, dtype=np.float32)
    assert want.shape == got.shape
    return int(np.sum(~((want == got) | (np.isnan(want) & np.isnan(got)))))


def int_range(signed, narrow, bits):
    if signed and bits == 1:
        return -1, 1
    if signed:
        return -(2 ** (bits - 1)) + narrow, 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1 - narrow


def tie_values(scale, lo, hi):
    """k * s, the ties (k + 0.5) * s (in float64 and float32) and their float32 neighbours."""
    k = np.arange(lo - 2, hi + 3, dtype=np.float64)
    s32 = np.float32(scale)
    base = np.concatenate([f32(k * scale), f32((k + 0.5) * scale),
                           (k.astype(np.float32) + np.float32(0.5)) * s32])
    vals = np.concatenate([base, np.nextafter(base, np.float32(np.inf)),
                           np.nextafter(base, np.float32(-np.inf)),
                           f32([0.0, -0.0, 1e-45, -1e-45, 3e38, -3e38])])
    return f32(vals)


def channel_input(scales, lo, hi, rng, extra=256):
    """[M, C]: column c holds channel c's tie values plus uniform values over its range."""
    cols = []
    for s in scales:
        t = tie_values(s, lo, hi)
        u = f32(rng.uniform((lo - 3) * s, (hi + 3) * s, size=extra))
        cols.append(np.concatenate([t, u]))
    m = max(len(c) for c in cols)
    return f32(np.stack([np.resize(c, m) for c in cols], axis=1))


def quant_node(x, y, prefix, signed, narrow, mode="ROUND"):
    return helper.make_node("Quant", [x, f"{prefix}_s", f"{prefix}_z", f"{prefix}_b"], [y],
                            domain=QONNX, signed=int(signed), narrow=int(narrow),
                            rounding_mode=mode)


def quant_inits(prefix, scale, bits):
    return [numpy_helper.from_array(f32(scale), f"{prefix}_s"),
            numpy_helper.from_array(f32(0), f"{prefix}_z"),
            numpy_helper.from_array(f32(bits), f"{prefix}_b")]


def one_quant_model(shape, scale, bits, signed, narrow, mode, relu, bipolar=False):
    nodes, inits = [], quant_inits("q", scale, bits)
    src = "x"
    if relu:
        nodes.append(helper.make_node("Relu", ["x"], ["r"]))
        src = "r"
    if bipolar:
        nodes.append(helper.make_node("BipolarQuant", [src, "q_s"], ["y"], domain=QONNX))
        inits = inits[:1]
    else:
        nodes.append(quant_node(src, "y", "q", signed, narrow, mode))
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)
    return make_model(nodes, [x], [y], inits, extra_opsets=[(QONNX, 1)], name="quant_act")


def check_against_qonnx(model, converted, feeds, tmp_path):
    """finngl (converted) and qonnx (converted) both equal qonnx (original), bit for bit."""
    want = run_qonnx(model, feeds)["y"]
    got = run_finngl(converted, feeds, tmp_path)["y"]
    bad = mismatches(want, got)
    assert bad == 0, f"finngl on the converted graph: {bad} of {want.size} values differ from qonnx"
    again = run_qonnx(converted, feeds)["y"]
    bad = mismatches(want, again)
    assert bad == 0, f"qonnx on the converted graph: {bad} of {want.size} values differ"


# ---------------------------------------------------------------------------- quant-act

ACT_CASES = [(b, s, n) for b in (1, 2, 3, 4, 8) for s in (0, 1) for n in (0, 1)
             if not (b == 1 and n)]


@pytest.mark.parametrize("bits,signed,narrow", ACT_CASES)
@pytest.mark.parametrize("scale_kind", ["pot", "float", "channel"])
def test_quant_act_equals_qonnx_on_ties(bits, signed, narrow, scale_kind, tmp_path):
    rng = seeded(bits, signed, narrow, scale_kind)
    channels = 3
    scales = {"pot": [0.25], "float": [0.0371], "channel": [0.1, 0.0371, 0.7]}[scale_kind]
    scale = f32(scales).reshape(1, channels) if len(scales) > 1 else f32(scales[0])
    lo, hi = int_range(signed, narrow, bits)
    x = channel_input(scales * (channels if len(scales) == 1 else 1), lo, hi, rng)
    model = one_quant_model(list(x.shape), scale, bits, signed, narrow, "ROUND", relu=False)
    converted, _ = convert(model, tmp_path / "opt", ["quant-act-to-multithreshold"])
    assert "Quant" not in op_types(converted) and "MultiThreshold" in op_types(converted)
    check_against_qonnx(model, converted, {"x": x}, tmp_path / "run")


@pytest.mark.parametrize("mode", ["ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP",
                                  "HALF_DOWN"])
@pytest.mark.parametrize("signed", [0, 1])
def test_quant_act_rounding_modes_equal_qonnx(mode, signed, tmp_path):
    rng = seeded(mode, signed)
    lo, hi = int_range(signed, 0, 4)
    x = channel_input([0.1, 0.1], lo, hi, rng)
    model = one_quant_model(list(x.shape), f32(0.1), 4, signed, 0, mode, relu=False)
    converted, _ = convert(model, tmp_path / "opt", ["quant-act-to-multithreshold"])
    assert "Quant" not in op_types(converted)
    check_against_qonnx(model, converted, {"x": x}, tmp_path / "run")


@pytest.mark.parametrize("signed", [0, 1])
def test_relu_quant_is_fused_and_equals_qonnx(signed, tmp_path):
    rng = seeded("relu", signed)
    lo, hi = int_range(signed, 0, 4)
    x = channel_input([0.3] * 2, -hi, hi, rng)
    model = one_quant_model(list(x.shape), f32(0.3), 4, signed, 0, "ROUND", relu=True)
    converted, _ = convert(model, tmp_path / "opt", ["quant-act-to-multithreshold"])
    assert op_types(converted) == ["MultiThreshold", "Mul"]
    check_against_qonnx(model, converted, {"x": x}, tmp_path / "run")


def test_bipolar_quant_equals_qonnx(tmp_path):
    x = f32(np.concatenate([tie_values(0.5, -2, 2), [-1e-45, -1e-40, 0.0, -0.0]]))[:, None]
    x = np.repeat(x, 2, axis=1)
    model = one_quant_model(list(x.shape), f32(0.5), 1, 1, 0, "ROUND", relu=False, bipolar=True)
    converted, _ = convert(model, tmp_path / "opt", ["quant-act-to-multithreshold"])
    mt = next(n for n in converted.graph.node if n.op_type == "MultiThreshold")
    attrs = {a.name: helper.get_attribute_value(a) for a in mt.attribute}
    assert attrs["out_dtype"] == b"BIPOLAR" and attrs["out_scale"] == 2.0
    check_against_qonnx(model, converted, {"x": x}, tmp_path / "run")


def test_nchw_per_channel_equals_qonnx(tmp_path):
    rng = seeded("nchw")
    scales = [0.1, 0.25, 0.0371]
    cols = channel_input(scales, -8, 7, rng)          # [M, 3]
    x = f32(cols.reshape(-1, 3, 1, 1).repeat(2, axis=2))  # [M, 3, 2, 1]
    model = one_quant_model(list(x.shape), f32(scales).reshape(1, 3, 1, 1), 4, 1, 0, "ROUND",
                            relu=False)
    converted, _ = convert(model, tmp_path / "opt", ["quant-act-to-multithreshold"])
    thresholds = next(numpy_helper.to_array(i) for i in converted.graph.initializer
                      if i.name.endswith("_thresholds"))
    assert thresholds.shape == (3, 15)
    check_against_qonnx(model, converted, {"x": x}, tmp_path / "run")


# ---------------------------------------------------------------------------- activations, Trunc

ACTIVATIONS = [
    ("Sigmoid", 8, 1, 0, 1 / 128, 8, 0, 0, 1 / 255),
    ("Sigmoid", 4, 1, 0, 0.25, 4, 0, 0, 1 / 15),
    ("Sigmoid", 6, 1, 1, 0.11, 4, 0, 1, 0.0625),
    ("Tanh", 8, 1, 0, 0.0351804, 8, 1, 1, 1 / 127),
    ("Tanh", 6, 1, 1, 0.05, 6, 1, 1, 0.03),
    ("Tanh", 4, 1, 0, 0.3, 3, 1, 0, 0.25),
]


@pytest.mark.parametrize("act,ib,isg,inr,iscale,ob,osg,onr,oscale", ACTIVATIONS)
def test_quantized_activation_equals_qonnx(act, ib, isg, inr, iscale, ob, osg, onr, oscale,
                                           tmp_path):
    rng = seeded(act, ib, iscale, ob, oscale)
    lo, hi = int_range(isg, inr, ib)
    x = channel_input([iscale] * 2, lo, hi, rng)
    nodes = [quant_node("x", "a", "qa", isg, inr), helper.make_node(act, ["a"], ["f"]),
             quant_node("f", "y", "qb", osg, onr)]
    inits = quant_inits("qa", iscale, ib) + quant_inits("qb", oscale, ob)
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(x.shape)) for n in "xy"]
    model = make_model(nodes, io[:1], io[1:], inits, extra_opsets=[(QONNX, 1)])
    converted, _ = convert(model, tmp_path / "opt")
    assert act not in op_types(converted) and "Quant" not in op_types(converted)
    assert op_types(converted).count("MultiThreshold") == 2
    check_against_qonnx(model, converted, {"x": x}, tmp_path / "run")


@pytest.mark.parametrize("version,mode", [(2, "FLOOR"), (2, "ROUND"), (1, "FLOOR"), (1, "ROUND")])
def test_trunc_equals_qonnx(version, mode, tmp_path):
    rng = seeded("trunc", version, mode)
    x = channel_input([0.125] * 2, -128, 127, rng)
    inits = quant_inits("qa", 0.125, 8) + [
        numpy_helper.from_array(f32(0.125), "s"), numpy_helper.from_array(f32(0), "z"),
        numpy_helper.from_array(f32(8), "ib"), numpy_helper.from_array(f32(4), "ob")]
    ins = ["a", "s", "z", "ib", "ob"]
    if version == 2:
        inits.append(numpy_helper.from_array(f32(2.0), "os"))
        ins = ["a", "s", "z", "ib", "os", "ob"]
    nodes = [quant_node("x", "a", "qa", 1, 0),
             helper.make_node("Trunc", ins, ["y"], domain=QONNX, rounding_mode=mode)]
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(x.shape)) for n in "xy"]
    model = make_model(nodes, io[:1], io[1:], inits, extra_opsets=[(QONNX, version)])
    converted, _ = convert(model, tmp_path / "opt")
    assert "Trunc" not in op_types(converted) and "Quant" not in op_types(converted)
    check_against_qonnx(model, converted, {"x": x}, tmp_path / "run")


def test_weight_quant_mlp_equals_qonnx(tmp_path):
    """Quant -> Transpose -> MatMul weights with power-of-two per-channel scales: every float
    operation is exact, so the converted graph equals qonnx's execution of the original exactly."""
    rng = seeded("mlp")
    x = f32(rng.uniform(-3, 3, size=(512, 6)))
    x[:64] = f32(np.round(x[:64] * 8) / 8 + 1 / 16)  # input ties
    w1 = f32(rng.uniform(-1, 1, size=(5, 6)))
    w2 = f32(rng.uniform(-1, 1, size=(5, 4)))
    inits = (quant_inits("qi", 0.125, 8) + quant_inits("qw1", f32([0.5, 0.25, 0.5, 1, 0.125])
                                                        .reshape(5, 1), 2)
             + quant_inits("qr", 0.25, 4) + quant_inits("qw2", 0.125, 4)
             + quant_inits("qo", 0.0625, 8)
             + [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"),
                numpy_helper.from_array(f32([0.25, -0.5, 0.125, 0, 1]), "b1")])
    nodes = [quant_node("x", "xq", "qi", 1, 0), quant_node("w1", "w1q", "qw1", 1, 1),
             helper.make_node("Transpose", ["w1q"], ["w1t"], perm=[1, 0]),
             helper.make_node("MatMul", ["xq", "w1t"], ["h"]),
             helper.make_node("Add", ["h", "b1"], ["hb"]), helper.make_node("Relu", ["hb"], ["r"]),
             quant_node("r", "rq", "qr", 0, 0), quant_node("w2", "w2q", "qw2", 1, 1),
             helper.make_node("MatMul", ["rq", "w2q"], ["o"]), quant_node("o", "y", "qo", 1, 0)]
    model = make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [512, 6])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, [512, 4])], inits,
                       extra_opsets=[(QONNX, 1)])
    converted, _ = convert(model, tmp_path / "opt")
    assert {"Quant", "Relu", "Transpose"}.isdisjoint(op_types(converted))
    check_against_qonnx(model, converted, {"x": x}, tmp_path / "run")


# ---------------------------------------------------------------------------- Brevitas

brevitas_nn = pytest.importorskip("brevitas.nn")
torch = pytest.importorskip("torch")
from brevitas.export import export_qonnx  # noqa: E402
from brevitas.quant import Int32Bias  # noqa: E402

N_SAMPLES = 2048


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        qnn = brevitas_nn
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.fc1 = qnn.QuantLinear(16, 32, bias=True, weight_bit_width=2,
                                   weight_scaling_per_output_channel=True)
        self.r1 = qnn.QuantReLU(bit_width=2, return_quant_tensor=True)
        self.fc2 = qnn.QuantLinear(32, 24, bias=True, weight_bit_width=4,
                                   weight_scaling_per_output_channel=True, bias_quant=Int32Bias)
        self.r2 = qnn.QuantReLU(bit_width=4, return_quant_tensor=True)
        self.fc3 = qnn.QuantLinear(24, 10, bias=False, weight_bit_width=4)
        self.out = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)

    def forward(self, x):
        x = self.r1(self.fc1(self.inp(x)))
        x = self.r2(self.fc2(x))
        return self.out(self.fc3(x))


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        qnn = brevitas_nn
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.conv = qnn.QuantConv2d(2, 8, 3, bias=True, weight_bit_width=4,
                                    weight_scaling_per_output_channel=True, bias_quant=Int32Bias)
        self.bn = torch.nn.BatchNorm2d(8)
        self.relu = qnn.QuantReLU(bit_width=4, return_quant_tensor=True)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = qnn.QuantLinear(8 * 3 * 3, 5, bias=True, weight_bit_width=4)
        self.out = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)

    def forward(self, x):
        x = self.relu(self.bn(self.conv(self.inp(x))))
        x = self.pool(x.value if hasattr(x, "value") else x)
        return self.out(self.fc(x.flatten(1)))


class QuantAct(torch.nn.Module):
    def __init__(self, act, in_bits, out_bits):
        super().__init__()
        qnn = brevitas_nn
        self.inp = qnn.QuantIdentity(bit_width=in_bits, return_quant_tensor=True)
        cls = qnn.QuantSigmoid if act == "sigmoid" else qnn.QuantTanh
        self.act = cls(bit_width=out_bits, return_quant_tensor=True)

    def forward(self, x):
        return self.act(self.inp(x))


def calibrated(net, shape, scale=1.0):
    torch.manual_seed(0)
    net.train()
    with torch.no_grad():
        for _ in range(8):
            net(torch.randn(64, *shape) * scale)
    net.eval()
    return net


def brevitas_vs_finngl(net, x, tmp_path, passes=BREVITAS_PASSES):
    """Exports `net` with export_qonnx for x's shape, converts it, runs both; returns
    (converted model, mismatching output integers, total)."""
    with torch.no_grad():
        ref = net(torch.from_numpy(x))
    scale = float(ref.scale)
    want = (ref.value / scale).numpy()
    assert np.allclose(want, np.round(want), atol=1e-3)
    path = tmp_path / "brevitas.onnx"
    export_qonnx(ExportWrapper(net), torch.from_numpy(x), str(path))
    model = onnx.load(str(path))
    converted, _ = convert(model, tmp_path / "opt", passes)
    name = converted.graph.input[0].name
    out = run_finngl(converted, {name: x}, tmp_path / "run")
    got = next(iter(out.values())) / scale
    assert got.shape == want.shape
    assert np.allclose(got, np.round(got), atol=1e-3)
    return converted, int(np.sum(np.round(got) != np.round(want))), want.size


def test_brevitas_mlp_equals_brevitas_forward(tmp_path):
    net = calibrated(Mlp(), (16,))
    x = f32(np.random.default_rng(7).standard_normal((N_SAMPLES, 16)) * 1.5)
    converted, bad, total = brevitas_vs_finngl(net, x, tmp_path)
    ops = op_types(converted)
    print(f"MLP: {bad} of {total} output integers differ from Brevitas; ops {sorted(set(ops))}")
    assert {"Quant", "Relu", "Gemm", "Transpose"}.isdisjoint(ops), ops
    assert ops.count("MultiThreshold") == 4
    assert bad == 0


def test_brevitas_cnn_equals_brevitas_forward(tmp_path):
    net = calibrated(Cnn(), (2, 8, 8))
    x = f32(np.random.default_rng(8).standard_normal((N_SAMPLES, 2, 8, 8)) * 1.5)
    converted, bad, total = brevitas_vs_finngl(net, x, tmp_path)
    ops = op_types(converted)
    print(f"CNN: {bad} of {total} output integers differ from Brevitas; ops {sorted(set(ops))}")
    assert {"Quant", "Relu", "BatchNormalization"}.isdisjoint(ops), ops
    assert ops.count("MultiThreshold") == 3
    mt = [n for n in converted.graph.node if n.op_type == "MultiThreshold"]
    layouts = [helper.get_attribute_value(a) for n in mt for a in n.attribute
               if a.name == "data_layout"]
    assert layouts == [b"NCHW", b"NCHW", b"NC"]
    assert bad == 0


@pytest.mark.parametrize("act,in_bits,out_bits", [("sigmoid", 8, 8), ("tanh", 8, 8),
                                                  ("sigmoid", 4, 6), ("tanh", 6, 4)])
def test_brevitas_sigmoid_tanh_become_thresholds(act, in_bits, out_bits, tmp_path):
    net = calibrated(QuantAct(act, in_bits, out_bits), (8,), scale=2.0)
    rng = np.random.default_rng(9)
    x = f32(rng.standard_normal((N_SAMPLES, 8)) * 3)
    in_scale = float(net.inp.act_quant.scale())
    lo, hi = int_range(1, 0, in_bits)
    ties = tie_values(in_scale, lo, hi)
    rows = min(ties.size // 8, N_SAMPLES)  # every level, tie and neighbour of the input grid
    x[:rows] = ties[: rows * 8].reshape(rows, 8)
    converted, bad, total = brevitas_vs_finngl(net, x, tmp_path)
    ops = op_types(converted)
    print(f"{act}: {bad} of {total} output integers differ from Brevitas; ops {ops}")
    assert ops.count("MultiThreshold") == 2 and act.capitalize() not in ops, ops
    assert bad == 0
