//! Evolving pad: per note two detuned band-limited saws spread left/right, slow
//! attack and release, through a lowpass whose cutoff breathes with a slow LFO, with
//! the slow swell ([`crate::synth::swell`]) on its level, brightness and detune.
//!
//! Notes are lanes of per-field arrays, and the per-sample work (linear envelope,
//! polyBLEP saws) is written without branches, so the loop over notes vectorises.

use super::{Bus, MAX_BLOCK};
use crate::synth::dsp::{Svf, advance_phase, blep_saw, sin_turns, sum8};

const NOTES: usize = 8;
/// Attack and release of a chord tone, in seconds.
const ATTACK_S: f32 = 1.5;
const RELEASE_S: f32 = 2.5;
/// A note past its release point (or never started).
const RELEASED: u64 = u64::MAX;

/// The pad voice.
#[derive(Clone)]
pub struct Pad {
    freq: [f32; NOTES],
    phase_a: [f32; NOTES],
    phase_b: [f32; NOTES],
    env: [f32; NOTES],
    env_target: [f32; NOTES],
    env_step: [f32; NOTES],
    gain: [f32; NOTES],
    remaining: [u64; NOTES],
    next: usize,
    filt_l: Svf,
    filt_r: Svf,
    lfo: f32,
    sr: f32,
}

/// Control-rate settings for the pad.
#[derive(Clone, Copy)]
pub struct PadParams {
    pub level: f32,
    pub cutoff: f32,
    /// Swell depth, 0..1.
    pub swell: f32,
    /// Where the swell is: −1 loudest, brightest and widest … +1 quietest.
    pub swell_value: f32,
    pub detune_cents: f32,
    pub send: f32,
}

impl Pad {
    pub fn new(sr: f32) -> Self {
        Pad {
            freq: [110.0; NOTES],
            // Spread start phases so a fresh chord does not begin phase-aligned.
            phase_a: std::array::from_fn(|i| (i as f32 * 0.37).fract()),
            phase_b: std::array::from_fn(|i| (i as f32 * 0.61 + 0.2).fract()),
            env: [0.0; NOTES],
            env_target: [0.0; NOTES],
            env_step: [0.0; NOTES],
            gain: [0.0; NOTES],
            remaining: [RELEASED; NOTES],
            next: 0,
            filt_l: Svf::default(),
            filt_r: Svf::default(),
            lfo: 0.0,
            sr,
        }
    }

    /// Start a chord tone lasting `samples`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        // The quietest slot, so a five-tone chord over a releasing one takes the tails
        // that have faded furthest, never a tone still held (round robin from `next`).
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
        self.ramp(n, 1.0, ATTACK_S);
    }

    fn ramp(&mut self, n: usize, target: f32, seconds: f32) {
        self.env_target[n] = target;
        self.env_step[n] = (target - self.env[n]).abs() / (seconds * self.sr).max(1.0);
    }

    /// Mix `len` samples from `start` into the bus.
    pub fn render(&mut self, p: &PadParams, bus: &mut Bus, start: usize, len: usize) {
        // Cutoff moves with a slow LFO (0.05 Hz) so the timbre keeps evolving.
        let lfo = sin_turns(self.lfo);
        // The swell opens the filter as it rises (brightness goes with loudness).
        let swell = p.swell * p.swell_value;
        let cutoff = p.cutoff * (1.0 + 0.25 * lfo) * (1.0 - 0.35 * swell);
        self.filt_l.set(cutoff, 0.7, self.sr);
        self.filt_r.set(cutoff * 1.03, 0.7, self.sr);
        self.lfo = advance_phase(self.lfo, 0.05 * len as f32 / self.sr);
        let amp = p.level * 0.12 * (1.0 - p.swell * 0.5 * (1.0 + p.swell_value));

        // Releases start at the block in which a note's time runs out (≤ 1.3 ms late).
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
        let sounding = (0..NOTES).any(|n| self.env[n] > 0.0 || self.env_target[n] > 0.0);
        if !sounding && self.filt_l.quiet() && self.filt_r.quiet() {
            return;
        }

        // ... and widens the detune (the pad moves more at the top of the swell).
        let detune = 2f32.powf(p.detune_cents * (1.0 - 0.4 * swell) / 1200.0);
        let dt_a = self.freq.map(|f| (f / self.sr * detune).min(0.45));
        let dt_b = self.freq.map(|f| (f / self.sr / detune).min(0.45));
        let inv_a = dt_a.map(|d| 1.0 / d);
        let inv_b = dt_b.map(|d| 1.0 / d);
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            let mut lane_l = [0.0f32; NOTES];
            let mut lane_r = [0.0f32; NOTES];
            for n in 0..NOTES {
                let (e, target, step) = (self.env[n], self.env_target[n], self.env_step[n]);
                let e = if e < target {
                    (e + step).min(target)
                } else {
                    (e - step).max(target)
                };
                self.env[n] = e;
                let g = e * self.gain[n];
                lane_l[n] = blep_saw(self.phase_a[n], dt_a[n], inv_a[n]) * g;
                lane_r[n] = blep_saw(self.phase_b[n], dt_b[n], inv_b[n]) * g;
                self.phase_a[n] = advance_phase(self.phase_a[n], dt_a[n]);
                self.phase_b[n] = advance_phase(self.phase_b[n], dt_b[n]);
            }
            *yl = self.filt_l.tick(sum8(&lane_l)).0 * amp;
            *yr = self.filt_r.tick(sum8(&lane_r)).0 * amp;
        }
        bus.mix(start, &l[..len], &r[..len], p.send);
    }
}
