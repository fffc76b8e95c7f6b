//! Wind: brown-tinted noise through band-passes whose centre, width and level ride a
//! gust process (block-rate noise through two one-poles: a random, never-repeating swell
//! every few seconds), with a faint whistle of a narrow band at the strongest gusts.
//! Motion makes the gusts faster and deeper; texture, louder and brighter.

use super::NatureParams;
use crate::synth::dsp::{NoiseRng, OnePole};
use crate::synth::dsp_x4::{NoiseRng4, OnePole4, Svf4};
use crate::synth::voices::{Bus, MAX_BLOCK};
use wide::f32x4;

#[derive(Clone)]
pub struct Wind {
    /// Lanes: the left band, the right band, the whistle (and one unused).
    rng: NoiseRng4,
    tint: OnePole4,
    bands: Svf4,
    gust_rng: NoiseRng,
    gust_a: OnePole,
    gust_b: OnePole,
    /// Slow drift of the gust's place in the field.
    sway: OnePole,
    sr: f32,
}

impl Wind {
    pub fn new(seed: u64, sr: f32) -> Self {
        Wind {
            rng: NoiseRng4::new(seed),
            tint: OnePole4::new([900.0; 4], sr),
            bands: Svf4::default(),
            gust_rng: NoiseRng::new(seed ^ 0x6057),
            gust_a: OnePole::default(),
            gust_b: OnePole::default(),
            sway: OnePole::default(),
            sr,
        }
    }

    /// The gust's strength now, 0..1 (one block-rate step).
    fn gust(&mut self, p: &NatureParams) -> (f32, f32) {
        let block_rate = self.sr / MAX_BLOCK as f32;
        let hz = 0.04 + 0.16 * p.motion;
        self.gust_a.set_cutoff(hz, block_rate);
        self.gust_b.set_cutoff(hz, block_rate);
        self.sway.set_cutoff(0.02, block_rate);
        // Two one-poles over white noise: a random swell; scaled back to about ±1.
        let x = self.gust_b.tick(self.gust_a.tick(self.gust_rng.bipolar()));
        let scale = (block_rate / hz).sqrt() * 0.9;
        let g = (0.5 + (0.35 + 0.25 * p.motion) * x * scale).clamp(0.0, 1.0);
        let pan = (self.sway.tick(self.gust_rng.bipolar()) * (block_rate / 0.02).sqrt() * 0.6)
            .clamp(-0.8, 0.8);
        (g, pan)
    }

    pub fn render(
        &mut self,
        level: f32,
        p: &NatureParams,
        bus: &mut Bus,
        start: usize,
        len: usize,
    ) {
        let (g, pan) = self.gust(p);
        let centre = (250.0 + 700.0 * g) * (0.8 + 0.5 * p.texture);
        let q = 0.7 + 0.8 * g;
        self.bands.set(0, centre, q, self.sr);
        self.bands.set(1, centre * 1.06, q, self.sr);
        self.bands.set(2, 700.0 + 900.0 * g, 9.0, self.sr);
        let amp = level * 0.5 * (0.7 + 0.6 * p.texture) * (0.15 + g * g);
        let (gl, gr) = (1.0 - 0.5 * pan, 1.0 + 0.5 * pan);
        // The whistle's noise is its own lane (√2: it was the difference of two).
        let whistle = level * 0.12 * std::f32::consts::SQRT_2 * (g - 0.7).max(0.0);
        let gains = f32x4::new([amp * gl, amp * gr, whistle, 0.0]);
        let send = p.send();
        for i in start..start + len {
            let noise = self.tint.tick(self.rng.bipolar());
            let [l, r, w, _] = (self.bands.tick(noise).1 * gains).to_array();
            bus.add(i, l + w, r + w, send);
        }
    }
}
