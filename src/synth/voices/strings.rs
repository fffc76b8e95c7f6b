//! A bowed string section, the orchestral colour: every chord tone is played by four
//! players, each a band-limited saw (a bowed string's stick-slip is saw-like) a few cents
//! from the others, spread across the stereo field, bowed in slowly and released slowly.
//! Vibrato comes in after the attack, as players do, each at a rate a little different
//! from the section's [`VIBRATO_HZ`]; a lowpass (the body and the room) sets the brightness.
//! It takes the pad's place and settings, the slow swell included.

use super::pad::PadParams;
use super::{Bus, MAX_BLOCK};
use crate::synth::dsp::{Svf, advance_phase, blep_saw, sin_turns};

const NOTES: usize = 6;
const PLAYERS: usize = 4;
const LANES: usize = NOTES * PLAYERS;
/// The section's vibrato rate, Hz (players spread ±0.3 Hz around it).
pub const VIBRATO_HZ: f32 = 5.5;
/// Vibrato depth, cents either side.
const VIBRATO_CENTS: f32 = 12.0;
/// Each player's tuning, cents from the note, and place in the field (−1 left … 1 right).
const DETUNE_CENTS: [f32; PLAYERS] = [-7.0, -2.5, 3.0, 8.0];
const SPREAD: [f32; PLAYERS] = [-0.8, 0.3, -0.3, 0.8];
const RATE_SPREAD: [f32; PLAYERS] = [-0.3, 0.1, -0.1, 0.3];
const ATTACK_S: f32 = 0.7;
const RELEASE_S: f32 = 1.4;
/// Seconds after the attack begins until the vibrato is full.
const VIBRATO_IN_S: f32 = 1.0;
const RELEASED: u64 = u64::MAX;

/// The string section.
#[derive(Clone)]
pub struct Strings {
    freq: [f32; NOTES],
    env: [f32; NOTES],
    target: [f32; NOTES],
    step: [f32; NOTES],
    gain: [f32; NOTES],
    /// Vibrato depth now, 0..1, growing after each attack.
    vib: [f32; NOTES],
    remaining: [u64; NOTES],
    phase: [f32; LANES],
    lfo: [f32; LANES],
    players: usize,
    next: usize,
    filt_l: Svf,
    filt_r: Svf,
    sr: f32,
}

impl Strings {
    pub fn new(sr: f32) -> Self {
        Strings {
            freq: [220.0; NOTES],
            env: [0.0; NOTES],
            target: [0.0; NOTES],
            step: [0.0; NOTES],
            gain: [0.0; NOTES],
            vib: [0.0; NOTES],
            remaining: [RELEASED; NOTES],
            phase: std::array::from_fn(|k| (k as f32 * 0.29).fract()),
            lfo: std::array::from_fn(|k| (k as f32 * 0.43).fract()),
            players: PLAYERS,
            next: 0,
            filt_l: Svf::default(),
            filt_r: Svf::default(),
            sr,
        }
    }

    /// A section of one player (to measure a single line's vibrato).
    #[cfg(test)]
    fn solo(sr: f32) -> Self {
        Strings {
            players: 1,
            ..Strings::new(sr)
        }
    }

    /// Bow a chord tone for `samples`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        let n = (0..NOTES)
            .map(|k| (self.next + k) % NOTES)
            .min_by(|&a, &b| {
                let held = |k: usize| self.remaining[k] != RELEASED;
                (held(a), self.env[a])
                    .partial_cmp(&(held(b), self.env[b]))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .unwrap_or(self.next);
        self.next = (n + 1) % NOTES;
        self.freq[n] = freq;
        self.gain[n] = velocity;
        self.remaining[n] = samples;
        self.vib[n] = 0.0;
        self.ramp(n, 1.0, ATTACK_S);
    }

    fn ramp(&mut self, n: usize, target: f32, seconds: f32) {
        self.target[n] = target;
        self.step[n] = (target - self.env[n]).abs() / (seconds * self.sr).max(1.0);
    }

    /// Mix `len` samples from `start` into `bus`.
    pub fn render(&mut self, p: &PadParams, bus: &mut Bus, start: usize, len: usize) {
        for n in 0..NOTES {
            if self.remaining[n] == RELEASED {
                continue;
            }
            if self.remaining[n] <= len as u64 {
                self.remaining[n] = RELEASED;
                self.ramp(n, 0.0, RELEASE_S);
            } else {
                self.remaining[n] -= len as u64;
            }
        }
        let sounding = (0..NOTES).any(|n| self.env[n] > 0.0 || self.target[n] > 0.0);
        if !sounding && self.filt_l.quiet() && self.filt_r.quiet() {
            return;
        }
        // The swell: louder and brighter together, as a section leaning into the bow.
        let swell = p.swell * p.swell_value;
        let cutoff = p.cutoff * (1.0 - 0.35 * swell);
        self.filt_l.set(cutoff, 0.6, self.sr);
        self.filt_r.set(cutoff * 1.02, 0.6, self.sr);
        let vib_step = len as f32 / (VIBRATO_IN_S * self.sr);
        let depth = 2f32.powf(VIBRATO_CENTS / 1200.0) - 1.0;
        // Per block: each player's step without vibrato, the vibrato depth and rate.
        let mut base = [0.0f32; LANES];
        let mut wobble = [0.0f32; LANES];
        let mut lfo_step = [0.0f32; LANES];
        let mut gain_l = [0.0f32; LANES];
        let mut gain_r = [0.0f32; LANES];
        for n in 0..NOTES {
            self.vib[n] = (self.vib[n] + vib_step).min(1.0);
            for k in 0..self.players {
                let lane = n * PLAYERS + k;
                let detune = if self.players == 1 {
                    1.0
                } else {
                    2f32.powf(DETUNE_CENTS[k] / 1200.0)
                };
                base[lane] = (self.freq[n] * detune / self.sr).min(0.45);
                wobble[lane] = base[lane] * depth * self.vib[n];
                lfo_step[lane] = (VIBRATO_HZ + RATE_SPREAD[k]) / self.sr;
                let pan = if self.players == 1 { 0.0 } else { SPREAD[k] };
                gain_l[lane] = (0.5 * (1.0 - pan)).sqrt();
                gain_r[lane] = (0.5 * (1.0 + pan)).sqrt();
            }
        }
        if self.players == 1 {
            lfo_step.iter_mut().for_each(|s| *s = VIBRATO_HZ / self.sr);
        }
        let amp = p.level * 0.07 * (1.0 - p.swell * 0.5 * (1.0 + p.swell_value));
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            let (mut sl, mut sr) = (0.0f32, 0.0f32);
            for n in 0..NOTES {
                let (e, t, s) = (self.env[n], self.target[n], self.step[n]);
                let e = if e < t {
                    (e + s).min(t)
                } else {
                    (e - s).max(t)
                };
                self.env[n] = e;
                if e == 0.0 {
                    continue;
                }
                let g = e * self.gain[n];
                for k in 0..self.players {
                    let lane = n * PLAYERS + k;
                    let dt = base[lane] + wobble[lane] * sin_turns(self.lfo[lane]);
                    let y = blep_saw(self.phase[lane], dt, 1.0 / dt) * g;
                    self.phase[lane] = advance_phase(self.phase[lane], dt);
                    self.lfo[lane] = advance_phase(self.lfo[lane], lfo_step[lane]);
                    sl += y * gain_l[lane];
                    sr += y * gain_r[lane];
                }
            }
            *yl = self.filt_l.tick(sl).0 * amp;
            *yr = self.filt_r.tick(sr).0 * amp;
        }
        bus.mix(start, &l[..len], &r[..len], p.send);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f32 = 48_000.0;

    fn params() -> PadParams {
        PadParams {
            level: 1.0,
            cutoff: 3_000.0,
            swell: 0.0,
            swell_value: 0.0,
            detune_cents: 0.0,
            send: 0.0,
        }
    }

    fn bow(mut s: Strings, freq: f32, seconds: f32) -> Vec<f32> {
        let p = params();
        s.note_on(freq, 1.0, (seconds * SR) as u64);
        let mut out = Vec::new();
        for _ in 0..(seconds * SR) as usize / MAX_BLOCK {
            let mut bus = Bus::default();
            s.render(&p, &mut bus, 0, MAX_BLOCK);
            out.extend(bus.l.iter().zip(&bus.r).map(|(a, b)| a + b));
        }
        out
    }

    /// The period near `near` Hz in `x` by autocorrelation, refined by a parabola.
    fn pitch(x: &[f32], near: f32) -> f32 {
        let lag0 = (SR / near) as usize;
        let ac = |lag: usize| -> f32 { x.iter().zip(&x[lag..]).map(|(a, b)| a * b).sum() };
        let best = (lag0 - lag0 / 10..=lag0 + lag0 / 10)
            .max_by(|&a, &b| ac(a).total_cmp(&ac(b)))
            .unwrap();
        let (y0, y1, y2) = (ac(best - 1), ac(best), ac(best + 1));
        SR / (best as f32 + 0.5 * (y0 - y2) / (y0 - 2.0 * y1 + y2))
    }

    #[test]
    fn a_line_sings_with_vibrato_at_the_section_rate() {
        let x = bow(Strings::solo(SR), 220.0, 4.0);
        // A pitch track every 5 ms over the last two seconds (vibrato full).
        let hop = 240;
        let track: Vec<f32> = (0..390)
            .map(|i| {
                let at = 2 * 48_000 + i * hop;
                pitch(&x[at..at + 1_440], 220.0)
            })
            .collect();
        let mean = track.iter().sum::<f32>() / track.len() as f32;
        let cents = 1200.0 * (mean / 220.0).log2();
        assert!(cents.abs() < 3.0, "in tune on average: {cents:+.2} cents");
        let swing = 1200.0
            * (track.iter().cloned().fold(0.0, f32::max)
                / track.iter().cloned().fold(f32::MAX, f32::min))
            .log2();
        assert!(
            (12.0..40.0).contains(&swing),
            "vibrato {swing:.1} cents peak to peak"
        );
        // The track's strongest modulation, 3..9 Hz in 0.1 Hz steps.
        let rate = (30..=90)
            .map(|k| k as f32 / 10.0)
            .max_by(|&a, &b| {
                let power = |f: f32| {
                    let (mut re, mut im) = (0.0f32, 0.0f32);
                    for (i, v) in track.iter().enumerate() {
                        let w = std::f32::consts::TAU * f * i as f32 * 0.005;
                        re += (v - mean) * w.cos();
                        im += (v - mean) * w.sin();
                    }
                    re * re + im * im
                };
                power(a).total_cmp(&power(b))
            })
            .unwrap();
        assert!((rate - VIBRATO_HZ).abs() <= 0.2, "vibrato at {rate} Hz");
    }

    #[test]
    fn the_section_bows_in_slowly_spreads_wide_and_releases() {
        let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
        let x = bow(Strings::new(SR), 220.0, 1.5);
        let (first, full) = (rms(&x[..2_400]), rms(&x[48_000..72_000]));
        assert!(first < 0.2 * full, "a slow attack: {first} vs {full}");
        // Four players a few cents apart: the sum beats, unlike one player.
        let s = Strings::new(SR);
        let mut s2 = s.clone();
        s2.note_on(220.0, 1.0, 48_000);
        let p = params();
        let (mut left, mut right) = (Vec::new(), Vec::new());
        for _ in 0..3_000 {
            let mut bus = Bus::default();
            s2.render(&p, &mut bus, 0, MAX_BLOCK);
            left.extend_from_slice(&bus.l);
            right.extend_from_slice(&bus.r);
        }
        let held = 30_000..48_000;
        let diff: Vec<f32> = left.iter().zip(&right).map(|(a, b)| a - b).collect();
        assert!(
            rms(&diff[held.clone()]) > 0.3 * rms(&left[held.clone()]),
            "spread across the field"
        );
        // Released at 1 s over 1.4 s: silent after.
        assert!(rms(&left[130_000..]) < 0.01 * rms(&left[held]));
    }
}
