"""Brevitas QuantLSTM -> ONNX Scan whose body reproduces QuantLSTM's forward bit for bit.

The body follows ``_QuantLSTMCell.forward_iter`` of brevitas 0.13.4 (nn/quant_rnn.py; see
qonnx_brevitas.md 5.3) with one qonnx Quant node per Brevitas quantizer call:

    xq  = Quant_io(x_t)                                  io_quant (input quantizer, = output quantizer)
    for gate in input, forget, cell, output:
        Wq  = Quant_w[gate](W_gate^T)                    per-gate weight quantizer, shared by the
        Uq  = Quant_w[gate](U_gate^T)                    input and the recurrent weights
        acc = Quant_acc[gate]( (xq @ Wq + h @ Uq) + Quant_bias[gate](b_gate) )
        act = Quant_sig[gate](Sigmoid(acc))   or   Quant_tanh_c(Tanh(acc)) for the cell gate
    c'  = Quant_cell( Quant_cell(f * c) + Quant_cell(i * g) )   (the shared cell_state quantizer, 3x)
    h'  = Quant_io( o * Quant_tanh_h(Tanh(c')) )

Every operation is the float32 operation Brevitas performs, in the same order: ``F.linear(x, W)``
is ``x @ W^T`` (a MatMul with the transposed weight as initializer), the gate accumulator is
``(x W^T + h U^T) + b``, the products ``f * c`` and ``i * g`` and the sums are single float32 ops.
The weights and biases are float initializers inside the body, each quantized by its own Quant
node (as Brevitas' QONNX export does for feed-forward layers); the bias quantizer (Int32Bias) has
scale = io scale x weight scale and 32 bits; with ``bias_quant=None`` the float bias is added.
The initial states are zeros (Brevitas does not quantize zero initial states). At export time
every Quant node on a parameter is checked to reproduce Brevitas' quantized parameter exactly.

Scan layout (ONNX opset 17): inputs ``h0 [N, H], c0 [N, H], x [T, N, I]`` (time-major; 2 state
variables, 1 scan input), outputs ``h_T, c_T`` and, with ``sequence_output=True``, the stacked
hidden states ``[T, N, H]``. The one remaining source of disagreement with torch is the float32
summation order inside the matrix products (torch's MKL GEMM vs the executor's), see
convlstm_onnx.py.
"""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np
import torch

from .quant import (ExportError, GraphBuilder, act_spec, check_parameter, quant_tensor_spec,
                    value_info, weight_spec)

GATES = ("input", "forget", "cell", "output")
CELL_QUANTIZERS = ("output_quant", "cell_state_quant", "input_acc_quant", "forget_acc_quant",
                   "cell_acc_quant", "output_acc_quant", "input_sigmoid_quant", "forget_sigmoid_quant",
                   "cell_tanh_quant", "output_sigmoid_quant", "hidden_state_tanh_quant")
_ACC = {"input": "input_acc_quant", "forget": "forget_acc_quant", "cell": "cell_acc_quant",
        "output": "output_acc_quant"}
_ACT = {"input": ("Sigmoid", "input_sigmoid_quant"), "forget": ("Sigmoid", "forget_sigmoid_quant"),
        "cell": ("Tanh", "cell_tanh_quant"), "output": ("Sigmoid", "output_sigmoid_quant")}


def _layer(lstm):
    if len(lstm.layers) != 1 or len(lstm.layers[0]) != 1:
        raise ExportError("only single-layer, unidirectional QuantLSTMs are exported "
                          f"(got {len(lstm.layers)} layers x {len(lstm.layers[0])} directions)")
    layer = lstm.layers[0][0]
    if layer.cifg:
        raise ExportError("coupled input-forget gates (CIFG) are not supported")
    if layer.reverse_input:
        raise ExportError("reversed-input QuantLSTM layers are not supported")
    if layer.quantize_output_only:
        raise ExportError("QuantLSTM layer does not quantize its input (quantize_output_only)")
    return layer


@torch.no_grad()
def lstm_quant_specs(lstm) -> Dict[str, object]:
    """Every quantizer of a single-layer QuantLSTM as QuantSpecs, with the float parameters.

    Returns {"io", "cell_state", "<gate>_acc", "<gate>_act", "hidden_state_tanh": QuantSpec,
    "weights": {gate: (W [H, I] float32, U [H, H] float32, QuantSpec W, QuantSpec U)},
    "bias": {gate: (b [H] float32, QuantSpec or None)}, "input_size", "hidden_size", "batch_first"}.
    Reads the quantizers in eval mode (the module's mode is restored).
    """
    if any(p.device.type != "cpu" for p in lstm.parameters()):
        raise ExportError("move the QuantLSTM to the CPU before exporting")
    was_training = lstm.training
    lstm.eval()
    try:
        return _lstm_quant_specs(lstm)
    finally:
        lstm.train(was_training)


def _check_fast_cell(layer) -> None:
    """Brevitas' forward runs the layer's cached fast cell, built at the first forward from the
    quantizers of that moment; after a load_state_dict the cell's quantizers are new objects and
    the fast cell is stale (it computes with the old scales). The export reads the cell's
    quantizers, so refuse a stale fast cell instead of exporting something Brevitas does not run."""
    fast = getattr(layer, "_fast_cell", None)
    if fast is None:
        return
    for q in CELL_QUANTIZERS:
        proxy = getattr(layer.cell, q)
        used = getattr(fast, q)
        if proxy.fused_activation_quant_proxy is not None and used is not proxy.fused_activation_quant_proxy:
            raise ExportError(
                f"the QuantLSTM's cached fast cell is stale ({q} is not the cell's quantizer, typically after "
                "load_state_dict on a model that already ran): Brevitas' forward uses old activation scales. "
                "Set layer._fast_cell = None (finngl.train.reset_quant_lstm_fast_cells) and export again")


def _lstm_quant_specs(lstm) -> Dict[str, object]:
    layer = _layer(lstm)
    _check_fast_cell(layer)
    cell = layer.cell
    for q in CELL_QUANTIZERS:
        if not getattr(cell, q).is_quant_enabled:
            raise ExportError(f"QuantLSTM quantizer {q} is disabled; only fully quantized cells are exported")
    specs: Dict[str, object] = {
        "io": act_spec(cell.output_quant, "lstm.io"),
        "cell_state": act_spec(cell.cell_state_quant, "lstm.cell_state"),
        "hidden_state_tanh": act_spec(cell.hidden_state_tanh_quant, "lstm.hidden_state_tanh"),
        "input_size": layer.input_size, "hidden_size": layer.hidden_size,
        "batch_first": bool(layer.cell.batch_first),
    }
    if layer.io_quant is not cell.output_quant:
        raise ExportError("the LSTM's input quantizer is not its output quantizer")
    for gate in GATES:
        specs[f"{gate}_acc"] = act_spec(getattr(cell, _ACC[gate]), f"lstm.{_ACC[gate]}")
        specs[f"{gate}_act"] = act_spec(getattr(cell, _ACT[gate][1]), f"lstm.{_ACT[gate][1]}")
    # a quantized input as Brevitas sees it (only its scale matters for the bias quantizer)
    quant_input = layer.io_quant(torch.zeros(1, 1, layer.input_size))
    weights, biases = {}, {}
    for gate in GATES:
        gp = getattr(layer, f"{gate}_gate_params")
        qw = gp.input_weight.quant_weight()
        qu = gp.hidden_weight.quant_weight()
        sw = weight_spec(gp.input_weight, f"lstm.{gate}.weight", qw)
        su = weight_spec(gp.hidden_weight, f"lstm.{gate}.hidden_weight", qu)
        w = gp.input_weight.weight.detach().float().numpy()
        u = gp.hidden_weight.weight.detach().float().numpy()
        check_parameter(sw, w, qw.value.numpy(), f"lstm.{gate}.weight")
        check_parameter(su, u, qu.value.numpy(), f"lstm.{gate}.hidden_weight")
        weights[gate] = (w, u, sw, su)
        if gp.bias is None:
            biases[gate] = None
            continue
        b = gp.bias.detach().float().numpy()
        if gp.bias_quant is not None and gp.bias_quant.is_quant_enabled:
            qb = gp.bias_quant(gp.bias, quant_input, gp.input_weight())
            sb = quant_tensor_spec(qb, gp.bias_quant, f"lstm.{gate}.bias")
            check_parameter(sb, b, qb.value.numpy().reshape(b.shape), f"lstm.{gate}.bias")
            biases[gate] = (b, sb)
        else:
            biases[gate] = (b, None)
    specs["weights"], specs["bias"] = weights, biases
    return specs


def build_lstm_body(specs: Dict[str, object], name: str = "quant_lstm_body",
                    sequence_output: bool = False) -> GraphBuilder:
    """The Scan body graph (see the module docstring)."""
    H, I = specs["hidden_size"], specs["input_size"]
    g = GraphBuilder(name)
    h, c, x = "h_prev", "c_prev", "x_t"
    g.inputs = [value_info(h, ["N", H]), value_info(c, ["N", H]), value_info(x, ["N", I])]
    xq = g.quant(x, specs["io"], "x_quant")
    acts = {}
    for gate in GATES:
        w, u, sw, su = specs["weights"][gate]
        wq = g.quant(g.const(np.ascontiguousarray(w.T), f"W_{gate}_T"), sw.transposed(), f"W_{gate}_quant")
        uq = g.quant(g.const(np.ascontiguousarray(u.T), f"U_{gate}_T"), su.transposed(), f"U_{gate}_quant")
        xw = g.node("MatMul", [xq, wq], f"{gate}_xW")
        hu = g.node("MatMul", [h, uq], f"{gate}_hU")
        acc = g.node("Add", [xw, hu], f"{gate}_xW_hU")
        bias = specs["bias"][gate]
        if bias is not None:
            b, sb = bias
            bname = g.const(b, f"b_{gate}")
            if sb is not None:
                bname = g.quant(bname, sb, f"b_{gate}_quant")
            acc = g.node("Add", [acc, bname], f"{gate}_acc")
        accq = g.quant(acc, specs[f"{gate}_acc"], f"{gate}_acc_quant")
        op = _ACT[gate][0]
        act = g.node(op, [accq], f"{gate}_{op.lower()}")
        acts[gate] = g.quant(act, specs[f"{gate}_act"], f"{gate}_{op.lower()}_quant")
    cs = specs["cell_state"]
    fc = g.quant(g.node("Mul", [acts["forget"], c], "forget_cell"), cs, "forget_cell_quant")
    ig = g.quant(g.node("Mul", [acts["input"], acts["cell"]], "input_cell"), cs, "input_cell_quant")
    c_new = g.quant(g.node("Add", [fc, ig], "cell_sum"), cs, "cell_state_quant")
    th = g.quant(g.node("Tanh", [c_new], "cell_tanh"), specs["hidden_state_tanh"], "hidden_state_tanh_quant")
    h_new = g.quant(g.node("Mul", [acts["output"], th], "hidden"), specs["io"], "hidden_quant")
    outs = [h_new, c_new]
    g.outputs = [value_info(h_new, ["N", H]), value_info(c_new, ["N", H])]
    if sequence_output:
        seq = g.node("Identity", [h_new], "h_seq")
        g.outputs.append(value_info(seq, ["N", H]))
        outs.append(seq)
    return g


def add_quant_lstm(g: GraphBuilder, lstm, seq: str, name: str = "lstm",
                   sequence_output: bool = False, specs: Optional[dict] = None) -> Dict[str, str]:
    """Appends a Scan computing `lstm` (a Brevitas QuantLSTM) over the time-major sequence `seq`
    [T, N, I] to the outer graph `g`. Returns {"h": h_T, "c": c_T[, "sequence": [T, N, H]]}."""
    specs = specs or lstm_quant_specs(lstm)
    if specs["batch_first"]:
        seq = g.node("Transpose", [seq], f"{name}_time_major", perm=[1, 0, 2])
    H = specs["hidden_size"]
    body = build_lstm_body(specs, name=f"{name}_body", sequence_output=sequence_output).graph()
    # zero initial states [N, H]: zeros [1, H] broadcast to the batch size of the sequence
    shape = g.node("Shape", [seq], f"{name}_seq_shape")
    batch = g.node("Slice", [shape, g.const([1], f"{name}_one", np.int64), g.const([2], f"{name}_two", np.int64)],
                   f"{name}_batch")
    state_shape = g.node("Concat", [batch, g.const([1], f"{name}_unit", np.int64)], f"{name}_state_shape", axis=0)
    zeros = g.const(np.zeros((1, H), np.float32), f"{name}_zeros")
    h0 = g.node("Expand", [zeros, state_shape], f"{name}_h0")
    c0 = g.node("Expand", [zeros, state_shape], f"{name}_c0")
    outs = [g.unique(f"{name}_h_T"), g.unique(f"{name}_c_T")]
    if sequence_output:
        outs.append(g.unique(f"{name}_h_seq"))
    g.node("Scan", [h0, c0, seq], name, outputs=outs, body=body, num_scan_inputs=1)
    res = {"h": outs[0], "c": outs[1]}
    if sequence_output:
        res["sequence"] = outs[2]
    return res


@torch.no_grad()
def quant_lstm_to_onnx(lstm, sequence_output: bool = True, name: str = "quant_lstm"):
    """A standalone ONNX model of a single-layer Brevitas QuantLSTM: input ``x`` [T, N, I]
    (or [N, T, I] with batch_first), outputs ``h_T``, ``c_T`` [N, H] and, with
    `sequence_output`, ``h_seq`` [T, N, H] (time-major)."""
    from .quant import make_model
    was_training = lstm.training
    lstm.eval()
    try:
        specs = lstm_quant_specs(lstm)
        H, I = specs["hidden_size"], specs["input_size"]
        g = GraphBuilder(name)
        g.inputs = [value_info("x", ["N", "T", I] if specs["batch_first"] else ["T", "N", I])]
        res = add_quant_lstm(g, lstm, "x", "lstm", sequence_output=sequence_output, specs=specs)
        g.node("Identity", [res["h"]], "h_T", outputs=["h_T"])
        g.node("Identity", [res["c"]], "c_T", outputs=["c_T"])
        g.outputs = [value_info("h_T", ["N", H]), value_info("c_T", ["N", H])]
        if sequence_output:
            g.node("Identity", [res["sequence"]], "h_seq", outputs=["h_seq"])
            g.outputs.append(value_info("h_seq", ["T", "N", H]))
        return make_model(g.graph(), doc="finngl export of a Brevitas QuantLSTM as an ONNX Scan")
    finally:
        lstm.train(was_training)
