#!/usr/bin/env python3
"""The body A/B measured by tools nobody here wrote (Essentia), on renders of the CLI.

A real ECG's RR intervals (tests/fixtures/real-breathing, ~77 bpm at rest) are replayed as a
strap sends them, once as recorded ("rest") and once with the heart 40 bpm up from minute 4
("+40", as tests/body_steers.rs builds it). Each preset renders both at each seed; over the
window where the music meets the listener (285-390 s) Essentia measures:
- onsets (OnsetDetection 'hfc' and 'complex', then Onsets), all of them and those within
  60 ms of a note the render played (its MIDI file): in a sparse texture over brown noise
  most raw onsets are the noise's and the swell's, so the ones on notes are what a listener
  hears as attacks;
- the tempo (RhythmExtractor2013, multifeature) and the spectral centroid (SpectralCentroidTime
  per frame, averaged over the frames above -70 dBFS).

usage: scripts/body_ab.py ATTUNED OUTDIR [seed ...]   (seeds default: 3 4 5 6 7)
"""
import os
import subprocess
import sys

import essentia
import essentia.standard as es
import mido
import numpy as np

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "real-breathing",
                       "systole-task1-session.csv")
RISE_AT, RISE_BPM = 240.0, 40.0
WINDOW = (285.0, 390.0)
PRESETS = [("relax", "21:00"), ("sleep", "23:00")]
SR = 44100


def session(path, excess):
    out = []
    for line in open(FIXTURE).read().splitlines():
        if not line or line.startswith("#") or line.startswith("time"):
            out.append(line)
            continue
        t, hr, rr, contact, cadence = line.split(",")
        if float(t) > WINDOW[1] + 15:
            break
        add = excess(float(t))
        rr = " ".join(str(round(60000 / (60000 / float(x) + add))) for x in rr.split())
        hr = f"{float(hr) + add:.1f}" if hr else ""
        out.append(",".join([t, hr, rr, contact, cadence]))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def note_times(path):
    t, times = 0.0, []
    for msg in mido.MidiFile(path):
        t += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            times.append(t)
    return np.array(times)


def measure(wav, mid):
    a = es.MonoLoader(filename=wav, sampleRate=SR)()
    seg = a[int(WINDOW[0] * SR):int(WINDOW[1] * SR)]
    minutes = (WINDOW[1] - WINDOW[0]) / 60
    notes = note_times(mid)
    notes = notes[(notes >= WINDOW[0] - 0.1) & (notes < WINDOW[1] + 0.1)]
    w, fft, polar = es.Windowing(type="hann"), es.FFT(), es.CartesianToPolar()
    methods = ["hfc", "complex"]
    detect = {m: es.OnsetDetection(method=m) for m in methods}
    curves = {m: [] for m in methods}
    centroid, frames = es.SpectralCentroidTime(sampleRate=SR), []
    for frame in es.FrameGenerator(seg, frameSize=1024, hopSize=512):
        mag, phase = polar(fft(w(frame)))
        for m in methods:
            curves[m].append(detect[m](mag, phase))
        if np.sqrt(np.mean(frame ** 2)) > 10 ** (-70 / 20):
            frames.append(centroid(frame))
    got = {"notes": len(notes) / minutes, "centroid": float(np.mean(frames))}
    for m in methods:
        onsets = np.array(es.Onsets()(essentia.array([curves[m]]), [1])) + WINDOW[0]
        on_notes = sum(1 for o in onsets if len(notes) and np.min(np.abs(notes - o)) <= 0.06)
        got[m] = (len(onsets) / minutes, on_notes / minutes)
    got["bpm"] = es.RhythmExtractor2013(method="multifeature")(seg)[0]
    return got


def main():
    attuned, out = sys.argv[1], sys.argv[2]
    seeds = [int(s) for s in sys.argv[3:]] or [3, 4, 5, 6, 7]
    os.makedirs(out, exist_ok=True)
    hearts = {"rest": lambda t: 0.0,
              "+40": lambda t: RISE_BPM * min(max((t - RISE_AT) / 30.0, 0.0), 1.0)}
    for name, excess in hearts.items():
        session(os.path.join(out, f"{name}.csv"), excess)
    for preset, start in PRESETS:
        for seed in seeds:
            got = {}
            for name in hearts:
                base = os.path.join(out, f"{preset}-{seed}-{name}")
                subprocess.run([attuned, "render", "--preset", preset, "--seed", str(seed),
                                "--duration", f"{int(WINDOW[1] + 10)}s", "--start", start,
                                "--date", "2026-06-21", "--utc-offset", "0",
                                "--replay", os.path.join(out, f"{name}.csv"),
                                "--out", base + ".wav", "--midi", base + ".mid"],
                               check=True, capture_output=True)
                got[name] = measure(base + ".wav", base + ".mid")
                os.remove(base + ".wav")
            r, s = got["rest"], got["+40"]
            print(f"{preset} seed {seed}: notes {r['notes']:.0f} -> {s['notes']:.0f}/min; "
                  + "; ".join(f"{m} onsets {r[m][0]:.0f} -> {s[m][0]:.0f}/min, on notes "
                              f"{r[m][1]:.0f} -> {s[m][1]:.0f} (x{s[m][1] / max(r[m][1], 1e-9):.2f})"
                              for m in ("hfc", "complex"))
                  + f"; tempo {r['bpm']:.1f} -> {s['bpm']:.1f} bpm"
                  f"; centroid {r['centroid']:.0f} -> {s['centroid']:.0f} Hz"
                  f" (x{s['centroid'] / r['centroid']:.2f})", flush=True)


if __name__ == "__main__":
    main()
