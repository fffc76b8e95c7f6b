//! Soft bells and plucks for melody: two-operator FM with an inharmonic ratio and an
//! exponential decay whose modulation index falls faster than the level, so each note
//! starts bright and mellows.
//!
//! The bank is stored as arrays per field (one lane per voice) so the per-sample loop
//! over voices is straight-line code the compiler vectorises; silent voices cost a lane,
//! not a branch.

use super::{Bus, MAX_BLOCK, StrikeParams, pan_gains};
use crate::synth::dsp::{advance_phase, sin_turns, sum8};

const VOICES: usize = 8;
/// Modulator frequency as a multiple of the carrier: inharmonic, bell-like.
const MOD_RATIO: f32 = 3.5;
/// Depth of the phase modulation in turns per unit of index.
const MOD_DEPTH: f32 = 0.16;

/// The bell voice bank.
#[derive(Clone)]
pub struct Bells {
    car: [f32; VOICES],
    modu: [f32; VOICES],
    car_step: [f32; VOICES],
    amp: [f32; VOICES],
    index: [f32; VOICES],
    decay: [f32; VOICES],
    pan_l: [f32; VOICES],
    pan_r: [f32; VOICES],
    next: usize,
    sr: f32,
}

impl Bells {
    pub fn new(sr: f32) -> Self {
        Bells {
            car: [0.0; VOICES],
            modu: [0.0; VOICES],
            car_step: [0.0; VOICES],
            amp: [0.0; VOICES],
            index: [0.0; VOICES],
            decay: [1.0; VOICES],
            pan_l: [0.0; VOICES],
            pan_r: [0.0; VOICES],
            next: 0,
            sr,
        }
    }

    /// Strike a note.
    pub fn note_on(&mut self, freq: f32, velocity: f32, pan: f32, p: &StrikeParams) {
        let v = self.next;
        self.next = (self.next + 1) % VOICES;
        let (pl, pr) = pan_gains(pan);
        self.car[v] = 0.0;
        self.modu[v] = 0.0;
        // Keep the modulator (3.5× the carrier) below Nyquist.
        self.car_step[v] = (freq / self.sr).min(0.14);
        self.amp[v] = velocity;
        self.index[v] = p.brightness * velocity;
        self.decay[v] = (-1.0 / (p.decay_s * self.sr)).exp();
        (self.pan_l[v], self.pan_r[v]) = (pl, pr);
    }

    pub fn render(&mut self, p: &StrikeParams, bus: &mut Bus, start: usize, len: usize) {
        // −60 dB below the strike (~−85 dBFS after the level) is inaudible: silence the lane.
        for a in self.amp.iter_mut() {
            if *a < 1e-3 {
                *a = 0.0;
            }
        }
        if self.amp.iter().all(|&a| a == 0.0) {
            return;
        }
        let level = p.level * 0.25;
        let index_decay = self.decay.map(|d| d * d);
        let mod_step = self.car_step.map(|s| s * MOD_RATIO);
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            let mut lane_l = [0.0f32; VOICES];
            let mut lane_r = [0.0f32; VOICES];
            for v in 0..VOICES {
                let m = sin_turns(self.modu[v]) * self.index[v];
                let y = sin_turns(self.car[v] + m * MOD_DEPTH) * self.amp[v];
                self.car[v] = advance_phase(self.car[v], self.car_step[v]);
                self.modu[v] = advance_phase(self.modu[v], mod_step[v]);
                self.amp[v] *= self.decay[v];
                self.index[v] *= index_decay[v];
                lane_l[v] = y * self.pan_l[v];
                lane_r[v] = y * self.pan_r[v];
            }
            *yl = sum8(&lane_l) * level;
            *yr = sum8(&lane_r) * level;
        }
        bus.mix(start, &l[..len], &r[..len], p.send);
    }
}
