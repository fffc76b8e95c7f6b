#!/usr/bin/env python3
"""Figures of a rendered hour, measured on the audio with Essentia (not our own code), and
a small spectrogram for docs/.

    attuned render --preset piano --seed 11 --duration 60m --out piano.wav --midi piano.mid
    python3 scripts/hour_figures.py piano.wav piano.mid docs/hour-piano.png "piano, seed 11"

Prints, per 10 minutes: loudness (EBU R128 integrated, Essentia's LoudnessEBUR128), the key
Essentia hears (KeyExtractor), onsets a minute (OnsetRate), spectral centroid, the share of
energy above 2 kHz and above 16 kHz; and from the MIDI file, the share of 30-second slots
in which each channel sounds and its longest silence. The picture: a log-frequency
spectrogram (one column per 4 s), the short-term loudness under it, and a strip per MIDI
channel (pad, melody, bass, pulse) showing when it sounds.

Needs: pip3 install essentia numpy soundfile mido matplotlib
"""

import sys

import essentia.standard as es
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mido  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

# MIDI channels as attuned exports them (VoiceKind::channel).
CHANNELS = [(0, "pad"), (1, "melody"), (2, "bass"), (9, "pulse")]
SLOT_S = 30.0


def notes_of(path):
    """(start, end, channel) of every note in a MIDI file, seconds."""
    t, on, out = 0.0, {}, []
    for msg in mido.MidiFile(path):
        t += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            on[(msg.channel, msg.note)] = t
        elif msg.type in ("note_off", "note_on"):
            start = on.pop((msg.channel, msg.note), None)
            if start is not None:
                out.append((start, t, msg.channel))
    return out


def presence(notes, channel, total_s):
    slots = int(total_s // SLOT_S)
    heard = np.zeros(slots, bool)
    ivs = sorted((a, b) for a, b, c in notes if c == channel)
    for a, b in ivs:
        heard[int(a // SLOT_S) : min(slots, int(b // SLOT_S) + 1)] = True
    longest, until = 0.0, 0.0
    for a, b in ivs:
        longest = max(longest, a - until)
        until = max(until, b)
    longest = max(longest, total_s - until)
    windows = [heard[i : i + 20].mean() for i in range(0, slots, 20)]
    return heard, windows, longest


def main():
    wav, mid, png = sys.argv[1], sys.argv[2], sys.argv[3]
    info = sf.info(wav)
    sr, total_s = info.samplerate, info.frames / info.samplerate
    minutes = int(total_s // 60)
    spectrum = es.Spectrum(size=4096)
    window = es.Windowing(type="hann", size=4096)
    centroid = es.Centroid(range=sr / 2)
    edges = np.geomspace(40, 20000, 121)
    freqs = np.fft.rfftfreq(4096, 1 / sr)
    columns, short_term, rows = [], [], []
    for start in range(0, minutes * 60, 600):
        block, _ = sf.read(wav, start=start * sr, stop=int(min(total_s, start + 600) * sr), dtype="float32")
        mono = block.mean(axis=1).astype(np.float32)
        stereo = block.astype(np.float32)
        _, st, integrated, _ = es.LoudnessEBUR128(sampleRate=sr, hopSize=0.1)(stereo)
        short_term.extend(st[::10])
        key, scale, strength = es.KeyExtractor(sampleRate=sr)(mono)[:3]
        onset_times, _ = es.OnsetRate()(es.Resample(inputSampleRate=sr, outputSampleRate=44100)(mono))
        cents, high, top = [], 0.0, 0.0
        total = 0.0
        for i in range(0, len(mono) - 4096, 4 * sr):
            s = spectrum(window(mono[i : i + 4096]))
            p = s.astype(np.float64) ** 2
            cents.append(centroid(s))
            total += p.sum()
            high += p[freqs > 2000].sum()
            top += p[freqs > 16000].sum()
            # Bands narrower than a bin (11.7 Hz) at the bottom share it: the power is
            # spread over frequency by interpolating its running sum.
            cum = np.interp(edges, freqs, np.cumsum(p))
            columns.append(10 * np.log10(np.diff(cum) + 1e-14))
        rows.append(
            f"min {start // 60:2d}-{start // 60 + 10:2d}: {integrated:6.2f} LUFS, key {key} {scale} "
            f"({strength:.2f}), {len(onset_times) / 10:5.1f} onsets/min, centroid "
            f"{np.mean(cents):6.0f} Hz, above 2 kHz {10 * np.log10(high / total + 1e-20):6.1f} dB, "
            f"above 16 kHz {10 * np.log10(top / total + 1e-20):6.1f} dB"
        )
    print("\n".join(rows))
    notes = notes_of(mid)
    strips = []
    for ch, name in CHANNELS:
        heard, windows, longest = presence(notes, ch, total_s)
        strips.append(heard)
        if heard.any():
            print(
                f"{name:6}: sounds in {', '.join(f'{100 * w:.0f}' for w in windows)} % of each "
                f"10-minute window's 30 s slots; longest silence {longest:.0f} s"
            )
    fig, axes = plt.subplots(
        3, 1, figsize=(9, 3.6), dpi=100, sharex=True, gridspec_kw={"height_ratios": [5, 2, 1.3]}
    )
    img = np.array(columns).T
    axes[0].imshow(
        img,
        aspect="auto",
        origin="lower",
        extent=[0, total_s / 60, 0, len(edges) - 1],
        vmin=img.max() - 90,
        vmax=img.max(),
        cmap="magma",
    )
    ticks = [100, 1000, 2000, 16000]
    axes[0].set_yticks([np.searchsorted(edges, f) for f in ticks])
    axes[0].set_yticklabels(["100 Hz", "1 kHz", "2 kHz", "16 kHz"], fontsize=7)
    axes[0].set_title(sys.argv[4] if len(sys.argv) > 4 else wav, fontsize=9)
    axes[1].plot(np.arange(len(short_term)) / 60, short_term, lw=0.5)
    axes[1].set_ylabel("LUFS (3 s)", fontsize=7)
    axes[1].set_ylim(-45, -10)
    axes[1].tick_params(labelsize=7)
    axes[2].imshow(
        np.array(strips, float), aspect="auto", extent=[0, total_s / 60, len(CHANNELS), 0], cmap="Greys"
    )
    axes[2].set_yticks(np.arange(len(CHANNELS)) + 0.5)
    axes[2].set_yticklabels([name for _, name in CHANNELS], fontsize=6)
    axes[2].set_xlabel("minutes", fontsize=7)
    axes[2].tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(png)
    print(f"wrote {png}")


if __name__ == "__main__":
    main()
