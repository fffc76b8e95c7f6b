#!/usr/bin/env python3
"""The composer's corpus: melodies from the music21 package's corpus, as tokens.

Sources (all inside the `music21` wheel on PyPI, BSD software; its corpus/license.txt says the
encodings are distributed with their encoders' permission, some with restrictions named in
the files or directories; none is named in these three):
- bach/*.mxl: J. S. Bach's 371 four-part chorales (+ variants), 1720s-1740s, public domain;
  the soprano part (the chorale tune) only;
- oneills1850/*.abc: "O'Neill's Music of Ireland" (1903), 1850 dance tunes and airs, public
  domain, transcribed to ABC by Norbert Paap;
- ryansMammoth/*.abc: "Ryan's Mammoth Collection" (1883), 1050 reels, jigs and hornpipes,
  public domain, ABC by the Ryan's Mammoth project (Ray Davies and contributors).
The Essen folk-song collection is left out (its licence is non-commercial).

Each melody becomes a list of notes on an eighth-note grid: only notes that start on an
eighth are kept (faster notes are folded into the one before: the skeleton of a run), each
lasting until the next kept onset, rests folded into the note before. A note is
(step, eighths, position): `step` the diatonic interval from the previous note (letter-name
steps: keys and modes need no transposing, every key is the same to the model), clamped to
an octave; `eighths` its length, 1..8; `position` its onset in the bar, in eighths. Each
melody also carries its bar length in eighths (2/4: 4, 3/4 and 6/8: 6, 4/4: 8, 9/8: 9,
12/8: 12); other metres are left out.

Writes JSON lines to OUT (default target/composer/corpus.jsonl):
{"work": "oneills1850/0001-0050.abc#3", "bar": 8, "notes": [[step, eighths, position], ...]}

usage: corpus.py [OUT] (pip install music21==10.5.1 first; minutes, not run by CI)
"""
import json
import os
import sys
from fractions import Fraction

import music21 as m21

BARS = {(2, 4): 4, (3, 4): 6, (4, 4): 8, (6, 8): 6, (9, 8): 9, (12, 8): 12}


def melody(part):
    """(bar eighths, [(step, eighths, position)]) of a part, or None."""
    flat = part.flatten()
    sigs = flat.getElementsByClass(m21.meter.TimeSignature)
    if not sigs:
        return None
    ts = sigs[0]
    bar = BARS.get((ts.numerator, ts.denominator))
    if bar is None or len(sigs) > 1 and any((s.numerator, s.denominator) != (ts.numerator, ts.denominator) for s in sigs):
        return None
    onsets = []  # (eighth index from the start, diatonic number)
    for n in flat.notes:
        if n.isChord:
            n = n.notes[-1]
        if n.duration.isGrace or n.duration.quarterLength == 0:
            continue
        at = Fraction(n.offset).limit_denominator(64) * 2  # in eighths
        if at.denominator != 1:
            continue
        onsets.append((int(at), n.pitch.diatonicNoteNum))
    # Bar lines: the first full bar starts where a measure's offset says (pickups).
    measures = part.getElementsByClass(m21.stream.Measure)
    shift = 0
    if measures:
        first = measures[0]
        if first.duration.quarterLength * 2 < bar:  # a pickup bar
            shift = bar - int(first.duration.quarterLength * 2)
    notes = []
    for i, (at, dnn) in enumerate(onsets):
        end = onsets[i + 1][0] if i + 1 < len(onsets) else at + 2
        length = max(1, min(8, end - at))
        if i == 0:
            step = 0
        else:
            step = max(-7, min(7, dnn - onsets[i - 1][1]))
        notes.append((step, length, (at + shift) % bar))
    return (bar, notes) if len(notes) >= 8 else None


def works():
    root = os.path.dirname(m21.corpus.__file__)
    for name in sorted(os.listdir(os.path.join(root, "bach"))):
        if name.endswith(".mxl"):
            yield f"bach/{name}", os.path.join(root, "bach", name)
    for folder in ("oneills1850", "ryansMammoth"):
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if name.endswith(".abc"):
                yield f"{folder}/{name}", os.path.join(root, folder, name)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "target/composer/corpus.jsonl"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    kept = 0
    with open(out, "w") as f:
        for work, path in works():
            try:
                parsed = m21.converter.parse(path)
            except Exception as e:  # a file music21 cannot read is skipped, and said
                print(f"{work}: skipped ({e})", file=sys.stderr)
                continue
            pieces = list(parsed.scores) if isinstance(parsed, m21.stream.Opus) else [parsed]
            for i, score in enumerate(pieces):
                parts = list(score.parts) if score.parts else [score]
                # The chorale tune is the soprano (some scores list a horn first).
                tune = next((p for p in parts if (p.partName or "").startswith("Soprano")), parts[0])
                got = melody(tune)
                if got is None:
                    continue
                bar, notes = got
                name = work if len(pieces) == 1 else f"{work}#{i}"
                f.write(json.dumps({"work": name, "bar": bar, "notes": notes}) + "\n")
                kept += 1
            print(f"{work}: {kept} melodies so far", file=sys.stderr)
    print(f"wrote {kept} melodies to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
