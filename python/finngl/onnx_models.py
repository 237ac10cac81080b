"""ONNX models built directly with onnx.helper, shaped like the finngl case study (a DeepLOB-like
ConvLSTM over limit-order-book windows): two convolution blocks, an LSTM over the remaining time
steps, and a dense head.

Three variants share one layout and one set of seeded random weights:
- `convlstm_float(lstm="op")`: float32, the LSTM as a standard ONNX LSTM node;
- `convlstm_float(lstm="scan")`: float32, the LSTM cell written out inside an ONNX Scan body;
- `convlstm_qcdq()`: quantized in QCDQ form (QuantizeLinear -> [Clip] -> DequantizeLinear) with
  int8 weights, int32 biases, 6-bit activations and a Scan LSTM whose body quantizes every gate
  accumulator, sigmoid/tanh output and the cell state as Brevitas' QuantLSTM does
  (see ../shared/reference/qonnx_brevitas.md section 4 and 5.3).

The builders are used by the executor benchmark, the demo's example model and the tests.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8


@dataclass
class ConvLstmShape:
    """Sizes of the case-study network (defaults: ../shared/docs/case-study.md)."""
    window: int = 100        # time steps per input window
    features: int = 40       # LOB features per time step
    channels: int = 32       # conv channels
    hidden: int = 64         # LSTM hidden size
    dense: int = 64          # dense layer width
    classes: int = 3

    def conv_layers(self):
        """(in_ch, out_ch, kernel, stride) of the six convolutions."""
        c = self.channels
        return [(1, c, (1, 2), (1, 2)), (c, c, (4, 1), (1, 1)), (c, c, (4, 1), (1, 1)),
                (c, c, (1, 2), (1, 2)), (c, c, (4, 1), (1, 1)), (c, c, (4, 1), (1, 1))]

    def lstm_steps(self) -> int:
        t = self.window
        for _, _, k, s in self.conv_layers():
            t = (t - k[0]) // s[0] + 1
        return t

    def lstm_inputs(self) -> int:
        f = self.features
        for _, _, k, s in self.conv_layers():
            f = (f - k[1]) // s[1] + 1
        return self.channels * f


def _weights(shape: ConvLstmShape, seed: int):
    """Seeded float weights for every layer; LSTM gates in (i, f, c, o) order, row-vector form."""
    rng = np.random.default_rng(seed)
    w = {}
    for n, (ci, co, k, _) in enumerate(shape.conv_layers()):
        fan_in = ci * k[0] * k[1]
        w[f"conv{n}_w"] = (rng.standard_normal((co, ci, *k)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        w[f"conv{n}_b"] = (rng.standard_normal(co) * 0.05).astype(np.float32)
    i, h = shape.lstm_inputs(), shape.hidden
    for g in "ifco":
        w[f"lstm_wx_{g}"] = (rng.standard_normal((h, i)) / np.sqrt(i)).astype(np.float32)
        w[f"lstm_wh_{g}"] = (rng.standard_normal((h, h)) / np.sqrt(h)).astype(np.float32)
        w[f"lstm_b_{g}"] = (rng.standard_normal(h) * 0.1).astype(np.float32)
    w["fc0_w"] = (rng.standard_normal((shape.dense, h)) * np.sqrt(2.0 / h)).astype(np.float32)
    w["fc0_b"] = (rng.standard_normal(shape.dense) * 0.05).astype(np.float32)
    w["fc1_w"] = (rng.standard_normal((shape.classes, shape.dense)) / np.sqrt(shape.dense)).astype(np.float32)
    w["fc1_b"] = (rng.standard_normal(shape.classes) * 0.05).astype(np.float32)
    return w


class _Builder:
    """Collects nodes and initializers with unique names."""

    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, base, value):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(value), n))
        return n

    def op(self, op_type, inputs, base=None, n_out=1, **attrs):
        outs = [self.name(base or op_type.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.name(op_type), **attrs))
        return outs[0] if n_out == 1 else outs


# ------------------------------------------------------------------------------- quantizers

@dataclass
class QParams:
    """A per-tensor quantizer: scale, bit width, signedness, narrow range."""
    scale: float
    bits: int = 8
    signed: bool = True
    narrow: bool = False

    def bounds(self):
        if self.signed:
            lo = -(2 ** (self.bits - 1)) + (1 if self.narrow else 0)
            return lo, 2 ** (self.bits - 1) - 1
        return 0, 2 ** self.bits - 1 - (1 if self.narrow else 0)


def _qdq(b: _Builder, x: str, q: QParams) -> str:
    """QuantizeLinear -> [Clip] -> DequantizeLinear, with the Clip that Brevitas adds for
    bit widths other than 8 or narrow ranges."""
    zp_type = np.int8 if q.signed else np.uint8
    scale = b.const("scale", np.float32(q.scale))
    zp = b.const("zp", zp_type(0))
    y = b.op("QuantizeLinear", [x, scale, zp], "q")
    if q.bits != 8 or q.narrow:
        lo, hi = q.bounds()
        y = b.op("Clip", [y, b.const("clip_lo", zp_type(lo)), b.const("clip_hi", zp_type(hi))], "clip")
    return b.op("DequantizeLinear", [y, scale, zp], "dq")


def _int_weight(b: _Builder, w: np.ndarray, bits=8, per_channel_axis=None):
    """Brevitas' weight export: int8 initializer -> DequantizeLinear (narrow symmetric)."""
    qmax = 2 ** (bits - 1) - 1
    if per_channel_axis is None:
        scale = np.float32(np.abs(w).max() / qmax)
        q = np.clip(np.round(w / scale), -qmax, qmax).astype(np.int8)
        zp = np.int8(0)
        attrs = {}
    else:
        red = tuple(a for a in range(w.ndim) if a != per_channel_axis)
        scale = (np.abs(w).max(axis=red) / qmax).astype(np.float32)
        shape = [1] * w.ndim
        shape[per_channel_axis] = -1
        q = np.clip(np.round(w / scale.reshape(shape)), -qmax, qmax).astype(np.int8)
        zp = np.zeros_like(scale, dtype=np.int8)
        attrs = {"axis": per_channel_axis}
    node_in = [b.const("w_int", q), b.const("w_scale", scale), b.const("w_zp", zp)]
    if bits != 8 or True:  # narrow range: Brevitas adds a Clip to [-qmax, qmax]
        node_in[0] = b.op("Clip", [node_in[0], b.const("w_lo", np.int8(-qmax)), b.const("w_hi", np.int8(qmax))], "w_clip")
    return b.op("DequantizeLinear", node_in, "w", **attrs), scale


def _int_bias(b: _Builder, bias: np.ndarray, scale):
    """Int32Bias: int32 initializer -> DequantizeLinear with scale = input scale * weight scale."""
    scale = np.asarray(scale, dtype=np.float32)
    q = np.round(bias / scale).astype(np.int32)
    zp = np.zeros_like(scale, dtype=np.int32) if scale.ndim else np.int32(0)
    attrs = {"axis": 0} if scale.ndim else {}
    return b.op("DequantizeLinear", [b.const("b_int", q), b.const("b_scale", scale), b.const("b_zp", zp)], "b", **attrs)


# ------------------------------------------------------------------------------- network parts

def _conv_blocks(b: _Builder, x: str, shape: ConvLstmShape, w: dict, quant: bool, act_bits: int):
    in_scale = 1.0 / 32
    for n, (_, _, k, s) in enumerate(shape.conv_layers()):
        if quant:
            wq, ws = _int_weight(b, w[f"conv{n}_w"], per_channel_axis=0)
            bq = _int_bias(b, w[f"conv{n}_b"], in_scale * ws)
            y = b.op("Conv", [x, wq, bq], "conv", kernel_shape=list(k), strides=list(s))
            y = b.op("Relu", [y], "relu")
            act_scale = 4.0 / (2 ** act_bits - 1)
            x = _qdq(b, y, QParams(act_scale, act_bits, signed=False))
            in_scale = act_scale
        else:
            y = b.op("Conv", [x, b.const("w", w[f"conv{n}_w"]), b.const("b", w[f"conv{n}_b"])], "conv",
                     kernel_shape=list(k), strides=list(s))
            x = b.op("Relu", [y], "relu")
    return x


def _to_sequence(b: _Builder, x: str, shape: ConvLstmShape) -> str:
    """[N, C, T, F] -> [T, N, C*F]: time-major sequence for the LSTM."""
    y = b.op("Transpose", [x], "tnf", perm=[2, 0, 1, 3])
    return b.op("Reshape", [y, b.const("seq_shape", np.array([shape.lstm_steps(), -1, shape.lstm_inputs()], np.int64))], "seq")


def _lstm_cell_body(shape: ConvLstmShape, w: dict, quant: dict | None) -> onnx.GraphProto:
    """Scan body: (h, c, x_t) -> (h', c', h'), row vectors [N, H]; Brevitas' QuantLSTM cell when
    `quant` gives the quantizers (gates i, f, c, o; cell state quantized three times)."""
    b = _Builder()
    hdim, idim = shape.hidden, shape.lstm_inputs()
    h, c, x = "h_prev", "c_prev", "x_t"
    gates = {}
    for g in "ifco":
        if quant:
            wx, _ = _int_weight(b, w[f"lstm_wx_{g}"].T.copy())
            wh, _ = _int_weight(b, w[f"lstm_wh_{g}"].T.copy())
            bias = b.const("lstm_b", w[f"lstm_b_{g}"])
        else:
            wx, wh, bias = (b.const("wx", w[f"lstm_wx_{g}"].T.copy()), b.const("wh", w[f"lstm_wh_{g}"].T.copy()),
                            b.const("lstm_b", w[f"lstm_b_{g}"]))
        acc = b.op("Add", [b.op("Add", [b.op("MatMul", [x, wx]), b.op("MatMul", [h, wh])]), bias], f"acc_{g}")
        if quant:
            acc = _qdq(b, acc, quant["acc"])
        act = b.op("Tanh" if g == "c" else "Sigmoid", [acc], f"act_{g}")
        if quant:
            act = _qdq(b, act, quant["tanh"] if g == "c" else quant["sigmoid"])
        gates[g] = act
    fc = b.op("Mul", [gates["f"], c], "fc")
    ig = b.op("Mul", [gates["i"], gates["c"]], "ig")
    if quant:
        fc, ig = _qdq(b, fc, quant["cell"]), _qdq(b, ig, quant["cell"])
    c_new = b.op("Add", [fc, ig], "c_sum")
    if quant:
        c_new = _qdq(b, c_new, quant["cell"])
    t = b.op("Tanh", [c_new], "tanh_c")
    if quant:
        t = _qdq(b, t, quant["tanh"])
    h_new = b.op("Mul", [gates["o"], t], "h_mul")
    if quant:
        h_new = _qdq(b, h_new, quant["hidden"])
    b.nodes.append(helper.make_node("Identity", [h_new], ["h_out"], name="h_out_copy"))
    b.nodes.append(helper.make_node("Identity", [c_new], ["c_next"], name="c_next_copy"))
    b.nodes.append(helper.make_node("Identity", [h_new], ["h_next"], name="h_next_copy"))
    f32 = TensorProto.FLOAT
    return helper.make_graph(
        b.nodes, "lstm_cell",
        [helper.make_tensor_value_info(h, f32, ["N", hdim]), helper.make_tensor_value_info(c, f32, ["N", hdim]),
         helper.make_tensor_value_info(x, f32, ["N", idim])],
        [helper.make_tensor_value_info("h_next", f32, ["N", hdim]),
         helper.make_tensor_value_info("c_next", f32, ["N", hdim]),
         helper.make_tensor_value_info("h_out", f32, ["N", hdim])],
        initializer=b.inits)


def _zeros_state(b: _Builder, seq: str, hidden: int) -> str:
    """[N, H] zeros with N taken from the sequence at run time (batch-size independent)."""
    batch = b.op("Shape", [seq], "seq_shape_rt", start=1, end=2)
    dims = b.op("Concat", [batch, b.const("hid", np.array([hidden], np.int64))], "state_dims", axis=0)
    return b.op("Expand", [b.const("zero", np.zeros((1, 1), np.float32)), dims], "state0")


def _lstm(b: _Builder, seq: str, shape: ConvLstmShape, w: dict, lstm: str, quant: dict | None) -> str:
    """Returns the last hidden state [N, H]."""
    hdim = shape.hidden
    if lstm == "op":
        # ONNX gate order is i, o, f, c.
        W = np.stack([np.concatenate([w[f"lstm_wx_{g}"] for g in "iofc"])])
        R = np.stack([np.concatenate([w[f"lstm_wh_{g}"] for g in "iofc"])])
        B = np.concatenate([np.concatenate([w[f"lstm_b_{g}"] for g in "iofc"]), np.zeros(4 * hdim, np.float32)])[None]
        _, y_h = b.op("LSTM", [seq, b.const("W", W), b.const("R", R), b.const("B", B)], "lstm", n_out=2,
                      hidden_size=hdim)
        return b.op("Squeeze", [y_h, b.const("axis0", np.array([0], np.int64))], "h_last")
    body = _lstm_cell_body(shape, w, quant)
    h0 = _zeros_state(b, seq, hdim)
    h_last, _, _ = b.op("Scan", [h0, h0, seq], "lstm", n_out=3, num_scan_inputs=1, body=body)
    return h_last


def _head(b: _Builder, h: str, w: dict, quant: dict | None, act_bits: int) -> str:
    if quant:
        h_scale = quant["hidden"].scale
        w0, s0 = _int_weight(b, w["fc0_w"], per_channel_axis=0)
        y = b.op("Gemm", [h, w0, _int_bias(b, w["fc0_b"], h_scale * s0)], "fc0", transB=1)
        y = b.op("Relu", [y], "fc0_relu")
        s = 4.0 / (2 ** act_bits - 1)
        y = _qdq(b, y, QParams(s, act_bits, signed=False))
        w1, s1 = _int_weight(b, w["fc1_w"], per_channel_axis=0)
        return b.op("Gemm", [y, w1, _int_bias(b, w["fc1_b"], s * s1)], "logits", transB=1)
    y = b.op("Relu", [b.op("Gemm", [h, b.const("fc0_w", w["fc0_w"]), b.const("fc0_b", w["fc0_b"])], "fc0", transB=1)])
    return b.op("Gemm", [y, b.const("fc1_w", w["fc1_w"]), b.const("fc1_b", w["fc1_b"])], "logits", transB=1)


def _finish(b: _Builder, x_in: str, logits: str, shape: ConvLstmShape, name: str) -> onnx.ModelProto:
    b.nodes.append(helper.make_node("Identity", [logits], ["logits"], name="output"))
    graph = helper.make_graph(
        b.nodes, name,
        [helper.make_tensor_value_info(x_in, TensorProto.FLOAT, ["N", 1, shape.window, shape.features])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", shape.classes])],
        initializer=b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="finngl.onnx_models")
    onnx.checker.check_model(model)
    return model


def convlstm_float(shape: ConvLstmShape | None = None, lstm: str = "op", seed: int = 0) -> onnx.ModelProto:
    """The float case-study network; `lstm` is "op" (ONNX LSTM node) or "scan" (Scan body)."""
    shape = shape or ConvLstmShape()
    w = _weights(shape, seed)
    b = _Builder()
    x = _conv_blocks(b, "lob_window", shape, w, quant=False, act_bits=0)
    h = _lstm(b, _to_sequence(b, x, shape), shape, w, lstm, None)
    return _finish(b, "lob_window", _head(b, h, w, None, 0), shape, f"convlstm_float_{lstm}")


def default_lstm_quantizers(bits: int = 6) -> dict:
    """Quantizers of the LSTM cell (W8A6 by default); scales are plausible trained values."""
    top = 2 ** (bits - 1)
    return {
        "acc": QParams(8.0 / top, bits),                                   # gate accumulators
        "sigmoid": QParams(1.0 / (2 ** bits - 1), bits, signed=False),     # sigmoid outputs
        "tanh": QParams(1.0 / (top - 1), bits, narrow=True),               # tanh outputs
        "cell": QParams(4.0 / top, bits),                                  # cell state (3x)
        "hidden": QParams(1.0 / top, bits),                                # hidden state
    }


def convlstm_qcdq(shape: ConvLstmShape | None = None, seed: int = 0, act_bits: int = 6) -> onnx.ModelProto:
    """The quantized case-study network in QCDQ form with a Scan LSTM."""
    shape = shape or ConvLstmShape()
    w = _weights(shape, seed)
    b = _Builder()
    x = _qdq(b, "lob_window", QParams(1.0 / 32, 8))
    x = _conv_blocks(b, x, shape, w, quant=True, act_bits=act_bits)
    seq = _to_sequence(b, x, shape)
    h = _lstm(b, seq, shape, w, "scan", default_lstm_quantizers(act_bits))
    return _finish(b, "lob_window", _head(b, h, w, default_lstm_quantizers(act_bits), act_bits), shape,
                   "convlstm_qcdq")
