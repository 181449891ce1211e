#!/usr/bin/env bash
# The WebGPU checks, run on the GPU machine in one call from the project root (prepared on the
# CPU machine with: bash ../shared/tools/gpu/prepare.sh), within about 8 minutes:
#   bash scripts/gpu-check.sh
# 1. the WebGPU tests (test/backend/webgpu*.test.ts) against the cpu backend, on the GPU's adapter,
#    and onnxruntime's WebGPU execution provider against its CPU one (test/onnx/webgpu-ep.test.ts);
# 2. the GPU benchmark beside torchvision on CUDA (benchmarks/gpu.bench.ts), results in
#    bench-results/gpu.json, the table on stdout.
# Stops at the first failure; nvidia-smi's memory before and after is printed for the record.
set -euo pipefail
root=$(git rev-parse --show-toplevel 2>/dev/null || pwd); cd "$root"
# shellcheck disable=SC1091
source .gpu/enter.sh
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv
npm run test:gpu
node --import tsx benchmarks/run.ts --only gpu --out bench-results
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv
