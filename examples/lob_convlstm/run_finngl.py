#!/usr/bin/env python3
"""Runs the shipped (or a freshly trained) ConvLSTM with finngl's reference executor on the test
windows and reports per-class precision / recall / F1, macro F1 and accuracy from finngl's own
outputs, next to Brevitas' predictions stored with the windows.

    .venv/bin/python examples/lob_convlstm/run_finngl.py [--model model.onnx] [--windows test_windows.npz]
                                                         [--finngl build/tools/finngl]

Exit status 1 if any finngl prediction differs from Brevitas'.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "python"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(HERE / "model.onnx"))
    ap.add_argument("--windows", default=str(HERE / "test_windows.npz"))
    ap.add_argument("--finngl", default=str(ROOT / "build" / "tools" / "finngl"))
    args = ap.parse_args(argv)

    from finngl.train import classification_report, finngl_exec, format_table

    data = np.load(args.windows)
    x, y = data["x"], data["y"]
    out = finngl_exec(Path(args.model), x, Path(args.finngl))
    logits = out["logits"]
    pred = logits.argmax(1)
    reports = {"finngl": classification_report(y, pred)}
    if "brevitas_pred" in data:
        reports["Brevitas"] = classification_report(y, data["brevitas_pred"])
    print(f"{args.model}: {len(x)} test windows ({Path(args.windows).name})\n")
    print(format_table(reports))
    if "brevitas_pred" not in data:
        return 0
    differ = int((pred != data["brevitas_pred"]).sum())
    max_diff = float(np.abs(logits - data["brevitas_logits"]).max()) if "brevitas_logits" in data else float("nan")
    print(f"\nfinngl vs Brevitas: {differ} of {len(x)} predictions differ; max |logit difference| {max_diff:.3g}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
