//! Long-form composition, judged by the hour: a 60-minute render of every preset travels
//! through keys, a wide chord vocabulary and a changing arrangement (measured on the notes
//! played, not on the planner's trace), keeps its loudness, never jumps at a section
//! boundary, and stays in the current key; sleep descends (and sleeping presets' loudness
//! with it).

mod common;
use attuned::analysis::{self, AudioStats};
use attuned::compose::form::SLEEP_DESCENT_DB;
use attuned::compose::trace::FormRow;
use attuned::music::note::NoteEvent;
use attuned::preset::BUILTIN;
use attuned::preset::Mode;
use attuned::render::{RenderOptions, render_with_form};
use common::*;
use std::time::Duration;

const MINUTES: usize = 60;

struct Hour {
    name: &'static str,
    events: Vec<NoteEvent>,
    form: Vec<FormRow>,
    audio: AudioStats,
}

fn hour(name: &'static str, seed: u64) -> Hour {
    let mut o = RenderOptions::new(preset(name));
    o.duration = Duration::from_secs(MINUTES as u64 * 60);
    o.seed = seed;
    let mut audio = AudioStats::new(600.0);
    let (events, _, form) = render_with_form(&o, |l, r| {
        audio.push(l, r);
        Ok(())
    })
    .unwrap();
    Hour {
        name,
        events,
        form,
        audio,
    }
}

/// Every preset for an hour, two at a time (the machine has two cores).
fn hours() -> Vec<Hour> {
    let names: Vec<&'static str> = BUILTIN.iter().map(|(n, _)| *n).collect();
    let mut out = Vec::new();
    for pair in names.chunks(2) {
        std::thread::scope(|s| {
            let handles: Vec<_> = pair.iter().map(|n| s.spawn(move || hour(n, 5))).collect();
            out.extend(handles.into_iter().map(|h| h.join().unwrap()));
        });
    }
    out
}

fn check_hour(h: &Hour, report: &mut Vec<String>, failures: &mut Vec<String>) {
    let p = preset(h.name);
    let f = analysis::figures(&h.events, &h.form, &h.audio, p.scale.kind, MINUTES);
    report.push(format!("{}:\n{f}", h.name));
    let mut fail = |m: String| failures.push(format!("{}: {m}", h.name));
    if f.centres.len() < 3 {
        fail(format!(
            "{} centres hold 10 minutes: {:?}, keys {:?}",
            f.centres.len(),
            f.centres,
            f.keys_per_minute
        ));
    }
    if f.distinct_chords < 40 {
        fail(format!("{} distinct pad chords", f.distinct_chords));
    }
    if f.new_windows < 0.95 {
        fail(format!(
            "{:.1} % of 4-chord windows are new",
            f.new_windows * 100.0
        ));
    }
    if f.changing_voices() < 2 {
        fail(format!(
            "{} voices change 2x per 5 minutes",
            f.changing_voices()
        ));
    }
    if !f.outside_key.is_empty() {
        fail(format!(
            "notes outside the key: {:?}",
            &f.outside_key[..f.outside_key.len().min(5)]
        ));
    }
    // No click at a boundary: its largest sample jump is within 10 % of the music's. A
    // drum kit's noise hits (hats, shaker, a fill's roll) make the largest jumps of all,
    // and fills and drops gather them at the boundaries: there a hit stacked on the hats
    // is music, not a click (a discontinuity stands far above either), so 25 %.
    let kit = p.pulse == attuned::preset::PulseKind::Kick;
    let slack = if kit { 1.25 } else { 1.1 };
    if f.jump_boundary > f.jump_music * slack {
        fail(format!(
            "jump {} near a boundary, {} in the music",
            f.jump_boundary, f.jump_music
        ));
    }
    if matches!(h.name, "sleep" | "night") {
        // Sleep descends by design (presets/sleep.toml): fewer, lower, darker notes, and
        // its loudness falls with them, by at most 3 LU over the hour. Night's music
        // descends the same way under crickets that sing on, so only its notes thin (as
        // the music quietens the crickets are more of what is heard: it grows brighter).
        if f.last_npm > f.first_npm / 2.0 {
            fail(format!(
                "last 10 minutes {:.1} notes/min, first {:.1}",
                f.last_npm, f.first_npm
            ));
        }
        let c = &f.window_centroid;
        if h.name == "sleep" && c.last() >= c.first() {
            fail(format!("centroid does not fall: {c:?}"));
        }
    }
    if p.mode == Mode::Sleep {
        // Every sleeping preset's loudness descends as its form declares (by
        // SLEEP_DESCENT_DB over the descent; tests/sleep_descent.rs checks the curve
        // minute by minute): the hour lies between −23 and the bottom, and below −23.
        if !(-23.0 - SLEEP_DESCENT_DB as f64..=-24.0).contains(&f.lufs) {
            fail(format!("{:.2} LUFS over the hour", f.lufs));
        }
    } else if (f.lufs + 23.0).abs() > 1.0 {
        fail(format!("{:.2} LUFS over the hour", f.lufs));
    }
}

#[test]
fn an_hour_of_every_preset_is_a_journey() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for h in hours() {
        assert_eq!(
            h.form.len(),
            MINUTES * 60,
            "{}: a form row per second",
            h.name
        );
        check_hour(&h, &mut report, &mut failures);
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Different seeds plan different forms; the same seed plans the same one.
#[test]
fn seeds_choose_the_form() {
    let plan = |seed| {
        let mut o = RenderOptions::new(preset("focus"));
        o.duration = Duration::from_secs(900);
        o.seed = seed;
        let (_, _, form) = render_with_form(&o, |_, _| Ok(())).unwrap();
        form.iter()
            .map(|r| (r.section, r.section_number, r.key, r.chord.clone()))
            .collect::<Vec<_>>()
    };
    let a = plan(1);
    assert_eq!(a, plan(1));
    assert_ne!(a, plan(2));
    let sections = |f: &[(&str, u32, _, String)]| {
        let mut starts: Vec<usize> = f
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0].1 != w[1].1)
            .map(|(i, _)| i)
            .collect();
        starts.dedup();
        starts
    };
    assert_ne!(
        sections(&a),
        sections(&plan(2)),
        "different seeds, same section plan"
    );
}

/// Sleep restarts its descent gently when the listener wakes (energy up from its calmest):
/// a new section within a phrase or two, and the music comes back to life (more notes), but
/// not louder: the level keeps to the deepest the descent reached (a heart that races at
/// night, met by the heart lead, had taken sleep up 1.9 LU within a minute).
#[test]
fn sleep_wakes_with_the_listener() {
    let mut o = RenderOptions::new(preset("sleep"));
    o.duration = Duration::from_secs(50 * 60);
    o.seed = 5;
    let csv = "time,energy\n0,0.15\n2399,0.15\n2400,0.6\n3000,0.6\n";
    o.controls = Some(attuned::render::ControlTrack::parse("wake.csv", csv).unwrap());
    let mut audio = analysis::AudioStats::new(60.0);
    let (events, _, form) = render_with_form(&o, |l, r| {
        audio.push(l, r);
        Ok(())
    })
    .unwrap();
    let lufs = &audio.window_lufs;
    let asleep = lufs[35..40]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let awake = lufs[40..49]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    eprintln!("loudest minute asleep (35-40) {asleep:.2} LUFS, awake (40-49) {awake:.2}");
    assert!(
        awake <= asleep + 0.5,
        "waking took sleep up: {asleep:.2} -> {awake:.2} LUFS ({lufs:.1?})"
    );
    let section_at = |s: usize| form[s].section_number;
    let new_section = (2400..2400 + 120).find(|&s| section_at(s) != section_at(2399));
    assert!(
        new_section.is_some(),
        "no new section within 2 minutes of waking"
    );
    let before = analysis::notes_per_minute(&events, 1800.0, 2400.0);
    let after = analysis::notes_per_minute(&events, 2460.0, 3000.0);
    eprintln!(
        "asleep {before:.1} notes/min, awake {after:.1}; new section after {} s",
        new_section.unwrap() - 2400
    );
    assert!(
        after > before * 1.5,
        "asleep {before:.1} notes/min, awake {after:.1}"
    );
}
