"""finngl's qcdq-to-quant pass against independent references.

1. Small QCDQ graphs (QuantizeLinear -> [Clip] -> DequantizeLinear) over bit widths 2..8,
   signed/unsigned, narrow/not, per tensor and per channel: the converted model executed by finngl
   equals onnxruntime on the original bit for bit (np.array_equal), on inputs that include every
   quantization step, the midpoints between steps (ties) and their float32 neighbours; qonnx's own
   executor on the converted model agrees too; and the Quant carries the expected bit width,
   signedness and narrow flag.
2. Brevitas `export_onnx_qcdq` exports (QuantIdentity, QuantLinear with 2/4/8-bit weights and
   Int32Bias, QuantConv2d, QuantReLU with 4- and 6-bit activations): after
   `finngl opt --passes qcdq-to-quant` no QCDQ node is left, every quantizer became a Quant with
   the quantizer's true bit width, and finngl's output integers equal Brevitas' forward pass.
3. The Scan QCDQ LSTM models of the repository: the quantizers inside the Scan body are converted
   and the model's outputs are identical before and after.
"""
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ROOT, finngl_cli, make_model, run_finngl, run_ort
from brevitas_models import Unwrap as ExportWrapper  # noqa: E402

sys.path.insert(0, str(ROOT / "python"))

QONNX_DOMAIN = "qonnx.custom_op.general"


def convert(model, tmp_path, name="converted.onnx"):
    """Runs `finngl opt --passes qcdq-to-quant`; returns (converted model, stderr)."""
    src = tmp_path / "original.onnx"
    onnx.save(model, str(src))
    out = tmp_path / name
    proc = finngl_cli("opt", src, "--passes", "qcdq-to-quant", "-o", out)
    return onnx.load(str(out)), proc.stderr


def all_nodes(graph):
    """Nodes of a graph and of its subgraphs (Scan bodies), recursively."""
    for n in graph.node:
        yield n
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from all_nodes(a.g)


def constants(graph, outer=None):
    """Initializer values by name, including those of enclosing graphs."""
    values = dict(outer or {})
    values.update({t.name: numpy_helper.to_array(t) for t in graph.initializer})
    return values


def quant_nodes(graph, outer=None):
    """(node, bit width, signed, narrow, scale) for every Quant in graph and subgraphs."""
    values = constants(graph, outer)
    found = []
    for n in graph.node:
        if n.op_type == "Quant":
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            found.append((n, float(values[n.input[3]]), attrs["signed"], attrs["narrow"],
                          values[n.input[1]]))
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                found += quant_nodes(a.g, values)
    return found


def qcdq_ops(graph):
    return [n.op_type for n in all_nodes(graph) if n.op_type in ("QuantizeLinear", "DequantizeLinear")]


# ------------------------------------------------------------------------------- 1. small graphs

def int_range(bits, signed, narrow):
    if signed:
        return -(2 ** (bits - 1)) + int(narrow), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1 - int(narrow)


def probe_values(scale, lo, hi, rng, n_random=200):
    """Every step k*s, every midpoint (k+0.5)*s, their float32 neighbours, out-of-range and random
    values, for one channel of scale `scale`."""
    ks = np.arange(lo - 3, hi + 4, dtype=np.float64)
    exact = np.concatenate([ks * scale, (ks + 0.5) * scale]).astype(np.float32)
    v = np.concatenate([exact, np.nextafter(exact, np.float32(np.inf)),
                        np.nextafter(exact, np.float32(-np.inf)),
                        np.array([0.0, -0.0, 1e30, -1e30, np.inf, -np.inf], np.float32),
                        (rng.standard_normal(n_random) * (hi - lo) * scale).astype(np.float32)])
    return v.astype(np.float32)


def qcdq_model(bits, signed, narrow, scales, axis=1, n=None):
    """x [4, C, N] -> Q -> [Clip] -> DQ, with Brevitas' Clip rule (narrow or bits != 8)."""
    c = len(scales)
    zp_np = np.int8 if signed else np.uint8
    per_channel = c > 1
    scale = np.array(scales, np.float32) if per_channel else np.float32(scales[0])
    zp = np.zeros(c, zp_np) if per_channel else zp_np(0)
    inits = [numpy_helper.from_array(np.asarray(scale), "s"), numpy_helper.from_array(np.asarray(zp), "zp")]
    attrs = {"axis": axis} if per_channel else {}
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"], name="q", **attrs)]
    dq_in = "q"
    if narrow or bits != 8:
        lo, hi = int_range(bits, signed, narrow)
        inits += [numpy_helper.from_array(np.asarray(zp_np(lo)), "lo"),
                  numpy_helper.from_array(np.asarray(zp_np(hi)), "hi")]
        nodes.append(helper.make_node("Clip", ["q", "lo", "hi"], ["c"], name="clip"))
        dq_in = "c"
    nodes.append(helper.make_node("DequantizeLinear", [dq_in, "s", "zp"], ["y"], name="dq", **attrs))
    return make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, c, n])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, c, n])], inits,
                      opset=13)


def probe_input(bits, signed, narrow, scales, rng):
    lo, hi = int_range(bits, signed, narrow)
    per_channel = [probe_values(s, lo, hi, rng) for s in scales]
    n = max(len(p) for p in per_channel)
    x = np.zeros((4, len(scales), n), np.float32)
    for ch, p in enumerate(per_channel):
        for b in range(4):
            x[b, ch] = np.resize(rng.permutation(p), n)
    return x


CASES = [(b, s, nw) for b in range(2, 9) for s in (True, False) for nw in (False, True)]


@pytest.mark.parametrize("per_channel", [False, True], ids=["per_tensor", "per_channel"])
@pytest.mark.parametrize("bits,signed,narrow", CASES,
                         ids=[f"{'int' if s else 'uint'}{b}{'n' if nw else ''}" for b, s, nw in CASES])
def test_small_qcdq_is_bit_exact(bits, signed, narrow, per_channel, tmp_path, rng):
    scales = [0.0371, 0.5, 1.0 / 3.0] if per_channel else [0.0371]
    model = qcdq_model(bits, signed, narrow, scales)
    x = probe_input(bits, signed, narrow, scales, rng)
    want = run_ort(model, {"x": x})["y"]
    converted, stderr = convert(model, tmp_path)
    assert "warning" not in stderr, stderr
    assert qcdq_ops(converted.graph) == []
    quants = quant_nodes(converted.graph)
    assert len(quants) == 1
    _, got_bits, got_signed, got_narrow, scale = quants[0]
    assert (got_bits, got_signed, got_narrow) == (bits, int(signed), int(narrow))
    if per_channel:
        assert scale.shape == (1, 3, 1)
    got = run_finngl(converted, {"x": x}, tmp_path / "run")["y"]
    mismatches = int(np.sum(~((got == want) | (np.isnan(got) & np.isnan(want)))))
    assert mismatches == 0, f"{mismatches} of {want.size} values differ from onnxruntime"
    assert np.array_equal(got, want)


@pytest.mark.parametrize("bits,signed,narrow", [(4, True, True), (8, False, False), (3, False, True)])
def test_qonnx_executor_agrees_on_the_converted_model(bits, signed, narrow, tmp_path, rng):
    """qonnx's own Quant implementation on finngl's converted model == onnxruntime on the original."""
    qonnx_exec = pytest.importorskip("qonnx.core.onnx_exec")
    from qonnx.core.modelwrapper import ModelWrapper
    scales = [0.0371]
    x = probe_input(bits, signed, narrow, scales, rng)
    model = qcdq_model(bits, signed, narrow, scales, n=x.shape[2])  # qonnx wants static shapes
    want = run_ort(model, {"x": x})["y"]
    converted, _ = convert(model, tmp_path)
    got = qonnx_exec.execute_onnx(ModelWrapper(converted), {"x": x})["y"]
    assert np.array_equal(got, want), f"{int(np.sum(got != want))} values differ"


def test_chains_quant_cannot_express_stay_with_warnings(tmp_path):
    model = qcdq_model(4, True, False, [0.1])
    # Clip [-5, 5]: no bit width has this range.
    for init in model.graph.initializer:
        if init.name in ("lo", "hi"):
            init.CopyFrom(numpy_helper.from_array(np.asarray(np.int8(-5 if init.name == "lo" else 5)), init.name))
    converted, stderr = convert(model, tmp_path)
    assert "warning: qcdq-to-quant: node 'dq' (DequantizeLinear) left unchanged" in stderr
    assert "[-5, 5]" in stderr
    assert qcdq_ops(converted.graph) == ["QuantizeLinear", "DequantizeLinear"]


# ------------------------------------------------------------------------------- 2. Brevitas

brevitas_nn = pytest.importorskip("brevitas.nn")
import torch  # noqa: E402
from brevitas.export import export_onnx_qcdq  # noqa: E402
from brevitas.quant import Int8WeightPerChannelFloat, Int32Bias  # noqa: E402


class Mlp(torch.nn.Module):
    def __init__(self, weight_bits, act_bits):
        super().__init__()
        qnn = brevitas_nn
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.fc = qnn.QuantLinear(12, 10, bias=True, weight_bit_width=weight_bits, bias_quant=Int32Bias,
                                  return_quant_tensor=True)
        self.relu = qnn.QuantReLU(bit_width=act_bits, return_quant_tensor=True)
        self.fc2 = qnn.QuantLinear(10, 4, bias=True, weight_bit_width=weight_bits, bias_quant=Int32Bias,
                                   return_quant_tensor=True)
        self.out = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)

    def forward(self, x):
        return self.out(self.fc2(self.relu(self.fc(self.inp(x)))))


class Cnn(torch.nn.Module):
    def __init__(self, weight_bits, act_bits, per_channel):
        super().__init__()
        qnn = brevitas_nn
        wq = {"weight_quant": Int8WeightPerChannelFloat} if per_channel else {}
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.conv = qnn.QuantConv2d(2, 5, 3, bias=True, weight_bit_width=weight_bits, bias_quant=Int32Bias,
                                    return_quant_tensor=True, **wq)
        self.relu = qnn.QuantReLU(bit_width=act_bits, return_quant_tensor=True)
        self.out = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)

    def forward(self, x):
        return self.out(self.relu(self.conv(self.inp(x))))


def calibrated(net, shape):
    torch.manual_seed(0)
    net.train()
    with torch.no_grad():
        for _ in range(6):
            net(torch.randn(16, *shape) * 2)
    return net.eval()


def expected_quantizers(net):
    """(bit width, signed, narrow) of every quantizer of the network, as Brevitas reports them."""
    want = []
    for m in net.modules():
        if isinstance(m, brevitas_nn.QuantIdentity) or isinstance(m, brevitas_nn.QuantReLU):
            q = m.act_quant
            want.append((float(q.bit_width()), int(q.is_signed), int(q.is_narrow_range)))
        elif isinstance(m, (brevitas_nn.QuantLinear, brevitas_nn.QuantConv2d)):
            q = m.weight_quant
            want.append((float(q.bit_width()), int(q.is_signed), int(q.is_narrow_range)))
            want.append((32.0, 1, 0))  # Int32Bias
    return sorted(want)


MODELS = {
    **{f"mlp_w{w}_a{a}": (lambda w=w, a=a: Mlp(w, a), (12,)) for w in (2, 4, 8) for a in (4, 6)},
    "cnn_w4_a6": (lambda: Cnn(4, 6, False), (2, 6, 6)),
    "cnn_w8_a4_per_channel": (lambda: Cnn(8, 4, True), (2, 6, 6)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_brevitas_qcdq_export_converts_exactly(name, tmp_path):
    factory, shape = MODELS[name]
    net = calibrated(factory(), shape)  # a fresh module per export: export leaves export mode on
    x = torch.randn(32, *shape, generator=torch.Generator().manual_seed(1)) * 1.5
    with torch.no_grad():
        ref = net(x)
    scale = float(ref.scale)
    want = np.round((ref.value / scale).numpy())
    quantizers = expected_quantizers(net)
    path = tmp_path / "qcdq.onnx"
    export_onnx_qcdq(ExportWrapper(net), x, str(path), dynamo=False)
    original = onnx.load(str(path))
    converted, stderr = convert(original, tmp_path)
    assert "warning" not in stderr, stderr
    assert qcdq_ops(converted.graph) == [], "QCDQ nodes left"
    got_quantizers = sorted((b, s, n) for _, b, s, n, _ in quant_nodes(converted.graph))
    assert got_quantizers == quantizers
    name_in = converted.graph.input[0].name
    out = next(iter(run_finngl(converted, {name_in: x.numpy()}, tmp_path / "run").values()))
    got = out / scale
    assert np.allclose(got, np.round(got), atol=1e-3), "finngl output is not on the integer grid"
    mismatches = int(np.sum(np.round(got) != want))
    assert mismatches == 0, f"{mismatches} of {want.size} output integers differ from Brevitas"
    # The converted model computes exactly what the QCDQ model computes.
    before = next(iter(run_finngl(original, {name_in: x.numpy()}, tmp_path / "before").values()))
    assert np.array_equal(before, out)


# ------------------------------------------------------------------------------- 3. Scan LSTMs

def assert_same_outputs_and_converted_body(model, inputs, tmp_path):
    converted, stderr = convert(model, tmp_path)
    assert "warning" not in stderr, stderr
    assert qcdq_ops(converted.graph) == []
    scans = [n for n in converted.graph.node if n.op_type == "Scan"]
    assert scans
    body = next(a.g for a in scans[0].attribute if a.name == "body")
    body_quants = [n for n in body.node if n.op_type == "Quant"]
    assert body_quants, "no Quant inside the Scan body"
    before = run_finngl(model, inputs, tmp_path / "before")
    after = run_finngl(converted, inputs, tmp_path / "after")
    for name, want in before.items():
        assert np.array_equal(after[name], want), f"{name}: {int(np.sum(after[name] != want))} differ"
    return converted


def test_convlstm_qcdq_model(tmp_path):
    from finngl import onnx_models
    shape = onnx_models.ConvLstmShape(channels=4, hidden=8, dense=8)
    model = onnx_models.convlstm_qcdq(shape, seed=3)
    x = np.random.default_rng(3).standard_normal((3, 1, shape.window, shape.features)).astype(np.float32)
    converted = assert_same_outputs_and_converted_body(model, {"lob_window": x}, tmp_path)
    # the 6-bit quantizers of the LSTM cell keep their bit widths
    bits = {b for _, b, _, _, _ in quant_nodes(converted.graph)}
    assert {6.0, 8.0} <= bits


def test_shipped_example_model(tmp_path):
    path = ROOT / "examples" / "convlstm_qcdq" / "model.onnx"
    model = onnx.load(str(path))
    x = np.load(ROOT / "examples" / "convlstm_qcdq" / "input.npy")[:2]
    assert_same_outputs_and_converted_body(model, {model.graph.input[0].name: x}, tmp_path)


def test_brevitas_quant_lstm_scan_export_has_no_qcdq(tmp_path):
    """finngl.export.lstm_scan emits Quant nodes already (QONNX): the pass changes nothing."""
    from finngl.export import quant_lstm_to_onnx
    torch.manual_seed(5)
    lstm = brevitas_nn.QuantLSTM(6, 5)
    model = quant_lstm_to_onnx(lstm)
    assert qcdq_ops(model.graph) == []
    src = tmp_path / "lstm.onnx"
    onnx.save(model, str(src))
    proc = finngl_cli("opt", src, "--passes", "qcdq-to-quant", "-o", tmp_path / "out.onnx")
    assert "warning" not in proc.stderr
    x = np.random.default_rng(0).standard_normal((7, 2, 6)).astype(np.float32)
    before = run_finngl(model, {"x": x}, tmp_path / "before")
    after = run_finngl(onnx.load(str(tmp_path / "out.onnx")), {"x": x}, tmp_path / "after")
    for name, want in before.items():
        assert np.array_equal(after[name], want)
