#!/usr/bin/env bash
# Issue 19's GPU figures in one device call (a lent GPU machine gives a session ~15 minutes, start
# included, and one command at most 10): what the card is, then, each under its own timeout so a
# slow part cannot take the others with it,
#   1. bench/gpu.py --no-compile: SD 1.5 at 512² and SDXL at 1024², eager vs SDPA, channels_last,
#      bf16, and the daemon against plain diffusers (random full-size weights)
#   2. bench/live.py on a full-size SD 1.5 (random fp16 weights) with 2 steps: the live p50
#   3. bench/gpu.py --models sd15 with torch.compile (its warm-up is the slow part)
# Each part's output goes to $OUT (the device tool brings it back) and to the terminal.
#
# Here first: scripts/gpu-wheels. Then, with the device tool:
#   run(command="bash bench/gpu_session.sh", carry=[".whl"], timeout_s=600)
# GPU_SESSION_SMOKE=1 runs the same steps on this CPU machine with tiny sizes (checks the script).
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/underpaint-gpu-session}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
SMOKE=${GPU_SESSION_SMOKE:-}

if [ -n "$SMOKE" ]; then
  PY=${PYTHON:-.venv/bin/python}
  export PYTHONPATH="$PWD/daemon${PYTHONPATH:+:$PYTHONPATH}"
else
  PY=${PYTHON:-python3}
  if [ ! -d .whl ]; then
    echo "gpu_session: no .whl/ here: run scripts/gpu-wheels first and name .whl in carry" >&2
    exit 2
  fi
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "gpu_session: installing the carried wheels failed" >&2; exit 2; }
  export PYTHONPATH="/tmp/site:$PWD/daemon"
fi

part() {  # part NAME SECONDS COMMAND...: one timed-out part loses only itself
  local name=$1 seconds=$2
  shift 2
  echo "=== $name (at most ${seconds} s)" | tee "$OUT/$name.txt"
  timeout "$seconds" "$@" 2>&1 | tee -a "$OUT/$name.txt"
  local status=${PIPESTATUS[0]}
  [ "$status" = 124 ] && echo "=== $name: stopped at its ${seconds} s limit" | tee -a "$OUT/$name.txt"
  return 0
}

part env 60 bash -c "nvidia-smi || true; \"$PY\" -c 'import torch, diffusers, transformers, grpc, google.protobuf as p; \
print(\"torch\", torch.__version__, \"cuda\", torch.cuda.is_available(), \"diffusers\", diffusers.__version__, \
\"transformers\", transformers.__version__, \"grpcio\", grpc.__version__, \"protobuf\", p.__version__)'"

MODELS=/tmp/underpaint-gpu-models
WRITE_SD15="import sys; sys.path.insert(0, 'bench'); from pathlib import Path; \
from switch import write_random_sd15; write_random_sd15(Path('$MODELS') / 'random-sd15', seed=1)"
if [ -n "$SMOKE" ]; then  # the same commands, sized for a CPU
  part gpu 300 "$PY" bench/gpu.py --smoke
  part live 600 bash -c "\"$PY\" -c \"$WRITE_SD15\" && \
\"$PY\" bench/live.py --models $MODELS --model random-sd15 --steps 2 --size 128 --changes 2"
  exit 0
fi
part gpu 220 "$PY" bench/gpu.py --no-compile
part live 190 bash -c "\"$PY\" -c \"$WRITE_SD15\" && \
\"$PY\" bench/live.py --models $MODELS --model random-sd15 --steps 2 --changes 20"
part compile 130 "$PY" bench/gpu.py --models sd15
