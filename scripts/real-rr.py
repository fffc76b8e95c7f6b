#!/usr/bin/env python3
"""Real RR intervals with a breathing reference, from a registry package.

The source: systole 0.3.1 on PyPI (GPL-3.0; Legrand et al. 2020, Scientific Reports 10:
"Long-term modulation of cardiac activity induced by inhibitory control over emotional
memories") ships `datasets/Task1_ECG.npy` and `datasets/Task1_Respiration.npy`: 25.6 minutes
of one healthy young participant's ECG and respiration belt, sampled together at 1000 Hz.
The sdist is fetched with `pip download` (no install, no dependencies) and read with numpy.

Writes, into OUT (default target/real-data; the committed copy is
tests/fixtures/real-breathing, whose README states the source and licence):
- `systole-task1-session.csv`: the R-R intervals as a strap would send them, one
  notification a second (attuned's replay format: time,hr,rr,contact,cadence);
- `systole-task1-belt.csv`: the breathing rate from the belt every 5 s (time, breaths/min,
  clean): the spectral peak of the minute before, an independent reference for the rate
  read from the heart.

usage: real-rr.py [OUT]
"""
import glob
import os
import subprocess
import sys
import tarfile

import numpy as np

VERSION = "0.3.1"
FS = 1000.0


def fetch(out):
    """The two arrays, from the systole sdist (downloaded once into OUT)."""
    ecg_path = os.path.join(out, "Task1_ECG.npy")
    resp_path = os.path.join(out, "Task1_Respiration.npy")
    if not (os.path.exists(ecg_path) and os.path.exists(resp_path)):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "-d", out, f"systole=={VERSION}"],
            check=True, stdout=subprocess.DEVNULL,
        )
        (sdist,) = glob.glob(os.path.join(out, f"systole-{VERSION}.tar.gz"))
        with tarfile.open(sdist) as tar:
            for name in ("ECG", "Respiration"):
                member = tar.getmember(f"systole-{VERSION}/src/systole/datasets/Task1_{name}.npy")
                member.name = f"Task1_{name}.npy"
                tar.extract(member, out)
    return np.load(ecg_path), np.load(resp_path)


def moving_average(x, n):
    c = np.cumsum(np.insert(x, 0, 0.0))
    y = (c[n:] - c[:-n]) / n
    return np.concatenate([np.full(n // 2, y[0]), y, np.full(len(x) - len(y) - n // 2, y[-1])])


def r_peaks(ecg):
    """R peaks (sample indices): the QRS band (a difference of moving averages, ~8-25 Hz),
    its energy envelope, local maxima 0.5 s apart standing above a quarter of their
    neighbours' median height, each moved to the ECG's own maximum within 80 ms (this
    recording's R waves are positive)."""
    from numpy.lib.stride_tricks import sliding_window_view
    x = ecg - moving_average(ecg, 200)
    band = moving_average(x, 15) - moving_average(x, 60)
    env = moving_average(band ** 2, 100)
    w = 500
    local_max = sliding_window_view(np.pad(env, (w // 2, w - w // 2 - 1), mode="edge"), w).max(axis=1)
    cand = np.nonzero(env == local_max)[0]
    h = env[cand]
    keep = [h[i] > 0.25 * np.median(h[max(0, i - 15):i + 15]) for i in range(len(cand))]
    peaks = []
    for p in cand[np.array(keep)]:
        lo, hi = max(0, p - 80), min(len(x), p + 80)
        peaks.append(lo + int(np.argmax(x[lo:hi])))
    return np.array(peaks)


def belt_rate(resp):
    """Breaths a minute from the belt at every 5 s from 60 s on: the strongest spectral peak
    (4-40/min) of the minute before, smoothed (0.5 s) and decimated to 10 Hz; and whether
    it is clean (the peak's ±1/min holds at least a third of the band's power; movement
    artifacts and irregular breathing are not)."""
    x = moving_average(resp, 500)[::100]
    out = []
    for t in range(60, int(len(resp) / FS) + 1, 5):
        seg = x[(t - 60) * 10:t * 10]
        seg = (seg - seg.mean()) * np.hanning(len(seg))
        power = np.abs(np.fft.rfft(seg, 8192)) ** 2
        f = np.fft.rfftfreq(8192, 0.1) * 60.0
        band = (f >= 4.0) & (f <= 40.0)
        peak = f[band][np.argmax(power[band])]
        near = band & (np.abs(f - peak) <= 1.0)
        clean = power[near].sum() >= power[band].sum() / 3.0
        out.append((t, float(peak), clean))
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "target/real-data"
    os.makedirs(out, exist_ok=True)
    ecg, resp = fetch(out)
    peaks = r_peaks(ecg)
    belt = belt_rate(resp)
    times = peaks / FS
    rr = np.diff(times) * 1000.0
    rows, pending, next_send = [], [], times[0] + 1.0
    for t, interval in zip(times[1:], rr):
        pending.append(interval)
        if t >= next_send:
            hr = 60_000.0 / interval
            rows.append(f"{t:.3f},{hr:.1f},{' '.join(f'{v:.0f}' for v in pending)},1,")
            pending, next_send = [], t + 1.0
    with open(os.path.join(out, "systole-task1-session.csv"), "w") as f:
        f.write("# systole 0.3.1 datasets/Task1_ECG.npy (GPL-3.0; Legrand et al. 2020), R peaks by scripts/real-rr.py\n")
        f.write("time,hr,rr,contact,cadence\n")
        f.write("\n".join(rows) + "\n")
    with open(os.path.join(out, "systole-task1-belt.csv"), "w") as f:
        f.write("time,breaths_per_min,clean\n")
        f.writelines(f"{t},{n:.2f},{int(c)}\n" for t, n, c in belt)
    clean = [n for _, n, c in belt if c]
    print(f"{len(peaks)} beats over {times[-1] / 60:.1f} min (RR {np.median(rr):.0f} ms median, "
          f"{np.min(rr):.0f}..{np.max(rr):.0f}); belt clean {len(clean)}/{len(belt)} windows, "
          f"{np.min(clean):.1f}..{np.max(clean):.1f} breaths/min; wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
