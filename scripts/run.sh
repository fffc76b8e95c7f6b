#!/usr/bin/env bash
# The main job: build and run the attuned daemon in the foreground. It plays through the
# default audio output (PulseAudio or PipeWire), or waits and says why where there is none,
# and answers on D-Bus: in another terminal try `target/release/attunectl status`,
# `attunectl preset sleep`, `playerctl -p attuned play-pause`. Ctrl-C (or closing the
# terminal: SIGHUP) fades out and exits.
#
#   scripts/run.sh                          the daemon
#   scripts/run.sh render [PRESET] [DUR] [SEED]   render offline to out/ (WAV, MIDI, spectrogram)
#
# Installs what it needs on Debian/Ubuntu (scripts/deps.sh build run). The first run builds
# the release binaries from clean: see the README's quick start for how long that takes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build run
# Only the binaries this job runs: the first build is a clean release build of the tree.
if [ "${1:-}" = render ]; then
  cargo build --release --locked --bin attuned
else
  cargo build --release --locked --bin attuned --bin attunectl
fi

if [ "${1:-}" = render ]; then
  preset=${2:-focus}; duration=${3:-10m}; seed=${4:-1}
  mkdir -p out
  target/release/attuned render --preset "$preset" --duration "$duration" \
    --seed "$seed" --out "out/$preset.wav" --midi "out/$preset.mid"
  sox "out/$preset.wav" -n spectrogram -o "out/$preset.png" 2>/dev/null || true
  echo "out/$preset.wav, out/$preset.mid, out/$preset.png"
  exit 0
fi

export RUST_LOG=${RUST_LOG:-info}
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ ! -S "${XDG_RUNTIME_DIR:-/nonexistent}/bus" ]; then
  echo "no D-Bus session bus here: starting the daemon inside its own (dbus-run-session)" >&2
  exec dbus-run-session -- target/release/attuned "$@"
fi
exec target/release/attuned "$@"
