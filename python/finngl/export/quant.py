"""Quantizer parameters read back from Brevitas modules, qonnx Quant semantics in numpy, and a small
ONNX graph builder.

`QuantSpec` holds exactly what a qonnx ``Quant`` node needs (scale, zero point, bit width, signed,
narrow, rounding mode), taken from the tensors Brevitas itself uses in its forward pass:
- activation quantizers (QuantIdentity / QuantReLU / QuantSigmoid / QuantTanh proxies and every
  internal quantizer of QuantLSTM): ``proxy.scale()``, ``.zero_point()``, ``.bit_width()``,
  ``.is_signed``, ``.is_narrow_range``, ``.rounding_mode`` (what Brevitas' own QONNX export reads);
- weight quantizers: the IntQuantTensor ``module.quant_weight()`` (scale, zero point, bit width,
  signed) plus the proxy's narrow flag and rounding mode;
- Int32Bias-style bias quantizers: the IntQuantTensor Brevitas returns for the bias given the
  quantized input and weight (scale = input scale x weight scale).

`quant_np` is qonnx's Quant (``x / scale + zp``, clamp to the integer range, round, ``(y - zp) *
scale``, all float32): it is used to check, at export time, that every Quant node applied to its
float parameter reproduces Brevitas' quantized parameter bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNX_DOMAIN = "qonnx.custom_op.general"
QONNX_OPSET = 2          # Brevitas >= 0.12 exports this domain with version 2
ONNX_OPSET = 17
IR_VERSION = 8

_ROUNDING = {"ROUND": np.round, "HALF_EVEN": np.round, "FLOOR": np.floor, "CEIL": np.ceil,
             "ROUND_TO_ZERO": np.fix, "DOWN": np.fix}
# Brevitas names -> qonnx names (qonnx has no ROUND_TO_ZERO; DOWN is the same function)
_QONNX_ROUNDING = {"ROUND": "ROUND", "HALF_EVEN": "ROUND", "FLOOR": "FLOOR", "CEIL": "CEIL",
                   "ROUND_TO_ZERO": "DOWN", "DOWN": "DOWN"}


class ExportError(RuntimeError):
    """The Brevitas model cannot be exported exactly (unsupported configuration or a check failed)."""


def _np(t) -> np.ndarray:
    if t is None:
        raise ExportError("quantizer returned no value (is quantization enabled?)")
    if hasattr(t, "detach"):
        t = t.detach().cpu().numpy()
    return np.asarray(t)


def int_range(bit_width: int, signed: bool, narrow: bool):
    """(min_int, max_int) as in qonnx/brevitas."""
    if signed:
        lo = -(2 ** (bit_width - 1)) + (1 if narrow else 0)
        hi = 2 ** (bit_width - 1) - 1
    else:
        lo = 0
        hi = 2 ** bit_width - 1 - (1 if narrow else 0)
    return lo, hi


@dataclass
class QuantSpec:
    """Parameters of one qonnx Quant node. `scale` and `zero_point` are float32 arrays (scalar or
    broadcastable with the quantized tensor), `bit_width` an integer."""
    scale: np.ndarray
    zero_point: np.ndarray
    bit_width: int
    signed: bool
    narrow: bool
    rounding_mode: str = "ROUND"
    name: str = ""

    def __post_init__(self):
        self.scale = np.asarray(self.scale, dtype=np.float32)
        self.zero_point = np.asarray(self.zero_point, dtype=np.float32)
        if self.zero_point.shape != () and np.all(self.zero_point == 0):
            self.zero_point = np.zeros((), np.float32)
        bw = float(self.bit_width)
        if bw != int(bw) or bw < 1:
            raise ExportError(f"{self.name}: bit width {bw} is not a positive integer")
        self.bit_width = int(bw)
        mode = str(self.rounding_mode).upper()
        if mode not in _QONNX_ROUNDING:
            raise ExportError(f"{self.name}: rounding mode {self.rounding_mode!r} has no qonnx equivalent")
        self.rounding_mode = mode
        if np.any(~np.isfinite(self.scale)) or np.any(self.scale <= 0):
            raise ExportError(f"{self.name}: scale must be positive and finite, got {self.scale}")
        if self.bit_width == 1 and self.signed:
            raise ExportError(f"{self.name}: 1-bit signed (bipolar) quantizers are not supported here")

    @property
    def int_range(self):
        return int_range(self.bit_width, self.signed, self.narrow)

    @property
    def qonnx_rounding_mode(self) -> str:
        return _QONNX_ROUNDING[self.rounding_mode]

    def transposed(self) -> "QuantSpec":
        """The spec for the transposed 2-D tensor (per-output-channel scales [H, 1] -> [1, H])."""
        def t(a):
            return a.T.copy() if a.ndim == 2 else a
        return QuantSpec(t(self.scale), t(self.zero_point), self.bit_width, self.signed, self.narrow,
                         self.rounding_mode, self.name)

    def describe(self) -> dict:
        s = self.scale.reshape(-1)
        return {"bits": self.bit_width, "signed": bool(self.signed), "narrow": bool(self.narrow),
                "rounding": self.rounding_mode,
                "scale": float(s[0]) if s.size == 1 else [float(v) for v in s]}


def quant_np(x: np.ndarray, spec: QuantSpec) -> np.ndarray:
    """qonnx Quant in float32: y = x/scale + zp; clamp; round; (y - zp) * scale."""
    x = np.asarray(x, dtype=np.float32)
    y = x / spec.scale
    y = (y + spec.zero_point).astype(np.float32)
    lo, hi = spec.int_range
    y = np.clip(y, np.float32(lo), np.float32(hi))
    y = _ROUNDING[spec.rounding_mode](y).astype(np.float32)
    return ((y - spec.zero_point) * spec.scale).astype(np.float32)


# ------------------------------------------------------------------- reading Brevitas quantizers

def act_spec(proxy, name: str) -> QuantSpec:
    """Spec of an activation quantizer proxy (ActQuantProxyFromInjector)."""
    if not getattr(proxy, "is_quant_enabled", False):
        raise ExportError(f"{name}: quantizer is disabled; only fully quantized models are exported")
    spec = QuantSpec(_np(proxy.scale()), _np(proxy.zero_point()), int(_np(proxy.bit_width())),
                     bool(proxy.is_signed), bool(proxy.is_narrow_range), proxy.rounding_mode or "ROUND",
                     name)
    if spec.scale.size != 1:
        raise ExportError(f"{name}: per-channel activation scales are not supported")
    spec.scale = spec.scale.reshape(())
    spec.zero_point = spec.zero_point.reshape(())
    return spec


def weight_spec(module, name: str, qt=None) -> QuantSpec:
    """Spec of `module`'s weight quantizer, from the IntQuantTensor Brevitas uses in forward."""
    proxy = module.weight_quant
    if not proxy.is_quant_enabled:
        raise ExportError(f"{name}: weight quantization is disabled")
    qt = qt if qt is not None else module.quant_weight()
    return QuantSpec(_np(qt.scale), _np(qt.zero_point), int(_np(qt.bit_width)), bool(qt.signed),
                     bool(proxy.is_narrow_range), proxy.rounding_mode or "ROUND", name)


def quant_tensor_spec(qt, proxy, name: str) -> QuantSpec:
    """Spec from an IntQuantTensor returned by `proxy` (bias quantizers): scalar or 1-D scale."""
    scale, zp = _np(qt.scale), _np(qt.zero_point)
    scale = scale.reshape(()) if scale.size == 1 else scale.reshape(-1)
    zp = zp.reshape(()) if zp.size == 1 else zp.reshape(-1)
    return QuantSpec(scale, zp, int(_np(qt.bit_width)), bool(qt.signed), bool(proxy.is_narrow_range),
                     proxy.rounding_mode or "ROUND", name)


def check_parameter(spec: QuantSpec, value_float: np.ndarray, expected: np.ndarray, name: str) -> None:
    """Asserts that Quant(value_float) reproduces Brevitas' quantized parameter bit for bit."""
    got = quant_np(value_float, spec)
    expected = np.asarray(expected, dtype=np.float32)
    if got.shape != expected.shape:
        raise ExportError(f"{name}: shape {got.shape} != Brevitas' {expected.shape}")
    bad = int(np.sum(got.view(np.uint32) != expected.view(np.uint32)))
    if bad:
        raise ExportError(f"{name}: {bad} of {got.size} quantized values differ from Brevitas' "
                          f"(scale {spec.describe()['scale']})")


# ------------------------------------------------------------------------------ graph builder

class GraphBuilder:
    """Collects nodes and initializers of one ONNX graph with unique tensor names."""

    def __init__(self, name: str, prefix: str = ""):
        self.name = name
        self.prefix = prefix
        self.nodes: List[onnx.NodeProto] = []
        self.initializers: List[onnx.TensorProto] = []
        self.inputs: List[onnx.ValueInfoProto] = []
        self.outputs: List[onnx.ValueInfoProto] = []
        self._used: Dict[str, int] = {}
        self.quant_nodes: List[str] = []

    def unique(self, base: str) -> str:
        base = self.prefix + base
        n = self._used.get(base, 0)
        self._used[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def const(self, value, name: str, dtype=np.float32) -> str:
        arr = np.asarray(value, dtype=dtype)
        tname = self.unique(name)
        self.initializers.append(numpy_helper.from_array(arr, tname))
        return tname

    def node(self, op: str, inputs: Sequence[str], name: str, num_outputs: int = 1,
             outputs: Optional[Sequence[str]] = None, domain: Optional[str] = None, **attrs):
        outs = list(outputs) if outputs is not None else (
            [self.unique(name)] if num_outputs == 1 else [self.unique(f"{name}_{i}") for i in range(num_outputs)])
        kwargs = {"domain": domain} if domain else {}
        self.nodes.append(helper.make_node(op, list(inputs), outs, name=self.unique(f"{name}_node"),
                                           **kwargs, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def quant(self, x: str, spec: QuantSpec, name: str) -> str:
        """A qonnx Quant node with the spec's parameters as initializers."""
        s = self.const(spec.scale, f"{name}_scale")
        z = self.const(spec.zero_point, f"{name}_zeropt")
        b = self.const(np.float32(spec.bit_width), f"{name}_bitwidth")
        out = self.node("Quant", [x, s, z, b], name, domain=QONNX_DOMAIN, signed=int(spec.signed),
                        narrow=int(spec.narrow), rounding_mode=spec.qonnx_rounding_mode)
        self.quant_nodes.append(name)
        return out

    def graph(self) -> onnx.GraphProto:
        return helper.make_graph(self.nodes, self.name, self.inputs, self.outputs,
                                 initializer=self.initializers)


def value_info(name: str, shape, elem=TensorProto.FLOAT) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def make_model(graph: onnx.GraphProto, doc: str = "", producer: str = "finngl.export") -> onnx.ModelProto:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET),
                                                    helper.make_opsetid(QONNX_DOMAIN, QONNX_OPSET)],
                              ir_version=IR_VERSION, producer_name=producer)
    model.doc_string = doc
    return model


def add_metadata(model: onnx.ModelProto, entries: Dict[str, Union[str, float, int]]) -> None:
    for k, v in entries.items():
        p = model.metadata_props.add()
        p.key, p.value = str(k), str(v)
