"""Negative tests of `finngl build`: every class of bad input it handles (config, verification
data, folding config, command-line flags, output directory, model file) gets one clear message
naming the file and the key, node or input involved, exit code 2, and leaves no output: neither
DIR nor DIR.partial. Outputs that differ from verify_expected_output_npy are a failed check
(exit 1, the build written), and an unreachable target is no error at all: the build says what
binds.

Most cases use a two-layer quantized MLP built here (Quant -> MatMul -> Relu -> Quant -> MatMul,
8 -> 6 -> 3; its MVAUs are MatMul_0_MVAU and MatMul_1_MVAU), which builds through the C
simulation in seconds; the case study (examples/lob_convlstm) covers the 4-D input and the
auto folder's explanation."""
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ROOT, finngl_cli

CASE_STUDY = ROOT / "examples" / "lob_convlstm" / "model.onnx"
CONFIG = {"board": "ZCU104", "synth_clk_period_ns": 5}


def make_tiny_mlp(path):
    """x [N, 8] -> 4-bit Quant -> MatMul (4-bit weights) -> Relu -> 4-bit Quant -> MatMul -> y
    [N, 3]: small enough to build through the C simulation in about 3 s."""
    rng = np.random.default_rng(0)
    nodes, inits = [], []

    def quant(name, x, bits, signed, scale):
        inits.extend([numpy_helper.from_array(np.array(scale, np.float32), name + "_scale"),
                      numpy_helper.from_array(np.array(0, np.float32), name + "_zeropt"),
                      numpy_helper.from_array(np.array(bits, np.float32), name + "_bits")])
        nodes.append(helper.make_node(
            "Quant", [x, name + "_scale", name + "_zeropt", name + "_bits"], [name + "_out"],
            name=name, domain="qonnx.custom_op.general", signed=int(signed), narrow=0,
            rounding_mode="ROUND"))
        return name + "_out"

    def weights(name, shape, scale):
        inits.append(numpy_helper.from_array(
            rng.integers(-7, 8, shape).astype(np.float32) * scale, name))
        return quant(name + "_q", name, 4, True, scale)

    h = quant("q_in", "x", 4, True, 0.25)
    nodes.append(helper.make_node("MatMul", [h, weights("W1", (8, 6), 0.5)], ["h1"], name="mm1"))
    nodes.append(helper.make_node("Relu", ["h1"], ["r1"], name="relu1"))
    h = quant("q_hidden", "r1", 4, False, 1.0)
    nodes.append(helper.make_node("MatMul", [h, weights("W2", (6, 3), 0.25)], ["y"], name="mm2"))
    graph = helper.make_graph(
        nodes, "tiny_mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid("qonnx.custom_op.general", 1)])
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_mlp(tmp_path_factory.mktemp("tiny") / "tiny_mlp.onnx")


def partial(out):
    return Path(str(out) + ".partial")


def build(tmp_path, model, cfg=None, *flags):
    """`finngl build model [--config tmp_path/cfg.json] -o tmp_path/build flags...`: cfg is a
    dict (written as JSON), a string (written as is) or None (no --config)."""
    out = tmp_path / "build"
    args = ["build", model, "-o", out, *flags]
    if cfg is not None:
        path = tmp_path / "cfg.json"
        path.write_text(cfg if isinstance(cfg, str) else json.dumps(cfg))
        args += ["--config", path]
    return finngl_cli(*args, check=False), out


def assert_user_error(proc, out, *fragments):
    """Exit 2, one 'finngl: error:' line holding every fragment, and nothing written."""
    assert proc.returncode == 2, f"exit code {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert proc.stderr.startswith("finngl: error: "), proc.stderr
    assert proc.stderr.count("\n") == 1, f"expected one message line:\n{proc.stderr}"
    for f in fragments:
        assert f in proc.stderr, f"{f!r} not in {proc.stderr!r}"
    assert not out.exists(), f"{out} was left behind"
    assert not partial(out).exists(), f"{partial(out)} was left behind"


# --- the build config ---------------------------------------------------------------------------

CONFIG_ERRORS = [
    ("not json", ["not valid JSON", "line 1"]),
    ("[1, 2]", ["not a JSON object"]),
    ({**CONFIG, "verify_sample": 3}, ["unknown key 'verify_sample'", "verify_samples"]),
    ({**CONFIG, "fpga_part": "xczu7ev-ffvc1156-2-e"}, ["either 'board' or 'fpga_part'"]),
    ({"synth_clk_period_ns": 5}, ["'board' or 'fpga_part' is required"]),
    ({"fpga_part": "xc7zfoo", "synth_clk_period_ns": 5},
     ["'fpga_part'", "unknown FPGA part or board 'xc7zfoo'", "xczu7ev-ffvc1156-2-e"]),
    ({"board": "ZCU104"}, ["'synth_clk_period_ns' is required"]),
    ({**CONFIG, "synth_clk_period_ns": 0}, ["'synth_clk_period_ns' must be a positive number"]),
    ({**CONFIG, "target_fps": -10}, ["'target_fps' must be a positive number, got -10"]),
    ({**CONFIG, "target_fps": "fast"}, ["'target_fps' must be a positive number"]),
    ({**CONFIG, "max_latency_ns": 0}, ["'max_latency_ns' must be a positive number"]),
    ({**CONFIG, "budget_fraction": 1.5}, ["'budget_fraction' must be in (0, 1]"]),
    ({**CONFIG, "budget_fraction": -0.5}, ["'budget_fraction' must be a positive number"]),
    ({**CONFIG, "verify_atol": -1e-3}, ["'verify_atol' must be a number >= 0"]),
    ({**CONFIG, "verify_atol": "tight"}, ["'verify_atol' must be a number >= 0"]),
    ({**CONFIG, "verify_input_npy": 3}, ["'verify_input_npy' must be a file name"]),
    ({**CONFIG, "verify_input_npy": {"x": ["a.npy"]}},
     ["'verify_input_npy' of input 'x' must be a file name"]),
    ({**CONFIG, "verify_samples": 0}, ["'verify_samples' must be an integer in [1, 1000000]"]),
    ({**CONFIG, "verify_samples": 2.5}, ["'verify_samples' must be an integer"]),
    # Once wrapped to 1,410,065,408 frames by a 32-bit conversion: the build ran out of time.
    ({**CONFIG, "verify_samples": 10**10}, ["'verify_samples' must be an integer"]),
    ({**CONFIG, "verify_seed": -1}, ["'verify_seed' must be an integer in [0, 4294967295]"]),
    ({**CONFIG, "verify_seed": 2**32}, ["'verify_seed' must be an integer"]),
    ({**CONFIG, "stop_step": "synthesis"}, ["unknown stop_step 'synthesis'", "codegen"]),
    ({**CONFIG, "save_intermediate_models": "yes"}, ["'save_intermediate_models' must be true"]),
    ({**CONFIG, "folding_config_file": 3}, ["'folding_config_file' must be a non-empty string"]),
    ({**CONFIG, "verify_expected_output_npy": "y.npy"},
     ["'verify_expected_output_npy' needs 'verify_input_npy'"]),
]


@pytest.mark.parametrize("cfg,fragments", CONFIG_ERRORS,
                         ids=[f[0].split("'")[1] if "'" in f[0] else f[0][:20]
                              for _, f in CONFIG_ERRORS])
def test_bad_config(tiny, tmp_path, cfg, fragments):
    proc, out = build(tmp_path, tiny, cfg)
    assert_user_error(proc, out, str(tmp_path / "cfg.json"), *fragments)


def test_missing_config_file(tiny, tmp_path):
    out = tmp_path / "build"
    proc = finngl_cli("build", tiny, "--config", tmp_path / "nope.json", "-o", out, check=False)
    assert_user_error(proc, out, str(tmp_path / "nope.json"), "cannot open build config")


def test_config_is_a_directory(tiny, tmp_path):
    out = tmp_path / "build"
    proc = finngl_cli("build", tiny, "--config", tmp_path, "-o", out, check=False)
    assert_user_error(proc, out, str(tmp_path), "is a directory")


# --- verification data --------------------------------------------------------------------------

def verify_cfg(tmp_path, x=None, name="x.npy", **extra):
    """A config reading verification inputs from tmp_path/name (x saved there unless None)."""
    if x is not None:
        np.save(tmp_path / name, x)
    return {**CONFIG, "verify_input_npy": name, "stop_step": "dataflow_partition", **extra}


@pytest.mark.parametrize("x,fragments", [
    (np.zeros((2, 9), np.float32), ["input 'x'", "expected shape [N, 8], got [2, 9]"]),
    (np.zeros((8,), np.float32), ["input 'x'", "expected shape [N, 8], got [8]"]),
    (np.zeros((2, 8), np.float64), ["input 'x'", "expected element type float"]),
    (np.zeros((2, 8), np.int8), ["input 'x'", "expected element type float"]),
    (np.zeros((0, 8), np.float32), ["holds no frames"]),
], ids=["shape", "rank", "float64", "int8", "no_frames"])
def test_verify_input_of_the_wrong_type(tiny, tmp_path, x, fragments):
    proc, out = build(tmp_path, tiny, verify_cfg(tmp_path, x))
    assert_user_error(proc, out, "verify_input_npy", str(tmp_path / "x.npy"), *fragments)


def test_verify_input_of_the_wrong_shape_for_the_case_study(tmp_path):
    proc, out = build(tmp_path, CASE_STUDY,
                      verify_cfg(tmp_path, np.zeros((2, 1, 100, 41), np.float32)))
    assert_user_error(proc, out, str(tmp_path / "x.npy"),
                      "expected shape [N, 1, 100, 40], got [2, 1, 100, 41]")


def test_verify_input_missing_or_malformed(tiny, tmp_path):
    proc, out = build(tmp_path, tiny, verify_cfg(tmp_path, name="nope.npy"))
    assert_user_error(proc, out, "verify_input_npy", str(tmp_path / "nope.npy"), "cannot open")
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY garbage")
    proc, out = build(tmp_path, tiny, verify_cfg(tmp_path, name="bad.npy"))
    assert_user_error(proc, out, "verify_input_npy", str(tmp_path / "bad.npy"),
                      "not a valid .npy file")


def test_verify_input_for_an_unknown_input_name(tiny, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 8), np.float32))
    cfg = {**CONFIG, "verify_input_npy": {"x": "x.npy", "image": "x.npy"}}
    proc, out = build(tmp_path, tiny, cfg)
    assert_user_error(proc, out, "verify_input_npy", "no input named 'image'", "inputs: 'x'")


def test_verify_input_by_name(tiny, tmp_path):
    # The {input: file} form names the input; the file's 5 frames are the verification frames.
    np.save(tmp_path / "x.npy", np.zeros((5, 8), np.float32))
    cfg = {**CONFIG, "verify_input_npy": {"x": "x.npy"}, "stop_step": "frontend"}
    proc, out = build(tmp_path, tiny, cfg)
    assert proc.returncode == 0, proc.stderr
    assert "5 verification frames" in proc.stdout


def test_expected_output_missing_or_of_the_wrong_shape(tiny, tmp_path):
    x = np.zeros((2, 8), np.float32)
    cfg = verify_cfg(tmp_path, x, verify_expected_output_npy="y.npy")
    proc, out = build(tmp_path, tiny, cfg)
    assert_user_error(proc, out, "verify_expected_output_npy", str(tmp_path / "y.npy"),
                      "cannot open")
    # Caught before the first step, however late the check would run.
    assert "[1/9]" not in proc.stdout
    np.save(tmp_path / "y.npy", np.zeros((2, 4), np.float32))
    proc, out = build(tmp_path, tiny, cfg)
    assert_user_error(proc, out, str(tmp_path / "y.npy"), "shape [2, 4]", "output 'y'", "[2, 3]")


def reference_outputs(model, x, tmp_path):
    """The model's outputs on x by `finngl exec` (the float model the build starts from)."""
    np.save(tmp_path / "exec_x.npy", x)
    finngl_cli("exec", model, "--input", f"x={tmp_path / 'exec_x.npy'}", "-q", "-o",
               tmp_path / "exec")
    return np.load(tmp_path / "exec" / "y.npy")


@pytest.mark.parametrize("stop_step", ["csim", "dataflow_partition"])
def test_expected_output_mismatch_is_a_failed_check(tiny, tmp_path, stop_step):
    # README: exit 1 when a check finds mismatches; the build is written (it is not a user error).
    rng = np.random.default_rng(1)
    x = (rng.integers(-8, 8, (4, 8)) * 0.25).astype(np.float32)
    y = reference_outputs(tiny, x, tmp_path)
    y[1, 2] += 1.0
    np.save(tmp_path / "y.npy", y)
    cfg = verify_cfg(tmp_path, x, verify_expected_output_npy="y.npy", stop_step=stop_step)
    proc, out = build(tmp_path, tiny, cfg)
    assert proc.returncode == 1, f"{proc.stdout}\n{proc.stderr}"
    assert "result: MISMATCH" in proc.stdout
    report = json.loads((out / "report" / "verification.json").read_text())
    assert report["verified"] is False
    failed = [c for c in report["checks"] if c["result"] == "FAIL"]
    assert [c["compared_with"] for c in failed] == ["verify_expected_output_npy"], failed
    assert failed[0]["blocking"] and failed[0]["mismatches"] == 1
    assert failed[0]["step"].endswith("csim" if stop_step == "csim" else "convert_to_hw")
    assert not partial(out).exists()


def test_expected_output_that_matches_verifies(tiny, tmp_path):
    rng = np.random.default_rng(2)
    x = (rng.integers(-8, 8, (3, 8)) * 0.25).astype(np.float32)
    np.save(tmp_path / "y.npy", reference_outputs(tiny, x, tmp_path))
    cfg = verify_cfg(tmp_path, x, verify_expected_output_npy="y.npy", stop_step="csim")
    proc, out = build(tmp_path, tiny, cfg)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    assert "result: VERIFIED" in proc.stdout
    report = json.loads((out / "report" / "verification.json").read_text())
    expected = [c for c in report["checks"] if c["compared_with"] == "verify_expected_output_npy"]
    assert len(expected) == 1 and expected[0]["step"] == "09_csim"
    assert expected[0]["result"] == "SUCCESS" and expected[0]["elements"] == 9


# --- the folding config -------------------------------------------------------------------------

def fold(tmp_path, tiny, text, *flags):
    (tmp_path / "fold.json").write_text(text)
    return build(tmp_path, tiny, {**CONFIG, "stop_step": "folding"}, "--folding-config",
                 tmp_path / "fold.json", *flags)


@pytest.mark.parametrize("text,fragments", [
    ("{not json", ["folding config is not valid JSON"]),
    ("[1]", ["the top level must be a JSON object"]),
    ('{"MatMul_7_MVAU": {"PE": 2}}',
     ["no node named 'MatMul_7_MVAU'", "nodes with folding: MatMul_0_MVAU, MatMul_1_MVAU"]),
    ('{"MatMul_0_MVAU": {"PE": 4}}', ["'MatMul_0_MVAU' (MVAU)", "MH=6 is not divisible by PE=4"]),
    ('{"MatMul_0_MVAU": {"SIMD": 3}}',
     ["'MatMul_0_MVAU' (MVAU)", "MW=8 is not divisible by SIMD=3"]),
    ('{"MatMul_1_MVAU": {"PE": "3"}}',
     ["'MatMul_1_MVAU'", 'PE must be a positive integer, got "3"']),
    ('{"MatMul_1_MVAU": {"PE": 0}}', ["'MatMul_1_MVAU'", "PE must be a positive integer, got 0"]),
    ('{"MatMul_1_MVAU": 3}', ["'MatMul_1_MVAU'", "must be an object"]),
    ('{"MatMul_1_MVAU": {"ram_style": "fast"}}', ["ram_style must be one of"]),
    ('{"MatMul_1_MVAU": {"depth": 4}}', ["'depth' cannot be set on MVAU"]),
    ('{"Defaults": {"PE": [2, "all"]}}', ["'MatMul_1_MVAU'", "MH=3 is not divisible by PE=2"]),
], ids=["not_json", "not_object", "unknown_node", "pe", "simd", "pe_type", "pe_zero",
        "entry_type", "ram_style", "attribute", "defaults"])
def test_bad_folding_config(tiny, tmp_path, text, fragments):
    proc, out = fold(tmp_path, tiny, text)
    assert_user_error(proc, out, str(tmp_path / "fold.json"), *fragments)


def test_missing_folding_config_fails_before_the_first_step(tiny, tmp_path):
    proc, out = build(tmp_path, tiny, CONFIG, "--folding-config", tmp_path / "nope.json")
    assert_user_error(proc, out, str(tmp_path / "nope.json"), "cannot open folding config")
    assert "[1/9]" not in proc.stdout


def test_folding_config_applies_and_warns_about_finn_only_attributes(tiny, tmp_path):
    # folding_config.h: FINN attributes finngl does not model are skipped with a warning.
    proc, out = fold(tmp_path, tiny,
                     '{"MatMul_0_MVAU": {"PE": 3, "SIMD": 4, "mem_mode": "internal_decoupled"}}')
    assert proc.returncode == 0, proc.stderr
    assert "warning:" in proc.stdout and "'mem_mode' skipped" in proc.stdout
    final = json.loads((out / "final_hw_config.json").read_text())
    assert final["MatMul_0_MVAU"]["PE"] == 3 and final["MatMul_0_MVAU"]["SIMD"] == 4


# --- command-line flags, the output directory and the model file -------------------------------

@pytest.mark.parametrize("flags,fragments", [
    (["--clk-ns", "-5"], ["--clk-ns must be a positive number, got -5"]),
    (["--target-fps", "-100"], ["--target-fps must be a positive number, got -100"]),
    (["--clk-ns", "0"], ["--clk-ns must be a positive number, got 0"]),
    (["--target-fps", "0"], ["--target-fps must be a positive number, got 0"]),
    (["--stop-step", "synth"], ["--stop-step: unknown step 'synth'", "dataflow_partition"]),
    (["--board", "ZCU999"], ["--board: unknown FPGA part or board 'ZCU999'", "ZCU104"]),
], ids=["clk_ns", "target_fps", "clk_ns_zero", "target_fps_zero", "stop_step", "board"])
def test_bad_override_flag(tiny, tmp_path, flags, fragments):
    proc, out = build(tmp_path, tiny, CONFIG, *flags)
    assert_user_error(proc, out, *fragments)


@pytest.mark.parametrize("flags,fragment", [
    (["--clk-ns", "fast"], "--clk-ns"),
    (["--target-fps", "1e3x"], "--target-fps"),
], ids=["clk_ns", "target_fps"])
def test_non_number_flag(tiny, tmp_path, flags, fragment):
    # CLI11 rejects these while parsing (its own message, exit 2).
    proc, out = build(tmp_path, tiny, CONFIG, *flags)
    assert proc.returncode == 2, proc.stderr
    assert "Could not convert" in proc.stderr and fragment in proc.stderr
    assert not out.exists() and not partial(out).exists()


def test_board_and_clock_needed_without_config(tiny, tmp_path):
    proc, out = build(tmp_path, tiny, None, "--board", "ZCU104")
    assert_user_error(proc, out, "give --config CFG.json, or at least --board and --clk-ns",
                      "missing: --clk-ns")
    proc, out = build(tmp_path, tiny, None)
    assert_user_error(proc, out, "missing: both")


def test_missing_output_flag(tiny, tmp_path):
    proc = finngl_cli("build", tiny, "--board", "ZCU104", "--clk-ns", "5", check=False)
    assert proc.returncode == 2
    assert "--output is required" in proc.stderr


def test_output_is_an_existing_file(tiny, tmp_path):
    out = tmp_path / "notes.txt"
    out.write_text("keep me\n")
    proc = finngl_cli("build", tiny, "--board", "ZCU104", "--clk-ns", "5", "-o", out,
                      check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"output directory '{out}': exists and is not a directory" in proc.stderr
    assert out.read_text() == "keep me\n"  # not replaced by the build
    assert not partial(out).exists()


@pytest.mark.parametrize("suffix", ["", "/."], ids=["dir", "dot"])
def test_output_is_a_directory_that_is_not_a_build(tiny, tmp_path, suffix):
    # A finished build replaces the whole directory: `-o .` in a source tree used to delete it.
    src = tmp_path / "src"
    src.mkdir()
    (src / "keep.txt").write_text("keep me\n")
    proc = finngl_cli("build", tiny, "--board", "ZCU104", "--clk-ns", "5", "-o",
                      str(src) + suffix, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "exists and is not an earlier finngl build" in proc.stderr
    assert (src / "keep.txt").read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_output_replaces_an_earlier_build_and_takes_a_trailing_slash(tiny, tmp_path):
    out = tmp_path / "build"
    args = ["build", tiny, "--board", "ZCU104", "--clk-ns", "5", "--stop-step", "frontend"]
    assert finngl_cli(*args, "-o", str(out) + "/", check=False).returncode == 0
    assert (out / "time_per_step.json").is_file() and not (out / ".partial").exists()
    proc = finngl_cli(*args, "-o", out, check=False)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_output_under_a_file_cannot_be_created(tiny, tmp_path):
    # Used to abort on an uncaught std::filesystem_error (exit 134).
    (tmp_path / "afile").write_text("")
    out = tmp_path / "afile" / "build"
    proc = finngl_cli("build", tiny, "--board", "ZCU104", "--clk-ns", "5", "-o", out,
                      check=False)
    assert_user_error(proc, out, f"output directory '{out}': cannot create", "Not a directory")


def test_missing_model_leaves_no_parent_directories(tmp_path):
    out = tmp_path / "new" / "sub" / "build"
    proc = finngl_cli("build", tmp_path / "nope.onnx", "--board", "ZCU104", "--clk-ns", "5",
                      "-o", out, check=False)
    assert_user_error(proc, out, str(tmp_path / "nope.onnx"), "cannot open")
    assert proc.stderr.count("nope.onnx") == 1, proc.stderr  # named once
    assert not (tmp_path / "new").exists()


def test_model_without_hardware_layers_names_the_model(tmp_path):
    # A float model streamlines to nothing the hardware can run: the step that finds out says so
    # under the model's name (the node names are those of its graph).
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])
    model = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(
        helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r")], "g", [x], [y]),
        opset_imports=[helper.make_opsetid("", 13)]), str(model))
    proc, out = build(tmp_path, model, CONFIG)
    assert_user_error(proc, out, f"{model}: step dataflow_partition: no hardware layers",
                      "Relu_0 (Relu)")


def test_model_that_is_not_onnx(tmp_path):
    model = tmp_path / "notes.onnx"
    model.write_text("not a protobuf\n" * 10)
    proc, out = build(tmp_path, model, CONFIG)
    assert_user_error(proc, out, str(model), "not a valid ONNX model")


# --- an unreachable target is not an error -----------------------------------------------------

def test_unreachable_target_explains_what_binds(tmp_path):
    cfg = {"board": "ZCU104", "synth_clk_period_ns": 6.667, "target_fps": 1e9,
           "verify_samples": 1, "stop_step": "folding"}
    proc, out = build(tmp_path, CASE_STUDY, cfg)
    assert proc.returncode == 0, proc.stderr
    assert "target not met" in proc.stdout
    report = (out / "report" / "auto_folding.txt").read_text()
    assert "NOT met" in report
    assert "binds: layer Scan_0 (RecurrentLayer)" in report
    assert (out / "auto_folding_config.json").is_file()
