#!/usr/bin/env python3
"""The phrase composer's corpus: the melodies of corpus.py, with what a phrase model is
conditioned on: each note's scale degree in the work's key, the bar it falls in and where
the work's phrases end.

Same sources and grid as corpus.py (music21 10.5.1's corpus: Bach's chorale tunes, O'Neill's
Music of Ireland, Ryan's Mammoth Collection; all public domain, see models/composer.md).

- Key and mode: the key the file declares (ABC's K: field keeps its mode: dorian,
  mixolydian ...), else music21's Krumhansl-Schmuckler estimate. A note's `degree` is its
  letter-name distance from the tonic, 0..6.
- Phrase ends: in the chorales the fermatas (Bach marks the end of each chorale line with
  one); in the dance tunes, which have none, every fourth bar from the first full bar (their
  strains are eight bars of two four-bar phrases), and the last note.

Writes JSON lines to OUT (default target/composer/phrases.jsonl):
{"work": ..., "bar": 8, "mode": "major", "notes": [[step, eighths, position, degree, bar_index], ...],
 "phrase_ends": [note index, ...]}

usage: phrase_corpus.py [OUT] (pip install music21==10.5.1 first; minutes, not run by CI)
"""
import json
import os
import sys
from fractions import Fraction

import music21 as m21

from corpus import BARS, works

MODES = ["major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian", "aeolian", "ionian"]
PHRASE_BARS = 4


def key_of(part):
    flat = part.flatten()
    for k in flat.getElementsByClass(m21.key.Key):
        return k
    for ks in flat.getElementsByClass(m21.key.KeySignature):
        return ks.asKey("major") if not hasattr(ks, "mode") or ks.mode is None else ks.asKey(ks.mode)
    return flat.analyze("key")


def melody(part, chorale):
    flat = part.flatten()
    sigs = flat.getElementsByClass(m21.meter.TimeSignature)
    if not sigs:
        return None
    ts = sigs[0]
    bar = BARS.get((ts.numerator, ts.denominator))
    if bar is None or any((s.numerator, s.denominator) != (ts.numerator, ts.denominator) for s in sigs):
        return None
    key = key_of(part)
    mode = (key.mode or "major").lower()
    if mode not in MODES:
        return None
    tonic = key.tonic.diatonicNoteNum
    onsets = []  # (eighth from the start, diatonic number, fermata)
    for n in flat.notes:
        if n.isChord:
            n = n.notes[-1]
        if n.duration.isGrace or n.duration.quarterLength == 0:
            continue
        fermata = any(isinstance(e, m21.expressions.Fermata) for e in n.expressions)
        at = Fraction(n.offset).limit_denominator(64) * 2
        if at.denominator != 1:
            if fermata and onsets:
                onsets[-1] = (onsets[-1][0], onsets[-1][1], True)
            continue
        onsets.append((int(at), n.pitch.diatonicNoteNum, fermata))
    measures = part.getElementsByClass(m21.stream.Measure)
    shift = 0
    if measures and measures[0].duration.quarterLength * 2 < bar:
        shift = bar - int(measures[0].duration.quarterLength * 2)
    notes, ends = [], []
    for i, (at, dnn, fermata) in enumerate(onsets):
        end = onsets[i + 1][0] if i + 1 < len(onsets) else at + 2
        length = max(1, min(8, end - at))
        step = 0 if i == 0 else max(-7, min(7, dnn - onsets[i - 1][1]))
        bar_index = (at + shift) // bar
        notes.append((step, length, (at + shift) % bar, (dnn - tonic) % 7, bar_index))
        if chorale and fermata:
            ends.append(i)
    if not chorale:
        # The last note before every fourth bar line from the first full bar.
        for i in range(len(notes) - 1):
            this, nxt = notes[i][4], notes[i + 1][4]
            if nxt != this and nxt % PHRASE_BARS == 0 and nxt > 0:
                ends.append(i)
    if not ends or ends[-1] != len(notes) - 1:
        ends.append(len(notes) - 1)
    return (bar, mode, notes, ends) if len(notes) >= 8 else None


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "target/composer/phrases.jsonl"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    kept = 0
    with open(out, "w") as f:
        for work, path in works():
            try:
                parsed = m21.converter.parse(path)
            except Exception as e:
                print(f"{work}: skipped ({e})", file=sys.stderr)
                continue
            pieces = list(parsed.scores) if isinstance(parsed, m21.stream.Opus) else [parsed]
            for i, score in enumerate(pieces):
                parts = list(score.parts) if score.parts else [score]
                tune = next((p for p in parts if (p.partName or "").startswith("Soprano")), parts[0])
                try:
                    got = melody(tune, work.startswith("bach/"))
                except Exception as e:
                    print(f"{work}#{i}: skipped ({e})", file=sys.stderr)
                    continue
                if got is None:
                    continue
                bar, mode, notes, ends = got
                name = work if len(pieces) == 1 else f"{work}#{i}"
                f.write(json.dumps({"work": name, "bar": bar, "mode": mode, "notes": notes,
                                    "phrase_ends": ends}) + "\n")
                kept += 1
    print(f"wrote {kept} melodies to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
