#!/usr/bin/env bash
# Spectrogram thumbnails of every built-in preset for the README (docs/presets/NAME.png):
# two minutes of each (seed 5, from 06:30, when the forest's birds sing), 0–12 kHz, as a
# small raw spectrogram. Run after a change to a preset's sound, then commit the PNGs;
# `tests/presets.rs` checks there is one for every preset and that the README shows it.
#
#   scripts/thumbnails.sh            # all presets
#   scripts/thumbnails.sh forest     # some
set -euo pipefail
cd "$(dirname "$0")/.."

command -v sox >/dev/null || { echo "thumbnails.sh: needs sox (scripts/deps.sh --install run)" >&2; exit 1; }
cargo build --release --locked --bin attuned >&2
bin=target/release/attuned
out=docs/presets
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then
    mapfile -t presets < <("$bin" presets)
fi
for name in "${presets[@]}"; do
    "$bin" render --preset "$name" --duration 120s --seed 5 --start 06:30 \
        --out "$work/$name.wav" >/dev/null
    # Mono, down to 24 kHz (0-12 kHz shown), a raw 240x80 image: no axes or legend.
    sox "$work/$name.wav" -r 24000 "$work/$name-mono.wav" remix 1,2
    sox "$work/$name-mono.wav" -n spectrogram -r -x 240 -y 80 -z 80 -o "$out/$name.png"
    echo "$out/$name.png"
done
