//! Wind: brown-tinted noise through band-passes whose centre, width and level ride a
//! gust process (block-rate noise through two one-poles: a random, never-repeating swell
//! every few seconds), with a faint whistle of a narrow band at the strongest gusts.
//! Motion makes the gusts faster and deeper; texture, louder and brighter.

use super::NatureParams;
use crate::synth::dsp::{NoiseRng, OnePole, Svf};
use crate::synth::voices::{Bus, MAX_BLOCK};

#[derive(Clone)]
pub struct Wind {
    rng: NoiseRng,
    gust_rng: NoiseRng,
    tint_l: OnePole,
    tint_r: OnePole,
    band_l: Svf,
    band_r: Svf,
    whistle: Svf,
    gust_a: OnePole,
    gust_b: OnePole,
    /// Slow drift of the gust's place in the field.
    sway: OnePole,
    sr: f32,
}

impl Wind {
    pub fn new(seed: u64, sr: f32) -> Self {
        let mut tint = OnePole::default();
        tint.set_cutoff(900.0, sr);
        Wind {
            rng: NoiseRng::new(seed),
            gust_rng: NoiseRng::new(seed ^ 0x6057),
            tint_l: tint.clone(),
            tint_r: tint,
            band_l: Svf::default(),
            band_r: Svf::default(),
            whistle: Svf::default(),
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
        self.band_l.set(centre, 0.7 + 0.8 * g, self.sr);
        self.band_r.set(centre * 1.06, 0.7 + 0.8 * g, self.sr);
        self.whistle.set(700.0 + 900.0 * g, 9.0, self.sr);
        let amp = level * 0.5 * (0.7 + 0.6 * p.texture) * (0.15 + g * g);
        let (gl, gr) = (1.0 - 0.5 * pan, 1.0 + 0.5 * pan);
        let whistle = level * 0.12 * (g - 0.7).max(0.0);
        let send = p.send();
        for i in start..start + len {
            let nl = self.tint_l.tick(self.rng.bipolar());
            let nr = self.tint_r.tick(self.rng.bipolar());
            let w = self.whistle.tick(nl - nr).1 * whistle;
            let l = self.band_l.tick(nl).1 * amp * gl + w;
            let r = self.band_r.tick(nr).1 * amp * gr + w;
            bus.add(i, l, r, send);
        }
    }
}
