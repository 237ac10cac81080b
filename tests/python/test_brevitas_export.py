"""A Brevitas network (QuantIdentity, QuantConv2d, QuantReLU, MaxPool, QuantLinear) exported with
both export_qonnx and export_onnx_qcdq: finngl's executor must reproduce Brevitas' forward pass
exactly, i.e. the output integers (output / output scale) are identical for every element.
"""
import numpy as np
import onnx
import pytest
import torch

from conftest import run_finngl

brevitas_nn = pytest.importorskip("brevitas.nn")
from brevitas.export import export_onnx_qcdq, export_qonnx  # noqa: E402
from brevitas_models import Unwrap as ExportWrapper  # noqa: E402

BATCH = 16


class SmallQuantCnn(torch.nn.Module):
    def __init__(self, weight_bits=4, act_bits=4):
        super().__init__()
        qnn = brevitas_nn
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.conv = qnn.QuantConv2d(2, 6, 3, weight_bit_width=weight_bits, bias=False)
        self.relu = qnn.QuantReLU(bit_width=act_bits, return_quant_tensor=True)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = qnn.QuantLinear(6 * 3 * 3, 5, weight_bit_width=weight_bits, bias=False)
        self.out = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)

    def forward(self, x):
        x = self.relu(self.conv(self.inp(x)))
        x = self.pool(x.value if hasattr(x, "value") else x)
        return self.out(self.fc(x.flatten(1)))


@pytest.fixture
def trained_net():
    """A fresh calibrated network per test: an export leaves Brevitas modules in export mode."""
    torch.manual_seed(0)
    net = SmallQuantCnn()
    net.train()
    with torch.no_grad():  # calibrate activation scales from data statistics
        for _ in range(8):
            net(torch.randn(32, 2, 8, 8))
    net.eval()
    return net


@pytest.mark.parametrize("exporter", [export_qonnx, export_onnx_qcdq], ids=["qonnx", "qcdq"])
def test_finngl_equals_brevitas_forward(trained_net, exporter, tmp_path):
    x = torch.randn(BATCH, 2, 8, 8, generator=torch.Generator().manual_seed(1)) * 1.5
    with torch.no_grad():
        ref = trained_net(x)
    scale = float(ref.scale)
    want = (ref.value / scale).numpy()
    assert np.allclose(want, np.round(want), atol=1e-3), "Brevitas output is not on its integer grid"
    path = tmp_path / "model.onnx"
    exporter(ExportWrapper(trained_net), x, str(path))
    model = onnx.load(str(path))
    name = model.graph.input[0].name
    out = run_finngl(model, {name: x.numpy()}, tmp_path / "run")
    got = next(iter(out.values())) / scale
    assert got.shape == want.shape
    mismatches = int(np.sum(np.round(got) != np.round(want)))
    assert mismatches == 0, f"{mismatches} of {want.size} output integers differ from Brevitas"
    assert np.allclose(got, np.round(got), atol=1e-3), "finngl output is not on the integer grid"
