//! One control step: features from the readings and the clock, then the control model
//! (tract) — the work the live control loop does 10 times a second. Target ≤ 20 µs.
//! The teacher alone is measured beside it as the baseline.

use attuned::control::Controller;
use attuned::control::teacher::teach;
use attuned::features::{Clock, FeatureExtractor, ListenerProfile, Reading};
use attuned::synth::preset::Mode;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn step(c: &mut Criterion) {
    let mut fx = FeatureExtractor::new(ListenerProfile::default());
    // A minute of 1 Hz readings with RR intervals in the windows, as live.
    for s in 0..60 {
        let hr = 120.0 + (s % 7) as f32;
        fx.push(&Reading {
            at: s as f64,
            hr: Some(hr),
            rr_ms: vec![60_000.0 / hr, 60_000.0 / hr + 5.0],
            contact: Some(true),
            cadence: Some(164.0),
        });
    }
    let clock = Clock {
        session_s: 59.5,
        local_hours: 18.0,
        day_of_year: 172,
        utc_offset_h: 1.0,
    };
    let mut model = Controller::builtin();
    let mut group = c.benchmark_group("control_step");
    group.bench_function("features", |b| {
        b.iter(|| black_box(fx.features(black_box(&clock), Mode::Workout)))
    });
    group.bench_function("features+teacher", |b| {
        b.iter(|| teach(&fx.features(black_box(&clock), Mode::Workout)))
    });
    group.bench_function("features+model", |b| {
        b.iter(|| model.step(&fx.features(black_box(&clock), Mode::Workout)))
    });
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
