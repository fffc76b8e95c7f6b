//! The pulse: for presets that tick, a shaker tick (band-passed noise burst) on the beat
//! grid; for the workout, the drum kit ([`super::kit`]).

use super::kit::Kit;
use super::{Bus, MAX_BLOCK};
use crate::preset::PulseKind;
use crate::synth::dsp::{NoiseRng, Svf};

/// The pulse voice.
#[derive(Clone)]
pub enum Pulse {
    None,
    Tick(Tick),
    Kit(Box<Kit>),
}

impl Pulse {
    pub fn new(kind: PulseKind, seed: u64, sr: f32) -> Self {
        match kind {
            PulseKind::None => Pulse::None,
            PulseKind::Tick => Pulse::Tick(Tick::new(seed, sr)),
            PulseKind::Kick => Pulse::Kit(Box::new(Kit::new(seed, sr))),
        }
    }

    /// Strike: the tick whatever the key; the kit's piece at General MIDI `key` (a riser
    /// lasting `samples`).
    pub fn strike(&mut self, key: i32, velocity: f32, samples: u64) {
        match self {
            Pulse::None => {}
            Pulse::Tick(t) => t.strike(velocity),
            Pulse::Kit(k) => k.strike(key, velocity, samples),
        }
    }

    pub fn render(&mut self, level: f32, bus: &mut Bus, start: usize, len: usize) {
        match self {
            Pulse::None => {}
            Pulse::Tick(t) => t.render(level, bus, start, len),
            Pulse::Kit(k) => k.render(level, bus, start, len),
        }
    }
}

/// A shaker tick: a band-passed noise burst.
#[derive(Clone)]
pub struct Tick {
    amp: f32,
    rng: NoiseRng,
    bp: Svf,
    decay: f32,
}

impl Tick {
    fn new(seed: u64, sr: f32) -> Self {
        let mut bp = Svf::default();
        bp.set(6500.0, 1.2, sr);
        Tick {
            amp: 0.0,
            rng: NoiseRng::new(seed),
            bp,
            decay: (-1.0 / (0.035 * sr)).exp(),
        }
    }

    fn strike(&mut self, velocity: f32) {
        self.amp = velocity;
    }

    fn render(&mut self, level: f32, bus: &mut Bus, start: usize, len: usize) {
        if self.amp < 1e-4 {
            return;
        }
        // Into a local run first, mixed in once (vectorised) rather than a sample at a time.
        let mut out = [0.0f32; MAX_BLOCK];
        for y_out in &mut out[..len] {
            let y = self.bp.tick(self.rng.bipolar()).1 * 0.8;
            *y_out = y * self.amp * level;
            self.amp *= self.decay;
        }
        bus.mix(start, &out[..len], &out[..len], 0.1);
    }
}
