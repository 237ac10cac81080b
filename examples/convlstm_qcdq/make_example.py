"""Regenerates the shipped example: a quantized (QCDQ) ConvLSTM shaped like the case study, with
seeded random weights, plus a batch of 4 input windows. Run from the project root:
    .venv/bin/python examples/convlstm_qcdq/make_example.py
"""
import sys
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
from finngl import onnx_models  # noqa: E402

HERE = Path(__file__).resolve().parent
model = onnx_models.convlstm_qcdq(seed=0)
onnx.save(model, str(HERE / "model.onnx"))
x = np.random.default_rng(7).standard_normal((4, 1, 100, 40)).astype(np.float32)
np.save(HERE / "input.npy", x)
print(f"wrote {HERE / 'model.onnx'} and {HERE / 'input.npy'}")
