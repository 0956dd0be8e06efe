#!/usr/bin/env bash
# RAVS next to the Baseline at MiT-B5 on one GPU: 224x224, T = 5 and 10, batch 2 and 4
# clips, fp32 and bf16 autocast; train-step time, inference time per frame and peak memory
# (tools/analysis/benchmark.py --sections speed). About 3-6 min on an H100/H200; stopped at
# 8 min (BENCH_TIMEOUT seconds) with whatever cases finished written out.
#
#   bash tools/analysis/gpu_benchmark.sh [OUT_DIR]      # default work_dirs/gpu_benchmark
#
# Writes OUT_DIR/benchmark.json and .md (with the card's name) and OUT_DIR/nvidia-smi.txt.
set -euo pipefail
OUT_DIR=${1:-work_dirs/gpu_benchmark}
PYTHON=${PYTHON:-python}
mkdir -p "$OUT_DIR"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT_DIR/nvidia-smi.txt"
timeout "${BENCH_TIMEOUT:-480}" "$PYTHON" tools/analysis/benchmark.py \
    --device cuda --sections speed --backbones mit-b5 --size 224 \
    --frames 5 10 --batch 2 4 --amp both --steps "${BENCH_STEPS:-8}" --warmup 3 \
    --out-dir "$OUT_DIR"
