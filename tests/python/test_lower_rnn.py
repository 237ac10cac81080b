"""finngl's lower-lstm-to-scan and lower-gru-to-scan passes against independent references.

The lowered model (a Scan per direction over the cell in standard ops) is executed by finngl and
compared with onnxruntime on the original LSTM/GRU model, for every direction, both layouts
(onnxruntime runs only layout 0, so layout-1 models are compared with the layout-0 twin on
transposed data), with and without biases and initial states, GRU with both linear_before_reset
modes; and with Brevitas' weight-only QuantLSTM exported through export_onnx_qcdq and export_qonnx,
against Brevitas' forward pass. The comparison has a float tolerance: the body repeats the
kernel's float32 operations, but matrix products sum in another order (documented in
src/passes/lower_lstm_to_scan.h).
"""
import sys
import zlib

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ROOT, finngl_cli, make_model, run_finngl, run_ort

sys.path.insert(0, str(ROOT / "python"))

RTOL, ATOL = 1e-5, 1e-5
T, B, I, H = 5, 3, 4, 6


def lower(model, passes, tmp_path):
    src = tmp_path / "original.onnx"
    onnx.save(model, str(src))
    out = tmp_path / "lowered.onnx"
    proc = finngl_cli("opt", src, "--passes", passes, "-o", out)
    return onnx.load(str(out)), proc.stderr


def rnn_model(op, direction, layout, bias, initial, lbr=0, extra=None):
    """A one-node LSTM/GRU model; returns (model, feeds, layout-0 twin, twin feeds)."""
    rng = np.random.default_rng(zlib.crc32(repr((op, direction, layout, bias, initial, lbr)).encode()))
    d = 2 if direction == "bidirectional" else 1
    g = 4 if op == "LSTM" else 3
    inits = [numpy_helper.from_array((rng.standard_normal((d, g * H, I)) * 0.5).astype(np.float32), "W"),
             numpy_helper.from_array((rng.standard_normal((d, g * H, H)) * 0.5).astype(np.float32), "R")]
    names = ["x", "W", "R"]
    if bias:
        inits.append(numpy_helper.from_array((rng.standard_normal((d, 2 * g * H)) * 0.5).astype(np.float32), "B"))
        names.append("B")
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    feeds0 = {"x": x}
    states = ["initial_h"] + (["initial_c"] if op == "LSTM" else [])
    if initial:
        names += [""] * (4 - len(names)) + [""]  # sequence_lens omitted
        for s in states:
            names.append(s)
            feeds0[s] = rng.standard_normal((d, B, H)).astype(np.float32)
    outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    attrs = dict(hidden_size=H, direction=direction, **(extra or {}))
    if op == "GRU":
        attrs["linear_before_reset"] = lbr

    def build(lay):
        a = dict(attrs)
        if lay:
            a["layout"] = 1
        ins = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [T, B, I] if lay == 0 else [B, T, I])]
        for s in states if initial else []:
            ins.append(helper.make_tensor_value_info(s, TensorProto.FLOAT, [d, B, H] if lay == 0 else [B, d, H]))
        node = helper.make_node(op, names, outs, name="rnn", **a)
        return make_model([node], ins, [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
                          inits, opset=14)

    twin = build(0)
    if layout == 0:
        return twin, feeds0, twin, feeds0
    feeds1 = {"x": x.transpose(1, 0, 2).copy()}
    for s in states if initial else []:
        feeds1[s] = feeds0[s].transpose(1, 0, 2).copy()
    return build(1), feeds1, twin, feeds0


def to_layout1(name, value):
    """Output of the layout-0 twin in layout 1: Y [T,D,B,H] -> [B,T,D,H]; states [D,B,H] -> [B,D,H]."""
    return value.transpose(2, 0, 1, 3) if name == "Y" else value.transpose(1, 0, 2)


def check_lowered(op, model, feeds, twin, twin_feeds, layout, tmp_path):
    passes = "lower-lstm-to-scan" if op == "LSTM" else "lower-gru-to-scan"
    lowered, stderr = lower(model, passes, tmp_path)
    assert "warning" not in stderr, stderr
    ops = [n.op_type for n in lowered.graph.node]
    assert op not in ops and "Scan" in ops
    want = run_ort(twin, twin_feeds)
    if layout == 1:
        want = {k: to_layout1(k, v) for k, v in want.items()}
    got = run_finngl(lowered, feeds, tmp_path / "run")
    for name, w in want.items():
        assert got[name].shape == w.shape, name
        np.testing.assert_allclose(got[name], w, rtol=RTOL, atol=ATOL, err_msg=name)
    return lowered


DIRECTIONS = ["forward", "reverse", "bidirectional"]


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("layout", [0, 1])
@pytest.mark.parametrize("bias,initial", [(True, True), (False, False)], ids=["bias_init", "plain"])
def test_lstm_matches_onnxruntime(direction, layout, bias, initial, tmp_path):
    model, feeds, twin, twin_feeds = rnn_model("LSTM", direction, layout, bias, initial)
    lowered = check_lowered("LSTM", model, feeds, twin, twin_feeds, layout, tmp_path)
    scans = [n for n in lowered.graph.node if n.op_type == "Scan"]
    assert len(scans) == (2 if direction == "bidirectional" else 1)


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("layout", [0, 1])
@pytest.mark.parametrize("lbr", [0, 1])
def test_gru_matches_onnxruntime(direction, layout, lbr, tmp_path):
    model, feeds, twin, twin_feeds = rnn_model("GRU", direction, layout, True, layout == 0, lbr)
    check_lowered("GRU", model, feeds, twin, twin_feeds, layout, tmp_path)


@pytest.mark.parametrize("extra", [{"clip": 0.6}, {"input_forget": 1}, {"activations": ["Sigmoid", "Relu", "Tanh"]}],
                         ids=["clip", "input_forget", "relu"])
def test_lstm_options_match_onnxruntime(extra, tmp_path):
    model, feeds, twin, twin_feeds = rnn_model("LSTM", "forward", 0, True, True, extra=extra)
    check_lowered("LSTM", model, feeds, twin, twin_feeds, 0, tmp_path)


def test_lstm_peepholes_match_onnxruntime(tmp_path):
    model, feeds, _, _ = rnn_model("LSTM", "bidirectional", 0, True, True)
    rng = np.random.default_rng(9)
    model.graph.initializer.append(
        numpy_helper.from_array((rng.standard_normal((2, 3 * H)) * 0.5).astype(np.float32), "P"))
    node = model.graph.node[0]
    while len(node.input) < 7:
        node.input.append("")
    node.input.append("P")
    check_lowered("LSTM", model, feeds, model, feeds, 0, tmp_path)


def test_sequence_lens_that_end_early_stay(tmp_path):
    model, feeds, _, _ = rnn_model("LSTM", "forward", 0, True, False)
    model.graph.initializer.append(numpy_helper.from_array(np.array([5, 2, 5], np.int32), "lens"))
    node = model.graph.node[0]
    node.input.append("lens")
    lowered, stderr = lower(model, "lower-lstm-to-scan", tmp_path)
    assert "warning: lower-lstm-to-scan: node 'rnn' (LSTM) left unchanged" in stderr
    assert "sequence_lens 'lens'" in stderr
    assert [n.op_type for n in lowered.graph.node] == ["LSTM"]


def test_case_study_float_convlstm(tmp_path):
    """The float case-study network with its ONNX LSTM op (dynamic batch, Squeeze of Y_h)."""
    from finngl import onnx_models
    shape = onnx_models.ConvLstmShape(channels=4, hidden=8, dense=8)
    model = onnx_models.convlstm_float(shape, lstm="op", seed=2)
    x = np.random.default_rng(2).standard_normal((3, 1, shape.window, shape.features)).astype(np.float32)
    lowered, stderr = lower(model, "lower-lstm-to-scan", tmp_path)
    assert "warning" not in stderr
    assert "LSTM" not in [n.op_type for n in lowered.graph.node]
    want = run_ort(model, {"lob_window": x})
    got = run_finngl(lowered, {"lob_window": x}, tmp_path / "run")
    np.testing.assert_allclose(got["logits"], want["logits"], rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------- Brevitas

brevitas_nn = pytest.importorskip("brevitas.nn")
import torch  # noqa: E402
from brevitas.export import export_onnx_qcdq, export_qonnx  # noqa: E402


def weight_only_lstm(bidirectional, batch_first, weight_bits):
    torch.manual_seed(7)
    lstm = brevitas_nn.QuantLSTM(I, H, bidirectional=bidirectional, batch_first=batch_first,
                                 weight_bit_width=weight_bits, io_quant=None, gate_acc_quant=None,
                                 sigmoid_quant=None, tanh_quant=None, cell_state_quant=None, bias_quant=None)
    with torch.no_grad():
        for p in lstm.parameters():
            p.normal_(0.0, 0.5)
    return lstm.eval()


@pytest.mark.parametrize("exporter", [export_onnx_qcdq, export_qonnx], ids=["qcdq", "qonnx"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("weight_bits", [4, 8])
def test_brevitas_weight_only_quant_lstm(exporter, bidirectional, weight_bits, tmp_path):
    lstm = weight_only_lstm(bidirectional, False, weight_bits)
    # Batch 1: Brevitas 0.13.4 squeezes axis 2 of the LSTM's Y [T, D, B, H] (the batch axis, not
    # the direction axis), so its weight-only LSTM export is a valid model only for batch 1.
    x = torch.randn(T, 1, I, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        out, (h, c) = lstm(x)
    path = tmp_path / "lstm.onnx"
    exporter(lstm, x, str(path), opset_version=14, dynamo=False)
    model = onnx.load(str(path))
    assert "LSTM" in [n.op_type for n in model.graph.node]
    passes = "lower-lstm-to-scan" if exporter is export_qonnx else "qcdq-to-quant,lower-lstm-to-scan"
    lowered, stderr = lower(model, passes, tmp_path)
    assert "warning" not in stderr, stderr
    ops = [n.op_type for n in lowered.graph.node]
    assert "LSTM" not in ops and ops.count("Scan") == (2 if bidirectional else 1)
    assert "Quant" in ops, "weight quantizers must stay in the outer graph"
    feed = {model.graph.input[0].name: x.numpy()}
    got = run_finngl(lowered, feed, tmp_path / "run")
    outputs = [o.name for o in model.graph.output]
    for name, want in zip(outputs, (out, h, c)):
        np.testing.assert_allclose(got[name], want.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)
    # the lowered model also agrees with onnxruntime on the original export (QCDQ only: ORT has no Quant)
    if exporter is export_onnx_qcdq:
        ref = run_ort(model, feed)
        for name in outputs:
            np.testing.assert_allclose(got[name], ref[name], rtol=RTOL, atol=ATOL, err_msg=name)
