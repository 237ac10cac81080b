"""Build benchmark: `finngl build` of the case-study ConvLSTM (examples/lob_convlstm/model.onnx)
for the ZCU104 at 150 MHz (auto folding for 232 frames/s, as `make demo`), in four parts:

1. the compiler itself: wall time and peak RSS of `finngl build` up to and including codegen
   (config "stop_step": "codegen", so no g++), median of --runs fresh processes, and the time of
   each step (time_per_step.json, median). The build verifies every step on --verify-windows
   real test windows (the executor runs them through each intermediate model); that is included.
2. the g++ compile of the generated project (the command the csim step recorded in
   project/csim/command.txt, re-run), and the whole csim step of one full build.
3. throughput of the compiled C simulation (the testbench binary run directly, one process, on
   --csim-windows windows), in samples/s.
4. the estimates for the ZCU104 next to the FINN-GL paper's figures (finngl.demo_report, shared
   with `make demo`).

Peers, run in this script: for the compiler, qonnx's cleanup + QONNX->FINN graph preparation of
the same model (bench/frontend_bench.py's peer): it does strictly less work (no streamlining, no
hardware mapping, folding or code generation), so the ratio is a lower bound; there is no peer
for the HLS generation itself (FINN's build_dataflow is not on PyPI and needs Vivado/Vitis HLS).
For the C simulation: finngl's reference executor on the same quantized model (`finngl exec
--repeat`, batch 1, model loading excluded) and onnxruntime (1 thread, batch 1) on the float
ConvLSTM of the same shape (bench/exec_bench.py's model; onnxruntime cannot run the QONNX model).
Results are printed and written to out/bench/build_bench.json.

Usage: .venv/bin/python bench/build_bench.py [--runs N] [--verify-windows N] [--csim-windows N]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from finngl import demo_report  # noqa: E402
from frontend_bench import PEER, measure  # noqa: E402

FINNGL = os.environ.get("FINNGL_BIN", str(ROOT / "build" / "tools" / "finngl"))
MODEL = ROOT / "examples" / "lob_convlstm" / "model.onnx"


def write_config(tmp: Path, x: np.ndarray, stop_step=None) -> Path:
    """A build config like `make demo`'s, verifying on the windows x."""
    np.save(tmp / "verify_x.npy", x)
    cfg = {"board": "ZCU104", "synth_clk_period_ns": 6.667, "target_fps": 232.0,
           "verify_input_npy": str(tmp / "verify_x.npy")}
    if stop_step:
        cfg["stop_step"] = stop_step
    path = tmp / (f"cfg_{stop_step}.json" if stop_step else "cfg.json")
    path.write_text(json.dumps(cfg))
    return path


def bench_build(tmp: Path, x: np.ndarray, runs: int) -> dict:
    """Median wall time / peak RSS of `finngl build` up to codegen, each run a fresh process
    writing a fresh output directory (the build refuses to overwrite one)."""
    cfg = write_config(tmp, x, "codegen")
    out = tmp / "codegen_build"
    steps = []
    walls, peaks = [], []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        wall, peak, _ = measure([FINNGL, "build", MODEL, "--config", cfg, "-o", out], 1)
        walls.append(wall)
        peaks.append(peak)
        steps.append(json.loads((out / "time_per_step.json").read_text()))
    return {"wall_s": statistics.median(walls), "walls_s": walls, "peak_rss_mib": max(peaks),
            "steps_s": {k: statistics.median(s[k] for s in steps) for k in steps[0]}}


def bench_compile(build: Path, runs: int) -> dict:
    """Re-runs the g++ command the csim step recorded, into a scratch binary."""
    # command.txt: a comment, the command (paths relative to the project), the sources' hash
    project = build / "project"
    cmd = [l for l in (project / "csim" / "command.txt").read_text().splitlines()
           if l and not l.startswith("#")][0]
    scratch = project / "csim" / "bench_csim"
    cmd = re.sub(r"-o csim/csim$", "-o csim/bench_csim", cmd.strip())
    if not cmd.endswith("bench_csim"):
        raise RuntimeError(f"unexpected csim command in command.txt: {cmd}")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, shell=True, check=True, capture_output=True, cwd=project)
        times.append(time.perf_counter() - t0)
    scratch.unlink(missing_ok=True)
    return {"compile_s": statistics.median(times), "compiles_s": times}


def bench_csim(build: Path, x: np.ndarray) -> dict:
    """Samples/s of the compiled C simulation binary alone (one process; host pre/post and file
    I/O excluded)."""
    run = demo_report.run_accelerator(build, x, FINNGL, jobs=1)
    return {"windows": len(x), "csim_s": run["csim_seconds"],
            "samples_per_s": len(x) / run["csim_seconds"], "logits": run["logits"]}


def bench_executor(tmp: Path, x1: np.ndarray, runs: int) -> float:
    """finngl's reference executor on the quantized model, batch 1: samples/s."""
    np.save(tmp / "x1.npy", x1)
    proc = subprocess.run([FINNGL, "exec", str(MODEL), "--input", f"x={tmp / 'x1.npy'}",
                           "-o", str(tmp / "exec"), "--repeat", str(runs)],
                          capture_output=True, text=True, check=True)
    ms = float(re.search(r"time: ([0-9.eE+-]+) ms per run", proc.stdout).group(1))
    return 1e3 / ms


def bench_ort(runs: int) -> float:
    """onnxruntime, 1 thread, batch 1, on the float ConvLSTM of the case study's shape."""
    try:
        from exec_bench import ort_ms  # imports onnxruntime
    except ImportError:
        return float("nan")
    from finngl import onnx_models
    x = np.random.default_rng(0).standard_normal((1, 1, 100, 40)).astype(np.float32)
    ms, _ = ort_ms(onnx_models.convlstm_float(lstm="op"), x, runs)
    return 1e3 / ms


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="repetitions of the build up to codegen")
    ap.add_argument("--compile-runs", type=int, default=1, help="repetitions of the g++ compile")
    ap.add_argument("--verify-windows", type=int, default=8,
                    help="real test windows the build verifies each step on")
    ap.add_argument("--csim-windows", type=int, default=48, help="windows for the csim throughput")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "bench")
    args = ap.parse_args()
    if args.runs < 3:
        raise SystemExit("--runs must be at least 3 (the median of fewer says little)")
    windows = np.load(demo_report.SHIPPED_WINDOWS)
    if not 1 <= args.csim_windows <= len(windows["x"]):
        raise SystemExit(f"--csim-windows must be in 1..{len(windows['x'])}")
    x = windows["x"]
    res = {"model": str(MODEL.relative_to(ROOT)), "board": "ZCU104", "clk_ns": 6.667,
           "target_fps": 232.0, "verify_windows": args.verify_windows, "runs": args.runs}
    with tempfile.TemporaryDirectory(prefix="finngl_build_bench_") as tmp:
        tmp = Path(tmp)
        res["build_to_codegen"] = bench_build(tmp, x[:args.verify_windows], args.runs)
        # one full build (csim included) on the same verification windows
        full = tmp / "full_build"
        t0 = time.perf_counter()
        subprocess.run([FINNGL, "build", str(MODEL), "--config", str(write_config(tmp, x[:args.verify_windows])),
                        "-o", str(full)], check=True, capture_output=True, text=True)
        res["full_build"] = {"wall_s": time.perf_counter() - t0,
                             "csim_step_s": json.loads((full / "time_per_step.json").read_text())["csim"]}
        res["gxx_compile"] = bench_compile(full, args.compile_runs)
        csim = bench_csim(full, x[:args.csim_windows])
        differ = int((csim.pop("logits").argmax(1) != windows["brevitas_pred"][:args.csim_windows]).sum())
        res["csim"] = {**csim, "predictions_differing_from_brevitas": differ}
        res["estimates"] = demo_report.estimates(full)
        peer_out = tmp / "qonnx.onnx"
        q_wall, q_rss, _ = measure([sys.executable, "-c", PEER, MODEL, peer_out], args.runs)
        res["peer_qonnx_prep"] = {"wall_s": q_wall, "peak_rss_mib": q_rss}
        est_text = demo_report.format_estimates(res["estimates"])
        res["executor_samples_per_s"] = bench_executor(tmp, x[:1], 20)
    res["ort_float_samples_per_s"] = bench_ort(20)
    res["paper"] = demo_report.PAPER

    b, c = res["build_to_codegen"], res["csim"]
    print(f"model: {res['model']} -> ZCU104 @ 150 MHz, target 232 frames/s; "
          f"verification on {args.verify_windows} real windows")
    print(f"finngl build up to codegen (no g++): {b['wall_s']:.2f} s median of {args.runs} "
          f"(each a fresh process), peak RSS {b['peak_rss_mib']:.0f} MiB")
    print("  per step (median): " + ", ".join(f"{k} {b['steps_s'][k]:.2f} s"
                                            for k in demo_report.ordered_steps(b["steps_s"])))
    print(f"  peer, qonnx cleanup + QONNX->FINN prep only: {q_wall:.2f} s, peak RSS {q_rss:.0f} MiB "
          f"-> ratio (qonnx prep / whole finngl build to codegen): {q_wall / b['wall_s']:.2f}x "
          f"(a lower bound: the peer does no streamlining, HW mapping, folding or HLS generation; "
          f"no peer exists for the HLS generation itself)")
    print(f"g++ compile of the generated project: {res['gxx_compile']['compile_s']:.1f} s "
          f"(median of {args.compile_runs}); csim step of a full build "
          f"({args.verify_windows} windows, compile included): {res['full_build']['csim_step_s']:.1f} s; "
          f"full build wall {res['full_build']['wall_s']:.1f} s")
    ex, ort_sps = res["executor_samples_per_s"], res["ort_float_samples_per_s"]
    print(f"C simulation throughput ({c['windows']} windows, 1 process): {c['samples_per_s']:.1f} samples/s "
          f"({1e3 / c['samples_per_s']:.1f} ms/sample); {c['predictions_differing_from_brevitas']} "
          f"predictions differ from Brevitas")
    print(f"  finngl executor, same quantized model, batch 1: {ex:.1f} samples/s -> ratio (csim / executor) "
          f"{c['samples_per_s'] / ex:.2f}x")
    print(f"  onnxruntime, float ConvLSTM of the same shape, 1 thread, batch 1: {ort_sps:.1f} samples/s "
          f"-> ratio (csim / onnxruntime) {c['samples_per_s'] / ort_sps:.3f}x")
    print("estimates vs the paper:")
    print(est_text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "build_bench.json").write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {args.out / 'build_bench.json'}")


if __name__ == "__main__":
    main()
