//! Soft bells and plucks for melody: two-operator FM with an inharmonic ratio and an
//! exponential decay whose modulation index falls faster than the level, so each note
//! starts bright and mellows.

use super::{Bus, pan_gains};
use crate::synth::dsp::sin_turns;

const VOICES: usize = 8;

#[derive(Clone, Default)]
struct Bell {
    car: f32,
    modu: f32,
    freq: f32,
    amp: f32,
    index: f32,
    decay: f32,
    pan: (f32, f32),
}

/// The bell voice bank.
#[derive(Clone)]
pub struct Bells {
    voices: [Bell; VOICES],
    next: usize,
    sr: f32,
}

/// Control-rate settings for bells.
#[derive(Clone, Copy)]
pub struct BellParams {
    pub level: f32,
    pub brightness: f32,
    pub decay_s: f32,
    pub send: f32,
}

impl Bells {
    pub fn new(sr: f32) -> Self {
        Bells {
            voices: std::array::from_fn(|_| Bell::default()),
            next: 0,
            sr,
        }
    }

    /// Strike a note.
    pub fn note_on(&mut self, freq: f32, velocity: f32, pan: f32, p: &BellParams) {
        let v = &mut self.voices[self.next];
        self.next = (self.next + 1) % VOICES;
        *v = Bell {
            car: 0.0,
            modu: 0.0,
            freq,
            amp: velocity,
            index: p.brightness * velocity,
            decay: (-1.0 / (p.decay_s * self.sr)).exp(),
            pan: pan_gains(pan),
        };
    }

    pub fn render(&mut self, p: &BellParams, bus: &mut Bus, start: usize, len: usize) {
        let level = p.level * 0.25;
        for v in self.voices.iter_mut() {
            // −60 dB below the strike (and ~−85 dBFS after the level): inaudible, stop computing.
            if v.amp < 1e-3 {
                v.amp = 0.0;
                continue;
            }
            let dc = v.freq / self.sr;
            let dm = dc * 3.5;
            let index_decay = v.decay * v.decay;
            for i in start..start + len {
                let m = sin_turns(v.modu) * v.index;
                let y = sin_turns(v.car + m * 0.16) * v.amp * level;
                v.car = (v.car + dc).fract();
                v.modu = (v.modu + dm).fract();
                v.amp *= v.decay;
                v.index *= index_decay;
                bus.add(i, y * v.pan.0, y * v.pan.1, p.send);
            }
        }
    }
}
