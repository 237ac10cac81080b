"""Executor benchmark: samples per second of finngl's reference executor and of onnxruntime, both
single-threaded, on the same float model shaped like the case study (two conv blocks, an LSTM over
88 steps with 320 inputs and 64 hidden units, a dense head), batch 1, in one run.

The LSTM is measured in both ONNX forms: a standard LSTM node and the cell written out in a Scan
body (the form FINN-GL compiles). finngl is timed by `finngl exec --repeat`, which reports the time
per run excluding model loading, so both sides measure steady-state inference.

Usage: .venv/bin/python bench/exec_bench.py [--runs N]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
from finngl import onnx_models  # noqa: E402

FINNGL = os.environ.get("FINNGL_BIN", str(ROOT / "build" / "tools" / "finngl"))


def ort_ms(model, x, runs):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    feeds = {"lob_window": x}
    out = sess.run(None, feeds)[0]
    for _ in range(3):
        sess.run(None, feeds)
    start = time.perf_counter()
    for _ in range(runs):
        sess.run(None, feeds)
    return (time.perf_counter() - start) / runs * 1e3, out


def finngl_ms(model, x, runs, tmp):
    path, inp, out_dir = Path(tmp) / "m.onnx", Path(tmp) / "x.npy", Path(tmp) / "out"
    onnx.save(model, str(path))
    np.save(inp, x)
    proc = subprocess.run([FINNGL, "exec", str(path), "--input", f"lob_window={inp}", "-o", str(out_dir),
                           "--repeat", str(runs)], capture_output=True, text=True, check=True)
    ms = float(re.search(r"time: ([0-9.eE+-]+) ms per run", proc.stdout).group(1))
    return ms, np.load(out_dir / "logits.npy")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    x = np.random.default_rng(0).standard_normal((1, 1, 100, 40)).astype(np.float32)
    print(f"{'model':24s} {'onnxruntime':>16s} {'finngl':>16s} {'ratio (finngl/ort)':>20s}  max|diff|")
    with tempfile.TemporaryDirectory() as tmp:
        for lstm in ("op", "scan"):
            model = onnx_models.convlstm_float(lstm=lstm)
            o_ms, o_out = ort_ms(model, x, args.runs)
            f_ms, f_out = finngl_ms(model, x, args.runs, tmp)
            print(f"{model.graph.name:24s} {1e3 / o_ms:11.1f} smp/s {1e3 / f_ms:11.1f} smp/s "
                  f"{o_ms / f_ms:19.2f}x  {np.abs(o_out - f_out).max():.2g}")


if __name__ == "__main__":
    main()
