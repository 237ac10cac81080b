#!/usr/bin/env bash
# Trains the shipped demo model and exports it (see README.md): the full W8A6 case-study
# architecture (32 channels, hidden 64, 122K parameters) on the synthetic FI-2010 stand-in, float
# pre-training (at most 6 epochs, early stopping with patience 2) then 2 epochs of quantization-
# aware fine-tuning, on 1 CPU thread. Writes model.onnx, metrics.json, test_windows.npz (and the
# checkpoints) to OUT, then checks the export with finngl.
#
#   examples/lob_convlstm/train_and_export.sh [DATA_DIR [OUT_DIR]] [extra finngl.train options]
#
# DATA_DIR defaults to out/lob_synthetic (generated if missing); give a directory with the real
# FI-2010 files to train on FI-2010 instead.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
DATA="${1:-out/lob_synthetic}"
OUT="${2:-out/lob_convlstm}"
shift $(( $# > 2 ? 2 : $# ))
PYTHONPATH=python .venv/bin/python -m finngl.train --data "$DATA" --out "$OUT" \
    --epochs 6 --patience 2 --qat-epochs 2 --threads 1 --seed 0 "$@"
build/tools/finngl check "$OUT/model.onnx"
.venv/bin/python examples/lob_convlstm/run_finngl.py --model "$OUT/model.onnx" --windows "$OUT/test_windows.npz"
