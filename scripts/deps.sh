#!/usr/bin/env bash
# The one set-up of this project: the Debian/Ubuntu packages it needs, split by what for,
# and the check for what is missing. scripts/run.sh and scripts/test.sh both call it; no
# package list is written anywhere else (tests/setup.rs checks this list against the
# system libraries the `*-sys` crates in Cargo.lock link).
#
#   scripts/deps.sh build [run] [test] [bench]   install what is missing for these jobs
#   scripts/deps.sh --check build [...]    only say what is missing (exit 1 if anything)
#   scripts/deps.sh --list build [...]     print the Debian packages of these jobs
#
# build: compile attuned · run: the render's spectrogram and the daemon's own session bus ·
# test: the real services the tests start and the training script's Python · bench: Csound,
# the reference the engine is measured against (scripts/bench-reference.sh), and stress-ng
# for the dropout benchmark (scripts/dropout-bench.sh).
set -euo pipefail

# package|why — one line each.
BUILD_PACKAGES=(
  "build-essential|C compiler and linker for the -sys crates"
  "pkg-config|finds the system libraries below"
  "libdbus-1-dev|D-Bus client library (btleplug talks to BlueZ through libdbus)"
  "libasound2-dev|ALSA library (cpal's audio backends)"
  "libfontconfig-dev|fontconfig (plot text through plotters)"
  "libfreetype-dev|FreeType (plot text; without it freetype-sys compiles its own copy)"
  "libpipewire-0.3-dev|PipeWire client library (cpal's native PipeWire host)"
  "libspa-0.2-dev|PipeWire's SPA headers (the same host)"
  "libclang-dev|bindgen reads the PipeWire headers through libclang"
  "clang|tells bindgen the C compiler's include paths"
)
RUN_PACKAGES=(
  "sox|spectrograms of renders"
  "dbus-daemon|dbus-run-session, when the desktop has no session bus"
)
TEST_PACKAGES=(
  "python3|training script and the BLE bench"
  "python3-pip|numpy and onnx for the training script"
  "dbus-daemon|the private session and system buses the tests start"
  "dbus-bin|dbus-send and friends for the daemon tests"
  "systemd|systemd-analyze verify of the user unit; busctl"
  "libglib2.0-bin|gdbus for the D-Bus tests"
  "pulseaudio|a real sound server with a null sink"
  "pulseaudio-utils|pactl, parec and pacat to drive and record it"
  "pipewire|the other real sound server (its native protocol)"
  "pipewire-bin|pw-cli and pw-dump to see its streams"
  "wireplumber|PipeWire's session manager (links streams to sinks)"
  "pipewire-pulse|the PulseAudio protocol on PipeWire, for pactl and its null sinks"
  "playerctl|the MPRIS client desktops use"
  "desktop-file-utils|desktop-file-validate for the tray's autostart entry"
  "librsvg2-bin|rsvg-convert renders the tray icons to check how they read on panels"
  "xvfb|a headless X server for the tray's real-panel test"
  "openbox|a window manager on it"
  "xfce4-panel|a real panel whose systray hosts StatusNotifierItems"
  "xdotool|clicks and scrolls on the panel"
  "imagemagick|import: screenshots of the panel"
  "x11-utils|xwininfo: waits for the panel's window"
  "fonts-dejavu-core|fonts for the panel and its menus"
  "adwaita-icon-theme|the icon theme the panel falls back to"
  "jackd2|a real JACK server (-d dummy) for the live MIDI test"
  "libjack-jackd2-dev|the JACK library the midi-jack build of that test links"
)
BENCH_PACKAGES=(
  "csound|renders the reference patch the engine is measured against"
  "bc|the speed ratios"
  "stress-ng|keeps every core busy for the dropout benchmark (scripts/dropout-bench.sh)"
)

# What each job needs present: commands, then pkg-config modules.
BUILD_COMMANDS=(cc pkg-config clang)
BUILD_MODULES=(dbus-1 alsa fontconfig freetype2 libpipewire-0.3 libspa-0.2)
RUN_COMMANDS=(sox dbus-run-session)
TEST_COMMANDS=(python3 dbus-daemon busctl gdbus pulseaudio pactl parec pacat playerctl
  pipewire wireplumber pipewire-pulse pw-dump
  desktop-file-validate systemd-analyze rsvg-convert Xvfb openbox xfce4-panel xdotool import
  xwininfo jackd)
TEST_MODULES=(jack)
TEST_PYTHON_MODULES=(numpy onnx)
BENCH_COMMANDS=(csound bc taskset stress-ng)

usage() { sed -n '7,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

mode=install
jobs=()
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    --list) mode=list ;;
    build | run | test | bench) jobs+=("$arg") ;;
    *) echo "deps.sh: unknown argument '$arg'" >&2; usage ;;
  esac
done
[ "${#jobs[@]}" -gt 0 ] || usage

packages_of() { # job → "package|why" lines
  case "$1" in
    build) printf '%s\n' "${BUILD_PACKAGES[@]}" ;;
    run) printf '%s\n' "${RUN_PACKAGES[@]}" ;;
    test) printf '%s\n' "${TEST_PACKAGES[@]}" ;;
    bench) printf '%s\n' "${BENCH_PACKAGES[@]}" ;;
  esac
}

if [ "$mode" = list ]; then
  for job in "${jobs[@]}"; do packages_of "$job" | cut -d'|' -f1; done
  exit 0
fi

# Prints one line per missing thing; returns 1 when anything is missing.
missing_for() {
  local job=$1 missing=0 cmds=() mods=() c m
  case "$job" in
    build) cmds=("${BUILD_COMMANDS[@]}"); mods=("${BUILD_MODULES[@]}") ;;
    run) cmds=("${RUN_COMMANDS[@]}") ;;
    test) cmds=("${TEST_COMMANDS[@]}"); mods=("${TEST_MODULES[@]}") ;;
    bench) cmds=("${BENCH_COMMANDS[@]}") ;;
  esac
  for c in "${cmds[@]}"; do
    command -v "$c" >/dev/null 2>&1 || { echo "  $job: command '$c' not found"; missing=1; }
  done
  if [ "${#mods[@]}" -gt 0 ]; then
    if command -v pkg-config >/dev/null 2>&1; then
      for m in "${mods[@]}"; do
        pkg-config --exists "$m" 2>/dev/null \
          || { echo "  $job: library '$m' not found by pkg-config"; missing=1; }
      done
    else
      echo "  $job: pkg-config not found, so no library can be checked"; missing=1
    fi
  fi
  # bindgen (pipewire-sys) loads libclang at build time; no pkg-config module names it.
  # grep reads the whole list (not -q): under pipefail, a grep that stops at the first match
  # leaves ldconfig to die of SIGPIPE, and the library then reads as missing.
  if [ "$job" = build ] && ! ldconfig -p 2>/dev/null | grep -E 'libclang(-[0-9]+)?\.so' >/dev/null; then
    echo "  build: the libclang shared library not found (bindgen needs it)"; missing=1
  fi
  if [ "$job" = test ]; then
    python3 -m pip --version >/dev/null 2>&1 || { echo "  test: python3 -m pip not found"; missing=1; }
  fi
  return $missing
}

report=""
to_install=()
for job in "${jobs[@]}"; do
  if ! lines=$(missing_for "$job"); then
    report+="$lines"$'\n'
    while IFS= read -r line; do to_install+=("$line"); done < <(packages_of "$job")
  fi
done

python_missing=()
for job in "${jobs[@]}"; do
  [ "$job" = test ] || continue
  for m in "${TEST_PYTHON_MODULES[@]}"; do
    python3 -c "import $m" 2>/dev/null || python_missing+=("$m")
  done
done

if [ "$mode" = check ]; then
  [ -z "$report" ] && [ "${#python_missing[@]}" -eq 0 ] && { echo "set-up complete: ${jobs[*]}"; exit 0; }
  printf 'missing:\n%s' "$report"
  [ "${#python_missing[@]}" -eq 0 ] || echo "  test: Python modules ${python_missing[*]}"
  exit 1
fi

if [ "${#to_install[@]}" -gt 0 ]; then
  printf 'missing:\n%s' "$report"
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "deps.sh: these Debian packages are needed, but this is not root and there is no sudo:" >&2
    printf '  %s\n' "${to_install[@]%%|*}" >&2
    echo "install them as root (apt-get install ${to_install[*]%%|*}) and run this again" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: no apt-get here (not Debian/Ubuntu); install the equivalents of:" >&2
    printf '  %s\n' "${to_install[@]}" >&2
    exit 1
  fi
  echo "installing with apt-get:"
  for p in "${to_install[@]}"; do printf '  %-20s %s\n' "${p%%|*}" "${p#*|}"; done
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
    "${to_install[@]%%|*}" >/dev/null
  still=""
  for job in "${jobs[@]}"; do still+=$(missing_for "$job" || true); done
  [ -z "$still" ] || { printf 'deps.sh: still missing after apt-get:\n%s\n' "$still" >&2; exit 1; }
fi

if [ "${#python_missing[@]}" -gt 0 ]; then
  echo "installing with pip: ${python_missing[*]} (the control model's training script)"
  python3 -m pip install -q "${python_missing[@]}" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "${python_missing[@]}"
fi

command -v cargo >/dev/null 2>&1 || {
  echo "deps.sh: cargo not found: install Rust with rustup first, then run this again" >&2
  exit 1
}
