"""`finngl build` end to end on Brevitas models: a 2-bit TFC-like MLP, a 4-bit CNV-like CNN
(QuantConv2d + BatchNorm + QuantReLU, MaxPool, QuantLinear head) and a mixed-precision QuantLSTM
(8-bit weights, 6-bit gate accumulators, 4-bit sigmoids, 6-bit cell and hidden state, exported as
QuantLSTMCell, batch-first and time-major), each from its ONNX export to a generated, C-simulated
accelerator.

Each build must verify (exit 0, every blocking step-to-step check bit-exact, the C simulation
included), put the compute in hardware (the accelerator graph holds the MVAUs, sliding windows,
pools or the RecurrentLayer; the host keeps only the input quantizer and output scales), and,
against the independent reference, give Brevitas' forward pass on the same inputs: the
accelerator's outputs (C simulation, then the host's post graph) in quantized integers (value /
the output quantizer's scale, rounded) equal Brevitas' with 0 mismatches.

Inputs are random values on the input quantizer's grid, spread over its whole range (clamping
included). Brevitas runs them as one batch (for the LSTM that is the regime in which torch's
GEMM is bit-exact, see test_quant_lstm_cell.py); the accelerator runs them frame by frame.
"""
import json

import numpy as np
import onnx
import pytest
import torch

from conftest import finngl_cli

pytest.importorskip("brevitas.nn")
from brevitas.export import export_qonnx  # noqa: E402
from brevitas_models import (LSTM_I, LSTM_MIXED, Cnn, Mlp, Unwrap, calibrated,  # noqa: E402
                             lstm_output_scales, make_quant_lstm, to_integers)

HW_DOMAIN = "finn.custom_op.fpgadataflow"
LSTM_T = 8
# What the host may keep: the float input quantizer, output scales and the reshapes around them.
HOST_OPS = {"MultiThreshold", "Mul", "Unsqueeze", "Reshape", "Transpose"}


def on_input_grid(quantizer, shape, n, rng):
    """n random inputs on `quantizer`'s grid, uniform over (a little beyond) its whole range."""
    with torch.no_grad():
        probe = quantizer(torch.zeros(1))
        scale = float(probe.scale)
        top = scale * 2 ** (int(probe.bit_width) - 1)
        x = torch.from_numpy(rng.uniform(-1.1 * top, 1.1 * top, (n, *shape)).astype(np.float32))
        q = quantizer(x)
    x = q.value.numpy()
    to_integers(x, scale, "input", "x")  # on the grid
    assert len(np.unique(np.round(x / scale))) >= 64, "inputs do not spread over the grid"
    return x


def build(model_path, x, tmp_path, target_fps=None):
    """Runs `finngl build` with `x` as the verification inputs; returns (out dir, stdout)."""
    np.save(tmp_path / "x.npy", x)
    cfg = {"board": "ZCU104", "synth_clk_period_ns": 6.667, "verify_input_npy": "x.npy"}
    if target_fps is not None:
        cfg["target_fps"] = target_fps
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    out = tmp_path / "build"
    proc = finngl_cli("build", model_path, "--config", tmp_path / "cfg.json", "-o", out)
    return out, proc.stdout


def assert_verified(out, stdout):
    assert "result: VERIFIED" in stdout, stdout
    report = json.loads((out / "report" / "verification.json").read_text())
    assert report["verified"] is True
    blocking = [c for c in report["checks"] if c["blocking"]]
    bad = [c for c in blocking if c["mismatches"] != 0]
    assert not bad, f"blocking checks with mismatches: {bad}"
    csim = [c for c in blocking if c["step"].endswith("csim")]
    assert csim, "no blocking C simulation check"
    assert all(c["elements"] > 0 for c in csim)


def op_types(path, recurse=True):
    m = onnx.load(str(path))
    ops = []

    def walk(g):
        for n in g.node:
            ops.append((n.op_type, n.domain))
            for a in n.attribute:
                if recurse and a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
    walk(m.graph)
    return ops


def assert_partition(out, hw_kinds, body_kinds=()):
    """The accelerator holds only HW layers, among them `hw_kinds` (and `body_kinds` inside a
    RecurrentLayer's body); the host keeps only HOST_OPS."""
    models = out / "intermediate_models"
    acc = op_types(models / "accelerator.onnx", recurse=False)
    not_hw = [t for t, d in acc if d != HW_DOMAIN]
    assert not not_hw, f"non-HW nodes in the accelerator: {not_hw}"
    kinds = {t for t, _ in acc}
    assert set(hw_kinds) <= kinds, f"accelerator ops {sorted(kinds)} lack {hw_kinds}"
    if body_kinds:
        inner = {t for t, d in op_types(models / "accelerator.onnx")} - kinds
        assert set(body_kinds) <= inner | kinds, f"recurrent body ops {sorted(inner)}"
        assert all(d == HW_DOMAIN for _, d in op_types(models / "accelerator.onnx"))
    host = set()
    for f in ("host_pre.onnx", "host_post.onnx"):
        if (models / f).is_file():
            host |= {t for t, _ in op_types(models / f)}
    assert host <= HOST_OPS, f"compute left on the host: {sorted(host - HOST_OPS)}"


def accelerator_outputs(model_path, out):
    """The accelerator's outputs through the host's post graph, in the model's output order."""
    names = [o.name for o in onnx.load(str(model_path), load_external_data=False).graph.output]
    return [np.load(out / "verification_output" / f"{name}.npy") for name in names]


def count_mismatches(got, want, scale, what):
    assert got.shape == want.shape, f"{what}: shape {got.shape} != Brevitas' {want.shape}"
    a = to_integers(want, scale, "Brevitas", what)
    b = to_integers(got, scale, "accelerator", what)
    return int(np.sum(a != b))


@pytest.mark.parametrize("make,shape,n,hw_kinds", [
    (Mlp, (32,), 1000, {"MVAU"}),
    (Cnn, (3, 12, 12), 200, {"MVAU", "ConvolutionInputGenerator", "StreamingMaxPool"}),
], ids=["mlp_w2a2", "cnn_w4a4"])
def test_brevitas_model_builds_and_csim_matches_brevitas(make, shape, n, hw_kinds, tmp_path):
    torch.manual_seed(1)
    net = calibrated(make(), shape)
    rng = np.random.default_rng(7)
    x = on_input_grid(net.inp, shape, n, rng)
    with torch.no_grad():
        ref = net(torch.from_numpy(x))
    scale = float(ref.scale)
    want = ref.value.numpy()
    # Not degenerate: the outputs use many of the output quantizer's levels.
    assert len(np.unique(np.round(want / scale))) >= 16
    path = tmp_path / "model.onnx"
    export_qonnx(Unwrap(net), torch.from_numpy(x[:1]), str(path))

    out, stdout = build(path, x, tmp_path)
    assert_verified(out, stdout)
    assert_partition(out, hw_kinds)
    (got,) = accelerator_outputs(path, out)
    mismatches = count_mismatches(got, want, scale, "output")
    print(f"\n[{make.__name__}] {n} inputs, {want.size} output integers: {mismatches} mismatches "
          f"against Brevitas")
    assert mismatches == 0, f"{mismatches} of {want.size} output integers differ from Brevitas"


def recurrent_mvaus(path):
    """(MVAUs outside the RecurrentLayer, MVAUs in its body) of the accelerator at `path`."""
    g = onnx.load(str(path)).graph
    (rl,) = [n for n in g.node if n.op_type == "RecurrentLayer"]
    body = next(a.g for a in rl.attribute if a.name == "body")
    return (sum(n.op_type == "MVAU" for n in g.node), sum(n.op_type == "MVAU" for n in body.node))


@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "time_major"])
def test_brevitas_quant_lstm_builds_and_csim_matches_brevitas(batch_first, tmp_path):
    """Mixed precision. Batch-first: x is [N, T, F], the model is exported for [1, T, F] (scanned
    along axis 1) and the build verifies frame by frame along axis 0. Time-major: x is [T, N, F],
    the model takes [T, 1, F] and the frames lie along axis 1 (RunFrames splits them there and
    stacks Y [T, 1, H] and h_T, c_T [1, 1, H] along axis 1 again)."""
    n = 500
    net, rng = make_quant_lstm(dict(LSTM_MIXED, batch_first=batch_first), seed=21)
    x = on_input_grid(net.inp, (LSTM_T, LSTM_I), n, rng)
    if not batch_first:
        x = np.ascontiguousarray(np.swapaxes(x, 0, 1))
    with torch.no_grad():
        want = [t.numpy() for t in net(torch.from_numpy(x))]
    scales = lstm_output_scales(net)
    # Not degenerate: Y and c_T use many levels of their 6-bit quantizers (h = o * tanh(c) with a
    # 4-bit o reaches fewer of them than c).
    assert len(np.unique(np.round(want[0] / scales[0]))) >= 12
    assert len(np.unique(np.round(want[2] / scales[2]))) >= 16
    path = tmp_path / "model.onnx"
    one = x[:1] if batch_first else x[:, :1]
    export_qonnx(net, torch.from_numpy(one), str(path), dynamo=False)
    assert "QuantLSTMCell" in {t for t, _ in op_types(path)}

    out, stdout = build(path, x, tmp_path)
    assert_verified(out, stdout)
    assert_partition(out, {"RecurrentLayer"},
                     body_kinds={"MVAU", "Thresholding", "ElementwiseAdd", "ElementwiseMul"})
    # The input projection W_x x_t (one MVAU per gate) runs outside the loop over all T steps;
    # only W_h h_{t-1} (one per gate) stays in the per-step body.
    outside, inside = recurrent_mvaus(out / "intermediate_models" / "accelerator.onnx")
    assert (outside, inside) == (4, 4), f"MVAUs outside / inside the RecurrentLayer: {outside}, {inside}"
    got = accelerator_outputs(path, out)
    if batch_first:
        # Y is [N, T, H] for both. Brevitas' h_T and c_T are [1, N, H] (one layer, one direction);
        # the accelerator's are its per-frame [1, 1, H] stacked along axis 0, [N, 1, H].
        want = [want[0], np.swapaxes(want[1], 0, 1), np.swapaxes(want[2], 0, 1)]
    # Time-major: Y [T, N, H], h_T and c_T [1, N, H] for both.
    counts = {k: count_mismatches(g, w, s, k) for g, w, s, k in zip(got, want, scales, "Yhc")}
    total = sum(w.size for w in want)
    print(f"\n[QuantLSTM {'batch-first' if batch_first else 'time-major'}] {n} sequences x "
          f"{LSTM_T} steps, {total} output integers: mismatches {counts}")
    assert all(v == 0 for v in counts.values()), f"mismatches against Brevitas: {counts}"


@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "time_major"])
def test_quant_lstm_random_verification_frames_follow_the_batch_axis(batch_first, tmp_path):
    """Without verify_input_npy the build draws `verify_samples` random frames and must stack
    them along the model's batch axis: axis 0 for [1, T, F], axis 1 for a time-major [T, 1, F]
    (stacking a time-major model's frames along axis 0 used to fail on the input's shape). The
    C simulation of those frames must then match the executor bit for bit."""
    net, _ = make_quant_lstm(dict(LSTM_MIXED, batch_first=batch_first), seed=5)
    shape = (1, LSTM_T, LSTM_I) if batch_first else (LSTM_T, 1, LSTM_I)
    path = tmp_path / "model.onnx"
    export_qonnx(net, torch.zeros(shape), str(path), dynamo=False)
    cfg = {"board": "ZCU104", "synth_clk_period_ns": 6.667, "verify_samples": 3}
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    out = tmp_path / "build"
    proc = finngl_cli("build", path, "--config", tmp_path / "cfg.json", "-o", out)
    assert "3 verification frames" in proc.stdout
    assert_verified(out, proc.stdout)
    names = [o.name for o in onnx.load(str(path)).graph.output]
    y = np.load(out / "verification_output" / f"{names[0]}.npy")
    frame_axis = 0 if batch_first else 1
    assert y.shape[frame_axis] == 3 and y.shape[1 - frame_axis] == LSTM_T, y.shape
