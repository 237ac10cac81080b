"""BatchNorm2d (inference) exactly as torch computes it on this machine.

torch's CPU kernel (aten/src/ATen/native/cpu/batch_norm_kernel.cpp) folds the normalisation into
per-channel terms and applies them to the input:

    invstd = 1 / sqrt(running_var + eps)          float32 (eps cast to float32 first)
    alpha  = invstd * weight                      float32
    beta   = bias - running_mean * alpha
    y      = x * alpha + beta

Whether ``bias - mean * alpha`` and ``x * alpha + beta`` are two roundings (multiply, then add) or
one (a fused multiply-add) depends on how the torch binary was compiled for this CPU (the x86
AVX2/AVX-512 kernels of the torch 2.13 wheel contract them into FMAs). `probe_formula` finds out by
evaluating a BatchNorm module on random data and comparing bit for bit with the candidates.

ONNX has no fused multiply-add, so an FMA is emitted as ``Cast(double) -> Mul -> Add ->
Cast(float)``: the product of two float32 values is exact in double, so the only roundings are
the double sum and the final float32 cast; that equals a single float32 rounding of the exact
result except when the double sum lands exactly on a float32 rounding midpoint it was not exactly
on (a double-rounding case of probability about 2^-29 per element). The constants alpha and beta
are computed here exactly as torch computes them (beta with a correctly rounded FMA when torch
uses one).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Optional, Tuple

import numpy as np
import torch

from .quant import ExportError, GraphBuilder

FORMULAS = ("fma", "mul_add")


def _fma_f32(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Correctly rounded float32 a * b + c, elementwise (exact rational arithmetic)."""
    a, b, c = (np.asarray(v, np.float32).reshape(-1) for v in (a, b, c))
    out = np.empty(a.shape, np.float32)
    for i in range(a.size):
        exact = Fraction(float(a[i])) * Fraction(float(b[i])) + Fraction(float(c[i]))
        f = np.float32(float(exact))
        cands = [np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))]
        best = min(cands, key=lambda v: (abs(Fraction(float(v)) - exact),
                                         int(np.asarray(v, np.float32).view(np.uint32)) & 1))
        out[i] = best
    return out


def bn_terms(bn: torch.nn.BatchNorm2d, formula: str) -> Tuple[np.ndarray, np.ndarray]:
    """(alpha, beta) per channel, float32, as torch computes them."""
    if bn.training or not bn.track_running_stats or bn.running_var is None:
        raise ExportError("BatchNorm must be in eval mode with running statistics")
    var = bn.running_var.detach().float().numpy()
    mean = bn.running_mean.detach().float().numpy()
    c = var.shape[0]
    gamma = bn.weight.detach().float().numpy() if bn.weight is not None else np.ones(c, np.float32)
    beta0 = bn.bias.detach().float().numpy() if bn.bias is not None else np.zeros(c, np.float32)
    invstd = (np.float32(1) / np.sqrt((var + np.float32(bn.eps)).astype(np.float32))).astype(np.float32)
    alpha = (invstd * gamma).astype(np.float32)
    if formula == "fma":
        beta = _fma_f32(-mean, alpha, beta0)
    elif formula == "mul_add":
        beta = (beta0 - (mean * alpha).astype(np.float32)).astype(np.float32)
    else:
        raise ValueError(f"unknown BatchNorm formula {formula!r}")
    return alpha, beta


def apply_np(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray, formula: str) -> np.ndarray:
    """y = x * alpha + beta per channel (axis 1) with the given rounding (the ONNX graph's)."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    a, b = alpha.reshape(shape), beta.reshape(shape)
    if formula == "fma":
        return (x.astype(np.float64) * a.astype(np.float64) + b.astype(np.float64)).astype(np.float32)
    return ((x * a).astype(np.float32) + b).astype(np.float32)


@torch.no_grad()
def probe_formula(bn: torch.nn.BatchNorm2d, spatial=(23, 11), batch: int = 3, seed: int = 0) -> Optional[str]:
    """The formula ('fma' or 'mul_add') that reproduces torch's BatchNorm2d on this machine bit for
    bit on random data, or None if neither does."""
    c = bn.num_features
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, c, *spatial, generator=g) * 3 + 0.5
    want = bn(x).numpy()
    for formula in FORMULAS:
        alpha, beta = bn_terms(bn, formula)
        if np.array_equal(apply_np(x.numpy(), alpha, beta, formula).view(np.uint32), want.view(np.uint32)):
            return formula
    return None


def add_batchnorm(g: GraphBuilder, x: str, bn: torch.nn.BatchNorm2d, name: str, formula: str) -> str:
    """Emits BatchNorm2d (inference) on NCHW tensor `x`:
    - 'fma': Cast(double) -> Mul(alpha) -> Add(beta) -> Cast(float) (torch's fused multiply-add),
    - 'mul_add': float32 Mul(alpha) -> Add(beta),
    - 'onnx': a standard BatchNormalization node (not bit-exact with torch)."""
    if formula == "onnx":
        c = bn.num_features
        gamma = bn.weight.detach().numpy() if bn.weight is not None else np.ones(c, np.float32)
        beta = bn.bias.detach().numpy() if bn.bias is not None else np.zeros(c, np.float32)
        return g.node("BatchNormalization",
                      [x, g.const(gamma, f"{name}_scale"), g.const(beta, f"{name}_bias"),
                       g.const(bn.running_mean.detach().numpy(), f"{name}_mean"),
                       g.const(bn.running_var.detach().numpy(), f"{name}_var")],
                      name, epsilon=float(bn.eps))
    alpha, beta = bn_terms(bn, formula)
    shape = (1, -1, 1, 1)
    if formula == "fma":
        xd = g.node("Cast", [x], f"{name}_to_double", to=11)   # TensorProto.DOUBLE
        prod = g.node("Mul", [xd, g.const(alpha.astype(np.float64).reshape(shape), f"{name}_alpha", np.float64)],
                      f"{name}_mul")
        acc = g.node("Add", [prod, g.const(beta.astype(np.float64).reshape(shape), f"{name}_beta", np.float64)],
                     f"{name}_add")
        return g.node("Cast", [acc], f"{name}_to_float", to=1)   # TensorProto.FLOAT
    prod = g.node("Mul", [x, g.const(alpha.reshape(shape), f"{name}_alpha")], f"{name}_mul")
    return g.node("Add", [prod, g.const(beta.reshape(shape), f"{name}_beta")], f"{name}_add")
