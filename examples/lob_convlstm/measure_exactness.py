#!/usr/bin/env python3
"""Measures how exactly finngl reproduces Brevitas on a trained model: exports the checkpoint of a
`python -m finngl.train` run with every quantized tensor outside the LSTM's Scan as an extra
output, runs finngl and Brevitas on the test windows and counts, per tensor, the quantized
integers that differ; every window that differs is explained (or not) as a float32 summation-order
tie flip (finngl/export/compare.py). The numbers in README.md come from this script.

    .venv/bin/python examples/lob_convlstm/measure_exactness.py --run OUT_DIR --data DATA_DIR
        [--windows N] [--finngl build/tools/finngl]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "python"))


def load_run(run: Path):
    from finngl.models import ConvLstmQuant, LstmQuantConfig, QuantConfig
    from finngl.train import restore_state
    cfg = json.loads((run / "train_config.json").read_text())
    qc = dict(cfg["quant_config"])
    qc["lstm"] = LstmQuantConfig(**qc["lstm"])
    q = ConvLstmQuant(**cfg["geometry"], config=QuantConfig(**qc))
    restore_state(q, torch.load(run / "quant_model.pt", map_location="cpu"))
    return q.eval(), cfg


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True, help="output directory of python -m finngl.train")
    ap.add_argument("--data", required=True, help="its data directory")
    ap.add_argument("--windows", type=int, default=0, help="test windows to use (0: all)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--finngl", default=str(ROOT / "build" / "tools" / "finngl"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    from finngl.export import brevitas_reference, convlstm_to_onnx
    from finngl.export.compare import STAGES, explain_mismatches, finngl_exec, mismatch_counts, quantized_integers
    from finngl.lob import load_fi2010

    q, cfg = load_run(Path(args.run))
    a = cfg["args"]
    test = load_fi2010(args.data, normalisation=a["normalisation"], horizon=a["horizon"], window=a["window"],
                       label_convention=a["label_convention"]).test
    n = len(test) if args.windows <= 0 else min(args.windows, len(test))
    idx = np.linspace(0, len(test) - 1, n).astype(np.int64) if n < len(test) else np.arange(n)
    model = convlstm_to_onnx(q, debug_outputs=True)
    totals = {k: 0 for k in STAGES}
    summary = {"windows": 0, "windows_differing": 0, "first_stage": {}, "tie_flips": 0,
               "max_tie_distance": 0.0, "unexplained": 0}
    pred_differ, elements = 0, {k: 0 for k in STAGES}
    t0 = time.time()
    for s in range(0, n, args.batch):
        x = np.ascontiguousarray(test.batch(idx[s:s + args.batch]))
        want = brevitas_reference(q, x)
        got = finngl_exec(model, {"x": x}, args.finngl)
        ints = quantized_integers(q, want, got)
        for k, v in mismatch_counts(ints).items():
            totals[k] += v
            elements[k] += ints[k][0].size
        e = explain_mismatches(q, want, ints)
        for key in ("windows", "windows_differing", "tie_flips", "unexplained"):
            summary[key] += e[key]
        summary["max_tie_distance"] = max(summary["max_tie_distance"], e["max_tie_distance"])
        for k, v in e["first_stage"].items():
            summary["first_stage"][k] = summary["first_stage"].get(k, 0) + v
        pred_differ += int((want["logits"].argmax(1) != got["logits"].argmax(1)).sum())
        print(f"  {summary['windows']}/{n} windows: {summary['windows_differing']} differ, "
              f"{pred_differ} predictions differ ({time.time() - t0:.0f}s)", flush=True)
    print(f"\n{args.run}: {n} test windows")
    print("quantized integers differing per tensor:")
    for k in STAGES:
        print(f"  {k:10s} {totals[k]:8d} of {elements[k]}")
    print(f"windows with any difference: {summary['windows_differing']} of {n}; first differing tensor: "
          f"{summary['first_stage']}")
    print(f"tie flips at the first differing tensor: {summary['tie_flips']} (largest distance of the exact "
          f"value from the tie: {summary['max_tie_distance']:.2g} steps); unexplained windows: "
          f"{summary['unexplained']}")
    print(f"predicted classes differing: {pred_differ} of {n}")
    return 1 if summary["unexplained"] else 0


if __name__ == "__main__":
    sys.exit(main())
