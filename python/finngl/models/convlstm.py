"""The case-study ConvLSTM (../shared/docs/case-study.md): a DeepLOB-like network for limit-order-book
mid-price trend classification, as a Brevitas quantized model and as its float twin.

Layout (defaults; ``window``, ``features``, ``channels``, ``hidden``, ``dense`` and ``classes`` are
constructor parameters):

    input  [N, 1, 100, 40]                 one window: 100 snapshots x 40 LOB features
    QuantIdentity (8-bit signed)           (float twin: identity)
    block 1: Conv(1->32, 1x2, stride 1x2), Conv(32->32, 4x1), Conv(32->32, 4x1)
    block 2: Conv(32->32, 1x2, stride 1x2), Conv(32->32, 4x1), Conv(32->32, 4x1)
             every conv: QuantConv2d -> BatchNorm2d -> QuantReLU (6-bit unsigned)
             -> [N, 32, 88, 10]
    sequence [88, N, 320]                  time-major; feature index = channel * 10 + feature
    QuantLSTM(320 -> 64)                   every internal quantizer configurable; last hidden state
    QuantLinear(64 -> 64) -> QuantReLU(6)
    QuantLinear(64 -> 3)                   logits for (down, stationary, up)

Quantization is W8A6 by default (``QuantConfig()``): 8-bit per-tensor weights everywhere (Brevitas'
Int8WeightPerTensorFloat, narrow range), an 8-bit signed input quantizer, 6-bit unsigned QuantReLU
activations, and inside the LSTM 8-bit weights, 32-bit biases (Int32Bias) and 6-bit io (input and
hidden state), gate accumulator, sigmoid, tanh and cell-state quantizers. Conv and dense biases are
left in float: BatchNorm and ReLU absorb them into thresholds when streamlining. Note that the
LSTM's io quantizer is signed, so it re-quantizes the last (unsigned 6-bit) QuantReLU output onto
a signed 6-bit grid (one bit of positive range less); QuantLSTM shares that quantizer between its
input and its hidden state (qonnx_brevitas.md 5.3).

Activation scales: Brevitas initialises activation scales from the first training batches;
a model that never saw data has threshold 1.0 everywhere. `calibrate` sets them from data in one
float pass (see there for why Brevitas' own statistics do not suit QuantLSTM).

Parameter count (``count_parameters``; trainable weights and biases, BatchNorm affine parameters
included, BatchNorm running statistics and Brevitas' learned quantizer scales excluded):
- ``ConvLstmQuant()`` (the deployed model): **121,987**
  (convs 18,688, BatchNorms 384, LSTM 98,560 = 4 x 64 x (320 + 64) weights + 4 x 64 biases,
  dense 4,160 + 195);
- ``ConvLstmFloat()``: 122,243, i.e. 256 more, because torch.nn.LSTM keeps two bias vectors
  (bias_ih, bias_hh) where QuantLSTM has one per gate; ``load_float_weights`` adds them.
``count_parameters(model, include_quantizers=True)`` adds the 19 learned activation thresholds.
The paper states "about 141K" for its (unpublished) layer sizes; finngl's reconstruction has 122K.

Typical use (QAT from float weights):

    fmodel = ConvLstmFloat(); ...train...
    qmodel = ConvLstmQuant(config=QuantConfig())
    load_float_weights(qmodel, fmodel)
    calibrate(qmodel, [x0, x1, ...])      # activation scales from data (float pass)
    ...fine-tune qmodel...
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Tuple

import torch
from torch import nn

CLASSES = ("down", "stationary", "up")


# ----------------------------------------------------------------------------------- geometry

def conv_layers(channels: int = 32) -> List[Tuple[int, int, Tuple[int, int], Tuple[int, int]]]:
    """(in_channels, out_channels, kernel, stride) of the six convolutions."""
    c = channels
    return [(1, c, (1, 2), (1, 2)), (c, c, (4, 1), (1, 1)), (c, c, (4, 1), (1, 1)),
            (c, c, (1, 2), (1, 2)), (c, c, (4, 1), (1, 1)), (c, c, (4, 1), (1, 1))]


def conv_output_size(window: int = 100, features: int = 40, channels: int = 32) -> Tuple[int, int]:
    """(time steps, features) left after the two conv blocks: (88, 10) for the defaults."""
    t, f = window, features
    for _, _, k, s in conv_layers(channels):
        t = (t - k[0]) // s[0] + 1
        f = (f - k[1]) // s[1] + 1
    if t < 1 or f < 1:
        raise ValueError(f"window {window} x features {features} is too small for the conv blocks "
                         f"(leaves {t} time steps x {f} features)")
    return t, f


def _to_sequence(x: torch.Tensor) -> torch.Tensor:
    """[N, C, T, F] -> [T, N, C*F] (time-major; feature index = channel * F + feature)."""
    n, c, t, f = x.shape
    return x.permute(2, 0, 1, 3).reshape(t, n, c * f)


# ------------------------------------------------------------------------------ quant config

@dataclass(frozen=True)
class LstmQuantConfig:
    """Bit widths of Brevitas' QuantLSTM quantizers (section 5 of qonnx_brevitas.md).

    weight_bits: per-gate weight quantizer (shared by input and recurrent weights), signed narrow.
    bias_bits: Int32Bias-style bias quantizer (scale = input scale x weight scale); None keeps the
        bias in float (as the qonnx Scan-LSTM notebook does).
    io_bits: input and output (hidden state) quantizer, signed.
    gate_acc_bits: the four gate pre-activation quantizers, signed.
    sigmoid_bits: the three sigmoid output quantizers, unsigned.
    tanh_bits: the cell-candidate tanh and the tanh(c) quantizers, signed.
    cell_state_bits: the (shared) cell-state quantizer, signed.
    """
    weight_bits: int = 8
    bias_bits: Optional[int] = 32
    io_bits: int = 6
    gate_acc_bits: int = 6
    sigmoid_bits: int = 6
    tanh_bits: int = 6
    cell_state_bits: int = 6


@dataclass(frozen=True)
class QuantConfig:
    """Bit widths of the whole network; W8A6 by default.

    input_bits: the input QuantIdentity (signed). weight_bits: conv and dense weights.
    act_bits: QuantReLU after every conv and after the first dense layer (unsigned).
    per_channel_weights: per-output-channel weight scales for convs and dense layers (Brevitas'
        default, False, is one scale per tensor). lstm: the QuantLSTM quantizers.
    """
    input_bits: int = 8
    weight_bits: int = 8
    act_bits: int = 6
    per_channel_weights: bool = False
    lstm: LstmQuantConfig = field(default_factory=LstmQuantConfig)


# ------------------------------------------------------------------------------------ models

class _ConvLstmBase(nn.Module):
    def __init__(self, window, features, channels, hidden, dense, classes):
        super().__init__()
        self.window, self.features = window, features
        self.channels, self.hidden, self.dense, self.classes = channels, hidden, dense, classes
        self.steps, self.conv_features = conv_output_size(window, features, channels)
        self.lstm_inputs = channels * self.conv_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 1 or x.shape[2] != self.window or x.shape[3] != self.features:
            raise ValueError(f"expected input [N, 1, {self.window}, {self.features}], got {list(x.shape)}")
        x = self.inp(x)
        for conv, bn, relu in zip(self.conv, self.bn, self.relu):
            x = relu(bn(conv(x)))
        out = self.lstm(_to_sequence(x))[0]
        h = out[-1]
        return self.fc1(self.relu_fc(self.fc0(h)))


class ConvLstmFloat(_ConvLstmBase):
    """Float twin of ConvLstmQuant: the same structure with torch.nn layers."""

    def __init__(self, window: int = 100, features: int = 40, channels: int = 32, hidden: int = 64,
                 dense: int = 64, classes: int = 3):
        super().__init__(window, features, channels, hidden, dense, classes)
        self.inp = nn.Identity()
        self.conv = nn.ModuleList(nn.Conv2d(ci, co, k, stride=s) for ci, co, k, s in conv_layers(channels))
        self.bn = nn.ModuleList(nn.BatchNorm2d(channels) for _ in range(6))
        self.relu = nn.ModuleList(nn.ReLU() for _ in range(6))
        self.lstm = nn.LSTM(self.lstm_inputs, hidden)
        self.fc0 = nn.Linear(hidden, dense)
        self.relu_fc = nn.ReLU()
        self.fc1 = nn.Linear(dense, classes)


class ConvLstmQuant(_ConvLstmBase):
    """The quantized case-study network in Brevitas (W8A6 by default, see QuantConfig)."""

    def __init__(self, window: int = 100, features: int = 40, channels: int = 32, hidden: int = 64,
                 dense: int = 64, classes: int = 3, config: Optional[QuantConfig] = None):
        super().__init__(window, features, channels, hidden, dense, classes)
        import brevitas.nn as qnn
        from brevitas.quant import Int32Bias

        cfg = config or QuantConfig()
        self.config = cfg
        pc = cfg.per_channel_weights
        self.inp = qnn.QuantIdentity(bit_width=cfg.input_bits)
        self.conv = nn.ModuleList(
            qnn.QuantConv2d(ci, co, k, stride=s, bias=True, weight_bit_width=cfg.weight_bits,
                            weight_scaling_per_output_channel=pc)
            for ci, co, k, s in conv_layers(channels))
        self.bn = nn.ModuleList(nn.BatchNorm2d(channels) for _ in range(6))
        self.relu = nn.ModuleList(qnn.QuantReLU(bit_width=cfg.act_bits) for _ in range(6))
        lc = cfg.lstm
        bias_kwargs = ({"bias_quant": None} if lc.bias_bits is None
                       else {"bias_quant": Int32Bias, "bias_bit_width": lc.bias_bits})
        self.lstm = qnn.QuantLSTM(
            self.lstm_inputs, hidden, batch_first=False,
            weight_bit_width=lc.weight_bits, io_bit_width=lc.io_bits,
            gate_acc_bit_width=lc.gate_acc_bits, sigmoid_bit_width=lc.sigmoid_bits,
            tanh_bit_width=lc.tanh_bits, cell_state_bit_width=lc.cell_state_bits, **bias_kwargs)
        self.fc0 = qnn.QuantLinear(hidden, dense, bias=True, weight_bit_width=cfg.weight_bits,
                                   weight_scaling_per_output_channel=pc)
        self.relu_fc = qnn.QuantReLU(bit_width=cfg.act_bits)
        self.fc1 = qnn.QuantLinear(dense, classes, bias=True, weight_bit_width=cfg.weight_bits,
                                   weight_scaling_per_output_channel=pc)

    # -- introspection: the bit widths Brevitas actually uses (read back from the quantizers)

    def lstm_cell(self):
        """Brevitas' _QuantLSTMCell of the (single) LSTM layer: holds the activation quantizers."""
        return self.lstm.layers[0][0].cell

    def lstm_gate_params(self, gate: str):
        """GateParams of gate 'input' | 'forget' | 'cell' | 'output' (weights, bias, bias quant)."""
        return getattr(self.lstm.layers[0][0], f"{gate}_gate_params")

    def bit_widths(self) -> dict:
        """Every quantizer's bit width as Brevitas reports it, by name."""
        def bw(proxy):
            return int(proxy.bit_width())
        cell = self.lstm_cell()
        out = {"input": bw(self.inp.act_quant)}
        for i, (conv, relu) in enumerate(zip(self.conv, self.relu)):
            out[f"conv{i}.weight"] = bw(conv.weight_quant)
            out[f"relu{i}"] = bw(relu.act_quant)
        for gate in ("input", "forget", "cell", "output"):
            gp = self.lstm_gate_params(gate)
            out[f"lstm.{gate}.weight"] = bw(gp.input_weight.weight_quant)
            out[f"lstm.{gate}.hidden_weight"] = bw(gp.hidden_weight.weight_quant)
            if gp.bias_quant is not None and gp.bias_quant.is_quant_enabled:
                # bias_quant.bit_width() needs an input scale; the bit width itself is a constant
                out[f"lstm.{gate}.bias"] = int(gp.bias_quant.tensor_quant.msb_clamp_bit_width_impl())
        for name in ("output_quant", "cell_state_quant", "input_acc_quant", "forget_acc_quant",
                     "cell_acc_quant", "output_acc_quant", "input_sigmoid_quant",
                     "forget_sigmoid_quant", "cell_tanh_quant", "output_sigmoid_quant",
                     "hidden_state_tanh_quant"):
            out[f"lstm.{name}"] = bw(getattr(cell, name))
        out["fc0.weight"] = bw(self.fc0.weight_quant)
        out["relu_fc"] = bw(self.relu_fc.act_quant)
        out["fc1.weight"] = bw(self.fc1.weight_quant)
        return out


# ------------------------------------------------------------------------------------ helpers

def count_parameters(model: nn.Module, include_quantizers: bool = False) -> int:
    """Number of trainable values: weights, biases and BatchNorm affine parameters, each tensor
    counted once (Brevitas registers a QuantLSTM's recurrent weights a second time inside its
    weight quantizer). Brevitas' learned quantizer scales are excluded unless include_quantizers."""
    seen, total = set(), 0
    for module in model.modules():
        mod = type(module).__module__
        is_quantizer = mod.startswith("brevitas.core") or mod.startswith("brevitas.proxy")
        for p in module._parameters.values():
            if p is None or id(p) in seen:
                continue
            if is_quantizer and not include_quantizers:
                continue
            seen.add(id(p))
            total += p.numel()
    return total


@torch.no_grad()
def load_float_weights(qmodel: ConvLstmQuant, fmodel: ConvLstmFloat) -> ConvLstmQuant:
    """Copies the float twin's weights into the quantized model (for QAT from float weights):
    conv, BatchNorm (affine parameters and running statistics), LSTM and dense layers. The LSTM's
    two torch biases are summed into QuantLSTM's single per-gate bias; torch's gate order
    (i, f, g, o) maps onto Brevitas' input, forget, cell, output gates. Activation quantizer scales
    are not touched: run `calibrate` afterwards (or train, which collects them)."""
    geometry = ("window", "features", "channels", "hidden", "dense", "classes")
    for g in geometry:
        if getattr(qmodel, g) != getattr(fmodel, g):
            raise ValueError(f"models differ in {g}: quantized {getattr(qmodel, g)} != float {getattr(fmodel, g)}")
    for qc, fc in zip(qmodel.conv, fmodel.conv):
        qc.weight.copy_(fc.weight)
        qc.bias.copy_(fc.bias)
    for qb, fb in zip(qmodel.bn, fmodel.bn):
        qb.load_state_dict(fb.state_dict())
    h = fmodel.hidden
    lstm = fmodel.lstm
    bias = lstm.bias_ih_l0 + lstm.bias_hh_l0
    for k, gate in enumerate(("input", "forget", "cell", "output")):
        gp = qmodel.lstm_gate_params(gate)
        rows = slice(k * h, (k + 1) * h)
        gp.input_weight.weight.copy_(lstm.weight_ih_l0[rows])
        gp.hidden_weight.weight.copy_(lstm.weight_hh_l0[rows])
        gp.bias.copy_(bias[rows])
    for ql, fl in ((qmodel.fc0, fmodel.fc0), (qmodel.fc1, fmodel.fc1)):
        ql.weight.copy_(fl.weight)
        ql.bias.copy_(fl.bias)
    return qmodel


def _activation_quantizers(model: nn.Module):
    """(name, proxy, scaling_impl) of every enabled activation quantizer whose scale Brevitas
    initialises from runtime statistics (ParameterFromRuntimeStatsScaling)."""
    from brevitas.core.scaling import ParameterFromRuntimeStatsScaling
    from brevitas.proxy.runtime_quant import ActQuantProxyFromInjectorBase
    out = []
    for name, m in model.named_modules():
        if not isinstance(m, ActQuantProxyFromInjectorBase) or m.fused_activation_quant_proxy is None:
            continue
        scaling = getattr(m.fused_activation_quant_proxy.tensor_quant, "scaling_impl", None)
        if isinstance(scaling, ParameterFromRuntimeStatsScaling):
            out.append((name, m, scaling))
    return out


def _abs_percentile(x: torch.Tensor, percentile: float) -> float:
    a = x.detach().abs().flatten().float()
    if a.numel() == 0:
        return 0.0
    k = max(1, min(a.numel(), int(math.ceil(percentile / 100.0 * a.numel()))))
    return float(a.kthvalue(k).values)


@torch.no_grad()
def calibrate(qmodel: nn.Module, batches: Iterable[torch.Tensor], percentile: float = 99.99) -> dict:
    """Sets every activation quantizer's scale from data: runs the batches through the float
    network (weight and bias quantizers disabled, every activation quantizer passing its input
    through unchanged), records for each activation quantizer the largest per-call
    `percentile`-th percentile of |value it quantizes| (after its fused activation: ReLU,
    sigmoid, tanh), and makes that the quantizer's threshold (scale = threshold / 2^(b-1) signed,
    / (2^b - 1) unsigned). The thresholds become Brevitas' learned scale parameters (statistics
    collection is marked done), so QAT starts from them.

    Why not Brevitas' own runtime statistics (calibration_mode or the first 300 training steps):
    inside QuantLSTM one quantizer is called once per time step (hidden state, gates, cell state)
    and Brevitas averages the per-call statistics, which the small early-step values (the state
    starts at zero) pull far below the range later steps need; QuantLSTM's fast cell also calls
    the quantizers' internals directly, so `disable_quant` does not reach them (hence the
    pass-through hooks here). Returns {quantizer name: threshold}; leaves the model in eval mode."""
    quantizers = _activation_quantizers(qmodel)
    if not quantizers:
        raise ValueError("the model has no activation quantizers with runtime-statistics scaling")
    switches = [m for m in qmodel.modules() if hasattr(m, "disable_quant")]
    saved = [m.disable_quant for m in switches]
    thresholds = {name: 0.0 for name, _, _ in quantizers}
    hooks = []

    def make_hook(name):
        def hook(module, args, output):
            x = args[0]
            thresholds[name] = max(thresholds[name], _abs_percentile(x, percentile))
            return (x,) + tuple(output[1:])   # pass the float value through
        return hook

    was_training = qmodel.training
    try:
        for m in switches:   # weight and bias quantizers: float weights; act proxies: see hooks
            m.disable_quant = True
        for name, proxy, _ in quantizers:
            proxy.disable_quant = False   # the proxy must call tensor_quant for the hook to see it
            hooks.append(proxy.fused_activation_quant_proxy.tensor_quant.register_forward_hook(make_hook(name)))
        qmodel.eval()
        n = 0
        for x in batches:
            qmodel(x)
            n += 1
        if n == 0:
            raise ValueError("calibrate needs at least one batch")
    finally:
        for h in hooks:
            h.remove()
        for m, d in zip(switches, saved):
            m.disable_quant = d
        qmodel.train(was_training)
    for name, _, scaling in quantizers:
        t = thresholds[name] if thresholds[name] > 0 else 1.0
        scaling.value.data.fill_(t)
        scaling.counter = scaling.collect_stats_steps + 1   # statistics phase over: use `value`
    qmodel.eval()
    return thresholds
