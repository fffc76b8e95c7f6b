//! A stream over stones: a babble of bubbles (Minnaert resonances: each a short sine whose
//! pitch rises as it decays, van den Doel's model of running water), hundreds a second at
//! random pitches and places, over a low gurgle of band-passed noise whose level wanders.
//! Texture sets how much water runs; motion, how fast the babble changes.

use super::NatureParams;
use crate::synth::dsp::{NoiseRng, OnePole, Svf, sin_turns};
use crate::synth::voices::{Bus, MAX_BLOCK, pan_gains};

const BUBBLES: usize = 12;

#[derive(Clone, Copy, Default)]
struct Bubble {
    phase: f32,
    /// Cycles a sample, and its growth a sample (the rising pitch).
    dt: f32,
    rise: f32,
    amp: f32,
    decay: f32,
    pan: (f32, f32),
}

#[derive(Clone)]
pub struct Stream {
    rng: NoiseRng,
    bubbles: [Bubble; BUBBLES],
    next: usize,
    gurgle_l: Svf,
    gurgle_r: Svf,
    flow: OnePole,
    sr: f32,
}

impl Stream {
    pub fn new(seed: u64, sr: f32) -> Self {
        let (mut gurgle_l, mut gurgle_r) = (Svf::default(), Svf::default());
        gurgle_l.set(420.0, 1.2, sr);
        gurgle_r.set(470.0, 1.2, sr);
        Stream {
            rng: NoiseRng::new(seed),
            bubbles: [Bubble::default(); BUBBLES],
            next: 0,
            gurgle_l,
            gurgle_r,
            flow: OnePole::default(),
            sr,
        }
    }

    fn bubble(&mut self) {
        // Log-uniform pitch, weighted low (more large bubbles sound than small ones).
        let u = self.rng.unit();
        let hz = 350.0 * (3000.0f32 / 350.0).powf(u * u);
        // Smaller bubbles ring shorter (radius ∝ 1/f; damping grows with f).
        let t60 = (0.012 + 0.05 * (1.0 - u)) * (0.7 + 0.6 * self.rng.unit());
        let amp = 0.2 + 0.8 * self.rng.unit();
        self.bubbles[self.next] = Bubble {
            phase: 0.0,
            dt: hz / self.sr,
            // The pitch rises by about a quarter over the bubble's life.
            rise: (0.35f32 / (t60 * self.sr)).exp(),
            amp: amp * amp,
            decay: (-6.9078 / (t60 * self.sr)).exp(),
            pan: pan_gains(0.85 * self.rng.bipolar()),
        };
        self.next = (self.next + 1) % BUBBLES;
    }

    pub fn render(
        &mut self,
        level: f32,
        p: &NatureParams,
        bus: &mut Bus,
        start: usize,
        len: usize,
    ) {
        let block_rate = self.sr / MAX_BLOCK as f32;
        self.flow.set_cutoff(0.05 + 0.3 * p.motion, block_rate);
        let wander = self.flow.tick(self.rng.bipolar()) * (block_rate / 0.2).sqrt();
        let flow = ((0.4 + 0.6 * p.texture) * (1.0 + 0.35 * wander)).clamp(0.15, 1.4);
        let chance = 320.0 * flow / self.sr;
        let (babble, gurgle) = (level * 0.16, level * 0.09 * flow);
        let send = p.send();
        for i in start..start + len {
            if self.rng.unit() < chance {
                self.bubble();
            }
            let mut l = self.gurgle_l.tick(self.rng.bipolar()).1 * gurgle;
            let mut r = self.gurgle_r.tick(self.rng.bipolar()).1 * gurgle;
            for b in &mut self.bubbles {
                let x = sin_turns(b.phase) * b.amp * babble;
                b.phase += b.dt;
                b.phase -= if b.phase >= 1.0 { 1.0 } else { 0.0 };
                b.dt = (b.dt * b.rise).min(0.2);
                b.amp *= b.decay;
                l += x * b.pan.0;
                r += x * b.pan.1;
            }
            bus.add(i, l, r, send);
        }
    }
}
