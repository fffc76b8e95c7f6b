//! A crackling fire: a low roar (brown noise, lowpassed, flickering), a soft hiss, and
//! crackles: bursts of a few clicks milliseconds apart (heavy-tailed loudness, so a few
//! snap and most tick), with now and then a pop that rings in the wood. Texture sets how
//! lively the fire is; motion, how much it flickers.

use super::{NatureParams, Ring};
use crate::synth::dsp::{NoiseRng, OnePole, Svf};
use crate::synth::voices::{Bus, MAX_BLOCK, pan_gains};

#[derive(Clone)]
pub struct Fire {
    rng: NoiseRng,
    roar_l: OnePole,
    roar_r: OnePole,
    roar_tone: Svf,
    hiss: Svf,
    flicker: OnePole,
    /// The click now sounding: its level, decay and place; clicks left in the burst and
    /// samples to the next.
    click: f32,
    click_decay: f32,
    click_pan: (f32, f32),
    burst_left: u32,
    until_click: f32,
    click_hp: Svf,
    pop: Ring,
    pop_pan: (f32, f32),
    sr: f32,
}

impl Fire {
    pub fn new(seed: u64, sr: f32) -> Self {
        let mut roar = OnePole::default();
        roar.set_cutoff(90.0, sr);
        let mut roar_tone = Svf::default();
        roar_tone.set(160.0, 0.7, sr);
        let mut hiss = Svf::default();
        hiss.set(2600.0, 0.6, sr);
        let mut click_hp = Svf::default();
        click_hp.set(2200.0, 0.8, sr);
        Fire {
            rng: NoiseRng::new(seed),
            roar_l: roar.clone(),
            roar_r: roar,
            roar_tone,
            hiss,
            flicker: OnePole::default(),
            click: 0.0,
            click_decay: 0.0,
            click_pan: (0.7, 0.7),
            burst_left: 0,
            until_click: 0.0,
            click_hp,
            pop: Ring::default(),
            pop_pan: (0.7, 0.7),
            sr,
        }
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
        self.flicker.set_cutoff(0.5 + 2.5 * p.motion, block_rate);
        let f = self.flicker.tick(self.rng.bipolar()) * (block_rate / 2.0).sqrt();
        let flicker = (1.0 + 0.5 * f).clamp(0.3, 1.8);
        let crackles = (3.0 + 14.0 * p.texture) / self.sr;
        let pops = (0.08 + 0.25 * p.texture) / self.sr;
        let (roar, hiss, clicks) = (level * 0.6 * flicker, level * 0.02 * flicker, level * 0.33);
        let send = p.send() * 0.6;
        for i in start..start + len {
            if self.burst_left == 0 && self.rng.unit() < crackles {
                self.burst_left = 1 + (self.rng.unit() * 6.0) as u32;
                self.until_click = 0.0;
                self.click_pan = pan_gains(0.6 * self.rng.bipolar());
            }
            if self.burst_left > 0 {
                self.until_click -= 1.0;
                if self.until_click <= 0.0 {
                    let u = self.rng.unit();
                    self.click = u * u * u;
                    let ms = 0.2 + 1.5 * self.rng.unit();
                    self.click_decay = (-1.0 / (ms * 0.001 * self.sr)).exp();
                    self.burst_left -= 1;
                    self.until_click = (0.002 + 0.03 * self.rng.unit()) * self.sr;
                }
            }
            if self.rng.unit() < pops {
                let hz = 180.0 + 500.0 * self.rng.unit();
                self.pop
                    .strike(hz, 0.5 + 0.5 * self.rng.unit(), 0.06, self.sr);
                self.pop_pan = pan_gains(0.5 * self.rng.bipolar());
                self.click = 1.0;
                self.click_decay = (-1.0 / (0.004 * self.sr)).exp();
            }
            // High-passed noise burst (an SVF's high-pass: input − k·band − low, k = 1/Q).
            let x = self.rng.bipolar() * self.click;
            let (low, band) = self.click_hp.tick(x);
            let c = (x - 1.25 * band - low) * clicks;
            self.click *= self.click_decay;
            let pop = self.pop.tick() * clicks * 0.5;
            let rl = self.roar_l.tick(self.rng.bipolar());
            let rr = self.roar_r.tick(self.rng.bipolar());
            let body = self.roar_tone.tick(rl + rr).1;
            let h = self.hiss.tick(self.rng.bipolar()).1 * hiss;
            let l = (rl + 0.5 * body) * roar + h + c * self.click_pan.0 + pop * self.pop_pan.0;
            let r = (rr + 0.5 * body) * roar + h + c * self.click_pan.1 + pop * self.pop_pan.1;
            bus.add(i, l, r, send);
        }
    }
}
