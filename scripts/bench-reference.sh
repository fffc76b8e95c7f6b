#!/usr/bin/env bash
# The reference patch (shared/bench/) in Csound and in attuned's engine, same run, one core.
# Prints both speeds in × real time and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build bench
csd=${CSD:-../shared/bench/reference.csd}
cargo build --release --locked --example reference_patch
t0=$(date +%s.%N); taskset -c 0 csound "$csd" >/dev/null 2>&1; t1=$(date +%s.%N)
csound_x=$(echo "600 / ($t1 - $t0)" | bc -l)
engine_line=$(taskset -c 0 target/release/examples/reference_patch 600)
engine_x=$(echo "$engine_line" | sed -E 's/.*= ([0-9.]+)x.*/\1/')
printf 'csound:  %.1fx real time\n' "$csound_x"
echo "$engine_line"
printf 'ratio engine/csound: %.2f\n' "$(echo "$engine_x / $csound_x" | bc -l)"
