"""Brevitas QuantLSTM end to end: a QuantIdentity input quantizer in front of a QuantLSTM,
exported by export_qonnx as the QuantLSTMCell node (dynamo=False), in several quantizer settings
including mixed precision, goes through finngl's frontend to an integer-only graph. In quantized
integers (value / the quantizer's scale, rounded), every element of the output sequence Y, of
h_T and of c_T must agree, over 1,000 random sequences per setting, between
  Brevitas' forward == the QONNX graph (QuantLSTMCell, executed by finngl)
                    == the FINN-ONNX graph (`lower-recurrent`, then `qonnx-to-finn`)
                    == the streamlined graph (`frontend`, `finngl check --integer-only` passes:
                       the Scan body is integer-only, floats only in each output's final scale).
Brevitas' forward is the independent reference; the intermediate graphs localize a failure.
Bit-exactness is claimed for batched inputs (see test_quant_lstm_cell.py on torch's sgemm).
"""

import numpy as np
import onnx
import pytest

from conftest import finngl_cli, run_finngl

pytest.importorskip("brevitas")
import torch  # noqa: E402
from brevitas.export import export_qonnx  # noqa: E402
from brevitas_models import (LSTM_H as H, LSTM_I as I, LSTM_MIXED,  # noqa: E402
                             lstm_output_scales, make_quant_lstm, to_integers)

N, T = 1000, 8

SETTINGS = {
    # The mixed-precision LSTM of issue 3: 8-bit weights, 6-bit gate accumulators, 4-bit sigmoid
    # outputs, 6-bit cell and hidden state (io: the LSTM's input and hidden-state quantizer).
    "mixed_w8_acc6_sigmoid4_state6": LSTM_MIXED,
    # Narrow weights, wide state.
    "w4_state8": dict(weight_bit_width=4, cell_state_bit_width=8, io_bit_width=8),
    "default_8bit": dict(),
    "mixed_cifg": dict(weight_bit_width=5, gate_acc_bit_width=7, sigmoid_bit_width=3,
                       tanh_bit_width=5, cell_state_bit_width=7, io_bit_width=7,
                       coupled_input_forget_gates=True),
}


def run(path, x, tmp_path, tag):
    m = onnx.load(str(path))
    inits = {i.name for i in m.graph.initializer}
    names = [i.name for i in m.graph.input if i.name not in inits]
    assert len(names) == 1, names
    got = run_finngl(path, {names[0]: x}, tmp_path / tag)
    return [got[o.name] for o in m.graph.output]


def opt(src, pipeline, dst):
    finngl_cli("opt", src, "--pipeline", pipeline, "-o", dst)
    return dst


def op_types(path):
    m = onnx.load(str(path))
    ops = set()

    def walk(g):
        for n in g.node:
            ops.add(n.op_type)
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
    walk(m.graph)
    return ops


@pytest.mark.parametrize("name", list(SETTINGS))
def test_quant_lstm_streamlines_to_integer_only_and_matches_brevitas(name, tmp_path):
    net, rng = make_quant_lstm(SETTINGS[name], seed=sum(map(ord, name)))
    x = rng.normal(0, 1.5, (T, N, I)).astype(np.float32)
    with torch.no_grad():
        want = [t.numpy() for t in net(torch.from_numpy(x))]
    scales = lstm_output_scales(net)
    want_int = [to_integers(w, s, "Brevitas", k) for w, s, k in zip(want, scales, "Yhc")]
    # Not degenerate: the quantizers round and clamp, the outputs use many levels.
    assert len(np.unique(want_int[0])) >= 16 and len(np.unique(want_int[2])) >= 16

    qonnx = tmp_path / "qonnx.onnx"
    export_qonnx(net, torch.from_numpy(x), str(qonnx), dynamo=False)
    assert "QuantLSTMCell" in op_types(qonnx)
    lowered = opt(qonnx, "lower-recurrent", tmp_path / "lowered.onnx")
    finn = opt(lowered, "qonnx-to-finn", tmp_path / "finn.onnx")
    assert "MultiThreshold" in op_types(finn)
    assert not {"Quant", "QuantLSTMCell", "Sigmoid", "Tanh"} & op_types(finn), op_types(finn)
    streamlined = opt(qonnx, "frontend", tmp_path / "int.onnx")
    check = finngl_cli("check", "--integer-only", streamlined, check=False)
    assert check.returncode == 0 and "integer-only" in check.stdout, check.stdout + check.stderr
    # Per-tensor quantizers keep one threshold row: no thresholds depend on the batch size N.
    sm = onnx.load(str(streamlined))
    dims = {i.name: list(i.dims) for i in sm.graph.initializer}
    rows = [dims[n.input[1]][0] for n in sm.graph.node if n.op_type == "MultiThreshold"]
    assert rows and all(r == 1 for r in rows), rows

    counts = {}
    for tag, path in (("qonnx", qonnx), ("finn", finn), ("streamlined", streamlined)):
        got = run(path, x, tmp_path, tag)
        for g, w, s, k in zip(got, want_int, scales, "Yhc"):
            assert g.shape == w.shape, (tag, k, g.shape, w.shape)
            counts[f"{tag} {k}"] = int(np.sum(to_integers(g, s, tag, k) != w))
    total = sum(w.size for w in want_int)
    print(f"\n[{name}] {N} sequences x {T} steps, H={H}, {total} output integers per graph: "
          f"mismatches {counts}")
    assert all(v == 0 for v in counts.values()), f"{name}: mismatches against Brevitas: {counts}"
