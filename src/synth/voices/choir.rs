//! A breathy choir: the pad's detuned saw pairs ([`super::saw_ensemble`]) are the glottal
//! source of a section of singers, with breath noise in it; four formant band-passes
//! shape it into a vowel, and the vowel glides slowly between `oo`, `oh`, `ah` and `eh`
//! (two slow sines of unrelated periods, so the path never repeats; opening toward `ah`
//! as the swell rises). The right side's formants sit a little higher: a second section.
//! A slow loudness follower (over ~3 s of held chords) keeps a chord of many tones no
//! louder than one of few, and `ah` no louder than `oo`: open fifths and seventh chords,
//! whichever vowel, sit at one loudness, and the swell moves it from there.

use super::pad::PadParams;
use super::saw_ensemble::SawEnsemble;
use super::{Bus, MAX_BLOCK};
use crate::synth::dsp::{NoiseRng, advance_phase, db_to_gain, exp_fast, sin_turns};
use crate::synth::dsp_x4::Svf4;
use wide::f32x4;

const ATTACK_S: f32 = 2.0;
const RELEASE_S: f32 = 3.0;

/// One vowel's four formants: centre (Hz), level (dB) and bandwidth (Hz); an alto's,
/// from the formant tables in the Csound manual (after Peterson and Barney's measurements).
#[derive(Clone, Copy, Debug)]
pub struct Vowel {
    pub freq: [f32; 4],
    pub db: [f32; 4],
    pub bandwidth: [f32; 4],
}

/// The vowels the choir glides through, in order of openness: `oo`, `oh`, `ah`, `eh`.
pub const VOWELS: [Vowel; 4] = [
    Vowel {
        freq: [325.0, 700.0, 2530.0, 3500.0],
        db: [0.0, -12.0, -30.0, -40.0],
        bandwidth: [50.0, 60.0, 170.0, 180.0],
    },
    Vowel {
        freq: [450.0, 800.0, 2830.0, 3500.0],
        db: [0.0, -9.0, -16.0, -28.0],
        bandwidth: [70.0, 80.0, 100.0, 130.0],
    },
    Vowel {
        freq: [800.0, 1150.0, 2800.0, 3500.0],
        db: [0.0, -4.0, -20.0, -36.0],
        bandwidth: [80.0, 90.0, 120.0, 130.0],
    },
    Vowel {
        freq: [400.0, 1600.0, 2700.0, 3300.0],
        db: [0.0, -24.0, -30.0, -35.0],
        bandwidth: [60.0, 80.0, 120.0, 150.0],
    },
];
/// Periods of the two slow sines that walk the vowels, seconds.
const WALK_PERIODS_S: [f32; 2] = [37.0, 89.0];
/// Breath noise against the saws, at full envelope.
const BREATH: f32 = 0.35;
/// The formants' output power the loudness follower holds (a three-tone chord on `oh`).
const REFERENCE_POWER: f32 = 1.5e-2;
/// The follower's time constant, seconds, and the most it corrects, either way.
const FOLLOW_S: f32 = 3.0;
const FOLLOW_RANGE: f32 = 4.0;
/// Samples between retunings of the formants: every block. Each retuning is a small step
/// in the filters, and steps every 10 ms put sidebands 100 Hz either side of every
/// harmonic (−54 dB under a held F5, a faint buzz); every 1.3 ms they are 750 Hz away and
/// under −60 dB.
const RETUNE_SAMPLES: usize = super::MAX_BLOCK;
/// Samples rendered after the last tone ends, for the formants to ring out (0.25 s).
const TAIL_SAMPLES: usize = 12_000;

/// The choir voice.
#[derive(Clone)]
pub struct Choir {
    saws: SawEnsemble,
    formants_l: Svf4,
    formants_r: Svf4,
    noise: NoiseRng,
    walk: [f32; 2],
    /// Set to hold one vowel (a position on [`VOWELS`]), for measuring.
    held_vowel: Option<f32>,
    /// The breath noise's level against the tones ([`BREATH`]; 0 to measure the tones).
    breath: f32,
    /// The formants' output power, smoothed over [`FOLLOW_S`] while tones are held.
    power: f32,
    /// Each formant's gain, its band-pass's peak brought to the vowel's level.
    gains: f32x4,
    /// Each vowel's formant levels as gains (from [`Vowel::db`]).
    levels: [[f32; 4]; VOWELS.len()],
    /// Samples until the formants are retuned.
    retune_in: usize,
    /// Samples still to render once no tone sounds.
    tail: usize,
    sr: f32,
}

impl Choir {
    pub fn new(sr: f32, seed: u64) -> Self {
        Choir {
            saws: SawEnsemble::new(ATTACK_S, RELEASE_S, sr),
            formants_l: Svf4::default(),
            formants_r: Svf4::default(),
            noise: NoiseRng::new(seed),
            walk: [0.0, 0.3],
            held_vowel: None,
            breath: BREATH,
            power: REFERENCE_POWER,
            gains: f32x4::ZERO,
            levels: VOWELS.map(|v| v.db.map(db_to_gain)),
            retune_in: 0,
            tail: 0,
            sr,
        }
    }

    /// A choir without its breath noise (to measure what the tones alone make).
    #[cfg(test)]
    pub(crate) fn breathless(sr: f32, seed: u64) -> Self {
        Choir {
            breath: 0.0,
            ..Choir::new(sr, seed)
        }
    }

    /// Start a chord tone lasting `samples`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        self.saws.note_on(freq, velocity, samples);
    }

    /// Where the vowel is now: a position on [`VOWELS`] (0 = `oo` … 3 = `eh`).
    pub fn vowel_position(&self, swell: f32) -> f32 {
        if let Some(v) = self.held_vowel {
            return v;
        }
        let walk = 1.0 * sin_turns(self.walk[0]) + 0.6 * sin_turns(self.walk[1]);
        // Louder (swell toward −1) opens the mouth toward `ah`.
        (1.6 + walk - 0.6 * swell).clamp(0.0, 3.0)
    }

    /// Tune the formants to `position` on [`VOWELS`]; `cutoff` (the pad's brightness)
    /// lifts or lowers the upper two.
    fn set_vowel(&mut self, position: f32, cutoff: f32) {
        let i = (position.max(0.0) as usize).min(VOWELS.len() - 2);
        let t = (position - i as f32).clamp(0.0, 1.0);
        let (a, b) = (&VOWELS[i], &VOWELS[i + 1]);
        let lerp = |x: f32, y: f32| x + t * (y - x);
        let bright = (cutoff / 2000.0).clamp(0.3, 1.5);
        let gains = std::array::from_fn(|k| {
            let f = lerp(a.freq[k], b.freq[k]);
            let q = f / lerp(a.bandwidth[k], b.bandwidth[k]);
            self.formants_l.set(k, f, q, self.sr);
            self.formants_r.set(k, f * 1.04, q, self.sr);
            let tilt = if k >= 2 { bright } else { 1.0 };
            lerp(self.levels[i][k], self.levels[i + 1][k]) * tilt / q
        });
        self.gains = f32x4::new(gains);
    }

    /// Mix `len` samples from `start` into `bus`.
    pub fn render(&mut self, p: &PadParams, bus: &mut Bus, start: usize, len: usize) {
        let seconds = len as f32 / self.sr;
        for (phase, period) in self.walk.iter_mut().zip(WALK_PERIODS_S) {
            *phase = advance_phase(*phase, seconds / period);
        }
        if self.saws.advance(len) {
            self.tail = TAIL_SAMPLES;
        } else if self.tail == 0 {
            return;
        } else {
            self.tail = self.tail.saturating_sub(len);
        }
        if self.retune_in == 0 {
            let swell = p.swell * p.swell_value;
            self.set_vowel(self.vowel_position(swell), p.cutoff);
            self.retune_in = RETUNE_SAMPLES;
        }
        self.retune_in = self.retune_in.saturating_sub(len);
        let detune = exp_fast(p.detune_cents * 0.6 * (std::f32::consts::LN_2 / 1200.0));
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        self.saws.render(detune, len, &mut l, &mut r);
        let breath = self.breath * self.saws.level();
        let gains = self.gains;
        let mut power = 0.0f32;
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            let air = breath * self.noise.bipolar();
            let (_, bl) = self.formants_l.tick(f32x4::splat(*yl + air));
            let (_, br) = self.formants_r.tick(f32x4::splat(*yr + air));
            *yl = (bl * gains).reduce_add();
            *yr = (br * gains).reduce_add();
            power += *yl * *yl + *yr * *yr;
        }
        // Only chords held steady teach the follower: attacks, releases and rests would
        // raise its gain for the next chord.
        if self.saws.held_count() > 0 && self.saws.settled() {
            let block = power / (2 * len) as f32;
            self.power += (block - self.power) * (seconds / FOLLOW_S).min(1.0);
        }
        let follow = (REFERENCE_POWER / self.power.max(1e-12))
            .sqrt()
            .clamp(1.0 / FOLLOW_RANGE, FOLLOW_RANGE);
        let amp = p.level * 0.45 * follow * (1.0 - p.swell * 0.5 * (1.0 + p.swell_value));
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            *yl *= amp;
            *yr *= amp;
        }
        bus.mix(start, &l[..len], &r[..len], p.send);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::dsp::amplitude_at;

    const SR: f32 = 48_000.0;

    fn params() -> PadParams {
        PadParams {
            level: 1.0,
            cutoff: 2000.0,
            swell: 0.0,
            swell_value: 0.0,
            detune_cents: 6.0,
            send: 0.0,
        }
    }

    /// Sing `freqs` for `seconds` (held throughout); the left channel (and the right).
    fn sing(choir: &mut Choir, freqs: &[f32], seconds: f32) -> Vec<f32> {
        sing_stereo(choir, freqs, seconds).0
    }

    fn sing_stereo(choir: &mut Choir, freqs: &[f32], seconds: f32) -> (Vec<f32>, Vec<f32>) {
        let blocks = (seconds * SR) as usize / MAX_BLOCK;
        for &f in freqs {
            choir.note_on(f, 0.7, (seconds * SR) as u64 + 1_000_000);
        }
        let (mut l, mut r) = (Vec::new(), Vec::new());
        for _ in 0..blocks {
            let mut bus = Bus::default();
            choir.render(&params(), &mut bus, 0, MAX_BLOCK);
            l.extend_from_slice(&bus.l);
            r.extend_from_slice(&bus.r);
        }
        (l, r)
    }

    /// Amplitude at `hz` averaged over 0.1 s windows (wide enough to take in both saws
    /// of a detuned pair).
    fn level_at(x: &[f32], hz: f32) -> f32 {
        let windows = x.chunks_exact(4_800);
        let n = windows.len() as f32;
        windows.map(|w| amplitude_at(w, hz, SR)).sum::<f32>() / n
    }

    /// The frequency of the strongest harmonic of `f0` between 200 and 1300 Hz.
    fn strongest_low_harmonic(x: &[f32], f0: f32) -> f32 {
        (2..=(1300.0 / f0) as usize)
            .map(|h| h as f32 * f0)
            .filter(|&f| f >= 200.0)
            .max_by(|&a, &b| level_at(x, a).total_cmp(&level_at(x, b)))
            .unwrap()
    }

    #[test]
    fn each_vowel_peaks_at_its_first_formant() {
        let f0 = 110.0;
        for (position, f1) in [(0.0, 325.0), (1.0, 450.0), (2.0, 800.0), (3.0, 400.0)] {
            let mut choir = Choir::new(SR, 5);
            choir.held_vowel = Some(position);
            let x = sing(&mut choir, &[f0], 4.0);
            let peak = strongest_low_harmonic(&x[(3.0 * SR) as usize..], f0);
            assert!(
                (peak - f1).abs() <= f0,
                "vowel {position}: strongest harmonic {peak} Hz, first formant {f1} Hz"
            );
        }
    }

    #[test]
    fn the_vowel_glides_through_all_four_without_jumps() {
        let mut choir = Choir::new(SR, 5);
        let (mut lo, mut hi, mut largest_step) = (f32::MAX, f32::MIN, 0.0f32);
        let mut last = choir.vowel_position(0.0);
        // Ten minutes, a block at a time.
        for _ in 0..(600.0 * SR) as usize / MAX_BLOCK {
            let mut bus = Bus::default();
            choir.render(&params(), &mut bus, 0, MAX_BLOCK);
            let v = choir.vowel_position(0.0);
            (lo, hi) = (lo.min(v), hi.max(v));
            largest_step = largest_step.max((v - last).abs());
            last = v;
        }
        assert!(lo < 0.5 && hi > 2.5, "the walk covered {lo}..{hi}");
        assert!(largest_step < 1e-3, "a step of {largest_step} in one block");
    }

    #[test]
    fn a_chord_of_many_tones_is_as_loud_as_one_of_few() {
        let power = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32;
        let loudness = |freqs: &[f32]| {
            let mut choir = Choir::new(SR, 5);
            choir.held_vowel = Some(1.5);
            let (l, r) = sing_stereo(&mut choir, freqs, 12.0);
            let from = (8.0 * SR) as usize;
            10.0 * (0.5 * (power(&l[from..]) + power(&r[from..]))).log10()
        };
        let fifth = loudness(&[110.0, 165.0]);
        let seventh = loudness(&[110.0, 138.6, 165.0, 207.7, 246.9]);
        assert!(
            (fifth - seventh).abs() < 1.5,
            "open fifth {fifth:.1} dB, five-tone chord {seventh:.1} dB"
        );
    }

    #[test]
    fn breath_noise_sounds_between_the_harmonics() {
        let f0 = 110.0;
        let mut choir = Choir::new(SR, 5);
        choir.held_vowel = Some(2.0);
        let x = sing(&mut choir, &[f0], 4.0);
        let tail = &x[(3.0 * SR) as usize..];
        // Halfway between harmonics 7 and 8, inside `ah`'s first formant.
        let between = level_at(tail, 7.5 * f0);
        assert!(between > 1e-3 * level_at(tail, 7.0 * f0));
    }
}
