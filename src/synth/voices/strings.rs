//! A bowed string section, the orchestral colour: every chord tone is played by four
//! players, each a band-limited saw (a bowed string's stick-slip is saw-like) a few cents
//! from the others, spread across the stereo field, bowed in slowly and released slowly.
//! Vibrato comes in after the attack, as players do, each at a rate a little different
//! from the section's [`VIBRATO_HZ`]; a lowpass (the body and the room) sets the brightness.
//! It takes the pad's place and settings, the slow swell included.

use super::note_slots::NoteSlots;
use super::pad::PadParams;
use super::{Bus, MAX_BLOCK};
use crate::synth::dsp::{MAX_DT, Svf, advance_phase, advance_phase_x4, blep_saw_x4, sin_turns};
use wide::f32x4;

const NOTES: usize = 6;
const PLAYERS: usize = 4;
const LANES: usize = NOTES * PLAYERS;
/// The section's vibrato rate, Hz (players spread ±0.3 Hz around it).
pub const VIBRATO_HZ: f32 = 5.5;
/// Vibrato depth, cents either side.
pub const VIBRATO_CENTS: f32 = 12.0;
/// Each player's tuning, cents from the note, and place in the field (−1 left … 1 right).
#[cfg(test)]
const DETUNE_CENTS: [f32; PLAYERS] = [-7.0, -2.5, 3.0, 8.0];
/// [`DETUNE_CENTS`] as frequency ratios (2^(c/1200)), so no `powf` runs per block.
const DETUNE_CENTS_RATIO: [f32; PLAYERS] = [0.995_964_8, 0.998_557, 1.001_734_4, 1.004_631_7];
const SPREAD: [f32; PLAYERS] = [-0.8, 0.3, -0.3, 0.8];
const RATE_SPREAD: [f32; PLAYERS] = [-0.3, 0.1, -0.1, 0.3];
const ATTACK_S: f32 = 0.7;
const RELEASE_S: f32 = 1.4;
/// Seconds after the attack begins until the vibrato is full.
const VIBRATO_IN_S: f32 = 1.0;
/// The string section.
#[derive(Clone)]
pub struct Strings {
    notes: NoteSlots<NOTES>,
    /// Vibrato depth now, 0..1, growing after each attack.
    vib: [f32; NOTES],
    phase: [f32; LANES],
    lfo: [f32; LANES],
    players: usize,
    filt_l: Svf,
    filt_r: Svf,
    sr: f32,
}

impl Strings {
    pub fn new(sr: f32) -> Self {
        Strings {
            notes: NoteSlots::new(220.0, sr),
            vib: [0.0; NOTES],
            phase: std::array::from_fn(|k| (k as f32 * 0.29).fract()),
            lfo: std::array::from_fn(|k| (k as f32 * 0.43).fract()),
            players: PLAYERS,
            filt_l: Svf::default(),
            filt_r: Svf::default(),
            sr,
        }
    }

    /// A section of one player (to measure a single line's vibrato).
    #[cfg(test)]
    pub(crate) fn solo(sr: f32) -> Self {
        Strings {
            players: 1,
            ..Strings::new(sr)
        }
    }

    /// Bow a chord tone for `samples`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        let n = self.notes.start(freq, velocity, samples, ATTACK_S);
        self.vib[n] = 0.0;
    }

    /// Mix `len` samples from `start` into `bus`.
    pub fn render(&mut self, p: &PadParams, bus: &mut Bus, start: usize, len: usize) {
        self.notes.advance(len, RELEASE_S);
        if !self.notes.any_sounding() && self.filt_l.quiet() && self.filt_r.quiet() {
            return;
        }
        // The swell: louder and brighter together, as a section leaning into the bow.
        let swell = p.swell * p.swell_value;
        let cutoff = p.cutoff * (1.0 - 0.35 * swell);
        self.filt_l.set(cutoff, 0.6, self.sr);
        self.filt_r.set(cutoff * 1.02, 0.6, self.sr);
        let vib_step = len as f32 / (VIBRATO_IN_S * self.sr);
        let depth = 2f32.powf(VIBRATO_CENTS / 1200.0) - 1.0;
        let amp = p.level * 0.07 * (1.0 - p.swell * 0.5 * (1.0 + p.swell_value));
        // The sounding notes' players side by side as lanes (a note's four are one
        // vector), so each sample's work runs across them at once and no note waits on
        // its own last sample. The vibrato (5.5 Hz) is read at the block's two edges and
        // the frequency glides linearly between: 1.3 ms apart, the steps are far below a
        // cent, and no sine is evaluated per sample.
        let mut lanes = Lanes::default();
        let mut notes = [0usize; NOTES];
        let mut ends = [0.0f32; NOTES];
        let mut count = 0;
        for n in 0..NOTES {
            self.vib[n] = (self.vib[n] + vib_step).min(1.0);
            if !self.notes.is_sounding(n) {
                continue;
            }
            notes[count] = n;
            let mut lane = [[0.0f32; PLAYERS]; 6];
            for k in 0..PLAYERS {
                let at = n * PLAYERS + k;
                let solo = self.players == 1;
                let detune = if solo { 1.0 } else { DETUNE_CENTS_RATIO[k] };
                let base = (self.notes.freq[n] * detune / self.sr).min(MAX_DT);
                let wobble = base * depth * self.vib[n];
                let rate = if solo {
                    VIBRATO_HZ
                } else {
                    VIBRATO_HZ + RATE_SPREAD[k]
                };
                let lfo_end = advance_phase(self.lfo[at], rate / self.sr * len as f32);
                let (from, to) = (
                    base + wobble * sin_turns(self.lfo[at]),
                    base + wobble * sin_turns(lfo_end),
                );
                self.lfo[at] = lfo_end;
                lane[0][k] = from;
                lane[1][k] = (to - from) / len as f32;
                lane[2][k] = 2.0 / (from + to);
                lane[3][k] = self.phase[at];
                // Players beyond the first are silent in a solo line.
                let pan = if solo { 0.0 } else { SPREAD[k] };
                let on = if k < self.players {
                    self.notes.gain[n]
                } else {
                    0.0
                };
                lane[4][k] = on * (0.5 * (1.0 - pan)).sqrt();
                lane[5][k] = on * (0.5 * (1.0 + pan)).sqrt();
            }
            let [dt, ddt, inv_dt, phase, gain_l, gain_r] = lane.map(f32x4::from);
            (lanes.dt[count], lanes.ddt[count], lanes.inv_dt[count]) = (dt, ddt, inv_dt);
            (lanes.phase[count], lanes.gain_l[count], lanes.gain_r[count]) =
                (phase, gain_l, gain_r);
            let (e, end) = (self.notes.env[n], self.notes.env_end(n, len));
            lanes.env[count] = f32x4::splat(e);
            lanes.denv[count] = f32x4::splat((end - e) / len as f32);
            ends[count] = end;
            count += 1;
        }
        let mut out_l = [0.0f32; MAX_BLOCK];
        let mut out_r = [0.0f32; MAX_BLOCK];
        for (yl, yr) in out_l[..len].iter_mut().zip(&mut out_r[..len]) {
            let (sl, sr) = lanes.tick(count);
            *yl = self.filt_l.tick(sl).0 * amp;
            *yr = self.filt_r.tick(sr).0 * amp;
        }
        for (c, &n) in notes[..count].iter().enumerate() {
            self.notes.env[n] = ends[c];
            self.phase[n * PLAYERS..(n + 1) * PLAYERS].copy_from_slice(&lanes.phase[c].to_array());
        }
        bus.mix(start, &out_l[..len], &out_r[..len], p.send);
    }
}

/// The sounding notes of one block, each a vector of its four players.
#[derive(Default)]
struct Lanes {
    phase: [f32x4; NOTES],
    dt: [f32x4; NOTES],
    ddt: [f32x4; NOTES],
    inv_dt: [f32x4; NOTES],
    env: [f32x4; NOTES],
    /// The envelope's change a sample.
    denv: [f32x4; NOTES],
    gain_l: [f32x4; NOTES],
    gain_r: [f32x4; NOTES],
}

impl Lanes {
    /// One sample of the first `notes` notes: the section's (left, right).
    #[inline]
    fn tick(&mut self, notes: usize) -> (f32, f32) {
        let (mut acc_l, mut acc_r) = (f32x4::ZERO, f32x4::ZERO);
        for c in 0..notes {
            let e = self.env[c] + self.denv[c];
            self.env[c] = e;
            let y = blep_saw_x4(self.phase[c], self.dt[c], self.inv_dt[c]) * e;
            self.phase[c] = advance_phase_x4(self.phase[c], self.dt[c]);
            self.dt[c] += self.ddt[c];
            acc_l += y * self.gain_l[c];
            acc_r += y * self.gain_r[c];
        }
        (acc_l.reduce_add(), acc_r.reduce_add())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::voices::render_blocks;

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
        let (l, r) = render_blocks(seconds, SR, |bus| s.render(&p, bus, 0, MAX_BLOCK));
        l.iter().zip(&r).map(|(a, b)| a + b).collect()
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
    fn detune_ratios_are_the_players_cents() {
        for (ratio, cents) in DETUNE_CENTS_RATIO.iter().zip(DETUNE_CENTS) {
            assert!(
                (ratio - 2f32.powf(cents / 1200.0)).abs() < 1e-6,
                "{cents} cents"
            );
        }
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
