//! Shaped noise for masking: pink or brown, decorrelated left/right, lowpassed, with
//! slow wind-like gusts. (Rain, wind as its own layer and the rest of nature are in
//! [`crate::synth::nature`].)

use super::Bus;
use crate::preset::NoiseColor;
use crate::synth::dsp::sin_turns;
use crate::synth::dsp_x4::{NoiseRng4, OnePole4, Pinkish4, Svf4};
use wide::f32x4;

/// The noise bed. Left and right are two lanes of four-lane filters (the other two idle):
/// one vector step does both channels' work.
#[derive(Clone)]
pub struct NoiseBed {
    color: NoiseColor,
    rng: NoiseRng4,
    pink: Pinkish4,
    brown: OnePole4,
    lowpass: Svf4,
    gust_phase: f32,
    sr: f32,
}

/// Control-rate settings for the noise bed.
#[derive(Clone, Copy)]
pub struct NoiseParams {
    pub level: f32,
    pub cutoff: f32,
    pub gust: f32,
}

impl NoiseBed {
    pub fn new(color: NoiseColor, seed: u64, sr: f32) -> Self {
        NoiseBed {
            color,
            rng: NoiseRng4::new(seed),
            pink: Pinkish4::default(),
            brown: OnePole4::new([40.0; 4], sr),
            lowpass: Svf4::default(),
            gust_phase: 0.0,
            sr,
        }
    }

    pub fn render(&mut self, p: &NoiseParams, bus: &mut Bus, start: usize, len: usize) {
        if p.level <= 0.0 {
            return;
        }
        // Gusts: two slow incommensurate sines shape level and cutoff.
        let g = 0.5 * (sin_turns(self.gust_phase) + sin_turns(self.gust_phase * 2.71));
        self.gust_phase = (self.gust_phase + 0.031 * len as f32 / self.sr) % 100.0;
        let level = f32x4::splat(p.level * (1.0 + p.gust * 0.6 * g) * 0.6);
        let cutoff = p.cutoff * (1.0 + p.gust * 0.4 * g);
        self.lowpass.set(0, cutoff, 0.6, self.sr);
        self.lowpass.set(1, cutoff * 0.97, 0.6, self.sr);
        let mut out = [f32x4::ZERO; super::MAX_BLOCK];
        match self.color {
            NoiseColor::Pink => {
                for y in &mut out[..len] {
                    let white = self.rng.bipolar();
                    *y = self.lowpass.tick(self.pink.tick(white)).0 * level;
                }
            }
            NoiseColor::Brown => {
                let six = f32x4::splat(6.0);
                for y in &mut out[..len] {
                    let white = self.rng.bipolar();
                    *y = self.lowpass.tick(self.brown.tick(white) * six).0 * level;
                }
            }
        }
        for (k, y) in out[..len].iter().enumerate() {
            let [l, r, _, _] = y.to_array();
            bus.add(start + k, l, r, 0.15);
        }
    }
}
