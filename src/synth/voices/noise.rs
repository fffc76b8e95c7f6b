//! Shaped noise for masking: pink or brown, decorrelated left/right, lowpassed, with
//! slow wind-like gusts and, for rain, sparse band-passed droplets.

use super::{Bus, pan_gains};
use crate::synth::dsp::{NoiseRng, OnePole, Pinkish, Svf, sin_turns};
use crate::synth::preset::NoiseColor;

/// The noise bed.
#[derive(Clone)]
pub struct NoiseBed {
    color: NoiseColor,
    rain: bool,
    rng_l: NoiseRng,
    rng_r: NoiseRng,
    rng_drop: NoiseRng,
    pink_l: Pinkish,
    pink_r: Pinkish,
    brown_l: OnePole,
    brown_r: OnePole,
    lp_l: Svf,
    lp_r: Svf,
    gust_phase: f32,
    drop: Svf,
    drop_amp: f32,
    drop_pan: (f32, f32),
    drop_decay: f32,
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
    pub fn new(color: NoiseColor, rain: bool, seed: u64, sr: f32) -> Self {
        let mut brown = OnePole::default();
        brown.set_cutoff(40.0, sr);
        NoiseBed {
            color,
            rain,
            rng_l: NoiseRng::new(seed ^ 0x1111),
            rng_r: NoiseRng::new(seed ^ 0x2222_0000),
            rng_drop: NoiseRng::new(seed ^ 0x3333_3333),
            pink_l: Pinkish::default(),
            pink_r: Pinkish::default(),
            brown_l: brown.clone(),
            brown_r: brown,
            lp_l: Svf::default(),
            lp_r: Svf::default(),
            gust_phase: 0.0,
            drop: Svf::default(),
            drop_amp: 0.0,
            drop_pan: (0.7, 0.7),
            drop_decay: (-1.0 / (0.012 * sr)).exp(),
            sr,
        }
    }

    pub fn render(&mut self, p: &NoiseParams, bus: &mut Bus, start: usize, len: usize) {
        if p.level <= 0.0 && self.drop_amp < 1e-4 {
            return;
        }
        // Gusts: two slow incommensurate sines shape level and cutoff.
        let g = 0.5 * (sin_turns(self.gust_phase) + sin_turns(self.gust_phase * 2.71));
        self.gust_phase = (self.gust_phase + 0.031 * len as f32 / self.sr) % 100.0;
        let level = p.level * (1.0 + p.gust * 0.6 * g) * 0.6;
        self.lp_l
            .set(p.cutoff * (1.0 + p.gust * 0.4 * g), 0.6, self.sr);
        self.lp_r
            .set(p.cutoff * (1.0 + p.gust * 0.4 * g) * 0.97, 0.6, self.sr);
        let drop_chance = 25.0 / self.sr;
        for i in start..start + len {
            let (wl, wr) = (self.rng_l.bipolar(), self.rng_r.bipolar());
            let (nl, nr) = match self.color {
                NoiseColor::Pink => (self.pink_l.tick(wl), self.pink_r.tick(wr)),
                NoiseColor::Brown => (self.brown_l.tick(wl) * 6.0, self.brown_r.tick(wr) * 6.0),
            };
            let mut l = self.lp_l.tick(nl).0 * level;
            let mut r = self.lp_r.tick(nr).0 * level;
            if self.rain {
                if self.rng_drop.unit() < drop_chance {
                    let f = 1500.0 + 4000.0 * self.rng_drop.unit();
                    self.drop.set(f, 8.0, self.sr);
                    self.drop_amp = 0.3 + 0.7 * self.rng_drop.unit();
                    self.drop_pan = pan_gains(self.rng_drop.bipolar());
                }
                if self.drop_amp > 1e-4 {
                    let d =
                        self.drop.tick(self.rng_drop.bipolar() * self.drop_amp).1 * p.level * 1.5;
                    self.drop_amp *= self.drop_decay;
                    l += d * self.drop_pan.0;
                    r += d * self.drop_pan.1;
                }
            }
            bus.add(i, l, r, 0.15);
        }
    }
}
