"""finngl.demo_report (`make demo`'s report) on a small real build of the case study: its numbers
must be those recomputed from the accelerator's own logits, windows beyond the build's are run
through the same compiled C simulation (and must agree with the build where they overlap), a
prediction differing from Brevitas' makes it exit 1, and bad paths exit 2."""
import json
import shutil
import sys

import numpy as np
import pytest

from conftest import FINNGL_BIN, ROOT, finngl_cli

sys.path.insert(0, str(ROOT / "python"))
from finngl import demo_report  # noqa: E402
from finngl.train import classification_report  # noqa: E402

WINDOWS, VERIFIED = 6, 4


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """prepare (6 shipped windows, the build verifies 4) + `finngl build` into OUT/build."""
    out = tmp_path_factory.mktemp("demo")
    assert demo_report.main(["prepare", "--out", str(out), "--windows", str(WINDOWS),
                             "--verify-windows", str(VERIFIED)]) == 0
    finngl_cli("build", demo_report.EXAMPLE / "model.onnx", "--config", out / "build_config.json",
               "-o", out / "build")
    return out


def test_report_numbers_come_from_the_accelerator_logits(demo, capsys):
    assert demo_report.main(["report", "--out", str(demo), "--jobs", "2", "--finngl", FINNGL_BIN]) == 0
    text = capsys.readouterr().out
    rep = json.loads((demo / "report.json").read_text())
    windows = np.load(demo_report.SHIPPED_WINDOWS)
    # The build C-simulated the first 4 windows; the report ran the other 2 (plus an overlap).
    built = np.load(demo / "build" / "verification_output" / "logits.npy")
    assert len(built) == VERIFIED
    assert rep["accelerator"]["from_build"] == VERIFIED
    assert rep["accelerator"]["from_module"] == WINDOWS - VERIFIED
    assert rep["accelerator"]["overlap_checked"] == VERIFIED
    # Recompute everything from an independent run of the accelerator on all 6 windows.
    x = windows["x"][:WINDOWS]
    run = demo_report.run_accelerator(demo / "build", x, FINNGL_BIN, jobs=1)
    assert np.array_equal(run["logits"][:VERIFIED], built)
    pred = run["logits"].argmax(1)
    assert np.array_equal(pred, windows["brevitas_pred"][:WINDOWS])
    want = classification_report(windows["y"][:WINDOWS], pred)
    got = rep["metrics"]["accelerator (C sim)"]
    assert got["confusion"] == want["confusion"]
    assert got["accuracy"] == pytest.approx(want["accuracy"])
    assert got["macro"] == pytest.approx(want["macro"])
    assert rep["brevitas"]["differ"] == 0
    assert rep["brevitas"]["max_logit_diff"] == pytest.approx(
        float(np.abs(run["logits"] - windows["brevitas_logits"][:WINDOWS]).max()), abs=0)
    assert rep["windows"] == WINDOWS and "NOT FI-2010" in rep["source"]
    assert f"{100 * want['accuracy']:.2f}" in text and f"0 of {WINDOWS} predictions differ" in text


def test_estimates_match_the_build_reports(demo):
    est = demo_report.estimates(demo / "build")
    perf = json.loads((demo / "build" / "report" / "estimate_network_performance.json").read_text())
    res = json.loads((demo / "build" / "report" / "estimate_layer_resources.json").read_text())
    layers = [v for k, v in res.items() if k != "total"]
    assert est["clk_ns"] == pytest.approx(6.667)
    assert est["latency_ms"] == pytest.approx(perf["estimated_latency_ns"] * 1e-6)
    assert est["pipelined_ms"] == pytest.approx(perf["estimated_pipelined_latency_ns"] * 1e-6)
    # overlapping layers: at least one frame of the slowest layer, at most FINN's sum
    assert perf["max_cycles"] <= perf["pipelined_latency_cycles"] <= perf["critical_path_cycles"]
    assert est["ii_cycles"] == perf["max_cycles"]
    # the build's own total (per-layer figures are rounded separately, so their sum may exceed
    # it by up to one per layer)
    for key in ("LUT", "FF", "DSP"):
        assert est[key] == res["total"][key]
        assert 0 <= sum(v[key] for v in layers) - est[key] <= len(layers)
    assert est["BRAM36"] == res["total"]["BRAM_18K"] / 2
    text = demo_report.format_estimates(est)
    assert "101,489" in text and "4.3 ms" in text and "127.5" in text and "265" in text


def test_a_prediction_differing_from_brevitas_exits_1(demo, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    d = dict(np.load(demo / "windows.npz"))
    d["brevitas_pred"] = d["brevitas_pred"].copy()
    d["brevitas_pred"][1] = (d["brevitas_pred"][1] + 1) % 3
    np.savez(bad / "windows.npz", **d)
    rc = demo_report.main(["report", "--out", str(bad), "--build", str(demo / "build"),
                           "--finngl", FINNGL_BIN])
    assert rc == 1
    assert f"1 of {WINDOWS} predictions differ" in capsys.readouterr().out


def test_bad_paths_and_options_exit_2(demo, tmp_path, capsys):
    assert demo_report.main(["report", "--out", str(tmp_path / "nowhere")]) == 2
    assert "windows.npz: no such file" in capsys.readouterr().err
    # windows.npz present but no build there
    shutil.copy(demo / "windows.npz", tmp_path / "windows.npz")
    assert demo_report.main(["report", "--out", str(tmp_path)]) == 2
    assert "logits.npy: missing" in capsys.readouterr().err
    assert demo_report.main(["prepare", "--out", str(tmp_path / "p"), "--windows", "999"]) == 2
    assert "1..240" in capsys.readouterr().err
    assert demo_report.main(["prepare", "--out", str(tmp_path / "p"), "--windows", "some"]) == 2
    assert demo_report.main(["prepare", "--out", str(tmp_path / "p"),
                             "--fi2010", str(tmp_path / "no_such_dir")]) == 2
    assert "FI2010=" in capsys.readouterr().err


def test_fi2010_directory_is_read_with_brevitas_predictions(tmp_path, capsys):
    """A directory in FI-2010's layout (the simulator's, its synthetic marker removed, standing in
    for the real files): windows of its test split, Brevitas run on them, described as FI-2010."""
    from finngl.lob import simulate_fi2010
    data = tmp_path / "fi2010"
    simulate_fi2010(data, seed=1, samples_per_day=300)
    (data / "SIMULATED.json").unlink()
    out = tmp_path / "out"
    assert demo_report.main(["prepare", "--out", str(out), "--windows", "6", "--fi2010", str(data)]) == 0
    d = np.load(out / "windows.npz")
    assert d["x"].shape == (6, 1, 100, 40)
    assert np.array_equal(d["brevitas_pred"], d["brevitas_logits"].argmax(1))
    assert str(d["source"]).startswith("FI-2010 test split") and "trained on synthetic data" in str(d["source"])
    assert np.load(out / "verify_x.npy").shape == (6, 1, 100, 40)
