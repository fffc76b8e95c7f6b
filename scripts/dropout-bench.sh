#!/usr/bin/env bash
# Dropouts under load, measured from outside: the daemon plays into a real headless
# PipeWire's null sink, the sink's monitor is recorded for SECONDS, while `stress-ng --cpu N`
# keeps every core busy. Prints, per run: gaps in the recording (runs of digital silence of
# 2.5 ms or more inside the music), the daemon's own Dropouts count, and its CPU (% of one
# core). Runs: one idle (the CPU baseline), RUNS loaded, and LOADED_UNPRIVILEGED loaded with
# the daemon denied realtime scheduling (setpriv drops CAP_SYS_NICE; no RTKit here), which is
# how it played before it asked for realtime.
#
#   scripts/dropout-bench.sh [SECONDS=120] [RUNS=5] [LOADED_UNPRIVILEGED=2]
#
# Needs: scripts/deps.sh build run test bench, and a built target/debug/attuned
# (`cargo build`). Takes (1 + RUNS + LOADED_UNPRIVILEGED) × SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-120}
RUNS=${2:-5}
UNPRIVILEGED_RUNS=${3:-2}
DAEMON=${ATTUNED_DAEMON_BIN:-target/debug/attuned}
[ -x "$DAEMON" ] || { echo "no $DAEMON: cargo build first" >&2; exit 1; }
command -v stress-ng >/dev/null || { echo "no stress-ng: scripts/deps.sh bench" >&2; exit 1; }

one_run() { # label load(0/1) wrapper...
  local label=$1 load=$2
  shift 2
  local dir
  dir=$(mktemp -d /tmp/attuned-dropouts.XXXXXX)
  local pids=()
  export XDG_RUNTIME_DIR=$dir HOME=$dir/home DBUS_SESSION_BUS_ADDRESS=unix:path=$dir/bus
  export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/no-system-bus
  export XDG_CONFIG_HOME=$dir/home/.config XDG_STATE_HOME=$dir/home/.local/state
  export XDG_DATA_HOME=$dir/home/.local/share PULSE_CLIENTCONFIG=$dir/pulse-client.conf
  export RUST_LOG=attuned=info
  mkdir -p "$HOME"
  dbus-daemon --session --nofork --nopidfile --address="$DBUS_SESSION_BUS_ADDRESS" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$dir/bus" ] && break; sleep 0.05; done
  pipewire >"$dir/pipewire.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do [ -S "$dir/pipewire-0" ] && break; sleep 0.05; done
  wireplumber >"$dir/wireplumber.log" 2>&1 &
  pids+=($!)
  pipewire-pulse >"$dir/pipewire-pulse.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do pactl get-default-sink >/dev/null 2>&1 && break; sleep 0.1; done
  pactl load-module module-null-sink sink_name=nullsink >/dev/null
  pactl set-default-sink nullsink
  "$@" "$DAEMON" 2>"$dir/daemon.log" &
  local daemon=$!
  for _ in $(seq 200); do
    busctl --user get-property io.github.Attuned /io/github/Attuned io.github.Attuned1 \
      AudioOutput 2>/dev/null | grep -q "playing through" && break
    sleep 0.1
  done
  sleep 5 # past the fade-in
  local stress=
  if [ "$load" = 1 ]; then
    stress-ng --cpu "$(nproc)" --timeout "$((SECONDS_PER_RUN + 5))s" --quiet &
    stress=$!
    sleep 1
  fi
  local before cpu0
  before=$(busctl --user get-property io.github.Attuned /io/github/Attuned io.github.Attuned1 Dropouts | awk '{print $2}')
  cpu0=$(awk '{print $14 + $15}' "/proc/$daemon/stat")
  timeout "$SECONDS_PER_RUN" parec -d nullsink.monitor --format=s16le --rate=48000 \
    --channels=2 --file-format=wav "$dir/rec.wav" || true
  local after cpu1
  after=$(busctl --user get-property io.github.Attuned /io/github/Attuned io.github.Attuned1 Dropouts | awk '{print $2}')
  cpu1=$(awk '{print $14 + $15}' "/proc/$daemon/stat")
  [ -n "$stress" ] && { kill "$stress" 2>/dev/null || true; wait "$stress" 2>/dev/null || true; }
  local rt
  rt=$(grep -o "audio thread: [^(]*" "$dir/daemon.log" | head -1 | sed 's/audio thread: //')
  python3 - "$dir/rec.wav" "$label" "$((after - before))" "$(( (cpu1 - cpu0) ))" \
    "$(getconf CLK_TCK)" "$SECONDS_PER_RUN" "${rt:-?}" <<'EOF'
import sys, numpy as np, soundfile as sf
path, label, counted, ticks, hz, secs, rt = sys.argv[1:]
x, rate = sf.read(path, dtype="int16")
silent = np.all(x == 0, axis=1).astype(np.int8)
edges = np.diff(np.concatenate([[0], silent, [0]]))
starts, ends = np.where(edges == 1)[0], np.where(edges == -1)[0]
runs = ends - starts
# A recording with no music in it has no gaps either: say so rather than count nothing.
if silent.mean() > 0.5:
    sys.exit(f"{label}: {silent.mean() * 100:.0f} % of the recording is silence: no music reached the sink")
# The monitor's first buffer can be silence before the stream reaches it: not a dropout.
long = (runs >= int(0.0025 * rate)) & (starts > int(0.5 * rate))
gaps = runs[long]
where = ", ".join(f"{s / rate:.2f} s" for s in starts[long][:5])
cpu = 100.0 * int(ticks) / int(hz) / float(secs)
print(f"{label:<28} {len(x)/rate:6.1f} s  gaps {len(gaps):3d} ({gaps.sum()/rate*1000:6.1f} ms)"
      f"  Dropouts +{counted:<3}  CPU {cpu:4.1f} %  audio thread: {rt}"
      + (f"  (at {where})" if where else ""))
EOF
  kill "$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}

echo "dropouts in ${SECONDS_PER_RUN} s, $(nproc) cores, $DAEMON"
one_run "idle" 0
for i in $(seq "$RUNS"); do one_run "stress-ng --cpu $(nproc), run $i" 1; done
for i in $(seq "$UNPRIVILEGED_RUNS"); do
  one_run "same, no realtime, run $i" 1 setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice --
done
