#!/usr/bin/env bash
# Idempotent set-up for finngl: Debian packages for the C++ build, then a project-local Python
# virtual environment (.venv) with the reference tools the tests cross-check against.
# Re-running it is cheap: each step checks whether its work is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler
  libabsl-dev nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev libeigen3-dev
)
PY_PACKAGES=(
  "torch==2.13.0" onnx onnxruntime qonnx brevitas onnxoptimizer onnxscript numpy pytest pytest-xdist
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[setup] installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "[setup] Debian packages present"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.finngl-setup-stamp
want="$(printf '%s\n' "${PY_PACKAGES[@]}" | sha1sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing Python packages into .venv (first run takes a few minutes)"
  # pip warns about package-index locations of this machine that do not exist; keep real errors.
  pip_install() { .venv/bin/python -m pip install -q "$@" 2> >(grep -v "^WARNING: Location" >&2); }
  pip_install --upgrade pip
  # torch first and pinned: the CPU build on disk; anything later that asks for torch is satisfied.
  pip_install "torch==2.13.0"
  pip_install "${PY_PACKAGES[@]}"
  echo "$want" > "$stamp"
else
  echo "[setup] Python packages present"
fi
