//! Workout: the beat lands on a simulated runner's footfalls, follows pace changes, glides
//! to the idle groove at a stop, is steered by at most 3 %, and eases off above the
//! heart-rate ceiling. Offline and deterministic, through the real engine: the runner's pod
//! is simulated down to its RSC notification bytes.

use attuned::control::Controller;
use attuned::control::pipeline::Step;
use attuned::controls::Control;
use attuned::engine::{LOOKAHEAD_S, SAMPLE_RATE};
use attuned::features::{ListenerProfile, Reading};
use attuned::music::drums::KICK;
use attuned::music::note::VoiceKind;
use attuned::preset::{Mode, Preset};
use attuned::render::{Adaptive, RenderOptions, Rendered, render};
use attuned::sensor::gatt::{RunningSpeedCadence, encode_rsc, parse_rsc};
use attuned::workout::WorkoutSettings;
use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;
use std::time::Duration;

/// Footfall timing jitter (s, standard deviation) and its clip.
const STEP_JITTER_S: f64 = 0.004;
/// The pod's notification latency: a BLE connection interval of 15 ms, uniformly.
const BLE_INTERVAL_S: f64 = 0.015;
/// Onsets must land within this of a footfall once locked.
const TOLERANCE_S: f64 = 0.020;

/// One stretch of a run: how long, and the cadence at its start and end (0: standing).
#[derive(Clone, Copy)]
struct Stretch {
    secs: f64,
    from: f32,
    to: f32,
}

fn stretch(secs: f64, from: f32, to: f32) -> Stretch {
    Stretch { secs, from, to }
}

/// A simulated runner wearing a foot pod that notifies once per stride.
struct Run {
    footfalls: Vec<f64>,
    readings: Vec<Reading>,
}

fn gaussian(rng: &mut Pcg32) -> f64 {
    let u = |rng: &mut Pcg32| (rng.next_u32() as f64 + 0.5) / 4_294_967_296.0;
    let (a, b) = (u(rng), u(rng));
    (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
}

fn run(start: f64, stretches: &[Stretch], seed: u64) -> Run {
    run_with(start, stretches, seed, Pod::Steps)
}

/// What the pod counts.
#[derive(Clone, Copy, PartialEq)]
enum Pod {
    Steps,
    /// Strides (one foot): half the steps, as some pods report.
    Strides,
}

fn run_with(start: f64, stretches: &[Stretch], seed: u64, pod: Pod) -> Run {
    let mut rng = Pcg32::seed_from_u64(seed);
    let mut footfalls = Vec::new();
    let mut readings = Vec::new();
    let mut t = start;
    let mut grid = start;
    let mut steps = 0u64;
    for s in stretches {
        let end = t + s.secs;
        if s.from == 0.0 && s.to == 0.0 {
            // Standing: the pod keeps notifying once a second with cadence 0.
            let mut n = t;
            while n < end {
                readings.push(pod_reading(n + BLE_INTERVAL_S * unit(&mut rng), 0, 0.0));
                n += 1.0;
            }
            t = end;
            grid = end;
            continue;
        }
        while grid < end {
            let x = (grid - t) / s.secs;
            // Cadence along the stretch, with a slow natural wander of ±0.5 % over 40 s.
            let spm = (s.from as f64 + (s.to - s.from) as f64 * x)
                * (1.0 + 0.005 * (grid * std::f64::consts::TAU / 40.0).sin());
            let jitter = (STEP_JITTER_S * gaussian(&mut rng)).clamp(-0.010, 0.010);
            let foot = grid + jitter;
            footfalls.push(foot);
            steps += 1;
            // One notification per stride, sent at the next connection event, carrying the
            // cadence the pod measured over its last stride, as a whole number.
            if steps.is_multiple_of(2) && footfalls.len() >= 3 {
                let n = footfalls.len();
                let interval = (footfalls[n - 1] - footfalls[n - 3]) / 2.0;
                let per_minute = match pod {
                    Pod::Steps => 60.0 / interval,
                    Pod::Strides => 30.0 / interval,
                };
                let cadence = per_minute.round().clamp(0.0, 255.0) as u8;
                readings.push(pod_reading(
                    foot + BLE_INTERVAL_S * unit(&mut rng),
                    cadence,
                    3.2,
                ));
            }
            grid += 60.0 / spm;
        }
        t = end;
    }
    Run {
        footfalls,
        readings,
    }
}

fn unit(rng: &mut Pcg32) -> f64 {
    rng.next_u32() as f64 / 4_294_967_296.0
}

/// A reading as the daemon makes it from the pod's notification bytes.
fn pod_reading(at: f64, cadence: u8, speed_mps: f32) -> Reading {
    let bytes = encode_rsc(&RunningSpeedCadence {
        speed_mps,
        cadence,
        stride_m: None,
        distance_m: None,
        running: speed_mps > 2.0,
    });
    let m = parse_rsc(&bytes).expect("the pod's own bytes parse");
    Reading {
        at,
        cadence: Some(m.steps_per_minute()),
        ..Reading::default()
    }
}

fn settings() -> WorkoutSettings {
    WorkoutSettings {
        // The mean of a uniform 0–15 ms connection-interval delay.
        sensor_latency_s: BLE_INTERVAL_S / 2.0,
        ..WorkoutSettings::default()
    }
}

fn render_run(readings: Vec<Reading>, secs: f64, workout: WorkoutSettings, keep: bool) -> Rendered {
    let mut o = RenderOptions::new(Preset::builtin("workout").unwrap());
    o.duration = Duration::from_secs_f64(secs);
    o.seed = 5;
    o.adaptive = Some(Adaptive {
        mode: Mode::Workout,
        readings,
        profile: ListenerProfile::default(),
        day_of_year: 172,
        utc_offset_h: 0.0,
        controller: Controller::teacher("workout tests"),
        workout,
    });
    render(&o, keep).expect("render")
}

/// Beat onsets (the kit's kicks) as heard, in seconds: the note's sample plus the master
/// limiter's look-ahead.
fn onsets(r: &Rendered) -> Vec<f64> {
    r.events
        .iter()
        .filter(|e| e.voice == VoiceKind::Pulse && e.midi == KICK)
        .map(|e| e.sample as f64 / SAMPLE_RATE as f64 + LOOKAHEAD_S)
        .collect()
}

fn nearest_error(t: f64, footfalls: &[f64]) -> f64 {
    let i = footfalls.partition_point(|&f| f < t);
    [i.checked_sub(1), Some(i)]
        .into_iter()
        .flatten()
        .filter_map(|k| footfalls.get(k))
        .map(|f| t - f)
        .min_by(|a, b| a.abs().total_cmp(&b.abs()))
        .unwrap_or(f64::INFINITY)
}

/// When the follower first reported a phase lock at or after `from`.
fn locked_at(trace: &[Step], from: f64) -> f64 {
    trace
        .iter()
        .find(|s| s.t >= from && s.workout.as_ref().is_some_and(|(_, w)| w.phase_locked))
        .map(|s| s.t)
        .expect("the follower locks on")
}

/// Beats after `lock` until every later onset (up to `until`) is within tolerance, and the
/// worst error after that.
fn lock_in(onsets: &[f64], footfalls: &[f64], lock: f64, until: f64) -> (usize, f64) {
    let after: Vec<(f64, f64)> = onsets
        .iter()
        .filter(|&&o| o >= lock && o <= until)
        .map(|&o| (o, nearest_error(o, footfalls)))
        .collect();
    let last_bad = after.iter().rposition(|(_, e)| e.abs() > TOLERANCE_S);
    let beats = last_bad.map_or(0, |i| i + 1);
    let worst = after[beats..]
        .iter()
        .map(|(_, e)| e.abs())
        .fold(0.0, f64::max);
    (beats, worst)
}

#[test]
fn onsets_land_on_footfalls_from_150_to_190_spm() {
    for (k, spm) in [150.0f32, 160.0, 170.0, 180.0, 190.0]
        .into_iter()
        .enumerate()
    {
        let run = run(3.0, &[stretch(40.0, spm, spm)], 10 + k as u64);
        let r = render_run(run.readings, 43.0, settings(), false);
        let lock = locked_at(&r.trace, 3.0);
        let (beats, worst) = lock_in(&onsets(&r), &run.footfalls, lock, 43.0);
        let errors: Vec<f64> = onsets(&r)
            .iter()
            .filter(|&&o| o > lock + 8.0 * 60.0 / spm as f64)
            .map(|&o| nearest_error(o, &run.footfalls) * 1e3)
            .collect();
        let mean = errors.iter().sum::<f64>() / errors.len() as f64;
        eprintln!(
            "{spm} spm: phase lock {:.2} s after the first step, within ±20 ms after {beats} beats, \
             then worst {:.1} ms, mean {mean:+.1} ms over {} onsets",
            lock - 3.0,
            worst * 1e3,
            errors.len()
        );
        assert!(beats <= 8, "{spm} spm: {beats} beats to lock in");
        assert!(worst <= TOLERANCE_S, "{spm} spm: {worst}");
        assert!(errors.len() > 80, "{spm} spm: the beat kept going");
    }
}

#[test]
fn a_pod_counting_strides_is_read_as_steps() {
    let run = run_with(3.0, &[stretch(30.0, 172.0, 172.0)], 12, Pod::Strides);
    assert!(
        run.readings.iter().all(|r| r.cadence.unwrap() > 150.0),
        "normalised to steps"
    );
    let r = render_run(run.readings, 33.0, settings(), false);
    let lock = locked_at(&r.trace, 3.0);
    let (beats, worst) = lock_in(&onsets(&r), &run.footfalls, lock, 33.0);
    eprintln!(
        "stride pod at 86 strides/min: locked after {beats} beats, then worst {:.1} ms",
        worst * 1e3
    );
    assert!(beats <= 8 && worst <= TOLERANCE_S);
}

#[test]
fn the_beat_stays_on_the_feet_through_a_gradual_ten_percent_change() {
    let run = run(
        3.0,
        &[
            stretch(15.0, 160.0, 160.0),
            stretch(60.0, 160.0, 176.0),
            stretch(15.0, 176.0, 176.0),
        ],
        3,
    );
    let r = render_run(run.readings, 93.0, settings(), false);
    let lock = locked_at(&r.trace, 3.0);
    let (beats, worst) = lock_in(&onsets(&r), &run.footfalls, lock, 93.0);
    eprintln!(
        "160 → 176 spm over 60 s: locked after {beats} beats, then worst {:.1} ms",
        worst * 1e3
    );
    assert!(beats <= 8);
    assert!(worst <= TOLERANCE_S, "{worst}");
}

/// Beat tempo (bpm) from the onsets in `from..to`.
fn tempo_between(onsets: &[f64], from: f64, to: f64) -> f64 {
    let o: Vec<f64> = onsets
        .iter()
        .copied()
        .filter(|&t| t >= from && t <= to)
        .collect();
    60.0 * (o.len() - 1) as f64 / (o[o.len() - 1] - o[0])
}

#[test]
fn a_sudden_stop_glides_to_the_idle_groove_and_a_restart_relocks() {
    let run = run(
        3.0,
        &[
            stretch(30.0, 172.0, 172.0),
            stretch(20.0, 0.0, 0.0),
            stretch(30.0, 165.0, 165.0),
        ],
        7,
    );
    let r = render_run(run.readings, 83.0, settings(), false);
    let beats = onsets(&r);
    // No tempo jump: consecutive beat intervals never differ by more than 4 %.
    let worst = beats
        .windows(3)
        .filter(|w| w[0] > 33.0 && w[2] < 52.0)
        .map(|w| ((w[2] - w[1]) / (w[1] - w[0]) - 1.0).abs())
        .fold(0.0, f64::max);
    // The idle groove: the preset's own tempo from its controls, reached within 6 s.
    let idle = |t: f64| {
        let s = r.trace.iter().rev().find(|s| s.t <= t).unwrap();
        let (plan, w) = s.workout.as_ref().unwrap();
        (plan.bpm, w.source)
    };
    let (bpm_idle, source) = idle(33.0 + 6.0);
    let played = tempo_between(&beats, 33.0 + 6.0, 33.0 + 10.0);
    eprintln!(
        "stop at 172 spm: beat intervals change at most {:.1} % per beat; 6 s later {played:.1} bpm ({source:?}, {bpm_idle:.1} planned)",
        worst * 100.0
    );
    assert!(worst < 0.04, "tempo jump {worst}");
    assert_eq!(source, attuned::workout::TempoSource::Idle);
    assert!(
        played < 150.0,
        "the beat eased off the running tempo: {played}"
    );
    // Restarting re-locks onto the new footfalls.
    let lock = locked_at(&r.trace, 53.0);
    let (n, worst) = lock_in(&beats, &run.footfalls, lock, 83.0);
    eprintln!(
        "restart at 165 spm: locked {:.1} s after the first step, within ±20 ms after {n} beats, then worst {:.1} ms",
        lock - 53.0,
        worst * 1e3
    );
    assert!(n <= 8 && worst <= TOLERANCE_S);
}

#[test]
fn steering_leads_the_cadence_by_at_most_three_percent() {
    let run = run(3.0, &[stretch(60.0, 160.0, 160.0)], 21);
    let steer = WorkoutSettings {
        target_cadence: Some(168.0),
        ..settings()
    };
    let r = render_run(run.readings, 63.0, steer, false);
    let beats = onsets(&r);
    // Against the runner's own cadence over the same stretch, in every 16-beat window after
    // the cadence is picked up.
    let feet = &run.footfalls;
    let mut lead_max = f64::MIN;
    for w in beats.windows(17).filter(|w| w[0] > 8.0) {
        let lead = tempo_between(&beats, w[0], w[16]) / tempo_between(feet, w[0], w[16]) - 1.0;
        lead_max = lead_max.max(lead);
    }
    let settled = tempo_between(&beats, 40.0, 63.0) / tempo_between(feet, 40.0, 63.0) - 1.0;
    eprintln!(
        "target +5 %: the beat leads by {:.2} % once settled, at most {:.2} % over any 16 beats",
        settled * 100.0,
        lead_max * 100.0
    );
    assert!((0.025..=0.0305).contains(&settled), "{settled}");
    // 16 footfalls with ±10 ms jitter measure the cadence to about ±0.3 %.
    assert!(lead_max <= 0.03 + 0.004, "{lead_max}");
}

#[test]
fn heart_rate_over_the_ceiling_lowers_energy_within_ten_seconds() {
    let mut run = run(3.0, &[stretch(60.0, 170.0, 170.0)], 4);
    // Heart rate 150, jumping to 182 at 30 s; the ceiling is 175.
    for s in 0..63 {
        run.readings.push(Reading {
            at: s as f64 + 0.5,
            hr: Some(if s < 30 { 150.0 } else { 182.0 }),
            contact: Some(true),
            ..Reading::default()
        });
    }
    run.readings.sort_by(|a, b| a.at.total_cmp(&b.at));
    let braked = WorkoutSettings {
        hr_ceiling: Some(175.0),
        ..settings()
    };
    let energy = |r: &Rendered, t: f64| {
        r.trace.iter().rev().find(|s| s.t <= t).unwrap().controls[Control::Energy.index()]
    };
    let with = render_run(run.readings.clone(), 45.0, braked, false);
    let without = render_run(run.readings, 45.0, settings(), false);
    let (before, after) = (energy(&with, 30.0), energy(&with, 40.5));
    let free = energy(&without, 40.5);
    let brake = with
        .trace
        .iter()
        .rev()
        .find(|s| s.t <= 40.5)
        .unwrap()
        .workout
        .as_ref()
        .unwrap()
        .1
        .brake;
    eprintln!(
        "HR 150 → 182 over a 175 ceiling: energy {before:.2} → {after:.2} 10 s later (unbraked {free:.2}), brake {brake:.2}"
    );
    assert!(after < before - 0.15, "{before} → {after}");
    assert!(after < free - 0.15, "{after} vs unbraked {free}");
}

#[test]
fn a_pod_notifying_on_its_own_clock_gets_tempo_but_no_claimed_phase() {
    let mut run = run(3.0, &[stretch(40.0, 170.0, 170.0)], 8);
    // The same runner, but the pod notifies every 1.000 s whatever the feet do.
    run.readings = (3..43).map(|s| pod_reading(s as f64, 170, 3.2)).collect();
    let r = render_run(run.readings, 43.0, settings(), false);
    let locked = r
        .trace
        .iter()
        .filter(|s| s.workout.as_ref().is_some_and(|(_, w)| w.phase_locked))
        .count();
    let played = tempo_between(&onsets(&r), 20.0, 43.0);
    eprintln!("1 Hz clock pod: {locked} steps claimed a phase lock; tempo {played:.1} bpm");
    assert_eq!(locked, 0);
    assert!((played - 170.0).abs() < 1.0, "{played}");
}

#[test]
fn a_recorded_interval_run_replays_without_glitches() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/sessions/interval-run.csv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let readings = attuned::sensor::replay::parse(path, &text).unwrap();
    let mut o = RenderOptions::new(Preset::builtin("workout").unwrap());
    o.duration = Duration::from_secs(720);
    o.adaptive = Some(Adaptive {
        mode: Mode::Workout,
        readings,
        profile: ListenerProfile::default(),
        day_of_year: 172,
        utc_offset_h: 0.0,
        controller: Controller::builtin(),
        workout: WorkoutSettings {
            hr_ceiling: Some(165.0),
            ..settings()
        },
    });
    let (mut peak, mut silent, mut longest_silence) = (0.0f32, 0usize, 0usize);
    let mut finite = true;
    let mut meter = ebur128::EbuR128::new(2, SAMPLE_RATE as u32, ebur128::Mode::I).unwrap();
    let (events, trace) = attuned::render::render_with(&o, |l, r| {
        for (a, b) in l.iter().zip(r) {
            finite &= a.is_finite() && b.is_finite();
            peak = peak.max(a.abs()).max(b.abs());
            silent = if *a == 0.0 && *b == 0.0 {
                silent + 1
            } else {
                0
            };
            longest_silence = longest_silence.max(silent);
        }
        meter.add_frames_planar_f32(&[l, r]).unwrap();
        Ok(())
    })
    .unwrap();
    let beats: Vec<f64> = events
        .iter()
        .filter(|e| e.voice == VoiceKind::Pulse && e.midi == KICK)
        .map(|e| e.sample as f64 / SAMPLE_RATE as f64)
        .collect();
    let jump = beats
        .windows(3)
        .map(|w| ((w[2] - w[1]) / (w[1] - w[0]) - 1.0).abs())
        .fold(0.0, f64::max);
    let lufs = meter.loudness_global().unwrap();
    // Where the runner holds ~170 spm (390–510 s), the beat is there too.
    let running = tempo_between(&beats, 400.0, 500.0);
    let braked = trace
        .iter()
        .filter(|s| s.workout.as_ref().is_some_and(|(_, w)| w.brake > 0.0))
        .count();
    let locked = trace
        .iter()
        .filter(|s| s.workout.as_ref().is_some_and(|(_, w)| w.phase_locked))
        .count();
    eprintln!(
        "interval run, 12 min: peak {peak:.3}, {lufs:.1} LUFS, longest digital silence {longest_silence} samples, \
         largest beat-to-beat tempo change {:.1} %, {running:.1} bpm at ~170 spm, brake on for {:.0} s, phase claimed for {:.0} s (the session's cadence is sampled at 1 Hz)",
        jump * 100.0,
        braked as f64 / 10.0,
        locked as f64 / 10.0
    );
    assert!(finite);
    assert!(peak <= 0.9, "{peak}");
    assert!(longest_silence < 480, "{longest_silence}");
    assert!((lufs + 23.0).abs() < 3.0, "{lufs}");
    assert!(jump < 0.12, "{jump}");
    assert!((running - 170.0).abs() < 4.0, "{running}");
    assert!(braked > 0, "the run reaches 167 bpm, over the 165 ceiling");
}
