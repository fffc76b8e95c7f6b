#!/usr/bin/env bash
# Fuzz every GATT parser for a bounded time (default 30 s each) with cargo fuzz (libFuzzer).
# Works on the stable toolchain: `--sanitizer none` needs no nightly flags (the parsers are
# safe Rust, so AddressSanitizer would add little; panics and failed asserts are the finds).
# A crash fails this script and leaves the input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-30}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
cargo fuzz build --sanitizer none
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  out=$(cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
          -max_total_time="$seconds" -max_len=64 -print_final_stats=1 2>&1) || {
    echo "$out" | tail -40
    echo "fuzz target $target failed: see fuzz/artifacts/$target/" >&2
    exit 1
  }
  runs=$(echo "$out" | grep -o 'Done [0-9]* runs' | grep -o '[0-9]*')
  edges=$(echo "$out" | grep -o 'cov: [0-9]*' | tail -1 | grep -o '[0-9]*')
  echo "fuzz $target: $runs executions in ${seconds}s, $edges coverage edges, no crash"
done
