"""`finngl opt`: the cleanup pipeline keeps what a model computes.

The case-study-shaped ConvLSTMs (float with an LSTM op and with a Scan body, and the QCDQ one) and a
Brevitas QONNX export are optimized with `finngl opt --pipeline cleanup`; the result must run to
the same outputs as the original under onnxruntime (standard ops only) and under `finngl exec`.
Float outputs are compared with the tolerance of the other whole-model tests, because
gemm-to-matmul may sum products in another order (documented as float-inexact); everything
quantized is compared on its integer grid. Also the command line itself: --list, bad names,
--passes, --dump-dir.
"""
import sys

import numpy as np
import onnx
import pytest

from conftest import ROOT, assert_outputs_match, finngl_cli, make_model, run_finngl, run_ort

sys.path.insert(0, str(ROOT / "python"))
from finngl import onnx_models  # noqa: E402

SMALL = onnx_models.ConvLstmShape(window=30, features=8, channels=4, hidden=8, dense=8)
ALL_PASSES = ["infer-types", "fold-constants", "remove-identity", "sub-to-add", "div-to-mul",
              "gemm-to-matmul", "batchnorm-to-affine", "cancel-transposes", "remove-dead-code",
              "give-unique-names", "give-readable-names"]


def optimize(model, tmp_path, *args):
    """Runs `finngl opt` on a ModelProto; returns (optimized ModelProto, stdout)."""
    src, out = tmp_path / "model.onnx", tmp_path / "model_opt.onnx"
    onnx.save(model, str(src))
    proc = finngl_cli("opt", src, *(args or ("--pipeline", "cleanup")), "-o", out)
    return onnx.load(str(out)), proc.stdout


def window(batch, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 1, SMALL.window, SMALL.features)) * scale
    return x.astype(np.float32)


def op_types(model):
    return [n.op_type for n in model.graph.node]


@pytest.mark.parametrize("lstm", ["op", "scan"])
def test_cleanup_keeps_float_convlstm_outputs(lstm, tmp_path):
    model = onnx_models.convlstm_float(SMALL, lstm=lstm)
    opt, stdout = optimize(model, tmp_path)
    onnx.checker.check_model(opt)
    assert "Gemm" not in op_types(opt) and "Gemm" in op_types(model)
    assert "gemm-to-matmul" in stdout and "changed" in stdout
    assert [o.name for o in opt.graph.output] == [o.name for o in model.graph.output]
    assert all(n.name == f"{n.op_type}_{n.name.rsplit('_', 1)[1]}" for n in opt.graph.node)
    feeds = {"lob_window": window(3, 0)}
    assert_outputs_match(run_ort(model, feeds), run_ort(opt, feeds), rtol=1e-5, atol=1e-6,
                         what="onnxruntime, before/after cleanup")
    assert_outputs_match(run_finngl(model, feeds, tmp_path / "a"),
                         run_finngl(opt, feeds, tmp_path / "b"), rtol=1e-5, atol=1e-6,
                         what="finngl exec, before/after cleanup")


def test_cleanup_keeps_qcdq_convlstm_outputs(tmp_path):
    model = onnx_models.convlstm_qcdq(SMALL)
    opt, _ = optimize(model, tmp_path)
    onnx.checker.check_model(opt)
    # The quantizers stay: later passes turn them into integer weights and thresholds.
    for op in ("QuantizeLinear", "DequantizeLinear", "Scan"):
        assert op_types(opt).count(op) == op_types(model).count(op), op
    feeds = {"lob_window": window(4, 1, scale=2.0)}
    for name, run in (("onnxruntime", lambda m, d: run_ort(m, feeds)),
                      ("finngl exec", lambda m, d: run_finngl(m, feeds, tmp_path / d))):
        want, got = run(model, "a")["logits"], run(opt, "b")["logits"]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=name)
        assert np.array_equal(got.argmax(1), want.argmax(1)), name


def test_cleanup_keeps_brevitas_qonnx_outputs(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("brevitas.nn")
    from brevitas.export import export_qonnx
    from test_brevitas_export import ExportWrapper, SmallQuantCnn

    torch.manual_seed(0)
    net = SmallQuantCnn()
    with torch.no_grad():
        for _ in range(8):
            net(torch.randn(32, 2, 8, 8))
    net.eval()
    x = torch.randn(16, 2, 8, 8, generator=torch.Generator().manual_seed(1)) * 1.5
    with torch.no_grad():
        scale = float(net(x).scale)
    path = tmp_path / "brevitas.onnx"
    export_qonnx(ExportWrapper(net), x, str(path))
    model = onnx.load(str(path))
    opt, _ = optimize(model, tmp_path)
    assert op_types(opt).count("Quant") == op_types(model).count("Quant")
    feeds = {model.graph.input[0].name: x.numpy()}
    want = next(iter(run_finngl(model, feeds, tmp_path / "a").values())) / scale
    got = next(iter(run_finngl(opt, feeds, tmp_path / "b").values())) / scale
    assert got.shape == want.shape
    mismatches = int(np.sum(np.round(got) != np.round(want)))
    assert mismatches == 0, f"{mismatches} of {want.size} output integers changed"


def test_list_shows_every_pass_and_pipeline():
    out = finngl_cli("opt", "--list").stdout
    for name in ALL_PASSES + ["cleanup", "simplify"]:
        assert f"  {name} " in out, name


def relu_model():
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    nodes = [helper.make_node("Identity", ["x"], ["t"]), helper.make_node("Relu", ["t"], ["y"])]
    return make_model(nodes, [x], [y])


@pytest.mark.parametrize("args,message", [
    (["--passes", "fold-constants,no-such-pass"], "unknown pass 'no-such-pass'; valid passes: "),
    (["--pipeline", "no-such-pipeline"], "unknown pipeline 'no-such-pipeline'; valid pipelines: "),
])
def test_bad_names_exit_2_and_write_nothing(args, message, tmp_path):
    src, out = tmp_path / "m.onnx", tmp_path / "out.onnx"
    onnx.save(relu_model(), str(src))
    proc = finngl_cli("opt", src, *args, "-o", out, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("finngl: error: ") and message in proc.stderr, proc.stderr
    assert ("fold-constants" if "pass " in message else "cleanup") in proc.stderr
    assert not out.exists()


def test_passes_and_dump_dir(tmp_path):
    dump = tmp_path / "dump"
    opt, stdout = optimize(relu_model(), tmp_path,
                           "--passes", "remove-identity,give-readable-names",
                           "--dump-dir", dump, "--no-verify")
    assert op_types(opt) == ["Relu"]
    assert sorted(p.name for p in dump.iterdir()) == ["01_remove-identity.onnx",
                                                      "02_give-readable-names.onnx"]
    assert op_types(onnx.load(str(dump / "01_remove-identity.onnx"))) == ["Relu"]
    lines = stdout.splitlines()
    assert "remove-identity" in lines[0] and "changed" in lines[0]
    assert lines[-1].startswith("wrote ")
