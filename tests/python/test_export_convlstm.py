"""finngl.export: the quantized case-study ConvLSTM (Brevitas ConvLstmQuant) as one QONNX file whose
QuantLSTM is an ONNX Scan. finngl's executor must reproduce Brevitas' forward pass bit for bit:
every quantized tensor outside the Scan (input, the six conv activations, the LSTM's last hidden
state, the dense activation) is compared in quantized integers (value / scale), element by
element, for the default W8A6 model and for non-default quantizer settings, on random windows and
on windows of the synthetic order-book data; the predicted classes must be identical.

One source of disagreement cannot be removed by the exporter: the float32 summation order inside
convolutions and matrix products (torch's oneDNN / MKL kernels vs finngl's GEMM). A sum can differ
in its last bit and, when it lies within that bit of a quantizer's rounding boundary (x / scale
within ~1e-6 of k + 1/2), round to the neighbouring integer; the difference then propagates
downstream. Hence two kinds of tests:
- exact arithmetic (`make_exact`): power-of-two scales and biases on the products' grid make every
  float32 sum in the network exact, whatever the order; then finngl must equal Brevitas with zero
  mismatches in every quantized tensor and bit-identical logits, at any model size. This checks
  every node, parameter and operation order of the export.
- calibrated float scales (what training produces): the mismatch counts are measured and printed
  (pytest -s); every window that differs must differ first at a conv / dense quantizer whose exact
  (float64) input lies within 1e-3 of a rounding tie (a summation-order tie flip), nothing else is
  tolerated, and the predicted classes must be identical.
"""
import json
import sys

import numpy as np
import onnx
import pytest
import torch

from conftest import ROOT, finngl_cli, run_finngl

sys.path.insert(0, str(ROOT / "python"))
pytest.importorskip("brevitas")
import brevitas.nn as qnn  # noqa: E402
from finngl.export import (brevitas_reference, convlstm_to_onnx, export_convlstm,  # noqa: E402
                           lstm_quant_specs, probe_formula, quant_lstm_to_onnx)
from finngl.export.compare import STAGES, explain_mismatches, mismatch_counts, quantized_integers  # noqa: E402
from finngl.export.quant import QONNX_DOMAIN, GraphBuilder, make_model, value_info  # noqa: E402
from finngl.models import (ConvLstmFloat, ConvLstmQuant, LstmQuantConfig, QuantConfig, calibrate,  # noqa: E402
                           load_float_weights)

GEOMETRY = dict(channels=4, hidden=8, dense=8)          # window 100 x 40 features: real LOB windows
MEDIUM = dict(channels=8, hidden=16, dense=16)
CONFIGS = {
    "w8a6": QuantConfig(),
    "sigmoid4": QuantConfig(lstm=LstmQuantConfig(sigmoid_bits=4)),
    "cell8_bias16": QuantConfig(lstm=LstmQuantConfig(cell_state_bits=8, bias_bits=16)),
    "mixed": QuantConfig(input_bits=7, weight_bits=5, act_bits=4, per_channel_weights=True,
                         lstm=LstmQuantConfig(weight_bits=4, bias_bits=None, io_bits=8, gate_acc_bits=7,
                                              sigmoid_bits=5, tanh_bits=3, cell_state_bits=8)),
}
N_RANDOM = 256
N_LOB = 240


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _random_windows(n, seed):
    g = np.random.default_rng(seed)
    return (g.standard_normal((n, 1, 100, 40)) * 1.5 + 0.3).astype(np.float32)


@pytest.fixture(scope="module")
def lob_windows(tmp_path_factory):
    """(training windows, test windows) of the synthetic FI-2010 stand-in."""
    from finngl.lob import load_fi2010, simulate_fi2010
    d = tmp_path_factory.mktemp("lob")
    simulate_fi2010(d, seed=0, samples_per_day=300)
    s = load_fi2010(d)
    test_idx = np.linspace(0, len(s.test) - 1, N_LOB).astype(np.int64)
    train_idx = np.linspace(0, len(s.train) - 1, 256).astype(np.int64)
    return s.train.batch(train_idx), s.test.batch(test_idx)


def _float_model(data, seed=0, geometry=GEOMETRY):
    """A float ConvLSTM with weights large enough that the logits depend visibly on the input and
    BatchNorm statistics of `data`."""
    torch.manual_seed(seed)
    f = ConvLstmFloat(**geometry)
    with torch.no_grad():
        for name, p in f.named_parameters():
            if name.startswith("lstm"):
                p.normal_(0.0, 0.3)
            elif name.startswith("fc"):
                p.normal_(0.0, 0.6)
        for bn in f.bn:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.2)
            bn.momentum = None
            bn.reset_running_stats()
        f.train()
        f(torch.from_numpy(data))
    return f.eval()


def _quant_model(config, data, seed=0, geometry=GEOMETRY):
    q = ConvLstmQuant(**geometry, config=config)
    load_float_weights(q, _float_model(data, seed, geometry))
    calibrate(q, [torch.from_numpy(data[i:i + 64]) for i in range(0, len(data), 64)])
    return q.eval()


# --------------------------------------------------------------- exact-arithmetic models

def _pow2(v):
    return float(2.0 ** np.round(np.log2(v)))


def _snap_weights(module, tensors, per_channel):
    """Scales the tensors (sharing `module`'s weight quantizer, signed narrow range) so that
    their common absolute maximum (per output channel with per_channel) is exactly max_int * 2^k:
    the weight scale (abs max / max_int) becomes 2^k."""
    max_int = 2.0 ** (int(module.quant_weight().bit_width) - 1) - 1
    dims = tuple(range(1, tensors[0].dim()))
    if per_channel:
        m = torch.stack([t.abs().amax(dim=dims) for t in tensors]).amax(0)
    else:
        m = torch.stack([t.abs().max() for t in tensors]).max().reshape(1)
    target = torch.tensor([max_int * _pow2(float(v) / max_int) for v in m])
    shape = (-1,) + (1,) * len(dims) if per_channel else (1,) * tensors[0].dim()
    for t in tensors:
        t.mul_((target / m).reshape(shape))
        t.copy_(torch.maximum(torch.minimum(t, target.reshape(shape)), -target.reshape(shape)))
    # put the exact maximum in place in the first tensor (rows of the first hit the maximum)
    first = tensors[0]
    flat = first.reshape(first.shape[0], -1) if per_channel else first.reshape(1, -1)
    idx = flat.abs().argmax(dim=1)
    for r, i in enumerate(idx):
        flat[r, i] = torch.sign(flat[r, i]) * target[r] if flat[r, i] != 0 else target[r]


@torch.no_grad()
def make_exact(q):
    """Power-of-two activation and weight scales, conv / dense biases on the grid of
    input scale x weight scale: every product and every partial sum in the network is then an
    exactly representable float32 multiple of its grid (all sums stay far below 2^24 steps),
    so no summation order can change a result."""
    from finngl.models.convlstm import _activation_quantizers
    for name, proxy, scaling in _activation_quantizers(q):
        tq = proxy.fused_activation_quant_proxy.tensor_quant
        threshold = float(tq.int_scaling_impl(tq.msb_clamp_bit_width_impl()))
        scaling.value.fill_(_pow2(float(proxy.scale())) * threshold)
    pc = q.config.per_channel_weights
    for m in list(q.conv) + [q.fc0, q.fc1]:
        _snap_weights(m, [m.weight], pc)
    for gate in ("input", "forget", "cell", "output"):
        gp = q.lstm_gate_params(gate)
        _snap_weights(gp.input_weight, [gp.input_weight.weight, gp.hidden_weight.weight], False)
    ins = [q.inp.act_quant] + [r.act_quant for r in q.relu[:-1]]
    layers = list(zip(q.conv, ins)) + [(q.fc0, q.lstm_cell().output_quant), (q.fc1, q.relu_fc.act_quant)]
    for m, inp in layers:
        grid = (m.quant_weight().scale.reshape(-1) * inp.scale()).reshape(-1)
        m.bias.copy_(torch.round(m.bias / grid) * grid)
    for m, inp in layers:   # every scale is now a power of two
        for s in (m.quant_weight().scale, inp.scale()):
            s = s.detach().numpy().reshape(-1)
            assert np.all(2.0 ** np.round(np.log2(s)) == s), f"scale {s} is not a power of two"
    return q


# -------------------------------------------------------------------------- comparisons

def run_both(q, x, tmp_path):
    """Exports q with its intermediate tensors as outputs, runs it in finngl and Brevitas; returns
    (Brevitas, finngl, {stage: (Brevitas integers, finngl integers)})."""
    model = convlstm_to_onnx(q, debug_outputs=True)
    got = run_finngl(model, {"x": x}, tmp_path)
    want = brevitas_reference(q, x)
    return want, got, quantized_integers(q, want, got)


def _check_exact(want, got, ints, what):
    counts = mismatch_counts(ints)
    total = sum(counts.values())
    logits_bits = int(np.sum(want["logits"].view(np.uint32) != got["logits"].view(np.uint32)))
    print(f"\n[{what}] exact arithmetic: {total} quantized integers differ "
          f"({', '.join(f'{k} {v}' for k, v in counts.items())}), logits differing in {logits_bits} "
          f"bits patterns; {len(want['logits'])} windows")
    assert total == 0, f"{what}: {total} quantized integers differ from Brevitas: {counts}"
    for name in STAGES:
        assert np.array_equal(want[name].view(np.uint32), got[name].view(np.uint32)), name
    assert logits_bits == 0, f"{what}: {logits_bits} logits differ from Brevitas"


def _check_calibrated(q, want, got, ints, what):
    counts = mismatch_counts(ints)
    s = explain_mismatches(q, want, ints)
    print(f"\n[{what}] calibrated float scales: {sum(counts.values())} quantized integers differ "
          f"({', '.join(f'{k} {v}' for k, v in counts.items())}); {s['windows_differing']} of "
          f"{s['windows']} windows differ, first at {s['first_stage']}; {s['tie_flips']} tie flips "
          f"(max distance from the tie {s['max_tie_distance']:.2g}), {s['unexplained']} unexplained")
    assert s["unexplained"] == 0, f"{what}: mismatches not explained by summation-order ties: {s}, {counts}"
    w, g = want["logits"], got["logits"]
    same = ~(ints["fc0_act"][0] != ints["fc0_act"][1]).any(1)   # logits compared where fc0 agrees
    np.testing.assert_allclose(g[same], w[same], rtol=1e-5, atol=1e-5 * float(np.abs(w).max()), err_msg=what)
    assert np.array_equal(g.argmax(1), w.argmax(1)), f"{what}: predicted classes differ"
    return s


# ------------------------------------------------------------------------------------ tests

def test_torch_batchnorm_arithmetic_is_reproducible():
    """The exporter reproduces torch's BatchNorm2d bit for bit (a fused or an unfused
    multiply-add, whichever this torch build uses)."""
    torch.manual_seed(3)
    bn = torch.nn.BatchNorm2d(7)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.05, 4.0)
        bn.weight.normal_()
        bn.bias.normal_()
    assert probe_formula(bn.eval(), spatial=(41, 13)) in ("fma", "mul_add")


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
def test_exact_arithmetic_random_windows(config, tmp_path):
    q = make_exact(_quant_model(CONFIGS[config], _random_windows(256, seed=2), geometry=MEDIUM))
    want, got, ints = run_both(q, _random_windows(N_RANDOM, seed=1), tmp_path)
    _check_exact(want, got, ints, f"{config}, random windows")


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
def test_exact_arithmetic_lob_windows(config, lob_windows, tmp_path):
    train, test = lob_windows
    q = make_exact(_quant_model(CONFIGS[config], train, geometry=MEDIUM))
    want, got, ints = run_both(q, test, tmp_path)
    assert len(np.unique(want["logits"].argmax(1))) > 1, "degenerate model: one class for every window"
    _check_exact(want, got, ints, f"{config}, synthetic LOB windows")


def test_exact_arithmetic_full_size(tmp_path):
    """The full case-study geometry (32 channels, hidden 64, 122K parameters), W8A6."""
    q = make_exact(_quant_model(QuantConfig(), _random_windows(64, seed=2), geometry={}))
    want, got, ints = run_both(q, _random_windows(64, seed=1), tmp_path)
    _check_exact(want, got, ints, "w8a6 full size, random windows")


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
def test_calibrated_random_windows(config, tmp_path):
    q = _quant_model(CONFIGS[config], _random_windows(256, seed=2))
    want, got, ints = run_both(q, _random_windows(N_RANDOM, seed=1), tmp_path)
    _check_calibrated(q, want, got, ints, f"{config}, random windows")


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
def test_calibrated_lob_windows(config, lob_windows, tmp_path):
    train, test = lob_windows
    q = _quant_model(CONFIGS[config], train)
    want, got, ints = run_both(q, test, tmp_path)
    assert len(np.unique(want["logits"].argmax(1))) > 1, "degenerate model: one class for every window"
    _check_calibrated(q, want, got, ints, f"{config}, synthetic LOB windows")


@pytest.mark.parametrize("kwargs", [
    dict(),                                                        # Brevitas' own defaults (8-bit)
    dict(bias_quant=None, batch_first=True, io_bit_width=6, gate_acc_bit_width=5, sigmoid_bit_width=3,
         tanh_bit_width=4, cell_state_bit_width=7, weight_bit_width=6),
    dict(weight_scaling_per_output_channel=True, cell_state_bit_width=8, io_bit_width=6),
], ids=["brevitas-defaults", "mixed-batch-first-float-bias", "per-channel-weights"])
def test_quant_lstm_scan_bit_exact(kwargs, tmp_path):
    """A standalone QuantLSTM: every hidden state of every step and the final cell state."""
    torch.manual_seed(5)
    lstm = qnn.QuantLSTM(10, 12, **kwargs)
    with torch.no_grad():
        for n, p in lstm.named_parameters():
            if n.endswith("weight.weight") or n.endswith("gate_params.bias"):
                p.normal_(0.0, 0.4)

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(x)[0]

    batch_first = kwargs.get("batch_first", False)
    g = torch.Generator().manual_seed(6)
    x = torch.randn(25, 300, 10, generator=g) * 1.2                # [T, N, I]
    if batch_first:
        x = x.transpose(0, 1).contiguous()
    calibrate(Wrap(lstm), [x[:, :100] if not batch_first else x[:100]])
    model = quant_lstm_to_onnx(lstm)
    onnx.checker.check_model(model)
    with torch.no_grad():
        out, (h, c) = lstm(x)
    if batch_first:
        out = out.transpose(0, 1)
    got = run_finngl(model, {"x": x.numpy()}, tmp_path)
    for name, want in (("h_seq", out), ("h_T", h[0]), ("c_T", c[0])):
        want = want.contiguous().numpy()
        bad = int(np.sum(want.view(np.uint32) != got[name].view(np.uint32)))
        assert bad == 0, f"{name}: {bad} of {want.size} values differ from Brevitas"


@pytest.mark.parametrize("config", ["w8a6", "mixed"])
def test_activation_tables_exhaustive(config, tmp_path):
    """Sigmoid/tanh are evaluated on grids (the quantized gate accumulators, the quantized cell
    state): on every grid point, finngl's Sigmoid/Tanh + Quant equals Brevitas' quantized
    activation, both for torch's vectorised and its scalar code path."""
    q = _quant_model(CONFIGS[config], _random_windows(128, seed=2))
    specs = lstm_quant_specs(q.lstm)
    cell = q.lstm_cell()
    cases = [(f"{g}_act", f"{g}_acc", getattr(cell, p), op) for g, p, op in (
        ("input", "input_sigmoid_quant", "Sigmoid"), ("forget", "forget_sigmoid_quant", "Sigmoid"),
        ("cell", "cell_tanh_quant", "Tanh"), ("output", "output_sigmoid_quant", "Sigmoid"))]
    cases.append(("hidden_state_tanh", "cell_state", cell.hidden_state_tanh_quant, "Tanh"))
    gb = GraphBuilder("activation_tables")
    feeds, want = {}, {}
    for out_name, in_name, proxy, op in cases:
        lo, hi = specs[in_name].int_range
        grid = (np.arange(lo, hi + 1, dtype=np.float32) * specs[in_name].scale).astype(np.float32)
        with torch.no_grad():
            vec = proxy(torch.from_numpy(grid))
            vec = (vec.value if hasattr(vec, "value") else vec).numpy()
            scal = np.array([float((lambda v: v.value if hasattr(v, "value") else v)(proxy(torch.tensor([g]))))
                             for g in grid], np.float32)
        assert np.array_equal(vec, scal), f"{out_name}: torch's vector and scalar paths disagree"
        inp = f"in_{out_name}"
        gb.inputs.append(value_info(inp, [len(grid)]))
        y = gb.quant(gb.node(op, [inp], f"{out_name}_{op}"), specs[out_name], f"{out_name}_quant")
        gb.node("Identity", [y], out_name, outputs=[f"out_{out_name}"])
        gb.outputs.append(value_info(f"out_{out_name}", [len(grid)]))
        feeds[inp], want[f"out_{out_name}"] = grid, vec
    got = run_finngl(make_model(gb.graph()), feeds, tmp_path)
    for name, w in want.items():
        bad = int(np.sum(w.view(np.uint32) != got[name].view(np.uint32)))
        assert bad == 0, f"{name}: {bad} of {w.size} grid points differ"


def test_export_structure_and_cli_check(tmp_path):
    """One ONNX file: qonnx Quant nodes (domain qonnx.custom_op.general, opset 2) for every
    quantizer, the LSTM as a Scan with Quant nodes in its body; onnx.checker and `finngl check`
    accept it; the Brevitas model is left as it was."""
    data = _random_windows(64, seed=2)
    q = _quant_model(CONFIGS["w8a6"], data)
    q.train()
    x = torch.from_numpy(_random_windows(8, seed=9))
    q.eval()
    with torch.no_grad():
        before = q(x).numpy()
    q.train()
    path = tmp_path / "model.onnx"
    model = export_convlstm(q, path)
    assert q.training, "export changed the module's mode"
    q.eval()
    with torch.no_grad():
        assert np.array_equal(q(x).numpy(), before), "export changed the Brevitas model"
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets[QONNX_DOMAIN] == 2 and opsets[""] >= 13
    outer = [n.op_type for n in model.graph.node]
    assert outer.count("Scan") == 1 and outer.count("Conv") == 6
    # input + 6 conv weights + 6 ReLU acts + 2 dense weights + 1 dense act
    assert outer.count("Quant") == 16
    scan = next(n for n in model.graph.node if n.op_type == "Scan")
    body = next(a.g for a in scan.attribute if a.name == "body")
    inner = [n.op_type for n in body.node]
    # x, 8 weights, 4 biases, 4 accumulators, 3 sigmoid + 1 tanh, 3 cell state, tanh(c), h
    assert inner.count("Quant") == 1 + 8 + 4 + 4 + 4 + 3 + 1 + 1
    assert inner.count("MatMul") == 8 and inner.count("Sigmoid") == 3 and inner.count("Tanh") == 2
    for n in list(model.graph.node) + list(body.node):
        if n.op_type == "Quant":
            assert n.domain == QONNX_DOMAIN
            assert {a.name for a in n.attribute} == {"signed", "narrow", "rounding_mode"}
    assert [i.name for i in model.graph.input] == ["x"] and [o.name for o in model.graph.output] == ["logits"]
    finngl_cli("check", path)
    # deterministic
    assert convlstm_to_onnx(q).SerializeToString() == model.SerializeToString()


def test_train_cli_end_to_end(tmp_path):
    """python -m finngl.train on a small synthetic data set and a tiny model: metrics, export and
    the finngl check of the exported model on the demo windows."""
    from finngl import train
    data, out = tmp_path / "data", tmp_path / "out"
    rc = train.main(["--data", str(data), "--out", str(out), "--sim-samples-per-day", "200",
                     "--epochs", "1", "--qat-epochs", "1", "--channels", "2", "--hidden", "4", "--dense", "4",
                     "--max-train-windows", "64", "--batch-size", "32", "--qat-batch-size", "64",
                     "--calib-windows", "64", "--demo-windows", "30", "--threads", "1",
                     "--sigmoid-bits", "5", "--lstm-bias-bits", "none"])
    assert rc == 0
    assert (data / "SIMULATED.json").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data"]["synthetic"]
    for key in ("float", "ptq", "quantized"):
        rep = metrics[key]["test"]
        assert 0.0 <= rep["accuracy"] <= 1.0 and set(rep["per_class"]) == {"down", "stationary", "up"}
    assert metrics["model"]["bit_widths"]["lstm.input_sigmoid_quant"] == 5
    assert not any(k.endswith(".bias") for k in metrics["model"]["bit_widths"])
    assert metrics["export"]["finngl_check"]["predictions_differing"] == 0
    npz = np.load(out / "test_windows.npz")
    assert npz["x"].shape == (30, 1, 100, 40) and npz["y"].shape == (30,)
    finngl_cli("check", out / "model.onnx")


def test_classification_report():
    from finngl.train import classification_report, format_table
    y = [0, 0, 1, 1, 2, 2, 2]
    p = [0, 1, 1, 1, 2, 0, 2]
    r = classification_report(y, p)
    assert r["accuracy"] == pytest.approx(5 / 7)
    assert r["per_class"]["down"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert r["per_class"]["stationary"]["precision"] == pytest.approx(2 / 3)
    assert r["per_class"]["up"]["recall"] == pytest.approx(2 / 3)
    assert r["macro"]["f1"] == pytest.approx(np.mean([0.5, 0.8, 0.8]))
    assert r["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 2]]
    assert "macro F1" in format_table({"a": r, "b": r})


def test_stale_quant_lstm_fast_cell_is_refused(tmp_path):
    """Brevitas caches a QuantLSTM fast cell at the first forward; load_state_dict then leaves it
    with the old activation quantizers. The export refuses such a model, and
    finngl.train.restore_state (which rebuilds the fast cell) makes Brevitas and the export agree."""
    from finngl.export import ExportError
    from finngl.train import restore_state
    q = _quant_model(CONFIGS["w8a6"], _random_windows(64, seed=2))
    x = _random_windows(16, seed=4)
    state = {k: v.clone() for k, v in q.state_dict().items()}
    with torch.no_grad():
        q.lstm_cell().cell_state_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value.mul_(3.0)
    q.load_state_dict(state, strict=False)           # Brevitas' forward keeps the tripled scale
    with pytest.raises(ExportError, match="stale"):
        convlstm_to_onnx(q)
    restore_state(q, state)
    want, got, ints = run_both(q, x, tmp_path)
    assert sum(mismatch_counts(ints).values()) == 0


def test_cap_cell_state_threshold():
    from finngl.train import cap_cell_state_threshold
    q = _quant_model(QuantConfig(lstm=LstmQuantConfig(cell_state_bits=6)), _random_windows(64, seed=2))
    scaling = q.lstm_cell().cell_state_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl
    with torch.no_grad():
        scaling.value.fill_(50.0)
    assert cap_cell_state_threshold(q, 0.25) == (50.0, 8.0)
    assert float(q.lstm_cell().cell_state_quant.scale().detach()) == 0.25
    assert cap_cell_state_threshold(q, 0.25) is None           # already below the cap
    assert cap_cell_state_threshold(q, 0) is None
