#!/usr/bin/env bash
# The whole test suite, as the README's quick start runs it on a fresh Debian/Ubuntu machine.
# Installs what it needs, then: format, lints, all tests, and the release-mode soak tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cc >/dev/null || ! command -v pkg-config >/dev/null || ! command -v sox >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends build-essential pkg-config sox >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --locked
echo "== soak (release, ignored by default)"
cargo test --release --locked --test soak -- --ignored
