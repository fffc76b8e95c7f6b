//! A heart with respiratory sinus arrhythmia, as a strap reports it, and the swell read back
//! from rendered audio.

use attuned::engine::SAMPLE_RATE;
use attuned::features::Reading;
use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;

/// Strap notifications (about one a second, each with the RR intervals since the last) of a
/// heart at `base` bpm swinging ±`swing` bpm with the breath, the breathing rate at time t
/// being `breaths(t)` per minute (the phase integrates it, so the rate may change), with
/// Gaussian RR noise of `noise_ms`.
pub fn strap(
    breaths: impl Fn(f64) -> f32,
    base: f32,
    swing: f32,
    noise_ms: f32,
    seconds: f64,
    seed: u64,
) -> Vec<Reading> {
    let mut rng = Pcg32::seed_from_u64(seed);
    let mut uniform = move || (rng.next_u32() >> 8) as f32 / 16_777_216.0;
    let (mut t, mut phase) = (0.0f64, 0.0f64);
    let mut out = Vec::new();
    let mut pending = Vec::new();
    let mut next_send = 1.0;
    while t < seconds {
        let hr = base + swing * (std::f64::consts::TAU * phase).sin() as f32;
        let (u1, u2) = (uniform().max(1e-7), uniform());
        let gauss = (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos();
        let rr = 60_000.0 / hr + noise_ms * gauss;
        let dt = rr as f64 / 1000.0;
        phase += breaths(t) as f64 / 60.0 * dt;
        t += dt;
        pending.push(rr);
        if t >= next_send {
            out.push(Reading {
                at: t,
                hr: Some(60_000.0 / rr),
                rr_ms: std::mem::take(&mut pending),
                contact: Some(true),
                cadence: None,
            });
            next_send = t + 1.0;
        }
    }
    out
}

/// The dominant rate (cycles a minute, 2..=30) of the loudness envelope of the mono sum
/// between `from_s` and `to_s`: RMS in 50 ms frames, in dB, detrended, Hann-windowed, its
/// spectrum scanned in 0.01/min steps.
pub fn envelope_rate(l: &[f32], r: &[f32], from_s: f64, to_s: f64) -> f32 {
    let frame = (SAMPLE_RATE * 0.05) as usize;
    let (a, b) = (
        (from_s * SAMPLE_RATE as f64) as usize,
        ((to_s * SAMPLE_RATE as f64) as usize).min(l.len()),
    );
    let env: Vec<f64> = (a..b)
        .step_by(frame)
        .filter(|&i| i + frame <= b)
        .map(|i| {
            let e: f64 = (i..i + frame)
                .map(|k| ((l[k] + r[k]) as f64 * 0.5).powi(2))
                .sum::<f64>()
                / frame as f64;
            10.0 * (e + 1e-12).log10()
        })
        .collect();
    let n = env.len() as f64;
    // Least-squares line out, then a Hann window.
    let (mx, my) = ((n - 1.0) / 2.0, env.iter().sum::<f64>() / n);
    let sxy: f64 = env
        .iter()
        .enumerate()
        .map(|(i, y)| (i as f64 - mx) * (y - my))
        .sum();
    let sxx: f64 = (0..env.len()).map(|i| (i as f64 - mx).powi(2)).sum();
    let slope = sxy / sxx;
    let x: Vec<f64> = env
        .iter()
        .enumerate()
        .map(|(i, y)| {
            let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (n - 1.0)).cos();
            (y - my - slope * (i as f64 - mx)) * w
        })
        .collect();
    let frames_per_min = 60.0 / 0.05;
    let mut best = (0.0f64, 0.0f32);
    let mut rate = 2.0f32;
    while rate <= 30.0 {
        let w = std::f64::consts::TAU * rate as f64 / frames_per_min;
        let (mut re, mut im) = (0.0, 0.0);
        for (k, v) in x.iter().enumerate() {
            re += v * (w * k as f64).cos();
            im += v * (w * k as f64).sin();
        }
        let p = re * re + im * im;
        if p > best.0 {
            best = (p, rate);
        }
        rate += 0.01;
    }
    best.1
}
