//! Measuring rhythm on the audio: RBJ-cookbook biquads (written here, independent of the
//! engine's filters) to split a band out, a fast peak envelope, and onsets found on it.

use attuned::engine::SAMPLE_RATE;

/// A second-order filter section (Robert Bristow-Johnson's cookbook).
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    x: [f64; 2],
    y: [f64; 2],
}

#[derive(Clone, Copy)]
pub enum Kind {
    Low,
    High,
}

impl Biquad {
    fn new(kind: Kind, hz: f64) -> Biquad {
        let w = std::f64::consts::TAU * hz / SAMPLE_RATE as f64;
        let (c, alpha) = (w.cos(), w.sin() / (2.0 * std::f64::consts::FRAC_1_SQRT_2));
        let a0 = 1.0 + alpha;
        let b = match kind {
            Kind::Low => [(1.0 - c) / 2.0, 1.0 - c, (1.0 - c) / 2.0],
            Kind::High => [(1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0],
        };
        Biquad {
            b: b.map(|v| v / a0),
            a: [-2.0 * c / a0, (1.0 - alpha) / a0],
            x: [0.0; 2],
            y: [0.0; 2],
        }
    }

    fn tick(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// The mono sum of `l` and `r` through 4th-order Butterworth-like sections: above `low`
/// (if any) and below `high` (if any).
pub fn band(l: &[f32], r: &[f32], low: Option<f64>, high: Option<f64>) -> Vec<f64> {
    let mut stages: Vec<Biquad> = Vec::new();
    for _ in 0..2 {
        if let Some(hz) = low {
            stages.push(Biquad::new(Kind::High, hz));
        }
        if let Some(hz) = high {
            stages.push(Biquad::new(Kind::Low, hz));
        }
    }
    l.iter()
        .zip(r)
        .map(|(a, b)| {
            let mut x = 0.5 * (*a as f64 + *b as f64);
            for s in &mut stages {
                x = s.tick(x);
            }
            x
        })
        .collect()
}

/// A peak envelope: instant attack, `release_s` fall.
pub fn envelope(x: &[f64], release_s: f64) -> Vec<f64> {
    let fall = (-1.0 / (release_s * SAMPLE_RATE as f64)).exp();
    let mut e = 0.0f64;
    x.iter()
        .map(|v| {
            e = v.abs().max(e * fall);
            e
        })
        .collect()
}

/// The onset nearest `at` (seconds) within ±`window` s on envelope `env`: the first
/// sample after the quietest point before the window's loudest where the envelope has
/// risen [`ONSET_RISE`] of the way from that quiet to that peak; with the peak's level over
/// the quiet (dB). `None` when nothing rises there.
/// How far an envelope has risen toward its peak where an onset is placed.
pub const ONSET_RISE: f64 = 0.3;

pub fn onset_near(env: &[f64], at: f64, window: f64) -> Option<(f64, f64)> {
    let sr = SAMPLE_RATE as f64;
    let from = ((at - window) * sr).max(0.0) as usize;
    let to = (((at + window) * sr) as usize).min(env.len());
    if to <= from + 2 {
        return None;
    }
    let span = &env[from..to];
    let peak_i = (0..span.len()).max_by(|&a, &b| span[a].total_cmp(&span[b]))?;
    let quiet_i = (0..=peak_i).min_by(|&a, &b| span[a].total_cmp(&span[b]))?;
    let (quiet, peak) = (span[quiet_i], span[peak_i]);
    if peak <= quiet * 1.5 || peak <= 0.0 {
        return None;
    }
    let half = quiet + ONSET_RISE * (peak - quiet);
    let cross = (quiet_i..=peak_i).find(|&i| span[i] >= half)?;
    let rise_db = 20.0 * (peak / quiet.max(1e-9)).log10();
    Some(((from + cross) as f64 / sr, rise_db))
}

/// The share of `band`'s energy in the whole signal's (`all`).
pub fn energy_share(band: &[f64], all: &[f64]) -> f64 {
    let e = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>();
    e(band) / e(all).max(1e-30)
}
