//! Breathing read from RR intervals (respiratory sinus arrhythmia), on synthetic RR series
//! with known breathing rates, heart-rate variability noise and ectopic beats.

use attuned::features::breathing::BreathingEstimator;
use attuned::features::heart::RrFilter;
use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;

/// RR intervals of a heart at `base` bpm swinging ±`swing` bpm at `breaths` per minute,
/// with RR noise of `noise_ms` (Gaussian) and a share `ectopic` of premature beats (a short
/// interval and its compensatory pause), through the artifact filter: (end time s, RR ms,
/// accepted).
fn heart(
    breaths: f32,
    base: f32,
    swing: f32,
    noise_ms: f32,
    ectopic: f32,
    seconds: f64,
    seed: u64,
) -> Vec<(f64, f32, bool)> {
    heart_with_mayer(breaths, base, swing, 0.0, noise_ms, ectopic, seconds, seed)
}

/// [`heart`] with the baroreflex's Mayer waves added: ±`mayer` bpm at 0.1 Hz (6/min),
/// whatever the breathing.
#[allow(clippy::too_many_arguments)]
fn heart_with_mayer(
    breaths: f32,
    base: f32,
    swing: f32,
    mayer: f32,
    noise_ms: f32,
    ectopic: f32,
    seconds: f64,
    seed: u64,
) -> Vec<(f64, f32, bool)> {
    let mut rng = Pcg32::seed_from_u64(seed);
    let mut uniform = move || (rng.next_u32() >> 8) as f32 / 16_777_216.0;
    let mut filter = RrFilter::default();
    let mut out = Vec::new();
    let mut t = 0.0f64;
    while t < seconds {
        let phase = std::f64::consts::TAU * breaths as f64 / 60.0 * t;
        let mayer_phase = std::f64::consts::TAU * 0.1 * t + 1.0;
        let hr = base + swing * phase.sin() as f32 + mayer * mayer_phase.sin() as f32;
        // Box–Muller.
        let (u1, u2) = (uniform().max(1e-7), uniform());
        let gauss = (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos();
        let rr = 60_000.0 / hr + noise_ms * gauss;
        let intervals: Vec<f32> = if uniform() < ectopic {
            vec![rr * 0.65, rr * 1.35]
        } else {
            vec![rr]
        };
        for rr in intervals {
            t += rr as f64 / 1000.0;
            out.push((t, rr, filter.accept(rr).is_some()));
        }
    }
    out
}

/// The estimate after feeding `beats` up to `until` seconds.
fn estimate_at(beats: &[(f64, f32, bool)], until: f64) -> Option<(f32, f32)> {
    let mut e = BreathingEstimator::new();
    for &(at, rr, ok) in beats.iter().filter(|b| b.0 <= until) {
        e.push(at, rr, ok);
    }
    e.estimate(until).map(|b| (b.per_minute, b.confidence))
}

#[test]
fn known_breathing_rates_are_read_within_one_breath_a_minute_in_a_minute() {
    for (i, rate) in [6.0f32, 9.0, 12.0, 15.0, 20.0].into_iter().enumerate() {
        for seed in 0..5u64 {
            let beats = heart(rate, 68.0, 5.0, 15.0, 0.02, 120.0, seed * 10 + i as u64);
            // Within 60 s of the first beat, and on from there.
            for until in [62.0, 90.0, 119.0] {
                let (got, confidence) = estimate_at(&beats, until)
                    .unwrap_or_else(|| panic!("{rate}/min, seed {seed}, at {until} s: unknown"));
                assert!(
                    (got - rate).abs() <= 1.0,
                    "{rate}/min read as {got:.2} (confidence {confidence:.2}), seed {seed}, at {until} s"
                );
            }
        }
    }
}

#[test]
fn noise_and_too_few_beats_are_unknown_not_a_guess() {
    for seed in 0..10 {
        // No breathing swing at all: only beat-to-beat noise.
        let beats = heart(12.0, 68.0, 0.0, 25.0, 0.0, 90.0, 100 + seed);
        let got = estimate_at(&beats, 89.0);
        assert!(got.is_none(), "noise read as {got:?} (seed {seed})");
    }
    // Half a minute of beats.
    let beats = heart(12.0, 68.0, 5.0, 15.0, 0.0, 30.0, 7);
    assert_eq!(estimate_at(&beats, 30.0), None);
    // Many ectopic beats (motion, a bad strap fit).
    let beats = heart(12.0, 68.0, 5.0, 15.0, 0.2, 90.0, 8);
    assert_eq!(estimate_at(&beats, 89.0), None);
    // The strap went quiet 20 s ago.
    let beats = heart(12.0, 68.0, 5.0, 15.0, 0.0, 70.0, 9);
    assert_eq!(estimate_at(&beats, 90.0), None);
}

/// Mayer waves (~0.1 Hz, 6/min) swing the heart whatever the breathing: at normal breathing
/// rates the breathing peak must still win, and slow breathing (which resonates with them,
/// so its swing is large) must still be read as slow.
#[test]
fn mayer_waves_are_not_mistaken_for_slow_breathing() {
    for (breaths, swing) in [(12.0, 4.0), (15.0, 4.0), (20.0, 3.0)] {
        let beats = heart_with_mayer(breaths, 66.0, swing, 3.0, 15.0, 0.0, 90.0, 5);
        let (rate, _) = estimate_at(&beats, 90.0).expect("known");
        assert!(
            (rate - breaths).abs() <= 1.0,
            "{breaths}/min read as {rate}"
        );
    }
    // Resonant breathing swings a young heart by 20–30 bpm: ±8 and ±12 bpm.
    for swing in [8.0, 12.0] {
        let beats = heart_with_mayer(6.0, 66.0, swing, 3.0, 15.0, 0.0, 90.0, 5);
        let (rate, _) = estimate_at(&beats, 90.0).expect("known");
        assert!(
            (rate - 6.0).abs() <= 1.0,
            "6/min (±{swing} bpm) read as {rate}"
        );
    }
}

/// Through the feature extractor as the daemon feeds it: a strap notification about once a
/// second carrying the intervals of the beats since the last one (as BLE straps send them);
/// the beats' times are rebuilt from the intervals.
#[test]
fn the_extractor_reads_breathing_from_strap_notifications() {
    use attuned::features::{FeatureExtractor, ListenerProfile, Reading};
    let beats = heart(10.0, 64.0, 6.0, 12.0, 0.0, 100.0, 42);
    let mut fx = FeatureExtractor::new(ListenerProfile::default());
    let mut pending: Vec<f32> = Vec::new();
    let mut next_send = 1.0;
    let mut got = None;
    for &(at, rr, _) in &beats {
        pending.push(rr);
        if at >= next_send {
            fx.push(&Reading {
                at,
                hr: Some(60_000.0 / rr),
                rr_ms: std::mem::take(&mut pending),
                contact: Some(true),
                cadence: None,
            });
            next_send = at + 1.0;
            got = fx.breathing(at);
        }
    }
    let b = got.expect("a breathing rate after 100 s");
    assert!((b.per_minute - 10.0).abs() <= 1.0, "{b:?}");
    assert!(b.confidence > 0.5, "{b:?}");
    // Contract v2: the estimate is in the feature vector, and goes with the strap.
    use attuned::control::contract::{BREATHING_CONFIDENCE, BREATHING_RATE};
    use attuned::preset::Mode;
    let last = beats.last().unwrap().0;
    let clock = |at: f64| attuned::features::Clock {
        session_s: at,
        local_hours: 22.0,
        day_of_year: 300,
        utc_offset_h: 0.0,
    };
    let x = fx.features(&clock(last), Mode::Relax);
    assert!(
        (x[BREATHING_RATE] * 30.0 - b.per_minute).abs() < 1e-4,
        "{x:?}"
    );
    assert_eq!(x[BREATHING_CONFIDENCE], b.confidence);
    let x = fx.features(&clock(last + 30.0), Mode::Relax);
    assert_eq!((x[BREATHING_RATE], x[BREATHING_CONFIDENCE]), (0.0, 0.0));
    // Without skin contact the intervals are meaningless: nothing is read from them.
    let mut fx = FeatureExtractor::new(ListenerProfile::default());
    for &(at, rr, _) in &beats {
        fx.push(&Reading {
            at,
            hr: Some(60_000.0 / rr),
            rr_ms: vec![rr],
            contact: Some(false),
            cadence: None,
        });
    }
    assert_eq!(fx.breathing(100.0), None);
}
