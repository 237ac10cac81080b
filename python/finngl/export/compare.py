"""Compare finngl's execution of an exported ConvLstmQuant with Brevitas' forward pass, tensor by
tensor in quantized integers, and explain the differences.

`convlstm_to_onnx(q, debug_outputs=True)` outputs every quantized tensor outside the Scan (STAGES).
`compare_stages` counts, per stage, the integers (value / scale) that differ. `explain_mismatches`
classifies every window that differs: it finds the first stage that differs (its inputs are then
identical in both runs) and checks that each differing element there is a one-step rounding
difference at a value that lies, computed exactly in float64 from Brevitas' inputs, within `tol`
of a rounding tie (k + 1/2): a *tie flip* caused by the float32 summation order inside a
convolution or matrix product (torch's oneDNN / MKL kernels vs finngl's GEMM). Anything else is
"unexplained" (an export or executor bug). Downstream differences in the same window are the
tie flip's consequences and are not analysed.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import onnx
import torch

from .batchnorm import bn_terms, probe_formula
from .quant import act_spec

STAGES = ["input_q"] + [f"conv{i}_act" for i in range(6)] + ["lstm_h", "fc0_act"]


def stage_scales(q) -> Dict[str, float]:
    """Scale of each STAGES tensor of a ConvLstmQuant."""
    s = {"input_q": act_spec(q.inp.act_quant, "input").scale,
         "lstm_h": act_spec(q.lstm_cell().output_quant, "io").scale,
         "fc0_act": act_spec(q.relu_fc.act_quant, "relu_fc").scale}
    for i, relu in enumerate(q.relu):
        s[f"conv{i}_act"] = act_spec(relu.act_quant, f"relu{i}").scale
    return {k: float(s[k]) for k in STAGES}


def quantized_integers(q, want: Dict[str, np.ndarray], got: Dict[str, np.ndarray]):
    """{stage: (Brevitas integers, finngl integers)}; raises if a tensor is off its grid."""
    ints = {}
    for name, scale in stage_scales(q).items():
        a, b = want[name] / scale, got[name] / scale
        if a.shape != b.shape:
            raise AssertionError(f"{name}: shape {b.shape} != Brevitas' {a.shape}")
        for who, v in (("Brevitas", a), ("finngl", b)):
            if not np.allclose(v, np.round(v), atol=1e-3):
                raise AssertionError(f"{who} {name} is not on its integer grid")
        ints[name] = (np.round(a).astype(np.int64), np.round(b).astype(np.int64))
    return ints


def mismatch_counts(ints) -> Dict[str, int]:
    return {k: int(np.sum(a != b)) for k, (a, b) in ints.items()}


@torch.no_grad()
def exact_pre_quant(q, stage: str, inputs: np.ndarray) -> np.ndarray:
    """The value `stage`'s quantizer rounds, in its integer units, computed in float64 from
    Brevitas' quantized input of that stage (conv stages: conv + bias, BatchNorm with torch's
    float32 terms, ReLU; fc0_act: dense + bias, ReLU)."""
    scale = stage_scales(q)[stage]
    x = torch.from_numpy(np.asarray(inputs)).double()
    if stage.startswith("conv"):
        i = int(stage[4])
        conv = q.conv[i]
        bias = conv.bias.double() if conv.bias is not None else None
        v = torch.nn.functional.conv2d(x, conv.quant_weight().value.double(), bias, stride=conv.stride)
        formula = probe_formula(q.bn[i]) or "mul_add"
        alpha, beta = bn_terms(q.bn[i], formula)
        v = v * torch.from_numpy(alpha).double().reshape(1, -1, 1, 1) + \
            torch.from_numpy(beta).double().reshape(1, -1, 1, 1)
    elif stage == "fc0_act":
        v = x @ q.fc0.quant_weight().value.double().T
        if q.fc0.bias is not None:
            v = v + q.fc0.bias.double()
    else:
        raise ValueError(f"no exact recomputation for stage {stage}")
    return (torch.relu(v) / scale).numpy()


def explain_mismatches(q, want: Dict[str, np.ndarray], ints, tol: float = 1e-3) -> dict:
    """See the module docstring. Returns {"windows", "windows_differing", "first_stage":
    {stage: windows}, "tie_flips", "max_tie_distance", "unexplained"}."""
    n = len(want["logits"])
    differ = np.zeros((len(STAGES), n), bool)
    for k, name in enumerate(STAGES):
        a, b = ints[name]
        differ[k] = (a != b).reshape(n, -1).any(1)
    summary = {"windows": n, "windows_differing": int(differ.any(0).sum()), "first_stage": {},
               "tie_flips": 0, "max_tie_distance": 0.0, "unexplained": 0}
    for w in np.nonzero(differ.any(0))[0]:
        k = int(np.argmax(differ[:, w]))
        stage = STAGES[k]
        summary["first_stage"][stage] = summary["first_stage"].get(stage, 0) + 1
        a, b = ints[stage][0][w], ints[stage][1][w]
        if stage in ("input_q", "lstm_h") or np.any(np.abs(a - b) > 1):
            summary["unexplained"] += 1
            continue
        u = exact_pre_quant(q, stage, want[STAGES[k - 1]][w:w + 1])[0]
        dist = np.abs(u - np.floor(u) - 0.5)[a != b]
        summary["tie_flips"] += int(dist.size)
        summary["max_tie_distance"] = max(summary["max_tie_distance"], float(dist.max()))
        if np.any(dist > tol):
            summary["unexplained"] += 1
    return summary


def finngl_exec(model, inputs: Dict[str, np.ndarray], binary, workdir: Optional[Path] = None) -> Dict[str, np.ndarray]:
    """Runs `finngl exec` (binary) on an ONNX model (ModelProto or path); {output name: array}."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(workdir or tmp)
        tmp.mkdir(parents=True, exist_ok=True)
        if isinstance(model, onnx.ModelProto):
            path = tmp / "model.onnx"
            onnx.save(model, str(path))
            proto = model
        else:
            path = Path(model)
            proto = onnx.load(str(path), load_external_data=False)
        args = [str(binary), "exec", str(path), "-q", "-o", str(tmp / "out")]
        for i, (name, value) in enumerate(inputs.items()):
            f = tmp / f"input_{i}.npy"
            np.save(f, value)
            args += ["--input", f"{name}={f}"]
        proc = subprocess.run(args, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"finngl exec failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        return {o.name: np.load(tmp / "out" / (re.sub(r"[^A-Za-z0-9_.\-]", "_", o.name) + ".npy"))
                for o in proto.graph.output}
