#!/usr/bin/env bash
# The whole test suite, as the README's quick start runs it on a fresh Debian/Ubuntu machine.
# Installs what it needs, then: format, lints, all tests, model retraining, bounded fuzzing
# of the BLE parsers, and the 8 h soak.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: a C toolchain, sox, ALSA, libdbus (btleplug) and fontconfig/freetype
# headers, Python + pip, and the real services the daemon tests start: dbus-daemon (also as
# the private system bus of the BlueZ mock), PulseAudio, playerctl, gdbus, and
# desktop-file-validate for the tray's autostart entry.
need_apt=0
for c in cc pkg-config sox python3 dbus-daemon busctl gdbus pulseaudio parec pacat playerctl \
    desktop-file-validate; do
  command -v "$c" >/dev/null || need_apt=1
done
pkg-config --exists fontconfig freetype2 alsa dbus-1 2>/dev/null || need_apt=1
python3 -m pip --version >/dev/null 2>&1 || need_apt=1
if [ "$need_apt" = 1 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends build-essential pkg-config sox \
    libfontconfig1-dev libfreetype-dev libasound2-dev libdbus-1-dev python3 python3-pip \
    dbus dbus-bin systemd libglib2.0-bin pulseaudio pulseaudio-utils playerctl \
    desktop-file-utils >/dev/null
fi
# Python packages for the training script (numpy + onnx).
if ! python3 -c 'import numpy, onnx' 2>/dev/null; then
  python3 -m pip install -q numpy onnx 2>/dev/null \
    || python3 -m pip install -q --break-system-packages numpy onnx
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --locked
echo "== retraining the control model (numpy, ignored by default)"
cargo test --locked --test retrain -- --ignored
echo "== fuzzing the GATT parsers (cargo fuzz, 20 s per target)"
bash scripts/fuzz.sh 20
# The soak runs in the test profile built above: a release build of the whole tree would
# cost more time on 2 cores than the soak gains from it.
echo "== soak (8 h of two presets, ignored by default)"
cargo test --locked --test soak -- --ignored
