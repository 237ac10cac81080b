"""End to end through `finngl opt --pipeline frontend`: Brevitas models (2-bit MLP, 4-bit CNN with
BatchNorm incl. negative gammas) and the shipped case-study ConvLSTM streamline to integer-only
graphs (`finngl check --integer-only`) that give the same quantized outputs as Brevitas' forward:
0 mismatching output integers over 1,000 random inputs, and 0 differing predictions on the
case study's real test windows.
"""
import numpy as np
import onnx
import pytest
import torch

from conftest import ROOT, finngl_cli, run_finngl

pytest.importorskip("brevitas.nn")
from brevitas.export import export_qonnx  # noqa: E402
from brevitas_models import Cnn, Mlp, Unwrap, calibrated  # noqa: E402

N = 1000


def streamline(model_path, tmp_path, verify=True):
    """--verify exits 1 on any changed output element: right for models whose outputs are
    quantized, not for float logits that moving scales changes in the last bit."""
    out = tmp_path / "int.onnx"
    finngl_cli("opt", model_path, "--pipeline", "frontend", "-o", out,
               *(["--verify", "--verify-samples", "2"] if verify else []))
    check = finngl_cli("check", "--integer-only", out, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "integer-only" in check.stdout
    return out


def float_ops(path):
    m = onnx.load(str(path))
    return sorted({n.op_type for n in m.graph.node})


@pytest.mark.parametrize("make,shape", [(Mlp, (32,)), (Cnn, (3, 12, 12))], ids=["mlp", "cnn"])
def test_brevitas_models_streamline_to_integer_only(make, shape, tmp_path):
    torch.manual_seed(1)
    net = calibrated(make(), shape)
    x = torch.randn(N, *shape)
    with torch.no_grad():
        ref = net(x)
    want = np.round((ref.value / ref.scale).numpy())
    path = tmp_path / "model.onnx"
    export_qonnx(Unwrap(net), x, str(path))
    out = streamline(path, tmp_path)
    assert "Quant" not in float_ops(out) and "BatchNormalization" not in float_ops(out)
    got = next(iter(run_finngl(out, {onnx.load(str(out)).graph.input[0].name: x.numpy()},
                               tmp_path / "run").values()))
    got_int = got / float(ref.scale)
    assert np.allclose(got_int, np.round(got_int), atol=1e-3)
    mismatches = int(np.sum(np.round(got_int) != want))
    assert mismatches == 0, f"{mismatches} of {want.size} output integers differ from Brevitas"


def test_case_study_convlstm_streamlines_to_integer_only(tmp_path):
    example = ROOT / "examples" / "lob_convlstm"
    out = streamline(example / "model.onnx", tmp_path, verify=False)
    windows = np.load(example / "test_windows.npz")
    logits = run_finngl(out, {"x": windows["x"]}, tmp_path / "run")["logits"]
    differ = int(np.sum(logits.argmax(1) != windows["brevitas_pred"]))
    assert differ == 0, f"{differ} of {len(logits)} predictions differ from Brevitas"
    # The logits are the float dequantization of integer accumulators; they agree with Brevitas'
    # to float32 rounding.
    assert np.allclose(logits, windows["brevitas_logits"], rtol=0, atol=1e-5)
