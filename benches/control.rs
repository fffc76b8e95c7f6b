//! One control step: features from the readings and the clock, then the control model
//! (tract) — the work the live control loop does 10 times a second. Target ≤ 20 µs.
//! The teacher alone is measured beside it as the baseline. Also: one breathing-rate
//! estimate from a minute of RR intervals (target ≤ 50 µs).

use attuned::control::Controller;
use attuned::control::teacher::teach;
use attuned::features::{Clock, FeatureExtractor, ListenerProfile, Reading};
use attuned::preset::Mode;
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
    // Two clocks an hour apart in turn, so each step runs the model (a step whose inputs
    // stand where the last run's did reuses its answer).
    let later = Clock {
        local_hours: 19.0,
        ..clock
    };
    let mut turn = false;
    group.bench_function("features+model", |b| {
        b.iter(|| {
            turn = !turn;
            let at = if turn { &clock } else { &later };
            model.step(&fx.features(black_box(at), Mode::Workout))
        })
    });
    group.finish();
}

/// One step of the whole pipeline in relax with a heart: features, the heart lead, the
/// model (one run answers the controls and what the clock alone gives, for the form's body
/// drive), the smoothing and the breath lead. Target ≤ 20 µs.
fn pipeline_step(c: &mut Criterion) {
    use attuned::control::pipeline::Pipeline;
    let start = Clock {
        session_s: 0.0,
        local_hours: 21.0,
        day_of_year: 172,
        utc_offset_h: 1.0,
    };
    let mut p = Pipeline::new(
        ListenerProfile::default(),
        Controller::builtin(),
        Mode::Relax,
        start,
    );
    for s in 0..60 {
        let hr = 110.0 + (s % 7) as f32;
        p.push(&Reading {
            at: s as f64,
            hr: Some(hr),
            rr_ms: vec![60_000.0 / hr, 60_000.0 / hr + 5.0],
            contact: Some(true),
            cadence: None,
        });
    }
    // Two moments half a minute apart in turn, both with a fresh heart rate, so the model
    // runs every step (a step whose inputs stand where the last run's did reuses its
    // answer).
    let mut turn = false;
    c.bench_function("pipeline_step_relax_heart_lead", |b| {
        b.iter(|| {
            turn = !turn;
            black_box(p.step(if turn { 30.0 } else { 59.5 }))
        })
    });
}

/// One breathing estimate over a minute of beats (the live loop would run it every few
/// seconds). Target ≤ 50 µs.
fn breathing(c: &mut Criterion) {
    use attuned::features::breathing::BreathingEstimator;
    let mut e = BreathingEstimator::new();
    let mut t = 0.0;
    while t < 90.0 {
        let rr = 880.0 + 60.0 * (std::f64::consts::TAU * 0.2 * t).sin() as f32;
        t += rr as f64 / 1000.0;
        e.push(t, rr, true);
    }
    c.bench_function("breathing_estimate", |b| {
        b.iter(|| black_box(e.estimate(black_box(t))))
    });
}

/// One step of the learned composer: its context vector and the model's logits (the planner
/// runs one per melody note, bars ahead).
fn composer(c: &mut Criterion) {
    use attuned::compose::learned::{ComposerModel, Step, context};
    let model = ComposerModel::builtin().expect("built-in composer");
    let history = [
        Step {
            step: 1,
            eighths: 2,
        },
        Step {
            step: -2,
            eighths: 1,
        },
    ];
    c.bench_function("composer_step", |b| {
        b.iter(|| black_box(model.logits(&context(black_box(&history), 3, 8))))
    });
}

/// One step of the phrase composer's recurrent model (its input built, logits and memory
/// out), and a whole eight-bar phrase of 32 notes stepped with its memory carried: the
/// issue's budget is 50 µs a step.
fn phrase_composer(c: &mut Criterion) {
    use attuned::compose::phrase_model::{HIDDEN, NoteContext, PhraseModel, Quality};
    let model = PhraseModel::builtin().expect("built-in phrase model");
    let note = |i: u32| NoteContext {
        previous_step: (i % 5) as i32 - 2,
        previous_eighths: 1 + i % 3,
        previous_degree: i % 7,
        position: (2 * i) % 8,
        bar_eighths: 8,
        phrase_bar: i / 4,
        bars_left: 7 - i / 4,
        starts_phrase: i == 0,
        chord_root: [0, 3, 4, 0][(i / 8) as usize % 4],
        chord_quality: Quality::Major,
        density: 0.5,
    };
    let state = [0.0f32; HIDDEN];
    c.bench_function("composer_phrase_step", |b| {
        b.iter(|| black_box(model.step(&note(black_box(5)).input(), &state)))
    });
    c.bench_function("composer_phrase_32_notes", |b| {
        b.iter(|| {
            let mut h = [0.0f32; HIDDEN];
            for i in 0..32 {
                let (logits, next) = model.step(&note(i).input(), &h).expect("step");
                black_box(logits);
                h = next;
            }
            black_box(h)
        })
    });
}

criterion_group!(
    benches,
    step,
    pipeline_step,
    breathing,
    composer,
    phrase_composer
);
criterion_main!(benches);
