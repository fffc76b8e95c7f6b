//! Sub/bass: a sine with a touch of second harmonic, soft attack, held for the chord.

use super::{ArEnv, Bus, MAX_BLOCK};
use crate::synth::dsp::sin_turns;

/// A note past its release point (or never started).
const RELEASED: u64 = u64::MAX;

/// The bass voice (monophonic).
#[derive(Clone)]
pub struct Bass {
    phase: f32,
    freq: f32,
    env: ArEnv,
    remaining: u64,
    vel: f32,
    /// This note's release, samples.
    release: f32,
    sr: f32,
}

/// A held note's attack and release, seconds; a short note (a groove's eighths) gets at
/// most a tenth of its length to rise and its length to fall, so it pumps instead of
/// smearing into the next (notes of 0.8 s and longer sound as they always did).
const ATTACK_S: f32 = 0.08;
const RELEASE_S: f32 = 0.6;
const SHORTEST_ATTACK_S: f32 = 0.004;
const SHORTEST_RELEASE_S: f32 = 0.03;

impl Bass {
    pub fn new(sr: f32) -> Self {
        Bass {
            phase: 0.0,
            freq: 55.0,
            env: ArEnv::default(),
            remaining: 0,
            vel: 0.0,
            release: RELEASE_S * sr,
            sr,
        }
    }

    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        self.freq = freq;
        self.vel = velocity;
        self.remaining = samples;
        let (sr, len) = (self.sr, samples as f32);
        let attack = (0.1 * len).clamp(SHORTEST_ATTACK_S * sr, ATTACK_S * sr);
        self.release = len.clamp(SHORTEST_RELEASE_S * sr, RELEASE_S * sr);
        self.env.go(1.0, attack);
    }

    pub fn render(&mut self, level: f32, bus: &mut Bus, start: usize, len: usize) {
        if self.env.idle() {
            return;
        }
        // The release starts at the block in which the note's time runs out (≤ 1.3 ms late).
        if self.remaining != RELEASED {
            if self.remaining <= len as u64 {
                self.env.go(0.0, self.release);
                self.remaining = RELEASED;
            } else {
                self.remaining -= len as u64;
            }
        }
        let dt = self.freq / self.sr;
        let g = level * 0.35 * self.vel;
        let mut env = [0.0f32; MAX_BLOCK];
        self.env.fill(&mut env[..len]);
        if g <= 0.0 {
            // Muted (a preset without a bass, or the listener's mix): keep time, skip the sound.
            let end = self.phase + dt * len as f32;
            self.phase = end - (end as i32) as f32;
            return;
        }
        let mut y = [0.0f32; MAX_BLOCK];
        // Phase in closed form per sample (not accumulated) so the loop vectorises.
        for (k, (y, e)) in y[..len].iter_mut().zip(&env[..len]).enumerate() {
            let phase = self.phase + dt * k as f32;
            *y = (sin_turns(phase) + 0.25 * sin_turns(2.0 * phase)) * e * g;
        }
        let end = self.phase + dt * len as f32;
        self.phase = end - (end as i32) as f32;
        bus.mix(start, &y[..len], &y[..len], 0.05);
    }
}
