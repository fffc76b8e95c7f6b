//! A crackling fire: a low roar (brown noise, lowpassed, flickering), a soft hiss, and
//! crackles: bursts of a few clicks milliseconds apart (heavy-tailed loudness, so a few
//! snap and most tick), with now and then a pop that rings in the wood. Texture sets how
//! lively the fire is; motion, how much it flickers.

use super::{NatureParams, Ring};
use crate::synth::dsp::{NoiseRng, OnePole, Svf};
use crate::synth::dsp_x4::{NoiseRng4, OnePole4, Svf4};
use crate::synth::rings::PoissonClock;
use crate::synth::voices::{Bus, MAX_BLOCK, pan_gains};
use wide::f32x4;

/// The lanes of the fire's four-lane noise and filters.
const ROAR_L: usize = 0;
const ROAR_R: usize = 1;
const HISS: usize = 2;
const CLICK: usize = 3;
/// The band-pass lane that gives the roar its body (fed both roars), in the filter bank
/// whose other lane is the hiss's.
const BODY: usize = 0;

#[derive(Clone)]
pub struct Fire {
    /// Events (crackles, pops, click spacing) draw from this one; the sound from `noise`.
    rng: NoiseRng,
    noise: NoiseRng4,
    /// The roars' lowpasses (lanes [`ROAR_L`], [`ROAR_R`]).
    roar: OnePole4,
    /// Band-passes: the body ([`BODY`]) and the hiss ([`HISS`]).
    bands: Svf4,
    click_hp: Svf,
    flicker: OnePole,
    crackle_clock: PoissonClock,
    pop_clock: PoissonClock,
    /// The click now sounding: its level, decay and place; clicks left in the burst and
    /// samples to the next.
    click: f32,
    click_decay: f32,
    click_pan: (f32, f32),
    burst_left: u32,
    until_click: f32,
    pop: Ring,
    pop_pan: (f32, f32),
    /// Bursts of crackles started since the fire was lit.
    bursts: u64,
    sr: f32,
}

impl Fire {
    pub fn new(seed: u64, sr: f32) -> Self {
        let mut bands = Svf4::default();
        bands.set(BODY, 160.0, 0.7, sr);
        bands.set(HISS, 2600.0, 0.6, sr);
        let mut click_hp = Svf::default();
        click_hp.set(2200.0, 0.8, sr);
        let mut rng = NoiseRng::new(seed);
        Fire {
            noise: NoiseRng4::new(seed ^ 0xF12E),
            roar: OnePole4::new([90.0; 4], sr),
            bands,
            click_hp,
            flicker: OnePole::default(),
            crackle_clock: PoissonClock::new(&mut rng),
            pop_clock: PoissonClock::new(&mut rng),
            rng,
            click: 0.0,
            click_decay: 0.0,
            click_pan: (0.7, 0.7),
            burst_left: 0,
            until_click: 0.0,
            pop: Ring::default(),
            pop_pan: (0.7, 0.7),
            bursts: 0,
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
        let (mut crackles, mut pops) = ([0usize; MAX_BLOCK], [0usize; MAX_BLOCK]);
        let crackle_chance = (3.0 + 14.0 * p.texture) / self.sr;
        let pop_chance = (0.08 + 0.25 * p.texture) / self.sr;
        let crackle_count =
            self.crackle_clock
                .events(crackle_chance, &mut crackles[..len], &mut self.rng);
        let pop_count = self
            .pop_clock
            .events(pop_chance, &mut pops[..len], &mut self.rng);
        let (mut crackles, mut pops) = (
            crackles[..crackle_count].iter().peekable(),
            pops[..pop_count].iter().peekable(),
        );
        let (roar, hiss, clicks) = (level * 0.6 * flicker, level * 0.02 * flicker, level * 0.33);
        let send = p.send() * 0.6;
        // The roar, its body and the hiss: every sample, no branches.
        let (mut l, mut r) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);
        let mut click_noise = [0.0f32; MAX_BLOCK];
        for ((yl, yr), cn) in l[..len].iter_mut().zip(&mut r[..len]).zip(&mut click_noise) {
            let noise = self.noise.bipolar();
            let roars = self.roar.tick(noise).to_array();
            let (rl, rr) = (roars[ROAR_L], roars[ROAR_R]);
            let n = noise.to_array();
            let mut input = [0.0f32; 4];
            (input[BODY], input[HISS]) = (rl + rr, n[HISS]);
            let band = self.bands.tick(f32x4::new(input)).1.to_array();
            let h = band[HISS] * hiss;
            *yl = (rl + 0.5 * band[BODY]) * roar + h;
            *yr = (rr + 0.5 * band[BODY]) * roar + h;
            *cn = n[CLICK];
        }
        // Crackles and pops: only while one sounds (most of the time none does).
        let quiet = self.burst_left == 0 && self.click < 1e-6 && self.click_hp.quiet();
        if !(quiet && crackles.peek().is_none() && pops.peek().is_none() && self.pop.quiet()) {
            for k in 0..len {
                self.crackle_and_pop(k, &mut crackles, &mut pops);
                // High-passed noise burst (an SVF's high-pass: input − k·band − low, k = 1/Q).
                let x = click_noise[k] * self.click;
                let (low, band) = self.click_hp.tick(x);
                let c = (x - 1.25 * band - low) * clicks;
                self.click *= self.click_decay;
                let pop = self.pop.tick() * clicks * 0.5;
                l[k] += c * self.click_pan.0 + pop * self.pop_pan.0;
                r[k] += c * self.click_pan.1 + pop * self.pop_pan.1;
            }
        }
        bus.mix(start, &l[..len], &r[..len], send);
    }

    /// Start what falls at sample `k`: a burst of crackles, a click of the burst, a pop.
    fn crackle_and_pop<'a>(
        &mut self,
        k: usize,
        crackles: &mut std::iter::Peekable<impl Iterator<Item = &'a usize>>,
        pops: &mut std::iter::Peekable<impl Iterator<Item = &'a usize>>,
    ) {
        if crackles.next_if_eq(&&k).is_some() && self.burst_left == 0 {
            self.burst_left = 1 + (self.rng.unit() * 6.0) as u32;
            self.bursts += 1;
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
        if pops.next_if_eq(&&k).is_some() {
            let hz = 180.0 + 500.0 * self.rng.unit();
            self.pop
                .strike(hz, 0.5 + 0.5 * self.rng.unit(), 0.06, self.sr);
            self.pop_pan = pan_gains(0.5 * self.rng.bipolar());
            self.click = 1.0;
            self.click_decay = (-1.0 / (0.004 * self.sr)).exp();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f32 = 48_000.0;

    /// A minute of the fire at `texture`: the bursts it started and its left channel.
    fn burn(texture: f32) -> (u64, Vec<f32>) {
        let p = NatureParams {
            texture,
            motion: 0.5,
            space: 0.3,
            sun_elevation: -20.0,
            sun_rising: false,
        };
        let mut fire = Fire::new(9, SR);
        let mut out = Vec::new();
        for _ in 0..(60.0 * SR) as usize / MAX_BLOCK {
            let mut bus = Bus::default();
            fire.render(1.0, &p, &mut bus, 0, MAX_BLOCK);
            out.extend_from_slice(&bus.l);
        }
        (fire.bursts, out)
    }

    #[test]
    fn crackles_come_in_bursts_at_the_rate_texture_sets() {
        let (calm, _) = burn(0.1);
        let (lively, x) = burn(0.9);
        // Crackles are due 3 + 14·texture times a second; one due while a burst is still
        // going is part of it. A burst of 1–6 clicks 2–32 ms apart is busy 2.5 × 17 ms on
        // average, so λ / (1 + λ·0.0425) bursts start a second.
        for (bursts, texture) in [(calm, 0.1), (lively, 0.9)] {
            let due = 3.0 + 14.0 * texture;
            let expected = 60.0 * due / (1.0 + due * 0.0425);
            let ratio = bursts as f32 / expected;
            assert!(
                (0.9..1.1).contains(&ratio),
                "{bursts} bursts at texture {texture}"
            );
        }
        // Heavy-tailed: the loudest clicks stand far above the typical 10 ms peak.
        let mut peaks: Vec<f32> = x
            .chunks(480)
            .map(|c| c.iter().fold(0.0f32, |m, v| m.max(v.abs())))
            .collect();
        peaks.sort_by(f32::total_cmp);
        let (median, top) = (peaks[peaks.len() / 2], peaks[peaks.len() - 1]);
        assert!(top > 4.0 * median, "loudest {top}, median {median}");
    }
}
