//! Evolving pad: per note two detuned band-limited saws spread left/right, slow
//! attack and release, through a lowpass whose cutoff breathes with a slow LFO, with
//! the slow swell ([`crate::synth::swell`]) on its level, brightness and detune.
//!
//! The sounding notes are gathered into lanes of four for each block, and the per-sample
//! work (linear envelope, polyBLEP saws) runs across the lanes without branches.

use super::{Bus, MAX_BLOCK};
use crate::synth::dsp::{Svf, advance_phase, advance_phase_x4, blep_saw_x4, exp_fast, sin_turns};
use wide::f32x4;

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
        let detune =
            exp_fast(p.detune_cents * (1.0 - 0.4 * swell) * (std::f32::consts::LN_2 / 1200.0));
        // Only sounding notes cost: they are gathered into lanes of four (made up with
        // silent notes, which play nothing), run, and put back.
        let mut order = [0usize; NOTES];
        let is_sounding = |n: usize| self.env[n] > 0.0 || self.env_target[n] > 0.0;
        let sounding = (0..NOTES).filter(|&n| is_sounding(n));
        for (slot, n) in order.iter_mut().zip(
            sounding
                .clone()
                .chain((0..NOTES).filter(|&n| !is_sounding(n))),
        ) {
            *slot = n;
        }
        let chunks = sounding.count().div_ceil(4);
        let lanes = |field: &[f32; NOTES], c: usize| {
            f32x4::new(std::array::from_fn(|k| field[order[4 * c + k]]))
        };
        // Each envelope's line through the block (clamped at its target; a target reached
        // mid-block is reached at the block's end instead, ≤ 1.3 ms late).
        let ends: [f32; NOTES] = std::array::from_fn(|n| {
            let (e, t, s) = (
                self.env[n],
                self.env_target[n],
                self.env_step[n] * len as f32,
            );
            if e < t {
                (e + s).min(t)
            } else {
                (e - s).max(t)
            }
        });
        let denv: [f32; NOTES] = std::array::from_fn(|n| (ends[n] - self.env[n]) / len as f32);
        let dt_a = self.freq.map(|f| (f / self.sr * detune).min(0.45));
        let dt_b = self.freq.map(|f| (f / self.sr / detune).min(0.45));
        let mut notes: [NoteLanes; 2] = std::array::from_fn(|c| NoteLanes {
            env: lanes(&self.env, c),
            denv: lanes(&denv, c),
            gain: lanes(&self.gain, c),
            phase_a: lanes(&self.phase_a, c),
            phase_b: lanes(&self.phase_b, c),
            dt_a: lanes(&dt_a, c),
            dt_b: lanes(&dt_b, c),
            inv_a: f32x4::ONE / lanes(&dt_a, c),
            inv_b: f32x4::ONE / lanes(&dt_b, c),
        });
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            let (mut acc_l, mut acc_r) = (f32x4::ZERO, f32x4::ZERO);
            for lanes in &mut notes[..chunks] {
                let (a, b) = lanes.tick();
                acc_l += a;
                acc_r += b;
            }
            *yl = self.filt_l.tick(acc_l.reduce_add()).0 * amp;
            *yr = self.filt_r.tick(acc_r.reduce_add()).0 * amp;
        }
        for (c, lanes) in notes[..chunks].iter().enumerate() {
            let (phase_a, phase_b) = (lanes.phase_a.to_array(), lanes.phase_b.to_array());
            for k in 0..4 {
                let n = order[4 * c + k];
                self.env[n] = ends[n];
                self.phase_a[n] = phase_a[k];
                self.phase_b[n] = phase_b[k];
            }
        }
        bus.mix(start, &l[..len], &r[..len], p.send);
    }
}

/// Four notes' state for a block: a lane a note.
struct NoteLanes {
    env: f32x4,
    /// The envelope's change a sample.
    denv: f32x4,
    gain: f32x4,
    phase_a: f32x4,
    phase_b: f32x4,
    dt_a: f32x4,
    dt_b: f32x4,
    inv_a: f32x4,
    inv_b: f32x4,
}

impl NoteLanes {
    /// One sample: the four notes' left and right saws, enveloped.
    #[inline]
    fn tick(&mut self) -> (f32x4, f32x4) {
        let e = self.env + self.denv;
        self.env = e;
        let g = e * self.gain;
        let a = blep_saw_x4(self.phase_a, self.dt_a, self.inv_a) * g;
        let b = blep_saw_x4(self.phase_b, self.dt_b, self.inv_b) * g;
        self.phase_a = advance_phase_x4(self.phase_a, self.dt_a);
        self.phase_b = advance_phase_x4(self.phase_b, self.dt_b);
        (a, b)
    }
}
