#!/bin/bash
# Racecheck on a bar.arrive -> bar.sync producer/consumer hand-off (named_barrier_racecheck.cu):
# mode 1 the documented pattern, 2 with bar.sync on both sides, 3 a real race. If mode 1 reports
# hazards and mode 2 none, racecheck does not model bar.arrive, and a correct learner kernel built
# this way would be graded WRONG (optimization/04's named-barrier example was). One file per mode
# under $OUT/named-barrier/.
OUT=${OUT:-/tmp/probe-out}; D=$OUT/named-barrier; mkdir -p $D
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
$NVCC -lineinfo -arch=sm_90 -o /tmp/named_barrier $(dirname $0)/named_barrier_racecheck.cu > $D/build.txt 2>&1 || { cat $D/build.txt; exit 1; }
for mode in 1 2 3; do
  /tmp/named_barrier $mode > $D/plain-$mode.txt 2>&1
  $CS --tool racecheck --racecheck-report analysis --print-limit 4 /tmp/named_barrier $mode > $D/racecheck-$mode.txt 2>&1
  echo "mode $mode: $(cat $D/plain-$mode.txt); racecheck: $(grep -c 'Race reported' $D/racecheck-$mode.txt) race reports"
done
