"""Frontend benchmark: wall time and peak memory of `finngl opt --pipeline frontend` (QONNX ->
FINN-ONNX -> streamlined integer-only graph) on the case-study ConvLSTM
(examples/lob_convlstm/model.onnx), against a peer run in the same script on the same model:
qonnx's `cleanup_model` plus the graph preparation of FINN's ConvertQONNXtoFINN that qonnx itself
ships on PyPI (ExtractBiasFromConv, GemmToMatMul, FoldTransposeIntoQuantInit, BatchNormToAffine,
shape/datatype inference, constant folding), then cleanup again.

The peer does strictly less work: FINN's own QONNX -> FINN steps (FoldQuantWeights,
ConvertQuantActToMultiThreshold) and its streamlining are not on PyPI as a library, so the ratio is
a lower bound on finngl's advantage over the Python toolchain for this job.

Each side runs in a fresh process per repetition (load, transform, save), timed from outside;
reported: median wall time of --runs repetitions (>= 5) and the peak resident set size
(getrusage of the child; the peer's includes the Python interpreter and its imports).

Usage: .venv/bin/python bench/frontend_bench.py [--runs N] [--model PATH]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FINNGL = os.environ.get("FINNGL_BIN", str(ROOT / "build" / "tools" / "finngl"))

# The peer, run as `python -c PEER model out`. onnx 1.23 stamps IR version 14 on the one-node
# models qonnx's constant folding hands to onnxruntime, which reads up to 13: the peer builds them
# with IR version 10 instead (a compatibility shim, not a behaviour change).
PEER = r"""
import sys
import qonnx.core.onnx_exec as onnx_exec
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.batchnorm_to_affine import BatchNormToAffine
from qonnx.transformation.extract_conv_bias import ExtractBiasFromConv
from qonnx.transformation.fold_constants import FoldConstants
from qonnx.transformation.gemm_to_matmul import GemmToMatMul
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.transformation.quant_constant_folding import FoldTransposeIntoQuantInit
from qonnx.util.cleanup import cleanup_model

make_model = onnx_exec.qonnx_make_model
onnx_exec.qonnx_make_model = lambda graph, **kw: make_model(graph, ir_version=10, **kw)
model = cleanup_model(ModelWrapper(sys.argv[1]))
for t in (ExtractBiasFromConv(), GemmToMatMul(), FoldTransposeIntoQuantInit(),
          BatchNormToAffine(), InferShapes(), FoldConstants(), InferDataTypes()):
    model = model.transform(t)
model = cleanup_model(model)
model.save(sys.argv[2])
print(len(model.graph.node))
"""


def measure(cmd, runs):
    """Median wall time and peak RSS (MiB) over `runs` fresh processes. The peak is read by a
    wrapper interpreter per run (its RUSAGE_CHILDREN holds only that one child)."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "w = time.perf_counter() - t; "
               "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
               "sys.stderr.write(p.stderr); print(p.returncode, w, r); print(p.stdout)")
    walls, peaks, out = [], [], ""
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", wrapper, *map(str, cmd)],
                              capture_output=True, text=True)
        first, _, rest = proc.stdout.partition("\n")
        rc, wall, peak = first.split()
        if int(rc) != 0:
            raise SystemExit(f"{' '.join(map(str, cmd))} failed ({rc}):\n{rest}\n{proc.stderr}")
        walls.append(float(wall))
        peaks.append(int(peak) / 1024.0)
        out = rest
    return statistics.median(walls), max(peaks), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--model", default=str(ROOT / "examples" / "lob_convlstm" / "model.onnx"))
    args = ap.parse_args()
    if args.runs < 5:
        raise SystemExit("--runs must be at least 5 (the median of fewer says little)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "finngl.onnx"
        f_wall, f_rss, f_out = measure([FINNGL, "opt", args.model, "--pipeline", "frontend",
                                        "-o", out], args.runs)
        check = subprocess.run([FINNGL, "check", "--integer-only", out], capture_output=True,
                               text=True)
        peer_out = Path(tmp) / "qonnx.onnx"
        q_wall, q_rss, q_out = measure([sys.executable, "-c", PEER, args.model, peer_out],
                                       args.runs)
    f_nodes = next((line for line in f_out.splitlines() if line.startswith("wrote")), "?")
    print(f"model: {args.model}, median of {args.runs} runs, each a fresh process "
          f"(load, transform, save)")
    print(f"  finngl opt --pipeline frontend : {f_wall * 1e3:9.1f} ms  peak RSS {f_rss:7.1f} MiB"
          f"  ({f_nodes.split('(')[-1].rstrip(')')}; "
          f"{'integer-only' if check.returncode == 0 else 'NOT integer-only'})")
    print(f"  qonnx cleanup + QONNX->FINN prep: {q_wall * 1e3:9.1f} ms  peak RSS {q_rss:7.1f} MiB"
          f"  ({q_out.strip()} nodes, Quant nodes kept: FINN's conversion is not on PyPI)")
    print(f"  ratio (qonnx / finngl): time {q_wall / f_wall:.1f}x, peak RSS {q_rss / f_rss:.1f}x")


if __name__ == "__main__":
    main()
