//! Registers, on the notes: an hour of every shipped preset at two seeds the README does
//! not use, planned bar by bar as the engine plans it. Every melody note lies in its
//! instrument's melody range (at most 5 % above C7: none, since no line reaches past it),
//! every chord tone in the chord instrument's compass, every bass note in the bass's; the
//! register's median and extremes per part are printed (`-- --nocapture`).

use attuned::compose::planner::Planner;
use attuned::music::note::VoiceKind;
use attuned::music::range::{NoteRange, note_name};
use attuned::preset::PresetLibrary;
use attuned::preset::instruments::BASS_COMPASS;

const SEEDS: [u64; 2] = [11, 29];
const C7: i32 = 96;

/// The MIDI notes of each part over `seconds` of `name` at `seed`: (pad, melody, bass).
fn an_hour(name: &str, seed: u64, seconds: f64) -> [Vec<i32>; 3] {
    let preset = PresetLibrary::new().load(name).unwrap();
    let controls = preset.controls;
    let mut planner = Planner::new(&preset, seed, &controls);
    let mut parts: [Vec<i32>; 3] = Default::default();
    let mut t = 0.0;
    while t < seconds {
        let bar = planner.next_bar(&controls);
        t += planner.bar_seconds();
        for n in bar.notes() {
            match n.voice {
                VoiceKind::Pad => parts[0].push(n.midi),
                VoiceKind::Bells => parts[1].push(n.midi),
                VoiceKind::Bass => parts[2].push(n.midi),
                VoiceKind::Pulse => {}
            }
        }
    }
    parts
}

fn median(v: &[i32]) -> i32 {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len() / 2).copied().unwrap_or(0)
}

fn outside(notes: &[i32], range: NoteRange) -> Vec<i32> {
    notes
        .iter()
        .copied()
        .filter(|m| !range.contains(*m))
        .collect()
}

#[test]
fn every_part_plays_inside_its_instruments_range_for_an_hour() {
    let lib = PresetLibrary::new();
    let mut failures = Vec::new();
    for name in lib.names() {
        let preset = lib.load(&name).unwrap();
        let melody = preset.voices.melody_range();
        let chords = preset.voices.chords.compass();
        for seed in SEEDS {
            let [pad, bells, bass] = an_hour(&name, seed, 3600.0);
            assert!(!pad.is_empty(), "{name} seed {seed}: no chords in an hour");
            let high = bells.iter().filter(|m| **m > C7).count();
            eprintln!(
                "{name:12} seed {seed}: melody {} notes, {}–{} median {} ({:.1} % above C7; \
                 range {melody}); chords {}–{} median {}; bass {}–{} median {}",
                bells.len(),
                note_name(bells.iter().copied().min().unwrap_or(0)),
                note_name(bells.iter().copied().max().unwrap_or(0)),
                note_name(median(&bells)),
                100.0 * high as f64 / bells.len().max(1) as f64,
                note_name(pad.iter().copied().min().unwrap_or(0)),
                note_name(pad.iter().copied().max().unwrap_or(0)),
                note_name(median(&pad)),
                note_name(bass.iter().copied().min().unwrap_or(0)),
                note_name(bass.iter().copied().max().unwrap_or(0)),
                note_name(median(&bass)),
            );
            for (part, notes, range) in [
                ("melody", &bells, melody),
                ("chords", &pad, chords),
                ("bass", &bass, BASS_COMPASS),
            ] {
                let out = outside(notes, range);
                if !out.is_empty() {
                    failures.push(format!(
                        "{name} seed {seed}: {} of {} {part} notes outside {range}, e.g. {}",
                        out.len(),
                        notes.len(),
                        note_name(out[0])
                    ));
                }
            }
            if high * 20 > bells.len() {
                failures.push(format!("{name} seed {seed}: {high} melody notes above C7"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_preset_can_narrow_its_melody_and_is_told_when_it_cannot() {
    let focus = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/focus.toml"))
        .unwrap();
    let with = |range: &str| {
        let text = if focus.contains("[voices]") {
            focus.replace("[voices]", &format!("[voices]\nmelody_range = \"{range}\""))
        } else {
            format!("{focus}\n[voices]\nmelody_range = \"{range}\"\n")
        };
        attuned::preset::Preset::parse("focus.toml", &text)
    };
    let narrowed = with("E4-B5").unwrap();
    assert_eq!(narrowed.voices.melody_range(), NoteRange::new(64, 83));
    let dir = std::env::temp_dir().join(format!("attuned-ranges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("narrow.toml");
    let text = focus.replace("name = \"focus\"", "name = \"narrow\"");
    let text = if text.contains("[voices]") {
        text.replace("[voices]", "[voices]\nmelody_range = \"E4-B5\"")
    } else {
        format!("{text}\n[voices]\nmelody_range = \"E4-B5\"\n")
    };
    std::fs::write(&file, text).unwrap();
    let lib = PresetLibrary::with_user_dir(dir.clone());
    let preset = lib.load("narrow").unwrap();
    let mut planner = Planner::new(&preset, 11, &preset.controls);
    let mut melody = Vec::new();
    for _ in 0..400 {
        let bar = planner.next_bar(&preset.controls);
        melody.extend(
            bar.notes()
                .iter()
                .filter(|n| n.voice == VoiceKind::Bells)
                .map(|n| n.midi),
        );
    }
    assert!(melody.len() > 100, "{} melody notes", melody.len());
    assert!(melody.iter().all(|m| (64..=83).contains(m)), "{melody:?}");
    let _ = std::fs::remove_dir_all(&dir);
    for (bad, says) in [
        ("C4-D4", "narrower than an octave and a fifth"),
        ("A2-C6", "outside"),
        ("C4", "use LOW-HIGH"),
        ("H4-C6", "is not a note"),
    ] {
        let e = with(bad).unwrap_err().to_string();
        assert!(e.contains(says), "{bad}: {e}");
        assert!(e.contains("focus.toml:"), "{bad}: where? {e}");
    }
}
