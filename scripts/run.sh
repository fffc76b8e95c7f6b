#!/usr/bin/env bash
# The main job: render a soundscape (default: 10 minutes of `focus`) to out/, with its
# MIDI score and a spectrogram. Installs what it needs on Debian/Ubuntu.
# Usage: scripts/run.sh [PRESET] [DURATION] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cc >/dev/null || ! command -v sox >/dev/null || ! pkg-config --exists fontconfig freetype2 alsa 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends build-essential pkg-config sox \
    libfontconfig1-dev libfreetype-dev libasound2-dev >/dev/null
fi
preset=${1:-focus}; duration=${2:-10m}; seed=${3:-1}
mkdir -p out
cargo run --release --locked --bin attuned -- render --preset "$preset" --duration "$duration" \
  --seed "$seed" --out "out/$preset.wav" --midi "out/$preset.mid"
sox "out/$preset.wav" -n spectrogram -o "out/$preset.png" 2>/dev/null || true
echo "out/$preset.wav, out/$preset.mid, out/$preset.png"
