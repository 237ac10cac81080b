#!/usr/bin/env bash
# `make demo`: the reference executor on the shipped example (a quantized QCDQ ConvLSTM shaped
# like the case study), checked against onnxruntime. Later stages of the compiler extend this.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/tools/finngl
MODEL=examples/convlstm_qcdq/model.onnx
INPUT=examples/convlstm_qcdq/input.npy
OUT=out/demo

echo "== finngl info $MODEL"
$BIN info --brief "$MODEL"
echo
echo "== finngl check $MODEL"
$BIN check "$MODEL"
echo
echo "== finngl exec $MODEL (4 windows, 10 runs)"
$BIN exec "$MODEL" --input "lob_window=$INPUT" --output-dir "$OUT" --repeat 10
echo
echo "== cross-check against onnxruntime"
.venv/bin/python scripts/compare_outputs.py "$MODEL" "lob_window=$INPUT" "$OUT"
