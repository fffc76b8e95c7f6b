//! Shaped noise for masking: pink or brown, decorrelated left/right, lowpassed, with
//! slow wind-like gusts. (Rain, wind as its own layer and the rest of nature are in
//! [`crate::synth::nature`].)

use super::Bus;
use crate::synth::dsp::{NoiseRng, OnePole, Pinkish, Svf, sin_turns};
use crate::synth::preset::NoiseColor;

/// The noise bed.
#[derive(Clone)]
pub struct NoiseBed {
    color: NoiseColor,
    rng_l: NoiseRng,
    rng_r: NoiseRng,
    pink_l: Pinkish,
    pink_r: Pinkish,
    brown_l: OnePole,
    brown_r: OnePole,
    lp_l: Svf,
    lp_r: Svf,
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
        let mut brown = OnePole::default();
        brown.set_cutoff(40.0, sr);
        NoiseBed {
            color,
            rng_l: NoiseRng::new(seed ^ 0x1111),
            rng_r: NoiseRng::new(seed ^ 0x2222_0000),
            pink_l: Pinkish::default(),
            pink_r: Pinkish::default(),
            brown_l: brown.clone(),
            brown_r: brown,
            lp_l: Svf::default(),
            lp_r: Svf::default(),
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
        let level = p.level * (1.0 + p.gust * 0.6 * g) * 0.6;
        self.lp_l
            .set(p.cutoff * (1.0 + p.gust * 0.4 * g), 0.6, self.sr);
        self.lp_r
            .set(p.cutoff * (1.0 + p.gust * 0.4 * g) * 0.97, 0.6, self.sr);
        for i in start..start + len {
            let (wl, wr) = (self.rng_l.bipolar(), self.rng_r.bipolar());
            let (nl, nr) = match self.color {
                NoiseColor::Pink => (self.pink_l.tick(wl), self.pink_r.tick(wr)),
                NoiseColor::Brown => (self.brown_l.tick(wl) * 6.0, self.brown_r.tick(wr) * 6.0),
            };
            let l = self.lp_l.tick(nl).0 * level;
            let r = self.lp_r.tick(nr).0 * level;
            bus.add(i, l, r, 0.15);
        }
    }
}
