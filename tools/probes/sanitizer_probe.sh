#!/bin/bash
# Compiles the probe with line info and runs each compute-sanitizer tool on it; output to $OUT.
set -x
OUT=${OUT:-/tmp/probe-out}; mkdir -p $OUT
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
$CS --version > $OUT/cs-version.txt 2>&1
$CS --help > $OUT/cs-help.txt 2>&1
nvcc -lineinfo -arch=sm_90 -o /tmp/probe $(dirname $0)/sanitizer_probe.cu || exit 1
for spec in "0 racecheck" "1 memcheck" "2 initcheck" "3 synccheck" "0 memcheck"; do
  set -- $spec
  $CS --tool $2 --print-limit 8 --error-exitcode 99 /tmp/probe $1 > $OUT/probe-$1-$2.txt 2>&1; echo "exit $?" >> $OUT/probe-$1-$2.txt
  $CS --tool $2 --print-limit 8 --error-exitcode 99 --xml yes --save $OUT/probe-$1-$2.xml /tmp/probe $1 > /dev/null 2>&1
done
$CS --tool racecheck --racecheck-report hazard --print-limit 4 /tmp/probe 0 > $OUT/probe-0-racecheck-hazard.txt 2>&1
tail -n 30 $OUT/probe-*.txt
