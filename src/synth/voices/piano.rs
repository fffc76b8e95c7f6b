//! A felt piano: modal synthesis of a struck string. Each note sounds five partials,
//! stretched by the string's stiffness (fₙ = n·f·√(1 + B·n²), B = 0.0004), soft-hammered
//! (felt: the upper partials weak, weaker for soft notes), each in two parts: a prompt
//! sound and, a few tenths of a hertz apart, an aftersound that dies five times slower —
//! the piano's double decay (Weinreich 1977). A short lowpassed thump of the hammer starts
//! the note. Each lane is a decaying phasor (two multiplies and two adds a sample, no
//! sine to evaluate), the lanes of a note are arrays so the loop vectorises, and silent
//! notes are skipped.

use super::{Bus, MAX_BLOCK, StrikeParams, pan_gains};
use crate::synth::dsp::{NoiseRng, OnePole};

/// Notes ringing at once.
const NOTES: usize = 6;
pub const PARTIALS: usize = 5;
/// Lanes a note: each partial's prompt sound and its aftersound.
const LANES: usize = 2 * PARTIALS;
/// The strings' stiffness.
pub const INHARMONICITY: f32 = 0.0004;
/// How much slower the aftersound dies than the prompt sound.
pub const AFTERSOUND: f32 = 5.0;

#[derive(Clone, Copy)]
struct Note {
    /// Each lane's phasor (re, im) and its rotation-with-decay per sample (c, s).
    re: [f32; LANES],
    im: [f32; LANES],
    c: [f32; LANES],
    s: [f32; LANES],
    /// Samples until the note has decayed below hearing.
    left: u32,
    pan: (f32, f32),
    hammer: f32,
    hammer_decay: f32,
}

impl Default for Note {
    fn default() -> Self {
        Note {
            re: [0.0; LANES],
            im: [0.0; LANES],
            c: [1.0; LANES],
            s: [0.0; LANES],
            left: 0,
            pan: (0.7, 0.7),
            hammer: 0.0,
            hammer_decay: 0.0,
        }
    }
}

/// The piano.
#[derive(Clone)]
pub struct Piano {
    notes: [Note; NOTES],
    next: usize,
    rng: NoiseRng,
    felt: OnePole,
    sr: f32,
}

/// Frequency of partial `n` (1-based) of a string tuned to `freq`.
pub fn partial_hz(freq: f32, n: usize) -> f32 {
    let n = n as f32;
    n * freq * (1.0 + INHARMONICITY * n * n).sqrt() / (1.0 + INHARMONICITY).sqrt()
}

impl Piano {
    pub fn new(sr: f32, seed: u64) -> Self {
        let mut felt = OnePole::default();
        felt.set_cutoff(900.0, sr);
        Piano {
            notes: [Note::default(); NOTES],
            next: 0,
            rng: NoiseRng::new(seed),
            felt,
            sr,
        }
    }

    /// Strike a note at `freq`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, pan: f32, p: &StrikeParams) {
        let note = &mut self.notes[self.next];
        self.next = (self.next + 1) % NOTES;
        // Low strings ring longer; the prompt sound is the shorter part.
        let t60 = (p.decay_s * 1.6 * (262.0 / freq).powf(0.5)).clamp(0.3, 12.0);
        // Felt: a soft note is darker; brightness opens the upper partials.
        let hardness = (0.25 + 0.35 * p.brightness.clamp(0.0, 1.5)) * (0.5 + 0.5 * velocity);
        for n in 0..PARTIALS {
            let f = partial_hz(freq, n + 1);
            let audible = f < 0.45 * self.sr;
            let a = if audible {
                velocity * hardness.powi(n as i32) / (n + 1) as f32
            } else {
                0.0
            };
            let prompt = t60 / (1.0 + 0.6 * n as f32) / AFTERSOUND.sqrt();
            if n == 0 {
                // The aftersound of the fundamental lasts longest: −80 dB by then.
                note.left = (prompt * AFTERSOUND * 80.0 / 60.0 * self.sr) as u32;
            }
            for (k, (share, t, detune)) in [(0.75, prompt, 0.0), (0.25, prompt * AFTERSOUND, 0.35)]
                .into_iter()
                .enumerate()
            {
                let lane = 2 * n + k;
                let w = std::f32::consts::TAU * ((f + detune) / self.sr).min(0.45);
                let r = (-6.9078 / (t * self.sr)).exp();
                (note.c[lane], note.s[lane]) = (r * w.cos(), r * w.sin());
                (note.re[lane], note.im[lane]) = (a * share, 0.0);
            }
        }
        // Lower notes to the left, as a player hears the instrument, and the line's place.
        let by_pitch = ((freq / 262.0).log2() * 0.25).clamp(-0.5, 0.5);
        note.pan = pan_gains((0.6 * pan + by_pitch).clamp(-1.0, 1.0));
        note.hammer = 0.3 * velocity * hardness;
        note.hammer_decay = (-1.0 / (0.004 * self.sr)).exp();
    }

    /// Mix `len` samples from `start` into `bus`.
    pub fn render(&mut self, p: &StrikeParams, bus: &mut Bus, start: usize, len: usize) {
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        let mut any = false;
        let level = p.level * 0.3;
        for note in &mut self.notes {
            if note.left == 0 {
                continue;
            }
            any = true;
            note.left = note.left.saturating_sub(len as u32);
            for k in 0..len {
                let mut y = 0.0;
                for lane in 0..LANES {
                    let (re, im) = (note.re[lane], note.im[lane]);
                    let (c, s) = (note.c[lane], note.s[lane]);
                    note.re[lane] = re * c - im * s;
                    note.im[lane] = re * s + im * c;
                }
                for v in note.im {
                    y += v;
                }
                if note.hammer > 1e-5 {
                    y += self.felt.tick(self.rng.bipolar() * note.hammer);
                    note.hammer *= note.hammer_decay;
                }
                l[k] += y * note.pan.0 * level;
                r[k] += y * note.pan.1 * level;
            }
        }
        if any {
            bus.mix(start, &l[..len], &r[..len], p.send);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::voices::render_blocks;

    const SR: f32 = 48_000.0;

    fn strike(freq: f32, seconds: f32) -> Vec<f32> {
        let p = StrikeParams {
            level: 1.0,
            brightness: 0.8,
            decay_s: 2.0,
            send: 0.0,
        };
        let mut piano = Piano::new(SR, 9);
        piano.note_on(freq, 0.9, 0.0, &p);
        let (l, r) = render_blocks(seconds, SR, |bus| piano.render(&p, bus, 0, MAX_BLOCK));
        l.iter().zip(&r).map(|(a, b)| a + b).collect()
    }

    fn db(x: &[f32]) -> f32 {
        10.0 * (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).log10()
    }

    #[test]
    fn partials_are_stretched_and_the_decay_is_double() {
        // Stretched: the 4th partial above 4·f by the stiffness, the fundamental on f.
        let f = 220.0;
        assert!((partial_hz(f, 1) - f).abs() < 1e-3);
        let cents = 1200.0 * (partial_hz(f, 4) / (4.0 * f)).log2();
        assert!((cents - 5.2).abs() < 0.5, "{cents}");
        // The fundamental in tune: zero crossings over a late second (partials gone).
        let x = strike(f, 4.5);
        let late = &x[(2.5 * SR) as usize..(4.5 * SR) as usize];
        let ups = late
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        let measured_cents = 1200.0 * (ups as f32 / (2.0 * f)).log2();
        assert!(measured_cents.abs() < 8.0, "{ups} crossings");
        // Double decay: the first half second falls faster (dB a second) than the
        // aftersound two seconds on.
        let second = |a: f32| &x[(a * SR) as usize..((a + 0.25) * SR) as usize];
        let early = (db(second(0.05)) - db(second(0.55))) / 0.5;
        let later = (db(second(2.0)) - db(second(3.0))) / 1.0;
        assert!(
            early > 1.8 * later,
            "early {early} dB/s, later {later} dB/s"
        );
    }
}
