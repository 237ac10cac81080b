"""Whole-model cross-checks against onnxruntime: the case-study-shaped ConvLSTM in float (LSTM as an
ONNX LSTM node and as a Scan body) and in QCDQ form (int8 weights, 6-bit activations, a quantized
Scan LSTM cell), at reduced and at full size, with batch > 1."""
import sys

import numpy as np
import pytest

from conftest import ROOT, check_against_ort, run_finngl, run_ort

sys.path.insert(0, str(ROOT / "python"))
from finngl import onnx_models  # noqa: E402

SMALL = onnx_models.ConvLstmShape(window=30, features=8, channels=4, hidden=8, dense=8)
FULL = onnx_models.ConvLstmShape()


def _window(shape, batch, seed):
    return np.random.default_rng(seed).standard_normal((batch, 1, shape.window, shape.features)).astype(np.float32)


@pytest.mark.parametrize("lstm", ["op", "scan"])
@pytest.mark.parametrize("shape", [SMALL, FULL], ids=["small", "full"])
def test_float_convlstm(shape, lstm, tmp_path):
    model = onnx_models.convlstm_float(shape, lstm=lstm)
    check_against_ort(model, {"lob_window": _window(shape, 3, 0)}, tmp_path, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [SMALL, FULL], ids=["small", "full"])
def test_qcdq_convlstm(shape, tmp_path):
    """Quantized: outputs are dequantized integers, so compare on the output integer grid too."""
    model = onnx_models.convlstm_qcdq(shape)
    feeds = {"lob_window": _window(shape, 4, 1) * 2}
    want = run_ort(model, feeds)["logits"]
    got = run_finngl(model, feeds, tmp_path)["logits"]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert np.array_equal(got.argmax(1), want.argmax(1))
