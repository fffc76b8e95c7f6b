//! The workout drives: a kit on the beat grid, measured on the notes over an hour and on
//! the audio over its first 11 minutes (the warm-up, a build, what follows), at two seeds
//! the README does not use. The kick sounds on every beat; snare and clap only on beats
//! 2 and 4 and heard within 10 ms of that beat's kick; hats and shaker on the
//! subdivisions, heard on the off-beats; the high end (above 2 kHz) carries a real share
//! of the energy and pulses with the beat; fills every 8 and 16 bars, risers into the
//! sections that drive harder, the bass moving off the kick. Figures print with
//! `-- --nocapture`.

mod common;

use attuned::compose::planner::Planner;
use attuned::engine::{LOOKAHEAD_S, SAMPLE_RATE};
use attuned::music::drums::{self, KICK};
use attuned::music::note::{NoteEvent, VoiceKind};
use attuned::preset::layers::Layer;
use attuned::preset::params::{PARAM_COUNT, Param, ParamValues};
use attuned::render::{RenderOptions, render};
use common::bands::{band, energy_share, envelope, onset_near};
use std::time::Duration;

const SEEDS: [u64; 2] = [23, 41];
const HOUR_S: f64 = 3600.0;
const AUDIO_S: f64 = 660.0;
/// Onsets heard this close to where they belong.
const TOLERANCE_S: f64 = 0.010;

/// Every planned bar of an hour of the workout at `seed`, with its section's name.
fn an_hour(seed: u64) -> Vec<(attuned::music::bar::BarPlan, &'static str)> {
    let preset = common::preset("workout");
    let controls = preset.controls;
    let mut planner = Planner::new(&preset, seed, &controls);
    let mut bars = Vec::new();
    let mut t = 0.0;
    while t < HOUR_S {
        let bar = planner.next_bar(&controls);
        let section = planner.bar_info(bar.index).unwrap().section;
        t += planner.bar_seconds();
        bars.push((bar, section));
    }
    bars
}

/// The pulse's gate at the preset's own controls (optional hits sound below it).
fn pulse_gate() -> f32 {
    let preset = common::preset("workout");
    let mut v = ParamValues([0.0; PARAM_COUNT]);
    preset.params.eval_into(&preset.controls, &mut v);
    v.get(Param::PulseLevel) * 1.5
}

#[test]
fn the_kit_keeps_the_beat_the_backbeat_and_the_subdivisions_over_an_hour() {
    let gate = pulse_gate();
    for seed in SEEDS {
        let bars = an_hour(seed);
        let (mut eighths, mut carried) = (0usize, 0usize);
        let (mut backbeats, mut snared) = (0usize, 0usize);
        let (mut fills, mut risers, mut crashes_after_risers) = (0usize, 0usize, 0usize);
        let (mut lead_bass, mut off_the_kick, mut octaves) = (0usize, 0usize, 0usize);
        for (i, (bar, section)) in bars.iter().enumerate() {
            let hits: Vec<_> = bar
                .notes()
                .iter()
                .filter(|n| n.voice == VoiceKind::Pulse && (n.weight < 0.0 || n.weight < gate))
                .collect();
            // The kick never rests.
            for b in 0..4 {
                assert!(
                    hits.iter().any(|n| n.midi == KICK && n.at == b as f32),
                    "seed {seed}: bar {i} ({section}) has no kick on beat {}",
                    b + 1
                );
            }
            // Snare and clap only on 2 and 4.
            for n in hits.iter().filter(|n| drums::is_backbeat(n.midi)) {
                assert!(
                    n.at == 1.0 || n.at == 3.0,
                    "seed {seed}: bar {i} ({section}): a backbeat hit at beat {}",
                    n.at + 1.0
                );
            }
            for b in [1.0, 3.0] {
                backbeats += 1;
                snared += hits.iter().any(|n| drums::is_backbeat(n.midi) && n.at == b) as usize;
            }
            for k in 0..8 {
                eighths += 1;
                carried += hits
                    .iter()
                    .any(|n| drums::is_high(n.midi) && n.at == k as f32 * 0.5)
                    as usize;
            }
            let fill = hits
                .iter()
                .any(|n| matches!(n.midi, drums::ROLL | drums::LOW_TOM));
            fills += fill as usize;
            if hits.iter().any(|n| n.midi == drums::RISER) {
                risers += 1;
                // The riser lasts to the section's end; a crash marks the drop.
                let drop = bars[i + 1..]
                    .iter()
                    .find(|(_, s)| s != section)
                    .map(|(b, _)| b);
                crashes_after_risers += drop.is_some_and(|b| {
                    b.notes()
                        .iter()
                        .any(|n| n.midi == drums::CRASH && n.voice == VoiceKind::Pulse)
                }) as usize;
            }
            if matches!(*section, "drive" | "peak") {
                let bass: Vec<_> = bar
                    .notes()
                    .iter()
                    .filter(|n| n.voice == VoiceKind::Bass)
                    .collect();
                lead_bass += bass.len();
                off_the_kick += bass.iter().filter(|n| n.at.fract() != 0.0).count();
                let (lo, hi) = bass.iter().fold((i32::MAX, i32::MIN), |(l, h), n| {
                    (l.min(n.midi), h.max(n.midi))
                });
                octaves += (hi - lo >= 12) as usize;
            }
        }
        let n = bars.len();
        let drive_bars = bars
            .iter()
            .filter(|(_, s)| matches!(*s, "drive" | "peak"))
            .count();
        eprintln!(
            "seed {seed}: {n} bars, kick on every beat; backbeat on {:.0} % of beats 2 and 4; \
             hats or shaker on {:.1} % of the eighths; fills in {fills} bars ({:.1} per 16); \
             {risers} risers, {crashes_after_risers} dropping onto a crash; in drive and peak \
             ({drive_bars} bars) {:.0} % of bass notes off the kick, an octave leap in {:.0} % of bars",
            100.0 * snared as f64 / backbeats as f64,
            100.0 * carried as f64 / eighths as f64,
            16.0 * fills as f64 / n as f64,
            100.0 * off_the_kick as f64 / lead_bass.max(1) as f64,
            100.0 * octaves as f64 / drive_bars.max(1) as f64,
        );
        assert!(
            snared as f64 >= 0.7 * backbeats as f64,
            "seed {seed}: {snared}"
        );
        assert!(
            carried as f64 >= 0.95 * eighths as f64,
            "seed {seed}: {carried}"
        );
        assert!(
            fills as f64 >= n as f64 / 16.0,
            "seed {seed}: {fills} fills"
        );
        assert!(risers >= 3 && crashes_after_risers == risers, "seed {seed}");
        assert!(drive_bars > 0 && off_the_kick as f64 >= 0.9 * lead_bass as f64);
        assert!(
            octaves as f64 >= 0.5 * drive_bars as f64,
            "seed {seed}: {octaves}"
        );
    }
}

/// Where the notes of `key` sounded (s, as heard: after the limiter's look-ahead).
fn heard(events: &[NoteEvent], key: impl Fn(i32) -> bool) -> Vec<f64> {
    events
        .iter()
        .filter(|e| e.voice == VoiceKind::Pulse && key(e.midi))
        .map(|e| e.sample as f64 / SAMPLE_RATE as f64 + LOOKAHEAD_S)
        .collect()
}

/// How far (s) the onset heard on `env` near each of `times` lies from it (infinite where
/// none rises by `min_rise_db`).
fn offsets(env: &[f64], times: &[f64], min_rise_db: f64) -> Vec<f64> {
    times
        .iter()
        .map(|&t| match onset_near(env, t, 0.04) {
            Some((o, rise)) if rise >= min_rise_db => (o - t).abs(),
            _ => f64::INFINITY,
        })
        .collect()
}

/// The share of `offsets` within [`TOLERANCE_S`], and their median (ms).
fn on_time(offsets: &[f64]) -> (f64, f64) {
    let mut v = offsets.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let within = v.iter().filter(|d| **d <= TOLERANCE_S).count();
    (within as f64 / v.len() as f64, v[v.len() / 2] * 1e3)
}

#[test]
fn the_kit_is_heard_on_the_beat_its_backbeat_on_2_and_4_its_hats_on_the_off_beats() {
    for seed in SEEDS {
        // The kit alone (the listener's mix with every other layer at 0), as a mix engineer
        // solos the drums to check their timing.
        let mut o = RenderOptions::new(common::preset("workout"));
        o.duration = Duration::from_secs_f64(AUDIO_S);
        o.seed = seed;
        for &layer in Layer::ALL {
            if layer != Layer::Beat {
                o.mix.insert(layer.id().to_owned(), 0.0);
            }
        }
        let r = render(&o, true).unwrap();
        let kicks = heard(&r.events, |k| k == KICK);
        let backbeats = heard(&r.events, drums::is_backbeat);
        let low = envelope(&band(&r.left, &r.right, None, Some(150.0)), 0.06);
        let mid = envelope(&band(&r.left, &r.right, Some(1000.0), Some(5000.0)), 0.02);
        let air = envelope(&band(&r.left, &r.right, Some(5000.0), None), 0.01);
        let off_beats: Vec<f64> = kicks.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
        let (kick_share, kick_ms) = on_time(&offsets(&low, &kicks, 6.0));
        let (back_share, back_ms) = on_time(&offsets(&mid, &backbeats, 6.0));
        let (off_share, off_ms) = on_time(&offsets(&air, &off_beats, 3.0));
        eprintln!(
            "seed {seed}, the kit alone, {} min: {} kicks, {:.1} % heard within 10 ms of their \
             beat (median {kick_ms:.1} ms); {} snares and claps on 2 and 4, {:.1} % heard within \
             10 ms (median {back_ms:.1} ms); {} off-beats, {:.1} % heard above 5 kHz within 10 ms \
             (median {off_ms:.1} ms)",
            AUDIO_S / 60.0,
            kicks.len(),
            100.0 * kick_share,
            backbeats.len(),
            100.0 * back_share,
            off_beats.len(),
            100.0 * off_share,
        );
        assert!(kick_share >= 0.98, "seed {seed}: {kick_share}");
        assert!(backbeats.len() > 300, "seed {seed}: {}", backbeats.len());
        assert!(back_share >= 0.98, "seed {seed}: {back_share}");
        assert!(off_share >= 0.9, "seed {seed}: {off_share}");
    }
}

#[test]
fn the_high_end_carries_a_share_of_the_mix_and_pulses_on_the_off_beat() {
    for seed in SEEDS {
        let r = common::render_secs(&common::preset("workout"), AUDIO_S, seed);
        let kicks = heard(&r.events, |k| k == KICK);
        let high = band(&r.left, &r.right, Some(2000.0), None);
        let share = energy_share(&high, &band(&r.left, &r.right, None, None));
        // The high end's energy folded over the beat in eighths of a beat.
        let mut fold = [0.0f64; 8];
        for w in kicks.windows(2) {
            let (a, b) = (
                (w[0] * SAMPLE_RATE as f64) as usize,
                (w[1] * SAMPLE_RATE as f64) as usize,
            );
            for (k, f) in fold.iter_mut().enumerate() {
                let (s, e) = (a + (b - a) * k / 8, a + (b - a) * (k + 1) / 8);
                *f += high[s..e].iter().map(|v| v * v).sum::<f64>() / (e - s) as f64;
            }
        }
        let loudest = fold.iter().cloned().fold(0.0, f64::max);
        let db: Vec<f64> = fold.iter().map(|f| 10.0 * (f / loudest).log10()).collect();
        eprintln!(
            "seed {seed}, the mix, {} min: energy above 2 kHz {:.1} % ({:.1} dB); over the beat \
             in eighths of a beat (dB re the loudest): {db:.1?}",
            AUDIO_S / 60.0,
            100.0 * share,
            10.0 * share.log10(),
        );
        assert!(share >= 0.025, "seed {seed}: {share}");
        // The off-beat's eighth carries more of the high end than the eighths around it,
        // and the beat's own more than the quarter-beats between.
        assert!(
            db[4] > db[3] + 3.0 && db[4] > db[5] + 3.0,
            "seed {seed}: {db:?}"
        );
        assert!(db[0] > db[2] + 3.0, "seed {seed}: {db:?}");
    }
}
