//! Sub/bass: a sine with a touch of second harmonic, soft attack, held for the chord.

use super::{ArEnv, Bus};
use crate::synth::dsp::sin_turns;

/// The bass voice (monophonic).
#[derive(Clone)]
pub struct Bass {
    phase: f32,
    freq: f32,
    env: ArEnv,
    remaining: u64,
    vel: f32,
    sr: f32,
}

impl Bass {
    pub fn new(sr: f32) -> Self {
        Bass {
            phase: 0.0,
            freq: 55.0,
            env: ArEnv::default(),
            remaining: 0,
            vel: 0.0,
            sr,
        }
    }

    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        self.freq = freq;
        self.vel = velocity;
        self.remaining = samples;
        self.env.go(1.0, 0.08 * self.sr);
    }

    pub fn render(&mut self, level: f32, bus: &mut Bus, start: usize, len: usize) {
        if self.env.idle() {
            return;
        }
        let dt = self.freq / self.sr;
        let g = level * 0.35 * self.vel;
        for i in start..start + len {
            if self.remaining == 0 {
                self.env.go(0.0, 0.6 * self.sr);
                self.remaining = u64::MAX; // release once
            } else if self.remaining != u64::MAX {
                self.remaining -= 1;
            }
            let e = self.env.tick();
            let y = (sin_turns(self.phase) + 0.25 * sin_turns(2.0 * self.phase)) * e * g;
            self.phase = (self.phase + dt).fract();
            bus.add(i, y, y, 0.05);
        }
    }
}
