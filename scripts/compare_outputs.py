"""Compares `finngl exec` outputs (a directory of .npy files) with onnxruntime on the same model.

Usage: compare_outputs.py MODEL NAME=INPUT.npy [NAME=INPUT.npy ...] OUTPUT_DIR
Prints, per output, the max abs difference and the number of elements beyond rtol 1e-5/atol 1e-6,
and the onnxruntime time per run. Exit code 1 on any mismatch.
"""
import re
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    model, *pairs, out_dir = sys.argv[1:]
    feeds = {p.split("=", 1)[0]: np.load(p.split("=", 1)[1]) for p in pairs}
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    # Graph optimisations would fuse QDQ patterns into integer kernels (QLinearConv, ...) whose
    # rounding differs from the ONNX reference semantics; compare with the reference semantics.
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    ref = sess.run(names, feeds)
    start = time.perf_counter()
    for _ in range(10):
        sess.run(names, feeds)
    ms = (time.perf_counter() - start) / 10 * 1e3
    bad = 0
    for name, want in zip(names, ref):
        got = np.load(f"{out_dir}/{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.npy")
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        mismatches = int(np.sum(diff > 1e-6 + 1e-5 * np.abs(want)))
        bad += mismatches
        print(f"{name}: shape {got.shape}, max |finngl - onnxruntime| = {diff.max():.3g}, "
              f"mismatches (rtol 1e-5, atol 1e-6): {mismatches} of {want.size}")
        if want.ndim == 2:
            print(f"  predicted classes: finngl {got.argmax(1).tolist()}, onnxruntime {want.argmax(1).tolist()}")
    print(f"onnxruntime: {ms:.3f} ms per run (1 thread)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
