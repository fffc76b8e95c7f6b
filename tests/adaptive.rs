//! The control pipeline end to end: replayed sessions through features, the built-in model
//! and smoothing, in renders and on their own.

use attuned::control::Controller;
use attuned::control::pipeline::{Pipeline, Step};
use attuned::controls::{Control, ControlValues};
use attuned::features::{Clock, ListenerProfile, Reading};
use attuned::preset::params::Param;
use attuned::preset::{Mode, Preset};
use attuned::render::{Adaptive, RenderOptions, render};
use std::time::Duration;

fn start(hours: f64) -> Clock {
    Clock {
        session_s: 0.0,
        local_hours: hours,
        day_of_year: 172,
        utc_offset_h: 0.0,
    }
}

/// One reading per second with RR intervals matching the heart rate.
fn session(seconds: u32, hr_at: impl Fn(f64) -> f32) -> Vec<Reading> {
    (0..seconds)
        .map(|s| {
            let hr = hr_at(s as f64);
            Reading {
                at: s as f64,
                hr: Some(hr),
                rr_ms: vec![60_000.0 / hr],
                contact: Some(true),
                cadence: None,
            }
        })
        .collect()
}

fn ranks(v: &[f32]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    for (rank, &i) in idx.iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

fn spearman(a: &[f32], b: &[f32]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y) * (x - y)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

fn energy(s: &Step) -> f32 {
    s.controls[Control::Energy.index()]
}

/// Render `preset` in `mode` for 6 minutes with a heart from 65 bpm up to 140 by minute 3
/// and back to 70 by minute 6; the control steps after the first 20 s (the HR trend needs
/// 20 s of data), every 10 s.
fn rise_and_fall(preset: &str, mode: Mode) -> Vec<Step> {
    let hr = |t: f64| 65.0 + 75.0 * (std::f64::consts::PI * t / 360.0).sin() as f32;
    let mut o = RenderOptions::new(Preset::builtin(preset).unwrap());
    o.duration = Duration::from_secs(360);
    o.adaptive = Some(Adaptive {
        mode,
        readings: session(360, hr),
        profile: ListenerProfile::default(),
        day_of_year: 172,
        utc_offset_h: 0.0,
        controller: Controller::builtin(),
        workout: Default::default(),
    });
    let r = render(&o, false).unwrap();
    assert!(matches!(
        o.adaptive.unwrap().controller.source(),
        attuned::control::Source::Model(_)
    ));
    r.trace
        .into_iter()
        .filter(|s| s.t >= 20.0)
        .step_by(100)
        .collect()
}

#[test]
fn replayed_heart_rate_rise_and_fall_moves_energy_up_then_down() {
    let samples = rise_and_fall("workout", Mode::Workout);
    let hrs: Vec<f32> = samples.iter().map(|s| s.hr.unwrap()).collect();
    let energies: Vec<f32> = samples.iter().map(energy).collect();
    let rho = spearman(&hrs, &energies);
    assert!(rho >= 0.8, "rank correlation {rho}");
    let at = |t: f64| energy(samples.iter().find(|s| s.t >= t).unwrap());
    assert!(
        at(180.0) > at(30.0) + 0.1,
        "up: {} → {}",
        at(30.0),
        at(180.0)
    );
    assert!(
        at(350.0) < at(180.0) - 0.1,
        "down: {} → {}",
        at(180.0),
        at(350.0)
    );
}

#[test]
fn in_focus_a_racing_heart_calms_density_and_tempo() {
    let samples = rise_and_fall("focus", Mode::Focus);
    let hrs: Vec<f32> = samples.iter().map(|s| s.hr.unwrap()).collect();
    for c in [Control::Density, Control::Tempo] {
        let v: Vec<f32> = samples.iter().map(|s| s.controls[c.index()]).collect();
        let rho = spearman(&hrs, &v);
        assert!(rho <= -0.8, "{c:?}: rank correlation {rho}");
    }
}

fn run(mode: Mode, hours: f64, minutes: u32, readings: &[Reading]) -> Vec<Step> {
    let mut p = Pipeline::new(
        ListenerProfile::default(),
        Controller::builtin(),
        mode,
        start(hours),
    );
    let mut next = readings.iter().peekable();
    (0..minutes * 60 * 10)
        .map(|i| {
            let t = i as f64 / 10.0;
            while let Some(r) = next.next_if(|r| r.at <= t) {
                p.push(r);
            }
            p.step(t)
        })
        .collect()
}

#[test]
fn sleep_session_stays_slow_and_energy_falls_over_thirty_minutes() {
    let preset = Preset::builtin("sleep").unwrap();
    // Someone settling into bed: 72 bpm drifting to 58.
    let readings = session(30 * 60, |t| 72.0 - 14.0 * (t / 1800.0) as f32);
    for steps in [
        run(Mode::Sleep, 23.0, 30, &readings),
        run(Mode::Sleep, 23.0, 30, &[]),
    ] {
        for s in &steps {
            let bpm = preset
                .params
                .spec(Param::TempoBpm)
                .eval(&ControlValues(s.controls));
            assert!(bpm <= 80.0, "{bpm} bpm at {} s", s.t);
        }
        // Each minute's mean (a breathing estimate that comes and goes every 5 s moves the
        // energy by ±0.02 around it, which one sampled step would catch at either end).
        let minute = |m: usize| {
            steps[m * 600..(m + 1) * 600]
                .iter()
                .map(energy)
                .sum::<f32>()
                / 600.0
        };
        assert!(
            minute(1) > minute(29) + 0.1,
            "{} → {}",
            minute(1),
            minute(29)
        );
        for m in 2..29 {
            assert!(
                minute(m + 1) <= minute(m) + 0.01,
                "energy rose at minute {m}"
            );
        }
    }
}

#[test]
fn clock_only_night_is_calmer_than_late_morning() {
    for mode in [Mode::Focus, Mode::Relax, Mode::Workout, Mode::Sleep] {
        let night = run(mode, 3.0, 1, &[]);
        let day = run(mode, 11.0, 1, &[]);
        let (n, d) = (energy(night.last().unwrap()), energy(day.last().unwrap()));
        assert!(n < d, "{mode:?}: 03:00 {n} vs 11:00 {d}");
    }
}

#[test]
fn a_sensor_that_goes_quiet_degrades_to_clock_only() {
    let readings = session(120, |_| 150.0);
    let steps = run(Mode::Focus, 12.0, 4, &readings);
    assert_eq!(steps[600].hr, Some(150.0));
    let late = steps.last().unwrap();
    assert_eq!(late.hr, None);
    assert_eq!(late.features[attuned::control::contract::HR_PRESENT], 0.0);
    let clock_only = run(Mode::Focus, 12.0, 4, &[]);
    assert!((energy(late) - energy(clock_only.last().unwrap())).abs() < 0.02);
}
