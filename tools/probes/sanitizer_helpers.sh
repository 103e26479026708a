#!/bin/bash
# Captures what compute-sanitizer prints for accesses inside helper functions (see
# sanitizer_helpers.cu); one file per probe under $OUT/sanitizer-helpers/.
OUT=${OUT:-/tmp/probe-out}; D=$OUT/sanitizer-helpers; mkdir -p $D
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
$NVCC -lineinfo -arch=sm_90 -o /tmp/sanitizer_helpers $(dirname $0)/sanitizer_helpers.cu > $D/build.txt 2>&1 || { cat $D/build.txt; exit 1; }
for spec in "1 racecheck" "2 racecheck" "3 memcheck" "4 memcheck" "5 racecheck" "6 racecheck" "7 memcheck"; do
  set -- $spec
  $CS --tool $2 --print-limit 8 --show-backtrace no $( [ $2 = racecheck ] && echo --racecheck-report analysis ) \
      /tmp/sanitizer_helpers $1 > $D/probe-$1-$2.txt 2>&1
done
ls -la $D
