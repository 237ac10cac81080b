"""`finngl build` end to end: the case-study ConvLSTM from its ONNX file to a generated,
C-simulated accelerator. The accelerator's predictions on real test windows must equal Brevitas'
(the independent reference stored with the example), and every step from the streamlined graph
on must be bit-exact (the build's own checks, which the test reads back)."""
import json
from pathlib import Path

import numpy as np

from conftest import ROOT, finngl_cli

EXAMPLE = ROOT / "examples" / "lob_convlstm"


def test_case_study_builds_and_csim_matches_brevitas(tmp_path):
    windows = np.load(EXAMPLE / "test_windows.npz")
    n = 6
    np.save(tmp_path / "x.npy", windows["x"][:n].astype(np.float32))
    cfg = {"board": "ZCU104", "synth_clk_period_ns": 6.667, "target_fps": 200,
           "verify_input_npy": "x.npy"}
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    out = tmp_path / "build"
    proc = finngl_cli("build", EXAMPLE / "model.onnx", "--config", tmp_path / "cfg.json",
                      "-o", out)
    assert "result: VERIFIED" in proc.stdout
    report = json.loads((out / "report" / "verification.json").read_text())
    assert report["verified"] is True
    csim = [c for c in report["checks"] if c["step"].endswith("csim") and c["blocking"]]
    assert csim and all(c["mismatches"] == 0 for c in csim)
    # The accelerator's own outputs, through the host's final scale: predictions equal Brevitas'.
    logits = np.load(out / "verification_output" / "logits.npy")
    assert logits.shape == (n, 3)
    assert np.array_equal(logits.argmax(1), windows["brevitas_pred"][:n])
    assert np.allclose(logits, windows["brevitas_logits"][:n], rtol=0, atol=1e-5)
    for f in ["estimate_layer_cycles.json", "estimate_layer_resources.json",
              "estimate_network_performance.json", "op_and_param_counts.json"]:
        assert (out / "report" / f).is_file()
    for f in ["top.cpp", "testbench.cpp", "hls/run_hls.tcl", "vivado/block_design.tcl",
              "driver/driver.py"]:
        assert (out / "project" / f).is_file()
    assert (out / "final_hw_config.json").is_file()
    perf = json.loads((out / "report" / "estimate_network_performance.json").read_text())
    assert perf["estimated_throughput_fps"] > 0


def test_bad_config_is_a_user_error_without_output(tmp_path):
    (tmp_path / "cfg.json").write_text(json.dumps(
        {"board": "ZCU104", "synth_clk_period_ns": 5, "target_fsp": 10}))
    out = tmp_path / "build"
    proc = finngl_cli("build", EXAMPLE / "model.onnx", "--config", tmp_path / "cfg.json",
                      "-o", out, check=False)
    assert proc.returncode == 2
    assert "unknown key 'target_fsp'" in proc.stderr
    assert not out.exists() and not Path(str(out) + ".partial").exists()


def test_unknown_board_is_a_user_error_without_output(tmp_path):
    out = tmp_path / "build"
    proc = finngl_cli("build", EXAMPLE / "model.onnx", "--board", "ZCU999", "--clk-ns", "5",
                      "-o", out, check=False)
    assert proc.returncode == 2
    assert "ZCU999" in proc.stderr and "ZCU104" in proc.stderr
    assert not out.exists() and not Path(str(out) + ".partial").exists()


def test_recurrence_left_in_float_is_named_without_output(tmp_path):
    # examples/convlstm_qcdq: its LSTM gates add MatMuls of incommensurable scales, which cannot be
    # summed exactly as integers, so the Scan body keeps float nodes and the Scan stays on the
    # host between hardware layers. The build must say which node and why, exit 2, write nothing.
    out = tmp_path / "build"
    proc = finngl_cli("build", ROOT / "examples" / "convlstm_qcdq" / "model.onnx", "--board",
                      "ZCU104", "--clk-ns", "5", "-o", out, check=False)
    assert proc.returncode == 2
    assert "do not form one pipeline" in proc.stderr
    assert "(Scan)" in proc.stderr and "its body keeps" in proc.stderr
    assert "not hardware layers: '" in proc.stderr
    assert not out.exists() and not Path(str(out) + ".partial").exists()
