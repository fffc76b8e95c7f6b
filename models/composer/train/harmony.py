#!/usr/bin/env python3
"""Learn how chords move from Bach's chorales: which scale-degree chord follows which, by mode
and by how far the next cadence is.

Data: the chorales in music21 10.5.1's corpus (bach/*.mxl; J. S. Bach, 1720s-1740s, public
domain; see models/composer.md). Each chorale is reduced to chords with music21's own tools:
`chordify()` of all four parts, the chord sounding on each beat (passing chords between beats
left out), read as a Roman numeral in the key music21 estimates for the chorale
(`romanNumeralFromChord`); its root's letter-name distance from the tonic is the chord's
degree (0..6; a raised leading tone is still degree 6), its quality major, minor or
diminished (augmented and other sonorities are left out, and the transition through them
with them). Repeated degrees are one chord. The soprano's fermatas mark the cadences: a
chord's distance to the next cadence is the number of chord changes until the chord that
sounds under the next fermata (0: it is that chord), bucketed 0, 1, 2, 3+.

The model: P(next degree | previous degree, mode, distance of the next chord to the cadence),
counts with add-0.5 smoothing, interpolated with the bigram P(next | previous) (a fixed 0.7 /
0.3, said in the card). Held out: 10 % of works by a hash of the name, as the melody models.

Writes models/harmony.json (the table and its contract) and models/harmony-eval.json (held-out
bits per chord change for this model, a bigram, a unigram and attuned's hand-weighted graph,
src/compose/harmony.rs, with its zero weights lifted to 0.1 so every move has a probability;
and the held-out moves counted per mode).

usage: harmony.py (pip install music21==10.5.1; a few minutes, not run by CI)
"""
import json
import os
import sys
import zlib

import music21 as m21
import numpy as np

CONTRACT_VERSION = "1"
DEGREES, BUCKETS = 7, 4
MODES = ["major", "minor"]
LEARNED_SHARE = 0.7
LETTERS = "CDEFGAB"

# src/compose/harmony.rs's DIATONIC weights, with its Major and Aeolian boosts.
HAND = np.array([
    [0.0, 2.0, 1.0, 4.0, 3.0, 3.0, 1.0],
    [1.0, 0.0, 1.0, 2.0, 4.0, 1.0, 0.5],
    [1.0, 1.0, 0.0, 3.0, 1.0, 4.0, 0.0],
    [3.0, 2.0, 1.0, 0.0, 4.0, 1.0, 0.5],
    [5.0, 1.0, 1.0, 2.0, 0.0, 3.0, 0.0],
    [2.0, 3.0, 1.0, 3.0, 2.0, 0.0, 0.5],
    [3.0, 0.0, 2.0, 1.0, 1.0, 1.0, 0.0],
])


def hand(mode):
    w = HAND.copy()
    if mode == "major":
        w[:, 6] *= 0.3
    else:
        w[0, 5] *= 2.5
        w[5, 6] *= 2.5
        w[6, 0] *= 3.0
    w = np.where(w == 0, 0.1, w)
    np.fill_diagonal(w, 0.0)
    return w / w.sum(axis=1, keepdims=True)


def chorale(path):
    """(mode, [(degree, cadence distance bucket)]) of a chorale, or None."""
    score = m21.converter.parse(path)
    key = score.analyze("key")
    mode = key.mode if key.mode in MODES else None
    if mode is None:
        return None
    soprano = next((p for p in score.parts if (p.partName or "").startswith("Soprano")), score.parts[0])
    fermatas = sorted(float(n.offset) for n in soprano.flatten().notes
                      if any(isinstance(e, m21.expressions.Fermata) for e in n.expressions))
    chords = score.chordify().flatten().getElementsByClass(m21.chord.Chord)
    seq = []  # (degree, offset)
    for c in chords:
        at = float(c.offset)
        if at != int(at):
            continue
        try:
            rn = m21.roman.romanNumeralFromChord(c, key)
        except Exception:
            continue
        if rn.quality not in ("major", "minor", "diminished"):
            seq.append((None, at))
            continue
        # Letter names, not intervals between the octaves music21 happens to give.
        degree = (LETTERS.index(rn.root().step) - LETTERS.index(key.tonic.step)) % 7
        if not seq or seq[-1][0] != degree:
            seq.append((degree, at))
    # Cadence chords: the last chord change at or before each fermata.
    cadence_index = []
    for f in fermatas:
        at_or_before = [i for i, (_, at) in enumerate(seq) if at <= f + 1e-6]
        if at_or_before:
            cadence_index.append(at_or_before[-1])
    out = []
    for i, (d, _) in enumerate(seq):
        ahead = [c - i for c in cadence_index if c >= i]
        bucket = min(ahead[0], BUCKETS - 1) if ahead else BUCKETS - 1
        out.append((d, bucket))
    return mode, out


def transitions(pieces):
    """(mode index, bucket of the next chord, previous degree, next degree) rows."""
    rows = []
    for mode, seq in pieces:
        for (a, _), (b, bucket) in zip(seq, seq[1:]):
            if a is not None and b is not None and a != b:
                rows.append((MODES.index(mode), bucket, a, b))
    return np.array(rows, dtype=int)


def fit(rows):
    counts = np.full((len(MODES), BUCKETS, DEGREES, DEGREES), 0.5)
    for m, k, a, b in rows:
        counts[m, k, a, b] += 1
    big = np.full((DEGREES, DEGREES), 0.5)
    for _, _, a, b in rows:
        big[a, b] += 1
    for t in (counts, big):
        idx = np.arange(DEGREES)
        t[..., idx, idx] = 0.0
    full = counts / counts.sum(axis=-1, keepdims=True)
    bigram = big / big.sum(axis=-1, keepdims=True)
    return LEARNED_SHARE * full + (1 - LEARNED_SHARE) * bigram[None, None], bigram


def bits(p, rows):
    return float(-np.mean([np.log2(p(m, k, a, b)) for m, k, a, b in rows]))


def main():
    root = os.path.dirname(m21.corpus.__file__)
    train, held = [], []
    names = sorted(n for n in os.listdir(os.path.join(root, "bach")) if n.endswith(".mxl"))
    for name in names:
        try:
            got = chorale(os.path.join(root, "bach", name))
        except Exception as e:
            print(f"bach/{name}: skipped ({e})", file=sys.stderr)
            continue
        if got is None:
            continue
        family = f"bach/{name}".split("#")[0]
        (held if zlib.crc32(family.encode()) % 10 == 0 else train).append(got)
    tr, he = transitions(train), transitions(held)
    table, bigram = fit(tr)
    uni = np.bincount(tr[:, 3], minlength=DEGREES) + 0.5
    uni = uni / uni.sum()
    hands = [hand(m) for m in MODES]
    evaluation = {
        "chorales": {"train": len(train), "held_out": len(held)},
        "changes": {"train": int(len(tr)), "held_out": int(len(he))},
        "bits_per_change": {
            "model": bits(lambda m, k, a, b: table[m, k, a, b], he),
            "bigram": bits(lambda m, k, a, b: bigram[a, b], he),
            "unigram": bits(lambda m, k, a, b: uni[b], he),
            "hand_weights": bits(lambda m, k, a, b: hands[m][a, b], he),
        },
        "learned_share": LEARNED_SHARE,
        # The held-out moves themselves, per mode (rows: from, columns: to), for the render
        # tests to compare the planner's chords with.
        "held_out_moves": {
            mode: np.bincount(he[he[:, 0] == m][:, 2] * DEGREES + he[he[:, 0] == m][:, 3],
                              minlength=DEGREES * DEGREES).reshape(DEGREES, DEGREES).tolist()
            for m, mode in enumerate(MODES)
        },
    }
    with open("models/harmony.json", "w") as f:
        json.dump({"contract_version": CONTRACT_VERSION, "modes": MODES, "buckets": BUCKETS,
                   "degrees": DEGREES,
                   "probabilities": np.round(table, 6).tolist()}, f)
        f.write("\n")
    with open("models/harmony-eval.json", "w") as f:
        json.dump(evaluation, f, indent=1)
        f.write("\n")
    print(json.dumps(evaluation), file=sys.stderr)


if __name__ == "__main__":
    main()
