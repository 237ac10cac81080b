#!/usr/bin/env bash
# `make bench`: every benchmark in bench/, each printing ratios against a peer run in the same script.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python bench/exec_bench.py "$@"
.venv/bin/python bench/frontend_bench.py
.venv/bin/python bench/build_bench.py
