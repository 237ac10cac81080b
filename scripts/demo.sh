#!/usr/bin/env bash
# `make demo`: the case study end to end. The shipped trained W8A6 ConvLSTM
# (examples/lob_convlstm/model.onnx) goes through `finngl build` for the ZCU104 at 150 MHz
# (auto folding for 232 frames/s = 1 / 4.3 ms, the paper's latency) into out/demo/build; the
# build checks every step bit for bit and C-simulates the generated accelerator on the test
# windows; finngl.demo_report then prints, from the accelerator's own outputs, the metrics, the
# agreement with Brevitas (exit 1 if a prediction differs), the estimates next to the paper's
# figures and the time of every step.
#
#   make demo                      # the 240 shipped synthetic test windows (about 1.5 min)
#   make demo DEMO_WINDOWS=all     # all 2,703 windows of the synthetic test split, regenerated
#                                  # (about 4 min on 2 cores: the C simulation takes ~0.08 s/window)
#   make demo DEMO_WINDOWS=24      # the first 24 shipped windows (quick)
#   make demo FI2010=/path/to/data # windows of the real FI-2010 test split (DEMO_WINDOWS: how many,
#                                  # default 240; Brevitas' predictions computed from quant_model.pt)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/tools/finngl
MODEL=examples/lob_convlstm/model.onnx
OUT=out/demo
PY=(env PYTHONPATH=python .venv/bin/python -m finngl.demo_report)
WINDOWS="${DEMO_WINDOWS:-shipped}"

echo "== finngl check $MODEL"
$BIN check "$MODEL"
echo

echo "== test windows (DEMO_WINDOWS=$WINDOWS${FI2010:+, FI2010=$FI2010})"
rm -rf "$OUT"
# The build verifies and C-simulates at most 240 windows itself (each of its per-step executor
# checks runs every window again, ~0.02 s each); demo_report runs any further window through the
# same compiled C simulation only.
"${PY[@]}" prepare --out "$OUT" --windows "$WINDOWS" ${FI2010:+--fi2010 "$FI2010"} --verify-windows 240
echo

echo "== finngl build $MODEL --config $OUT/build_config.json -o $OUT/build"
start=$EPOCHREALTIME
$BIN build "$MODEL" --config "$OUT/build_config.json" -o "$OUT/build"
build_s=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
echo

"${PY[@]}" report --out "$OUT" --build-seconds "$build_s"
