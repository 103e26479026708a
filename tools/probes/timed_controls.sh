#!/usr/bin/env bash
# Grades every must-pass control of every module WITH timing (dev check and gpu-check grade
# controls untimed), so the timed runs' checks meet correct but unusual kernels too.
# Usage (on the GPU machine, after a build): tools/probes/timed_controls.sh [build-gpu/kernelcoach]
set -u
kc=${1:-build-gpu/kernelcoach}
course=$(mktemp -d)
cp -r tracks "$course/"
for manifest in "$course"/tracks/missing-elements/module-*/module.json; do
    dir=$(dirname "$manifest")
    id=$("$kc" --course "$course" --json list | python3 -c "import json,sys; d=json.load(sys.stdin); print({m['path']: m['id'] for m in d['modules']}['tracks/missing-elements/$(basename "$dir")'])")
    for f in $(python3 -c "import json; print(' '.join(c['file'] for c in json.load(open('$manifest'))['controls'] if c['expect'] == 'PASSED'))"); do
        line=$("$kc" --course "$course" --json run "$id" --file "$dir/$f" --no-racecheck | python3 -c "import json,sys; r=json.load(sys.stdin)['result']; t=r.get('timing') or {}; print(r['verdict'], r['summary'][:150], t.get('kernel_ms'), t.get('wrong',''))")
        echo "$id $f: $line"
    done
done
rm -rf "$course"
