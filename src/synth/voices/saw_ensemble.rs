//! The sound source of the pad and the choir: per chord tone two band-limited saws a few
//! cents apart (one heard left, one right), with a slow linear attack and release. The
//! voices shape it afterwards (the pad with a lowpass, the choir with formants).
//!
//! The sounding notes are gathered into lanes of four for each block, and the per-sample
//! work (linear envelope, polyBLEP saws) runs across the lanes without branches.

use super::MAX_BLOCK;
use super::note_slots::NoteSlots;
use crate::synth::dsp::{MAX_DT, advance_phase_x4, blep_saw_x4};
use wide::f32x4;

pub const NOTES: usize = 8;

/// Up to [`NOTES`] chord tones of detuned saw pairs.
#[derive(Clone)]
pub struct SawEnsemble {
    notes: NoteSlots<NOTES>,
    phase_a: [f32; NOTES],
    phase_b: [f32; NOTES],
    attack_s: f32,
    release_s: f32,
    sr: f32,
}

impl SawEnsemble {
    /// Notes fade in over `attack_s` and out over `release_s` seconds.
    pub fn new(attack_s: f32, release_s: f32, sr: f32) -> Self {
        SawEnsemble {
            notes: NoteSlots::new(110.0, sr),
            // Spread start phases so a fresh chord does not begin phase-aligned.
            phase_a: std::array::from_fn(|i| (i as f32 * 0.37).fract()),
            phase_b: std::array::from_fn(|i| (i as f32 * 0.61 + 0.2).fract()),
            attack_s,
            release_s,
            sr,
        }
    }

    /// Start a chord tone lasting `samples`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        self.notes.start(freq, velocity, samples, self.attack_s);
    }

    /// Count `len` samples off the held notes, releasing those whose time ran out;
    /// whether any note still sounds.
    pub fn advance(&mut self, len: usize) -> bool {
        self.notes.advance(len, self.release_s);
        self.notes.any_sounding()
    }

    /// How many notes are held now (not releasing).
    pub fn held_count(&self) -> usize {
        self.notes.held_count()
    }

    /// No envelope is moving (every note fully in, or fully out).
    pub fn settled(&self) -> bool {
        self.notes.settled()
    }

    /// How much is sounding: the notes' enveloped velocities summed in power (as unrelated
    /// sounds add).
    pub fn level(&self) -> f32 {
        let power: f32 = self
            .notes
            .env
            .iter()
            .zip(&self.notes.gain)
            .map(|(e, g)| (e * g).powi(2))
            .sum();
        power.sqrt()
    }

    /// Write `len` samples of the left and right saws (detuned by `detune` up and down, as
    /// a frequency ratio) into `l` and `r`.
    pub fn render(
        &mut self,
        detune: f32,
        len: usize,
        l: &mut [f32; MAX_BLOCK],
        r: &mut [f32; MAX_BLOCK],
    ) {
        // Only sounding notes cost: they are gathered into lanes of four (made up with
        // silent notes, which play nothing), run, and put back.
        let mut order = [0usize; NOTES];
        let slots = &self.notes;
        let sounding = (0..NOTES).filter(|&n| slots.is_sounding(n));
        for (slot, n) in order.iter_mut().zip(
            sounding
                .clone()
                .chain((0..NOTES).filter(|&n| !slots.is_sounding(n))),
        ) {
            *slot = n;
        }
        let chunks = sounding.count().div_ceil(4);
        let lanes = |field: &[f32; NOTES], c: usize| {
            f32x4::new(std::array::from_fn(|k| field[order[4 * c + k]]))
        };
        let ends: [f32; NOTES] = std::array::from_fn(|n| slots.env_end(n, len));
        let denv: [f32; NOTES] = std::array::from_fn(|n| (ends[n] - slots.env[n]) / len as f32);
        let dt_a = slots.freq.map(|f| (f / self.sr * detune).min(MAX_DT));
        let dt_b = slots.freq.map(|f| (f / self.sr / detune).min(MAX_DT));
        let mut notes: [NoteLanes; 2] = std::array::from_fn(|c| NoteLanes {
            env: lanes(&slots.env, c),
            denv: lanes(&denv, c),
            gain: lanes(&slots.gain, c),
            phase_a: lanes(&self.phase_a, c),
            phase_b: lanes(&self.phase_b, c),
            dt_a: lanes(&dt_a, c),
            dt_b: lanes(&dt_b, c),
            inv_a: f32x4::ONE / lanes(&dt_a, c),
            inv_b: f32x4::ONE / lanes(&dt_b, c),
        });
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            let (mut acc_l, mut acc_r) = (f32x4::ZERO, f32x4::ZERO);
            for lanes in &mut notes[..chunks] {
                let (a, b) = lanes.tick();
                acc_l += a;
                acc_r += b;
            }
            *yl = acc_l.reduce_add();
            *yr = acc_r.reduce_add();
        }
        for (c, lanes) in notes[..chunks].iter().enumerate() {
            let (phase_a, phase_b) = (lanes.phase_a.to_array(), lanes.phase_b.to_array());
            for k in 0..4 {
                let n = order[4 * c + k];
                self.notes.env[n] = ends[n];
                self.phase_a[n] = phase_a[k];
                self.phase_b[n] = phase_b[k];
            }
        }
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
