#!/usr/bin/env bash
# The whole test suite, as the README's quick start runs it on a fresh Debian/Ubuntu machine.
# Installs what it needs, then: format, lints, all tests, model retraining, bounded fuzzing
# of the BLE parsers, and the 8 h soak.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages and Python modules for building, running and the real services the tests
# start (dbus-daemon, PulseAudio, playerctl …): one list, in scripts/deps.sh.
bash scripts/deps.sh build run test
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# A fresh clone builds once: incremental state there is only disk (gigabytes of it, next to
# five test profiles' binaries) and link time.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --locked
echo "== live MIDI through a real JACK server (the midi-jack build)"
cargo test --locked --features midi-jack --test midi_live
echo "== retraining the control model (numpy, ignored by default)"
cargo test --locked --test retrain -- --ignored
echo "== fuzzing the GATT parsers (cargo fuzz, 20 s per target)"
bash scripts/fuzz.sh 20
# The soak runs in the test profile built above: a release build of the whole tree would
# cost more time on 2 cores than the soak gains from it.
echo "== soak (8 h of two presets, ignored by default)"
cargo test --locked --test soak -- --ignored
