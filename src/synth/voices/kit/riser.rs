//! The riser into a drop: noise through a band-pass whose centre climbs from 300 Hz to
//! 9 kHz over the riser's length, swelling as it climbs, cut (10 ms) at the downbeat it
//! leads to.

use crate::synth::dsp::{NoiseRng, Svf};

const FROM_HZ: f32 = 300.0;
const TO_HZ: f32 = 9000.0;
const Q: f32 = 2.5;
const CUT_S: f32 = 0.010;

#[derive(Clone)]
pub struct Riser {
    rng: NoiseRng,
    band: Svf,
    velocity: f32,
    /// Samples into the riser, and its length.
    at: u64,
    length: u64,
    /// Level after the cut.
    tail: f32,
    cut: f32,
    sr: f32,
}

impl Riser {
    pub fn new(seed: u64, sr: f32) -> Riser {
        Riser {
            rng: NoiseRng::new(seed),
            band: Svf::default(),
            velocity: 0.0,
            at: 0,
            length: 0,
            tail: 0.0,
            cut: (-1.0 / (CUT_S * sr)).exp(),
            sr,
        }
    }

    /// Rise over `length` samples.
    pub fn strike(&mut self, velocity: f32, length: u64) {
        self.velocity = velocity;
        self.at = 0;
        self.length = length.max(1);
        self.tail = 0.0;
    }

    pub fn sounding(&self) -> bool {
        self.at < self.length || self.tail > 1e-4
    }

    /// Add the next `out.len()` samples to `out` (the sweep's filter is set once per run
    /// of ≤ 64 samples, ~1 ms).
    pub fn render(&mut self, out: &mut [f32]) {
        if !self.sounding() {
            return;
        }
        let x = (self.at as f32 / self.length as f32).min(1.0);
        self.band
            .set(FROM_HZ * (TO_HZ / FROM_HZ).powf(x), Q, self.sr);
        let step = 1.0 / self.length as f32;
        for y in out.iter_mut() {
            let (_, band) = self.band.tick(self.rng.bipolar());
            let amp = if self.at < self.length {
                let x = self.at as f32 * step;
                self.at += 1;
                self.tail = self.velocity * x * x;
                self.tail
            } else {
                self.tail *= self.cut;
                self.tail
            };
            *y += band * amp;
        }
    }
}
