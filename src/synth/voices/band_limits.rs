//! Tests: no voice folds partials back from above Nyquist. Each voice is swept over its
//! compass, one note per semitone rendered alone, and the power of the components that
//! are not the note's own partials is measured against the power in them: at most −60 dB.
//!
//! Noise a voice means to make is not an alias: the window starts after a strike's noise
//! (a hammer, a mallet's felt, a pluck's burst) has died, and the choir is measured without
//! its breath. The chord voices play through their lowpass at 8 kHz, twice the brightest a
//! shipped preset opens it, and with their widest vibrato. The FM bells' sweep, whose
//! meant partials are its sidebands, is with the bells (`bells::tests`).

use super::{Bus, MAX_BLOCK, StrikeParams};
use crate::music::range::NoteRange;
use crate::preset::instruments::{ChordInstrument, MelodyInstrument};

pub(crate) const SR: f32 = 48_000.0;
/// Samples analysed (a third of a second: 2.9 Hz bins).
const N: usize = 16_384;
/// Bins either side of a partial that its window's main lobe and near sidelobes fill
/// (a 4-term Blackman–Harris: ±4 bins of main lobe, sidelobes under −92 dB).
const LOBE_BINS: i64 = 8;
/// The lowest frequency counted, Hz.
const HEARING_HZ: f64 = 20.0;
/// The bar: what is not the note, under the note.
const BAR_DB: f64 = -60.0;

/// A partial the note means to have: its centre and how far it wanders (vibrato, a
/// string's dispersion), Hz.
#[derive(Clone, Copy)]
pub(crate) struct Partial {
    pub hz: f64,
    pub spread_hz: f64,
}

/// The power in `x[from..from + N]` outside the `meant` partials against the power in
/// them, dB (Blackman–Harris window).
pub(crate) fn outside_db(x: &[f32], from: usize, meant: &[Partial]) -> f64 {
    let mut frame: Vec<f64> = x[from..from + N]
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let t = std::f64::consts::TAU * i as f64 / N as f64;
            let w =
                0.35875 - 0.48829 * t.cos() + 0.14128 * (2.0 * t).cos() - 0.01168 * (3.0 * t).cos();
            v as f64 * w
        })
        .collect();
    let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(N);
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut frame, &mut spectrum).unwrap();
    let bin_hz = SR as f64 / N as f64;
    let mut is_meant = vec![false; spectrum.len()];
    for p in meant.iter().filter(|p| p.hz < SR as f64 / 2.0) {
        let lo = ((p.hz - p.spread_hz) / bin_hz).floor() as i64 - LOBE_BINS;
        let hi = ((p.hz + p.spread_hz) / bin_hz).ceil() as i64 + LOBE_BINS;
        for b in lo.max(0)..=hi.min(is_meant.len() as i64 - 1) {
            is_meant[b as usize] = true;
        }
    }
    // Under hearing (a plucked string's offset settling) nothing counts.
    let audible = (HEARING_HZ / bin_hz).ceil() as usize;
    let (mut inside, mut outside) = (0.0, 0.0);
    for (c, m) in spectrum.iter().zip(&is_meant).skip(audible) {
        if *m {
            inside += c.norm_sqr();
        } else {
            outside += c.norm_sqr();
        }
    }
    10.0 * (outside.max(1e-30) / inside).log10()
}

/// Harmonics of `hz` up to Nyquist, each wandering `cents` and `plus_hz` either side.
pub(crate) fn harmonics(hz: f64, cents: f64, plus_hz: f64) -> Vec<Partial> {
    let wander = 2f64.powf(cents / 1200.0) - 1.0;
    (1..)
        .map(|k| k as f64 * hz)
        .take_while(|&f| f < SR as f64 / 2.0)
        .map(|f| Partial {
            hz: f,
            spread_hz: f * wander + plus_hz,
        })
        .collect()
}

pub(crate) fn midi_hz(midi: i32) -> f32 {
    440.0 * 2f32.powf((midi as f32 - 69.0) / 12.0)
}

/// `seconds` of the left channel of what `block` renders, a block at a time.
fn render(seconds: f32, mut block: impl FnMut(&mut Bus)) -> Vec<f32> {
    let mut out = Vec::with_capacity((seconds * SR) as usize + MAX_BLOCK);
    while out.len() < (seconds * SR) as usize {
        let mut bus = Bus::default();
        block(&mut bus);
        out.extend_from_slice(&bus.l);
    }
    out
}

/// The worst note of `range` (its figure and MIDI number), printed for the record.
fn worst_over(name: &str, range: NoteRange, mut db_at: impl FnMut(i32) -> f64) -> (f64, i32) {
    let mut worst = (f64::NEG_INFINITY, 0);
    for midi in range.low..=range.high {
        let db = db_at(midi);
        if db > worst.0 {
            worst = (db, midi);
        }
    }
    eprintln!("{name}: worst MIDI {} at {:.1} dB", worst.1, worst.0);
    worst
}

fn assert_under_bar(name: &str, range: NoteRange, db_at: impl FnMut(i32) -> f64) {
    let (db, midi) = worst_over(name, range, db_at);
    assert!(
        db <= BAR_DB,
        "{name}: MIDI {midi} puts {db:.1} dB outside its partials (bar {BAR_DB} dB)"
    );
}

fn strike_params() -> StrikeParams {
    StrikeParams {
        level: 1.0,
        brightness: 1.0,
        decay_s: 3.0,
        send: 0.0,
    }
}

fn chord_params() -> super::pad::PadParams {
    super::pad::PadParams {
        level: 1.0,
        cutoff: 8_000.0,
        swell: 0.0,
        swell_value: 0.0,
        detune_cents: 8.0,
        send: 0.0,
    }
}

/// Seconds a chord tone is held while it is measured.
const HELD: u64 = 10 * SR as u64;

#[test]
fn the_pad_stays_on_its_harmonics_over_its_compass() {
    let p = chord_params();
    // The left channel is the saw tuned up by the detune.
    let up = 2f64.powf(p.detune_cents as f64 / 1200.0);
    assert_under_bar("pad", ChordInstrument::Pad.compass(), |midi| {
        let f = midi_hz(midi);
        let mut pad = super::pad::Pad::new(SR);
        pad.note_on(f, 1.0, HELD);
        let x = render(2.0, |bus| pad.render(&p, bus, 0, MAX_BLOCK));
        outside_db(&x, (1.6 * SR) as usize, &harmonics(f as f64 * up, 0.0, 0.0))
    });
}

#[test]
fn the_strings_stay_on_their_harmonics_over_their_compass() {
    let p = chord_params();
    assert_under_bar("strings", ChordInstrument::Strings.compass(), |midi| {
        let f = midi_hz(midi);
        let mut strings = super::strings::Strings::solo(SR);
        strings.note_on(f, 1.0, HELD);
        let x = render(1.6, |bus| strings.render(&p, bus, 0, MAX_BLOCK));
        // Vibrato: each harmonic swings its depth either side, and its sidebands (at the
        // vibrato's rate) reach a few rates further.
        let vibrato = super::strings::VIBRATO_CENTS as f64;
        let sidebands = 4.0 * super::strings::VIBRATO_HZ as f64;
        outside_db(
            &x,
            (1.2 * SR) as usize,
            &harmonics(f as f64, vibrato, sidebands),
        )
    });
}

#[test]
fn the_choir_stays_on_its_harmonics_over_its_compass() {
    let p = chord_params();
    let up = 2f64.powf(0.6 * p.detune_cents as f64 / 1200.0);
    assert_under_bar("choir", ChordInstrument::Choir.compass(), |midi| {
        let f = midi_hz(midi);
        let mut choir = super::choir::Choir::breathless(SR, 5);
        choir.note_on(f, 1.0, HELD);
        let x = render(2.5, |bus| choir.render(&p, bus, 0, MAX_BLOCK));
        outside_db(&x, (2.1 * SR) as usize, &harmonics(f as f64 * up, 0.0, 0.0))
    });
}

#[test]
fn the_plucked_strings_stay_on_their_harmonics_over_their_compass() {
    let p = strike_params();
    assert_under_bar("pluck", MelodyInstrument::Pluck.compass(), |midi| {
        let f = midi_hz(midi);
        let mut pluck = super::pluck::Pluck::new(SR, 3);
        pluck.note_on(f, 1.0, 0.0, &p);
        let x = render(0.45, |bus| pluck.render(&p, bus, 0, MAX_BLOCK));
        // The loop's allpass delays the top partials a little: they sit a few cents flat.
        outside_db(&x, (0.05 * SR) as usize, &harmonics(f as f64, 10.0, 0.0))
    });
}

#[test]
fn the_mallets_ring_only_at_their_modes_over_their_compass() {
    use super::mallet::{Mallet, MalletKind};
    let p = strike_params();
    for (kind, instrument) in [
        (MalletKind::Marimba, MelodyInstrument::Marimba),
        (MalletKind::Kalimba, MelodyInstrument::Kalimba),
    ] {
        assert_under_bar(&format!("{kind:?}"), instrument.compass(), |midi| {
            let f = midi_hz(midi);
            let mut mallet = Mallet::new(kind, SR, 3);
            mallet.note_on(f, 1.0, 0.0, &p);
            let x = render(0.4, |bus| mallet.render(&p, bus, 0, MAX_BLOCK));
            let modes: Vec<Partial> = kind
                .ratios()
                .iter()
                .map(|&r| Partial {
                    hz: (f * r) as f64,
                    spread_hz: 0.0,
                })
                .collect();
            outside_db(&x, (0.01 * SR) as usize, &modes)
        });
    }
}

#[test]
fn the_piano_rings_only_at_its_partials_over_its_compass() {
    use super::piano::{PARTIALS, Piano, partial_hz};
    let p = strike_params();
    assert_under_bar("piano", MelodyInstrument::Piano.compass(), |midi| {
        let f = midi_hz(midi);
        let mut piano = Piano::new(SR, 3);
        piano.note_on(f, 1.0, 0.0, &p);
        let x = render(0.45, |bus| piano.render(&p, bus, 0, MAX_BLOCK));
        // Each partial and its aftersound, a few tenths of a hertz above it.
        let partials: Vec<Partial> = (1..=PARTIALS)
            .map(|n| Partial {
                hz: partial_hz(f, n) as f64,
                spread_hz: 0.5,
            })
            .collect();
        outside_db(&x, (0.05 * SR) as usize, &partials)
    });
}

#[test]
fn the_soft_keys_stay_on_their_harmonics_over_a_keyboard() {
    assert_under_bar("soft keys", NoteRange::new(21, 108), |midi| {
        let mut keys = super::soft_keys::SoftKeys::new(SR);
        keys.strike(midi as u8, 127);
        let x = render(0.4, |bus| keys.render(1.0, bus, 0, MAX_BLOCK));
        outside_db(
            &x,
            (0.02 * SR) as usize,
            &harmonics(midi_hz(midi) as f64, 0.0, 0.0),
        )
    });
}

#[test]
fn a_meant_partial_is_not_counted_and_a_folded_one_is() {
    // A 1 kHz tone with a −50 dB component at 1.23 kHz: the measure finds the latter.
    let x: Vec<f32> = (0..N + 100)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / SR as f64;
            ((1000.0 * t).sin() + 0.003_16 * (1230.0 * t).sin()) as f32
        })
        .collect();
    let db = outside_db(&x, 100, &harmonics(1000.0, 0.0, 0.0));
    assert!((db + 50.0).abs() < 0.5, "{db}");
    let both = [1000.0, 1230.0].map(|hz| Partial { hz, spread_hz: 0.0 });
    assert!(outside_db(&x, 100, &both) < -90.0);
}

#[test]
fn the_grains_read_the_chords_back_without_folding_them() {
    use super::grains::{Grains, GrainsParams};
    let p = chord_params();
    let up = 2f64.powf(p.detune_cents as f64 / 1200.0);
    // Long grains (few a second): their windows widen each line by a few hertz.
    let cloud = GrainsParams {
        level: 1.0,
        rate: 5.0,
        send: 0.0,
    };
    assert_under_bar("grains", NoteRange::new(36, 96), |midi| {
        let f = midi_hz(midi);
        let mut pad = super::pad::Pad::new(SR);
        let mut grains = Grains::new(SR, 7);
        pad.note_on(f, 1.0, HELD);
        let x = render(6.0, |bus| {
            let mut chords = Bus::default();
            pad.render(&p, &mut chords, 0, MAX_BLOCK);
            // The right saw is the left one's: the pad tuned down, heard in the cloud too.
            let left = chords.l;
            grains.render(&cloud, (&left, &left), bus, 0, MAX_BLOCK);
        });
        // Played back an octave down, as recorded and an octave up: the harmonics of
        // half the note, each widened by the grains' windows (0.4 s and longer).
        outside_db(
            &x,
            (5.0 * SR) as usize,
            &harmonics(f as f64 * up / 2.0, 0.0, 12.0),
        )
    });
}
