#!/bin/bash
# Runs every cuBLASLt heuristic candidate of a few bf16 GEMMs with epilogues against a float64
# truth (see cublaslt_candidates.cu); the report goes to stdout (gpu-session keeps it).
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
$NVCC -O2 -arch=sm_90 -o /tmp/cublaslt_candidates $(dirname $0)/cublaslt_candidates.cu -lcublasLt || exit 1
/tmp/cublaslt_candidates
