"""Export of the quantized case-study ConvLSTM (finngl.models.ConvLstmQuant) as one QONNX file.

Graph (NCHW, batch dimension "N" symbolic), every Brevitas quantizer one qonnx Quant node
(domain qonnx.custom_op.general, opset 2) with the scale / zero point / bit width / signed /
narrow / rounding mode read from the Brevitas quantizer (see quant.py):

    x [N, 1, W, F] -> Quant(input)
    6 x:  Conv(x, Quant(W), b) -> BatchNorm (torch's own arithmetic, see batchnorm.py)
          -> Relu -> Quant(unsigned act)
    Transpose [N, C, T, F] -> [T, N, C, F] -> Reshape [T, N, C*F]
    Scan: Brevitas QuantLSTM, bit for bit (lstm_scan.py) -> h_T [N, H]
    MatMul(h_T, Quant(W0^T)) -> Add(b0) -> Relu -> Quant(unsigned act)
    MatMul(., Quant(W1^T)) -> Add(b1) -> logits [N, classes]

Each node computes the float32 operation Brevitas' forward computes, in the same order:
QuantConv2d is ``conv2d(x, Wq, b)`` with a float bias, BatchNorm2d is a separate float op after the
quantized conv (not folded), QuantReLU is ReLU followed by its quantizer, QuantLinear is
``x @ Wq^T + b`` (torch's addmm adds the bias after the product). The float parameters are stored
as initializers and quantized by Quant nodes, as Brevitas' QONNX export does; at export time each
Quant node is checked to reproduce Brevitas' quantized parameter bit for bit.

What cannot be reproduced exactly is the float32 summation order inside the convolutions and
matrix products: torch (oneDNN / MKL, blocked FMA kernels) and the executor (its own GEMM) add the
same products in different orders, so a sum may differ in its last bit; when such a sum lies
within that last bit of a quantizer's rounding boundary (x / scale within ~1e-6 of k + 0.5), the
two round differently by one step. tests/python/test_export_convlstm.py measures how often that
happens. (The reference itself has the same property: torch's result can change with the batch
size or the number of threads.)
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Union

import numpy as np
import onnx
import torch

from .batchnorm import add_batchnorm, probe_formula
from .lstm_scan import add_quant_lstm, lstm_quant_specs
from .quant import (ExportError, GraphBuilder, act_spec, add_metadata, check_parameter, make_model,
                    value_info, weight_spec)

INPUT_NAME = "x"
OUTPUT_NAME = "logits"


def _quant_weight(g: GraphBuilder, module, name: str, transpose: bool = False) -> str:
    qt = module.quant_weight()
    spec = weight_spec(module, name, qt)
    w = module.weight.detach().float().numpy()
    check_parameter(spec, w, qt.value.detach().numpy(), name)
    if transpose:
        w, spec = np.ascontiguousarray(w.T), spec.transposed()
    return g.quant(g.const(w, f"{name}"), spec, f"{name}_quant")


def _float_bias(module, name: str) -> Optional[np.ndarray]:
    if module.bias is None:
        return None
    bq = getattr(module, "bias_quant", None)
    if bq is not None and bq.is_quant_enabled:
        raise ExportError(f"{name}: quantized conv/dense biases are not supported (ConvLstmQuant keeps them float)")
    return module.bias.detach().float().numpy()


def _linear(g: GraphBuilder, x: str, layer, name: str) -> str:
    wq = _quant_weight(g, layer, f"{name}_weight", transpose=True)
    y = g.node("MatMul", [x, wq], f"{name}_matmul")
    b = _float_bias(layer, name)
    if b is not None:
        y = g.node("Add", [y, g.const(b, f"{name}_bias")], f"{name}_add")
    return y


def _check_conv(conv, name):
    if tuple(conv.padding) != (0, 0) or tuple(conv.dilation) != (1, 1) or conv.groups != 1:
        raise ExportError(f"{name}: only unpadded, undilated, ungrouped convolutions are supported")
    if getattr(conv, "padding_mode", "zeros") != "zeros":
        raise ExportError(f"{name}: padding mode {conv.padding_mode} not supported")


@torch.no_grad()
def convlstm_to_onnx(model, batchnorm: str = "auto", debug_outputs: bool = False,
                     name: str = "convlstm_quant") -> onnx.ModelProto:
    """The ONNX model of a ConvLstmQuant (see the module docstring).

    batchnorm: 'auto' (find torch's BatchNorm arithmetic on this machine, batchnorm.probe_formula),
        'fma', 'mul_add' (force one), or 'onnx' (a standard BatchNormalization node, not bit-exact).
    debug_outputs: also output every quantized activation tensor outside the Scan
        (``input_q``, ``conv{i}_act``, ``lstm_h``, ``fc0_act``) for comparisons.
    The model is put in eval mode (its previous mode is restored afterwards)."""
    if any(p.device.type != "cpu" for p in model.parameters()):
        raise ExportError("move the model to the CPU before exporting (model.cpu()): the export "
                          "reproduces torch's CPU arithmetic")
    was_training = model.training
    model.eval()
    try:
        return _build(model, batchnorm, debug_outputs, name)
    finally:
        model.train(was_training)


def _build(model, batchnorm, debug_outputs, name):
    if batchnorm not in ("auto", "fma", "mul_add", "onnx"):
        raise ValueError(f"batchnorm must be auto, fma, mul_add or onnx, got {batchnorm!r}")
    g = GraphBuilder(name)
    g.inputs = [value_info(INPUT_NAME, ["N", 1, model.window, model.features])]
    debug: Dict[str, tuple] = {}
    x = g.quant(INPUT_NAME, act_spec(model.inp.act_quant, "input"), "input_quant")
    t, f = model.window, model.features
    debug["input_q"] = (x, ["N", 1, t, f])
    formulas = []
    for i, (conv, bn, relu) in enumerate(zip(model.conv, model.bn, model.relu)):
        _check_conv(conv, f"conv{i}")
        wq = _quant_weight(g, conv, f"conv{i}_weight")
        inputs = [x, wq]
        b = _float_bias(conv, f"conv{i}")
        if b is not None:
            inputs.append(g.const(b, f"conv{i}_bias"))
        k, s = list(conv.kernel_size), list(conv.stride)
        y = g.node("Conv", inputs, f"conv{i}", kernel_shape=k, strides=s, pads=[0, 0, 0, 0])
        formula = batchnorm
        if formula == "auto":
            formula = probe_formula(bn)
            if formula is None:
                raise ExportError(f"bn{i}: torch's BatchNorm2d matches neither a fused multiply-add nor "
                                  "a multiply and an add on this machine; use batchnorm='onnx' "
                                  "(not bit-exact)")
        formulas.append(formula)
        y = add_batchnorm(g, y, bn, f"bn{i}", formula)
        y = g.node("Relu", [y], f"relu{i}")
        x = g.quant(y, act_spec(relu.act_quant, f"relu{i}"), f"relu{i}_quant")
        t, f = (t - k[0]) // s[0] + 1, (f - k[1]) // s[1] + 1
        debug[f"conv{i}_act"] = (x, ["N", conv.out_channels, t, f])
    seq = g.node("Transpose", [x], "to_sequence", perm=[2, 0, 1, 3])
    seq = g.node("Reshape", [seq, g.const([model.steps, -1, model.lstm_inputs], "sequence_shape", np.int64)],
                 "sequence")
    lstm_specs = lstm_quant_specs(model.lstm)
    h = add_quant_lstm(g, model.lstm, seq, "lstm", specs=lstm_specs)["h"]
    debug["lstm_h"] = (h, ["N", model.hidden])
    y = _linear(g, h, model.fc0, "fc0")
    y = g.node("Relu", [y], "relu_fc")
    y = g.quant(y, act_spec(model.relu_fc.act_quant, "relu_fc"), "relu_fc_quant")
    debug["fc0_act"] = (y, ["N", model.dense])
    logits = _linear(g, y, model.fc1, "fc1")
    g.node("Identity", [logits], OUTPUT_NAME, outputs=[OUTPUT_NAME])
    g.outputs = [value_info(OUTPUT_NAME, ["N", model.classes])]
    if debug_outputs:
        for out_name, (tensor, shape) in debug.items():
            g.node("Identity", [tensor], out_name, outputs=[out_name])
            g.outputs.append(value_info(out_name, shape))
    doc = ("finngl export of a Brevitas ConvLstmQuant (W%dA%d): qonnx Quant nodes, the QuantLSTM as a Scan; "
           "input [N, 1, %d, %d] LOB windows, output logits for (down, stationary, up)"
           % (model.config.weight_bits, model.config.act_bits, model.window, model.features))
    onnx_model = make_model(g.graph(), doc=doc)
    add_metadata(onnx_model, {
        "finngl.model": "ConvLstmQuant",
        "finngl.classes": "down,stationary,up",
        "finngl.window": model.window, "finngl.features": model.features,
        "finngl.channels": model.channels, "finngl.hidden": model.hidden, "finngl.dense": model.dense,
        "finngl.batchnorm_arithmetic": ",".join(sorted(set(formulas))),
        "finngl.io_scale": float(lstm_specs["io"].scale),
        "finngl.fc0_act_scale": float(act_spec(model.relu_fc.act_quant, "relu_fc").scale),
    })
    return onnx_model


def export_convlstm(model, path: Union[str, Path], **kwargs) -> onnx.ModelProto:
    """Writes convlstm_to_onnx(model, **kwargs) to `path` and returns it. The Brevitas model is
    left as it was (no export mode is entered)."""
    m = convlstm_to_onnx(model, **kwargs)
    onnx.checker.check_model(m)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(m, str(path))
    return m


@torch.no_grad()
def brevitas_reference(model, x) -> Dict[str, np.ndarray]:
    """Brevitas' forward pass on `x` [N, 1, W, F] with the values the debug outputs carry:
    logits, input_q, conv{i}_act, lstm_h, fc0_act (float32 numpy)."""
    was_training = model.training
    model.eval()
    seen: Dict[str, torch.Tensor] = {}
    hooks = []

    def grab(key, pick=lambda o: o):
        def hook(_m, _i, out):
            v = pick(out)
            seen[key] = v.value if hasattr(v, "value") else v
        return hook

    hooks.append(model.inp.register_forward_hook(grab("input_q")))
    for i, relu in enumerate(model.relu):
        hooks.append(relu.register_forward_hook(grab(f"conv{i}_act")))
    hooks.append(model.lstm.register_forward_hook(grab("lstm_h", lambda o: o[0][-1])))
    hooks.append(model.relu_fc.register_forward_hook(grab("fc0_act")))
    try:
        xt = torch.as_tensor(np.asarray(x, np.float32))
        logits = model(xt)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    out = {k: v.detach().numpy().astype(np.float32) for k, v in seen.items()}
    out[OUTPUT_NAME] = logits.detach().numpy().astype(np.float32)
    return out
