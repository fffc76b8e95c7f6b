//! Each mode's colour is heard: the degree that makes a mode itself (lydian's ♯4,
//! dorian's ♮6, mixolydian's ♭7) sounds in the melody and the chords often enough to be
//! heard. Measured on an hour of every modal preset at two seeds the README does not use,
//! planned bar by bar as the engine plans it, against the section's key (keys travel); and
//! in the audio: ten minutes of each (its pitched voices: the beat muted), its chroma
//! against the key sounding then.

mod common;

use attuned::compose::planner::Planner;
use attuned::engine::SAMPLE_RATE;
use attuned::music::note::VoiceKind;
use attuned::music::scale::ScaleKind;
use attuned::preset::PresetLibrary;
use attuned::preset::layers::Layer;
use attuned::render::{RenderOptions, render};
use std::time::Duration;

const SEEDS: [u64; 2] = [23, 41];
const HOUR_S: f64 = 3600.0;
const AUDIO_S: f64 = 600.0;

/// Of an hour of `name` at `seed`: the share of melody notes on the colour degree, and of
/// chords (pad bars with a new chord) that contain it.
fn colour_shares(name: &str, seed: u64) -> (f64, f64) {
    let preset = PresetLibrary::new().load(name).unwrap();
    let step = preset.scale.kind.colour_degree().unwrap();
    let controls = preset.controls;
    let mut planner = Planner::new(&preset, seed, &controls);
    let (mut melody, mut on_colour, mut chords, mut coloured) = (0, 0, 0, 0);
    let mut t = 0.0;
    while t < HOUR_S {
        let bar = planner.next_bar(&controls);
        t += planner.bar_seconds();
        let key = planner.bar_info(bar.index).unwrap().key;
        let pc = key.scale.midi(step).rem_euclid(12);
        let is_colour = |midi: i32| midi.rem_euclid(12) == pc;
        for n in bar.notes().iter().filter(|n| n.voice == VoiceKind::Bells) {
            melody += 1;
            on_colour += is_colour(n.midi) as usize;
        }
        let pad: Vec<_> = bar
            .notes()
            .iter()
            .filter(|n| n.voice == VoiceKind::Pad)
            .collect();
        if !pad.is_empty() {
            chords += 1;
            coloured += pad.iter().any(|n| is_colour(n.midi)) as usize;
        }
    }
    (
        on_colour as f64 / melody.max(1) as f64,
        coloured as f64 / chords.max(1) as f64,
    )
}

const MODAL: [&str; 5] = ["piano", "relax", "focus", "breathe", "workout"];

#[test]
fn each_mode_sounds_its_colour_degree_in_the_notes() {
    for name in MODAL {
        for seed in SEEDS {
            let (melody, chords) = colour_shares(name, seed);
            eprintln!(
                "{name} seed {seed}: colour degree in {:.1} % of melody notes (a degree's even \
                 share: 14.3 %), {:.1} % of chords",
                100.0 * melody,
                100.0 * chords
            );
            assert!(melody >= 0.15, "{name} seed {seed}: melody {melody}");
            assert!(chords >= 0.25, "{name} seed {seed}: chords {chords}");
        }
    }
}

/// Chroma energy of each pitch class (0 = C) in `x`'s frames of [`FRAME`] samples, the
/// frame at time t given to the key `key_at(t)` sounding then: (colour, replaced) summed
/// relative to the key — the colour degree's pitch class and the one it replaces (a
/// semitone from it, the major or minor scale's note), and the mean of the scale's others.
const FRAME: usize = 8192;

fn chroma(x: &[f32]) -> [f64; 12] {
    let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(FRAME);
    let mut input: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / FRAME as f64).cos();
            *v as f64 * w
        })
        .collect();
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut input, &mut spectrum).unwrap();
    let bin_hz = SAMPLE_RATE as f64 / FRAME as f64;
    let mut c = [0.0; 12];
    for (b, v) in spectrum.iter().enumerate() {
        let hz = b as f64 * bin_hz;
        if !(60.0..=2500.0).contains(&hz) {
            continue;
        }
        let midi = 69.0 + 12.0 * (hz / 440.0).log2();
        c[(midi.round() as i64).rem_euclid(12) as usize] += v.norm_sqr();
    }
    c
}

#[test]
fn each_mode_sounds_its_colour_degree_in_the_audio() {
    for name in MODAL {
        let preset = common::preset(name);
        let kind = preset.scale.kind;
        let colour = kind.colour_degree().unwrap();
        let semis = kind.semitones();
        // The note the colour replaces: lydian's ♯4 for the major's 4, dorian's ♮6 for the
        // minor's ♭6, mixolydian's ♭7 for the major's 7.
        let replaced = match kind {
            ScaleKind::Mixolydian => semis[colour as usize] + 1,
            _ => semis[colour as usize] - 1,
        };
        // The pitched voices: a kit's noise spreads over every pitch class alike.
        let mut o = RenderOptions::new(preset.clone());
        o.duration = Duration::from_secs_f64(AUDIO_S);
        o.seed = SEEDS[0];
        o.mix.insert(Layer::Beat.id().to_owned(), 0.0);
        let r = render(&o, true).unwrap();
        let mono: Vec<f32> = r.left.iter().zip(&r.right).map(|(a, b)| a + b).collect();
        let (mut colour_e, mut replaced_e, mut others_e) = (0.0, 0.0, 0.0);
        for (f, frame) in mono.chunks_exact(FRAME).enumerate() {
            let t = (f * FRAME) as f64 / SAMPLE_RATE as f64;
            let Some(row) = r.form.iter().rev().find(|row| row.time_s <= t) else {
                continue;
            };
            let tonic = row.key.tonic_pc();
            let c = chroma(frame);
            let at = |semitones: i32| c[(tonic + semitones).rem_euclid(12) as usize];
            colour_e += at(semis[colour as usize]);
            replaced_e += at(replaced);
            others_e += semis
                .iter()
                .enumerate()
                .filter(|(d, _)| *d as i32 != colour)
                .map(|(_, s)| at(*s))
                .sum::<f64>()
                / (semis.len() - 1) as f64;
        }
        let db = |a: f64, b: f64| 10.0 * (a / b).log10();
        eprintln!(
            "{name} ({kind:?}), {} min at seed {}: the colour degree's chroma {:+.1} dB against \
             the note it replaces, {:+.1} dB against the scale's other degrees on average",
            AUDIO_S / 60.0,
            SEEDS[0],
            db(colour_e, replaced_e),
            db(colour_e, others_e),
        );
        assert!(
            colour_e > 2.0 * replaced_e,
            "{name}: the colour is not heard over what it replaces"
        );
        assert!(
            colour_e > 0.25 * others_e,
            "{name}: the colour degree is barely heard"
        );
    }
}
