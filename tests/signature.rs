//! Signature voices, on the notes: an hour of every shipped preset at two seeds the README
//! does not use, planned bar by bar as the engine plans it and gated as the player gates
//! it. Each voice the preset names as its signature sounds in at least 70 % of the
//! 30-second slots of every 10-minute window and is never silent for more than 5 minutes,
//! but where the mode's journey retires it on purpose (sleep's descent), as the form
//! declares. The share and the longest silence of every part are printed
//! (`-- --nocapture`).

use attuned::compose::form;
use attuned::compose::planner::{Planner, SLEEP_DESCENT_MIN};
use attuned::music::note::VoiceKind;
use attuned::preset::params::{PARAM_COUNT, Param, ParamValues};
use attuned::preset::signature::retired_by;
use attuned::preset::{Preset, PresetLibrary};

const SEEDS: [u64; 10] = [11, 29, 1, 2, 3, 4, 6, 7, 8, 9];
const SLOT_S: f64 = 30.0;
const WINDOW_SLOTS: usize = 20;
const HOUR_S: f64 = 3600.0;
const LEAST_SHARE: f64 = 0.7;
const LONGEST_SILENCE_S: f64 = 300.0;

/// When each form part sounds over the hour: (start, end) in seconds, per part in
/// [`form::VOICES`] order (the noise bed plays no notes and is left empty).
fn sounding(preset: &Preset, seed: u64) -> [Vec<(f64, f64)>; 5] {
    let controls = preset.controls;
    let mut params = ParamValues([0.0; PARAM_COUNT]);
    preset.params.eval_into(&controls, &mut params);
    // As the graph gates them: the melody by its density, the pulse's optional ticks by
    // its level.
    let gates = [
        f32::INFINITY,
        params.get(Param::MelodyDensity),
        f32::INFINITY,
        params.get(Param::PulseLevel) * 1.5,
    ];
    let mut planner = Planner::new(preset, seed, &controls);
    let mut parts: [Vec<(f64, f64)>; 5] = Default::default();
    let mut t = 0.0;
    while t < HOUR_S {
        let bar = planner.next_bar(&controls);
        let beat = planner.bar_seconds() / preset.beats_per_bar as f64;
        for n in bar.notes() {
            if n.weight >= 0.0 && n.weight >= gates[n.voice as usize] {
                continue;
            }
            let part = match n.voice {
                VoiceKind::Pad => form::PAD,
                VoiceKind::Bells => form::BELLS,
                VoiceKind::Bass => form::BASS,
                VoiceKind::Pulse => form::PULSE,
            };
            let start = t + n.at as f64 * beat;
            parts[part].push((start, start + n.beats.max(0.25) as f64 * beat));
        }
        t += planner.bar_seconds();
    }
    parts
}

/// Share of the 30-second slots of each 10-minute window in which a note sounds, and the
/// longest silence (seconds) between `from` and `to`.
fn presence(notes: &[(f64, f64)], from: f64, to: f64) -> (Vec<f64>, f64) {
    let slots = (HOUR_S / SLOT_S) as usize;
    let mut heard = vec![false; slots];
    for &(a, b) in notes {
        let first = (a / SLOT_S) as usize;
        let last = ((b / SLOT_S) as usize).min(slots - 1);
        for s in heard.iter_mut().take(last + 1).skip(first) {
            *s = true;
        }
    }
    let shares = heard
        .chunks(WINDOW_SLOTS)
        .enumerate()
        .filter(|(w, _)| {
            let start = (w * WINDOW_SLOTS) as f64 * SLOT_S;
            start >= from && start + WINDOW_SLOTS as f64 * SLOT_S <= to
        })
        .map(|(_, w)| w.iter().filter(|h| **h).count() as f64 / w.len() as f64)
        .collect();
    let mut longest = 0.0f64;
    let mut heard_until = from;
    let mut sorted: Vec<(f64, f64)> = notes.iter().copied().filter(|n| n.0 < to).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (a, b) in sorted {
        longest = longest.max(a - heard_until);
        heard_until = heard_until.max(b);
    }
    longest = longest.max(to - heard_until);
    (shares, longest)
}

#[test]
fn every_signature_voice_stays_for_the_hour() {
    let lib = PresetLibrary::new();
    let mut failures = Vec::new();
    for name in lib.names() {
        let preset = lib.load(&name).unwrap();
        assert!(
            preset.voices.signature.is_some(),
            "{name} does not name its signature voices"
        );
        let signature = preset.signature().parts();
        for seed in SEEDS {
            let parts = sounding(&preset, seed);
            let mut line = format!("{name:12} seed {seed}:");
            for (part, notes) in parts.iter().enumerate().take(form::NOISE) {
                if notes.is_empty() {
                    continue;
                }
                // Where the journey retires a part, it is heard up to then (constant
                // controls: the descent starts with the piece).
                let retired = retired_by(preset.mode, part)
                    .map_or(HOUR_S, |depth| depth as f64 * SLEEP_DESCENT_MIN * 60.0);
                let (shares, longest) = presence(notes, 0.0, retired);
                let least = shares.iter().copied().fold(1.0, f64::min);
                let mark = if signature.contains(&part) { "*" } else { "" };
                line += &format!(
                    " {mark}{} {:.0}% (longest silence {:.0} s)",
                    form::VOICES[part],
                    100.0 * least,
                    longest
                );
                if signature.contains(&part) && (least < LEAST_SHARE || longest > LONGEST_SILENCE_S)
                {
                    failures.push(format!(
                        "{name} seed {seed}: its signature {} sounds in {:.0} % of a 10-minute \
                         window (windows: {:?}), longest silence {longest:.0} s",
                        form::VOICES[part],
                        100.0 * least,
                        shares
                            .iter()
                            .map(|s| (100.0 * s).round())
                            .collect::<Vec<_>>()
                    ));
                }
            }
            eprintln!("{line}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_preset_cannot_sign_with_a_voice_its_journey_retires_or_it_lacks() {
    let sleep = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/sleep.toml"))
        .unwrap();
    let signed = |parts: &str| {
        let text = sleep.replace(
            "signature = [\"chords\"]",
            &format!("signature = [{parts}]"),
        );
        Preset::parse("sleep.toml", &text)
    };
    assert!(sleep.contains("signature = [\"chords\"]"));
    assert!(signed("\"chords\"").is_ok());
    for (parts, why) in [
        ("\"melody\"", "retires it on purpose"),
        ("\"beat\"", "has no beat"),
        ("\"strings\"", "not a part"),
        ("", "names no part"),
    ] {
        let e = signed(parts).unwrap_err().to_string();
        let line = sleep
            .lines()
            .position(|l| l.starts_with("[voices]"))
            .unwrap()
            + 1;
        assert!(
            e.contains(why) && e.contains(&format!("sleep.toml:{line}:")),
            "signature = [{parts}]: {e}"
        );
    }
}
