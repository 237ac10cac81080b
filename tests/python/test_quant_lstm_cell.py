"""Brevitas' QuantLSTM as brevitas.export.export_qonnx emits it (brevitas 0.13.4: one
qonnx.custom_op.general::QuantLSTMCell node per layer and direction, 48 inputs, weights and biases
quantized by Quant nodes before it), executed by finngl as exported and after
`finngl opt --passes lower-quant-lstm-cell` (the cell becomes an ONNX Scan of standard ops and
Quant nodes). Both must equal Brevitas' own forward pass bit for bit: every element of the output
sequence Y, of h_T and of c_T is compared in quantized integers (value / the quantizer's scale,
rounded), over 1024 random sequences per setting, for default 8-bit quantizers, non-default bit
widths, batch_first, CIFG, no bias, per-channel weight scales, given initial states,
bidirectional and two-layer stacks.
Activation scales are set to non-trivial values (not the untrained 1/128, 1/255) or come from
Brevitas' own statistics collection in training mode, so the quantizers clamp and round for real.

Scope of the reference: torch computes F.linear with MKL's sgemm, which for batched inputs (and
these sizes) is a chain of fused multiply-adds per output, the arithmetic of finngl's GEMM; for a
batch of 1 torch switches to sgemv, whose float sums can differ in the last bit, so bit-exactness
is claimed (and tested) for batched inputs. (Running 1000 of these sequences one at a time through
Brevitas changed none of its quantized outputs, but that is not asserted.)

Export note: with torch 2.13, torch.onnx.export defaults to the dynamo exporter, which traces the
autograd Function's placeholder forward (zeros) instead of emitting QuantLSTMCell; export_qonnx
must be called with dynamo=False.
"""

import numpy as np
import onnx
import pytest

from conftest import finngl_cli, run_finngl

pytest.importorskip("brevitas")
import torch  # noqa: E402
from brevitas.export import export_qonnx  # noqa: E402
from brevitas.nn import QuantLSTM  # noqa: E402

QONNX_DOMAIN = "qonnx.custom_op.general"
QUANTIZERS = ("output", "cell_state", "input_acc", "forget_acc", "cell_acc", "output_acc",
              "input_sigmoid", "forget_sigmoid", "cell_tanh", "output_sigmoid", "hidden_state_tanh")
N, T, I, H = 1024, 8, 6, 10

# Threshold ranges (scale = threshold / 2^(b-1) signed, / (2^b - 1) unsigned) that make every
# quantizer both round and clamp on the random data below.
THRESHOLDS = {"output": (1.2, 2.4), "cell_state": (0.9, 2.2), "input_acc": (1.5, 4.0),
              "forget_acc": (1.5, 4.0), "cell_acc": (1.5, 4.0), "output_acc": (1.5, 4.0),
              "input_sigmoid": (0.55, 0.95), "forget_sigmoid": (0.55, 0.95),
              "cell_tanh": (0.5, 0.95), "output_sigmoid": (0.55, 0.95),
              "hidden_state_tanh": (0.5, 0.95)}

LOW_BITS = dict(weight_bit_width=4, gate_acc_bit_width=6, sigmoid_bit_width=4,
                cell_state_bit_width=6, io_bit_width=6, tanh_bit_width=6)

SETTINGS = {
    "default_8bit": dict(),
    "low_bits": dict(kwargs=LOW_BITS),
    "batch_first": dict(kwargs=dict(batch_first=True)),
    "cifg": dict(kwargs=dict(coupled_input_forget_gates=True)),
    "cifg_low_bits": dict(kwargs=dict(coupled_input_forget_gates=True, **LOW_BITS)),
    "no_bias": dict(kwargs=dict(bias=False)),
    "per_channel_weights": dict(kwargs=dict(weight_scaling_per_output_channel=True)),
    "initial_states": dict(initial_states=True),
    "bidirectional": dict(kwargs=dict(bidirectional=True)),
    "two_layers": dict(kwargs=dict(num_layers=2)),
    "two_layers_bidirectional_batch_first": dict(
        kwargs=dict(num_layers=2, bidirectional=True, batch_first=True)),
    "brevitas_statistics": dict(calibration="brevitas"),
}


def layer_cells(lstm):
    return [direction.cell for layer in lstm.layers for direction in layer]


def scaling_of(proxy):
    return proxy.fused_activation_quant_proxy.tensor_quant.scaling_impl


@torch.no_grad()
def set_thresholds(lstm, rng):
    """Every activation quantizer gets a random threshold from THRESHOLDS, as a learned scale
    (statistics collection marked done, like finngl.models.calibrate). Quantizers shared between
    layers and directions (io, cell state) get the last value set, consistently."""
    for cell in layer_cells(lstm):
        for name in QUANTIZERS:
            scaling = scaling_of(getattr(cell, f"{name}_quant"))
            scaling.value.data.fill_(float(rng.uniform(*THRESHOLDS[name])))
            scaling.counter = scaling.collect_stats_steps + 1


@torch.no_grad()
def brevitas_statistics(lstm, rng, steps=4):
    """Brevitas' own calibration: a few forward passes in training mode collect the runtime
    percentile statistics that the eval-mode scales then come from."""
    lstm.train()
    for _ in range(steps):
        lstm(torch.from_numpy(rng.normal(0, 1.5, (T, 64, I)).astype(np.float32)))
    lstm.eval()


def make_lstm(setting, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    lstm = QuantLSTM(I, H, **setting.get("kwargs", {}))
    with torch.no_grad():  # biases away from the default init's +-1/sqrt(H), larger gate sums
        for p in lstm.parameters():
            if p.dim() == 1:
                p.uniform_(-0.8, 0.8)
    if setting.get("calibration") == "brevitas":
        if lstm.layers[0][0].cell.batch_first:
            raise AssertionError("statistics batches are time-major")
        brevitas_statistics(lstm, rng)
    else:
        set_thresholds(lstm, rng)
    lstm.eval()
    return lstm, rng


def inputs_for(lstm, setting, rng):
    batch_first = lstm.layers[0][0].cell.batch_first
    x = rng.normal(0, 1.5, (N, T, I) if batch_first else (T, N, I)).astype(np.float32)
    args = [x]
    if setting.get("initial_states"):
        d = len(lstm.layers[0]) * len(lstm.layers)
        args += [rng.normal(0, 1, (d, N, H)).astype(np.float32) for _ in range(2)]
    return args


def export(lstm, args, path):
    targs = tuple(torch.from_numpy(a) for a in args)
    export_qonnx(lstm, targs if len(targs) > 1 else targs[0], str(path), dynamo=False)
    return onnx.load(str(path))


def feeds_for(model, args):
    inits = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    assert len(names) == len(args), f"runtime inputs {names}"
    return dict(zip(names, args))


@torch.no_grad()
def scales(lstm):
    cell = lstm.layers[0][0].cell
    return float(cell.output_quant.scale()), float(cell.cell_state_quant.scale())


def to_integers(values, scale, who, what):
    v = np.asarray(values, np.float64) / scale
    off = np.abs(v - np.round(v)).max() if v.size else 0.0
    assert off < 1e-3, f"{who} {what} is not on its quantizer's grid (max distance {off})"
    return np.round(v).astype(np.int64)


def compare(lstm, want, got, who):
    """{output: mismatching quantized integers} of finngl's outputs (in graph order Y, h, c)."""
    s_out, s_cell = scales(lstm)
    counts = {}
    for what, w, g, s in zip(("Y", "h_T", "c_T"), want, got, (s_out, s_out, s_cell)):
        assert g.shape == w.shape, f"{who} {what}: shape {g.shape} != Brevitas' {w.shape}"
        a = to_integers(w, s, "Brevitas", what)
        b = to_integers(g, s, who, what)
        counts[what] = int(np.sum(a != b))
        counts[what + " bits"] = int(np.sum(w.view(np.uint32) != g.view(np.uint32)))
    return counts


@pytest.mark.parametrize("name", list(SETTINGS))
def test_brevitas_quant_lstm_bit_exact(name, tmp_path):
    setting = SETTINGS[name]
    lstm, rng = make_lstm(setting, seed=sum(map(ord, name)))
    args = inputs_for(lstm, setting, rng)
    with torch.no_grad():
        out, (h, c) = lstm(*[torch.from_numpy(a) for a in args])
    want = [out.numpy(), h.numpy(), c.numpy()]
    model = export(lstm, args, tmp_path / "quant_lstm.onnx")

    cells = [n for n in model.graph.node if n.op_type == "QuantLSTMCell"]
    assert len(cells) == len(layer_cells(lstm)) and all(n.domain == QONNX_DOMAIN for n in cells)
    assert all(len(n.input) == 48 and len(n.output) == 3 for n in cells)
    names = {a.name for a in cells[0].attribute}
    assert {"batch_first", "reverse_input", "cifg", "output_sigmoid_narrow_range",
            "hidden_state_tanh_rounding_mode"} <= names
    # The export carries Brevitas' quantizer settings (bit widths from the kwargs).
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    bits = {q: float(inits[cells[0].input[15 + 3 * k + 2]]) for k, q in enumerate(QUANTIZERS)}
    cell0 = layer_cells(lstm)[0]
    assert bits == {q: float(getattr(cell0, f"{q}_quant").bit_width()) for q in QUANTIZERS}
    if setting.get("kwargs", {}).get("io_bit_width"):
        assert (bits["output"], bits["input_acc"], bits["input_sigmoid"], bits["cell_state"]) == \
            (6, 6, 4, 6)
        w_quant = next(n for n in model.graph.node if n.output[0] == cells[0].input[3])
        assert w_quant.op_type == "Quant" and float(inits[w_quant.input[3]]) == 4
    # Not degenerate: non-trivial scales (not the untrained 1/128, 1/255) and many output levels.
    s_out, s_cell = scales(lstm)
    for s in (s_out, s_cell):
        assert s not in (1 / 128, 1 / 255) and np.log2(s) != np.round(np.log2(s))
    assert len(np.unique(np.round(want[0] / s_out))) >= 16
    assert len(np.unique(np.round(want[2] / s_cell))) >= 16

    feeds = feeds_for(model, args)
    got = run_finngl(model, feeds, tmp_path / "cell")
    got = [got[o.name] for o in model.graph.output]
    counts = compare(lstm, want, got, "finngl (QuantLSTMCell)")

    lowered = tmp_path / "lowered.onnx"
    finngl_cli("opt", tmp_path / "quant_lstm.onnx", "--passes", "lower-quant-lstm-cell",
               "-o", lowered)
    lm = onnx.load(str(lowered))
    assert not any(n.op_type == "QuantLSTMCell" for n in lm.graph.node)
    assert sum(n.op_type == "Scan" for n in lm.graph.node) == len(cells)
    # Brevitas' weights are Quant nodes on initializers: re-quantized transposed, no Transpose.
    assert not any(n.op_type == "Transpose" for n in lm.graph.node)
    got_l = run_finngl(lowered, feeds, tmp_path / "scan")
    got_l = [got_l[o.name] for o in lm.graph.output]
    counts_l = compare(lstm, want, got_l, "finngl (lowered Scan)")

    print(f"\n[{name}] {N} sequences x {T} steps, H={H}: QuantLSTMCell mismatches {counts}; "
          f"lowered Scan mismatches {counts_l}")
    for c in (counts, counts_l):
        assert all(v == 0 for v in c.values()), f"{name}: mismatches against Brevitas: {c}"


# ---------------------------------------------------------------------------- errors

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("errors")
    lstm, rng = make_lstm({}, seed=11)
    x = rng.normal(0, 1, (3, 2, I)).astype(np.float32)
    return export(lstm, [x], tmp / "m.onnx")


def cell_of(model):
    return next(n for n in model.graph.node if n.op_type == "QuantLSTMCell")


def expect_error(model, tmp_path, *fragments):
    path = tmp_path / "bad.onnx"
    onnx.save(model, str(path))
    for cmd in (["check", path], ["opt", path, "--passes", "lower-quant-lstm-cell", "-o",
                                   tmp_path / "out.onnx"]):
        proc = finngl_cli(*cmd, check=False)
        assert proc.returncode == 2, (cmd, proc.returncode, proc.stdout, proc.stderr)
        for f in fragments:
            assert f in proc.stderr, (cmd, f, proc.stderr)
        assert not (tmp_path / "out.onnx").exists()


def test_wrong_number_of_inputs(exported, tmp_path):
    m = onnx.ModelProto()
    m.CopyFrom(exported)
    cell = cell_of(m)
    del cell.input[-1]
    expect_error(m, tmp_path, f"node '{cell.name}' (QuantLSTMCell): has 47 inputs, expected 48")


def test_missing_attribute(exported, tmp_path):
    m = onnx.ModelProto()
    m.CopyFrom(exported)
    cell = cell_of(m)
    keep = [a for a in cell.attribute if a.name != "output_sigmoid_narrow_range"]
    del cell.attribute[:]
    cell.attribute.extend(keep)
    expect_error(m, tmp_path, f"node '{cell.name}' (QuantLSTMCell)",
                 "required attribute 'output_sigmoid_narrow_range'", "is missing")


def test_non_constant_quantizer_parameter(exported, tmp_path):
    m = onnx.ModelProto()
    m.CopyFrom(exported)
    cell = cell_of(m)
    # The cell state quantizer's scale becomes a runtime input.
    cell.input[18] = "runtime_cell_state_scale"
    m.graph.input.append(onnx.helper.make_tensor_value_info("runtime_cell_state_scale",
                                                            onnx.TensorProto.FLOAT, []))
    expect_error(m, tmp_path, f"node '{cell.name}' (QuantLSTMCell)",
                 "input 'runtime_cell_state_scale' (cell_state scale) is not a constant")
