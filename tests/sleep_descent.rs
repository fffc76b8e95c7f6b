//! Sleep only gets quieter: an hour of each sleeping preset (sleep, night, ocean) at two
//! seeds the README does not use. Once its descent has begun (at once), no minute is more
//! than 1 LU louder than the quietest minute before it; the last 10 minutes are at least
//! 4 LU below the first 10 (the form declares a 6 dB descent, `SLEEP_DESCENT_DB`, and the
//! loudness rider brings the audio to it); and in the last half hour no moment (400 ms)
//! stands more than 6 dB above the 20 s around it: no note wakes the sleeper.

use attuned::compose::form::SLEEP_DESCENT_DB;
use attuned::engine::SAMPLE_RATE;
use attuned::preset::Preset;
use attuned::render::{RenderOptions, render_with};
use ebur128::{EbuR128, Mode};
use std::time::Duration;

const MINUTES: usize = 60;
const SEEDS: [u64; 2] = [11, 29];
/// Momentary loudness is read every this many seconds.
const MOMENT_S: f64 = 0.4;

struct Night {
    name: &'static str,
    seed: u64,
    /// Integrated loudness of each minute, LUFS.
    minutes: Vec<f64>,
    /// Momentary (400 ms) loudness every [`MOMENT_S`] of the last half hour, LUFS.
    moments: Vec<f64>,
}

fn listen(name: &'static str, seed: u64) -> Night {
    let mut o = RenderOptions::new(Preset::builtin(name).expect("built-in"));
    o.duration = Duration::from_secs(MINUTES as u64 * 60);
    o.seed = seed;
    let minute = (60.0 * SAMPLE_RATE as f64) as u64;
    let moment = (MOMENT_S * SAMPLE_RATE as f64) as u64;
    let half = minute * MINUTES as u64 / 2;
    let mut per_minute = EbuR128::new(2, SAMPLE_RATE as u32, Mode::I).unwrap();
    let mut momentary = EbuR128::new(2, SAMPLE_RATE as u32, Mode::M).unwrap();
    let (mut minutes, mut moments) = (Vec::new(), Vec::new());
    let mut done = 0u64;
    render_with(&o, |l, r| {
        // The renderer hands blocks that divide a minute and a moment evenly or not:
        // split at every boundary.
        let mut at = 0;
        while at < l.len() {
            let to_minute = (minute - done % minute) as usize;
            let to_moment = (moment - done % moment) as usize;
            let take = (l.len() - at).min(to_minute).min(to_moment);
            let (a, b) = (&l[at..at + take], &r[at..at + take]);
            per_minute.add_frames_planar_f32(&[a, b]).unwrap();
            if done >= half - moment {
                momentary.add_frames_planar_f32(&[a, b]).unwrap();
            }
            done += take as u64;
            at += take;
            if done.is_multiple_of(minute) {
                minutes.push(per_minute.loudness_global().unwrap());
                per_minute.reset();
            }
            if done.is_multiple_of(moment) && done > half {
                moments.push(momentary.loudness_momentary().unwrap());
            }
        }
        Ok(())
    })
    .expect("render");
    Night {
        name,
        seed,
        minutes,
        moments,
    }
}

/// Mean loudness of a run of minutes (their powers averaged).
fn mean_lufs(minutes: &[f64]) -> f64 {
    let power = minutes.iter().map(|l| 10f64.powf(l / 10.0)).sum::<f64>() / minutes.len() as f64;
    10.0 * power.log10()
}

fn check(night: &Night, failures: &mut Vec<String>) -> String {
    let (name, seed, minutes) = (night.name, night.seed, &night.minutes);
    let fail =
        |failures: &mut Vec<String>, m: String| failures.push(format!("{name} seed {seed}: {m}"));
    assert_eq!(minutes.len(), MINUTES, "{name}: minutes rendered");
    // Minute 1 on (minute 0 holds the entrance): never more than 1 LU above the quietest
    // minute so far.
    let mut quietest = minutes[1];
    let mut worst_rise = f64::MIN;
    for (m, &l) in minutes.iter().enumerate().skip(1) {
        worst_rise = worst_rise.max(l - quietest);
        if l > quietest + 1.0 {
            fail(
                failures,
                format!("minute {m} at {l:.2} LUFS, the quietest before {quietest:.2}"),
            );
        }
        quietest = quietest.min(l);
    }
    let (first, last) = (
        mean_lufs(&minutes[..10]),
        mean_lufs(&minutes[MINUTES - 10..]),
    );
    if last > first - 4.0 {
        fail(
            failures,
            format!("last 10 minutes {last:.2} LUFS, first 10 {first:.2}"),
        );
    }
    // No moment of the last half hour more than 6 dB above the median of the 20 s around.
    let around = (10.0 / MOMENT_S) as usize;
    let mut worst_moment = f64::MIN;
    for (i, &l) in night.moments.iter().enumerate() {
        let lo = i.saturating_sub(around);
        let hi = (i + around + 1).min(night.moments.len());
        let mut near: Vec<f64> = night.moments[lo..hi]
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        if near.is_empty() || !l.is_finite() {
            continue;
        }
        near.sort_by(f64::total_cmp);
        let over = l - near[near.len() / 2];
        worst_moment = worst_moment.max(over);
        if over > 6.0 {
            fail(
                failures,
                format!(
                    "a moment at {:.1} min stands {over:.1} dB above the 20 s around it",
                    30.0 + i as f64 * MOMENT_S / 60.0
                ),
            );
        }
    }
    format!(
        "{name} seed {seed}: first 10 min {first:.2} LUFS, last 10 {last:.2} ({:.2} LU, declared {SLEEP_DESCENT_DB} dB); largest rise above the quietest minute {worst_rise:.2} LU; loudest moment of the last half hour {worst_moment:.1} dB above its surroundings; minutes {:.1?}",
        last - first,
        minutes
    )
}

#[test]
fn sleep_night_and_ocean_only_get_quieter() {
    let runs: Vec<(&'static str, u64)> = ["sleep", "night", "ocean"]
        .into_iter()
        .flat_map(|name| SEEDS.map(|seed| (name, seed)))
        .collect();
    // Two at a time (the machine's cores).
    let mut nights = Vec::new();
    for pair in runs.chunks(2) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = pair
                .iter()
                .map(|&(name, seed)| scope.spawn(move || listen(name, seed)))
                .collect();
            nights.extend(handles.into_iter().map(|h| h.join().expect("render")));
        });
    }
    let mut failures = Vec::new();
    let report: Vec<String> = nights.iter().map(|n| check(n, &mut failures)).collect();
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
