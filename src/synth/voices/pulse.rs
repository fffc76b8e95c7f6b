//! Soft percussion: a low thump (sine with a falling pitch) or a shaker tick
//! (band-passed noise burst), struck by the composer on the beat grid.

use super::{Bus, MAX_BLOCK};
use crate::preset::PulseKind;
use crate::synth::dsp::{NoiseRng, Svf, advance_phase, sin_turns};

/// The pulse voice.
#[derive(Clone)]
pub struct Pulse {
    kind: PulseKind,
    phase: f32,
    amp: f32,
    pitch: f32,
    rng: NoiseRng,
    bp: Svf,
    decay: f32,
    sr: f32,
}

impl Pulse {
    pub fn new(kind: PulseKind, seed: u64, sr: f32) -> Self {
        let mut bp = Svf::default();
        bp.set(6500.0, 1.2, sr);
        let decay_s = if kind == PulseKind::Kick { 0.18 } else { 0.035 };
        Pulse {
            kind,
            phase: 0.0,
            amp: 0.0,
            pitch: 0.0,
            rng: NoiseRng::new(seed),
            bp,
            decay: (-1.0 / (decay_s * sr)).exp(),
            sr,
        }
    }

    pub fn strike(&mut self, velocity: f32) {
        self.amp = velocity;
        self.pitch = 1.0;
        self.phase = 0.0;
    }

    pub fn render(&mut self, level: f32, bus: &mut Bus, start: usize, len: usize) {
        if self.amp < 1e-4 {
            return;
        }
        // Into a local run first, mixed in once (vectorised) rather than a sample at a time.
        let mut out = [0.0f32; MAX_BLOCK];
        for y_out in &mut out[..len] {
            let y = match self.kind {
                PulseKind::Kick => {
                    let f = 48.0 + 70.0 * self.pitch;
                    self.pitch *= 0.9990;
                    self.phase = advance_phase(self.phase, f / self.sr);
                    sin_turns(self.phase) * 0.9
                }
                PulseKind::Tick => self.bp.tick(self.rng.bipolar()).1 * 0.8,
                PulseKind::None => 0.0,
            };
            *y_out = y * self.amp * level;
            self.amp *= self.decay;
        }
        bus.mix(start, &out[..len], &out[..len], 0.1);
    }
}
