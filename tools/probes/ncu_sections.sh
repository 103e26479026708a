#!/usr/bin/env bash
# Captures Nsight Compute's speed-of-light, occupancy and launch sections for one launch of
# vector add's solution, as CSV and as text: the format `kernelcoach bench --ncu` parses.
# Usage (on the GPU machine, after a build): tools/probes/ncu_sections.sh build-gpu/kernelcoach OUTDIR
set -u
kc=${1:-build-gpu/kernelcoach}
out=${2:-${OUT:-.}}
ncu=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
course=$(mktemp -d)
cp -r tracks "$course/"
sol=$course/tracks/missing-elements/module-01-vector-add/solution/kernel.cu
args=(--target-processes all --kernel-name vector_add --launch-skip 2 --launch-count 1
      --section SpeedOfLight --section Occupancy --section LaunchStats)
run=("$kc" --course "$course" run missing-elements/01 --file "$sol" --no-timing --no-racecheck)
"$ncu" --csv --page details "${args[@]}" "${run[@]}" >"$out/ncu-sections.csv" 2>&1
"$ncu" "${args[@]}" "${run[@]}" >"$out/ncu-sections.txt" 2>&1
"$ncu" --version >>"$out/ncu-sections.txt" 2>&1
rm -rf "$course"
