#!/bin/bash
# Whether a change moved the sound, and what it did to render speed: every shipped preset
# rendered for 60 s at seed 5 by two release builds (WAV and MIDI compared byte for byte),
# then 10-minute renders of four presets timed with each.
#
# usage: scripts/compare-renders.sh BASE_BINARY [HEAD_BINARY]
#   e.g. git worktree add /tmp/base a9f1764 && (cd /tmp/base && cargo build --release --bin attuned)
#        scripts/compare-renders.sh /tmp/base/target/release/attuned
#   (HEAD_BINARY defaults to this tree's target/release/attuned)
set -euo pipefail
base=${1:?usage: compare-renders.sh BASE_BINARY [HEAD_BINARY]}
head=${2:-$(dirname "$0")/../target/release/attuned}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/base" "$out/head"
same=0
differ=()
for preset in $("$head" presets); do
    for side in base head; do
        bin=$base
        [ "$side" = head ] && bin=$head
        "$bin" render --preset "$preset" --duration 60s --seed 5 \
            --out "$out/$side/$preset.wav" --midi "$out/$side/$preset.mid" 2>/dev/null
    done
    if cmp -s "$out/base/$preset.wav" "$out/head/$preset.wav" &&
        cmp -s "$out/base/$preset.mid" "$out/head/$preset.mid"; then
        same=$((same + 1))
    else
        differ+=("$preset")
    fi
done
echo "bit-identical: $same presets; differing: ${#differ[@]} ${differ[*]:-}"
for preset in focus workout sleep piano; do
    for side in base head; do
        bin=$base
        [ "$side" = head ] && bin=$head
        start=$(date +%s.%N)
        "$bin" render --preset "$preset" --duration 10m --seed 11 --out "$out/t.wav" 2>/dev/null
        end=$(date +%s.%N)
        printf '%-8s %-4s 10 min in %.2f s (%.0fx real time)\n' "$preset" "$side" \
            "$(echo "$end - $start" | bc)" "$(echo "600 / ($end - $start)" | bc -l)"
    done
done
