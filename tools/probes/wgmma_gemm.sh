#!/bin/bash
# Builds and runs the sm_90a TMA + wgmma bf16 GEMM probe (wgmma_gemm.cu): every element of small
# and ragged sizes and a sample of large ones checked against a float64 truth, then timings against
# cuBLASLt (median of 25 runs, L2 flushed). Needs a Hopper GPU; well under 3 minutes.
# The report goes to stdout; with $OUT set, the build log (ptxas's registers and spills), the SASS
# (when cuobjdump is there), the report and Nsight Compute's counters (when ncu is there) are also
# kept under $OUT/wgmma-gemm/. Arguments are passed on to the program (--quick: correctness only).
# The exit status is the program's: 0 when every check passed.
set -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
OUT=${OUT:-/tmp/probe-out}; D=$OUT/wgmma-gemm; mkdir -p "$D"
BIN=/tmp/wgmma_gemm
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv,noheader 2>/dev/null
"$NVCC" -O3 -std=c++17 -arch=sm_90a -lineinfo -Xptxas -v -o $BIN "$HERE/wgmma_gemm.cu" -lcuda -lcublasLt \
    > "$D/build.txt" 2>&1 || { cat "$D/build.txt"; echo "build failed"; exit 1; }
grep -E "warning|error|registers|spill|C75[0-9][0-9]" "$D/build.txt"
if command -v cuobjdump > /dev/null; then
    cuobjdump -sass $BIN > "$D/sass.txt" 2>&1
    echo "SASS: $(grep -c 'HGMMA' "$D/sass.txt") HGMMA, $(grep -c 'UTMALDG' "$D/sass.txt") UTMALDG, $(grep -cE '\bSTL\b|\bLDL\b' "$D/sass.txt") local-memory accesses"
fi
timeout 140 $BIN "$@" 2>&1 | tee "$D/run.txt"
rc=$?

# Where the time goes: one launch each of data-parallel, persistent and cuBLASLt under Nsight
# Compute (which flushes the caches before each kernel, as the timings above do): time, DRAM bytes
# read and written, L2 hit rate, SM throughput. The full reports are kept in $D/ncu-*.txt.
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
if [ -x "$NCU" ]; then
    METRICS=gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sector_hit_rate.pct,sm__throughput.avg.pct_of_peak_sustained_elapsed
    for s in 4096 8192; do
        timeout 60 "$NCU" --clock-control none --metrics $METRICS $BIN --one $s $s $s > "$D/ncu-$s.txt" 2>&1
        echo "== Nsight Compute, ${s}x${s}x${s} (rc $?):"
        grep -vE '^==PROF==|^--one|^device:|^gemm:|^\s*$|Section:|^\s*-+\s' "$D/ncu-$s.txt" | sed -E 's/ {2,}/  /g' | cut -c1-150
    done
fi
exit $rc
