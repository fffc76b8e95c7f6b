//! A stream over stones: a babble of bubbles (Minnaert resonances: each a short sine whose
//! pitch rises as it decays, van den Doel's model of running water), hundreds a second at
//! random pitches and places, over a low gurgle of band-passed noise whose level wanders.
//! Texture sets how much water runs; motion, how fast the babble changes.

use super::NatureParams;
use crate::synth::dsp::{NoiseRng, OnePole, Svf, sin_turns};
use crate::synth::voices::{Bus, MAX_BLOCK, pan_gains};

const BUBBLES: usize = 12;

/// The bubbles as lanes: each a decaying phasor whose rotation (its pitch) rises block by
/// block, so a sample costs two multiplies and two adds a bubble and the lanes vectorise.
#[derive(Clone, Copy, Default)]
struct Bubbles {
    re: [f32; BUBBLES],
    im: [f32; BUBBLES],
    c: [f32; BUBBLES],
    s: [f32; BUBBLES],
    /// Radians a sample, its growth a block, and the decay a sample.
    w: [f32; BUBBLES],
    rise: [f32; BUBBLES],
    decay: [f32; BUBBLES],
    pan_l: [f32; BUBBLES],
    pan_r: [f32; BUBBLES],
}

#[derive(Clone)]
pub struct Stream {
    rng: NoiseRng,
    bubbles: Bubbles,
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
            bubbles: Bubbles::default(),
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
        let k = self.next;
        let b = &mut self.bubbles;
        b.w[k] = std::f32::consts::TAU * hz / self.sr;
        // The pitch rises by about a quarter over the bubble's life.
        b.rise[k] = (0.35f32 * MAX_BLOCK as f32 / (t60 * self.sr)).exp();
        b.decay[k] = (-6.9078 / (t60 * self.sr)).exp();
        (b.re[k], b.im[k]) = (amp * amp, 0.0);
        (b.c[k], b.s[k]) = rotation(b.w[k], b.decay[k]);
        (b.pan_l[k], b.pan_r[k]) = pan_gains(0.85 * self.rng.bipolar());
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
        let (babble_gain, gurgle) = (level * 0.16, level * 0.09 * flow);
        // The bubbles' pitch rises once a block (the sine and cosine of each, not of each
        // sample; polynomial ones, so the lanes vectorise; a silent bubble's rotation is
        // left alone).
        let b = &mut self.bubbles;
        for k in 0..BUBBLES {
            let sounding = b.re[k].abs() + b.im[k].abs() > 1e-6;
            let w = if sounding {
                (b.w[k] * b.rise[k]).min(1.2)
            } else {
                b.w[k]
            };
            b.w[k] = w;
            (b.c[k], b.s[k]) = rotation(w, b.decay[k]);
        }
        let send = p.send();
        for i in start..start + len {
            if self.rng.unit() < chance {
                self.bubble();
            }
            let mut l = self.gurgle_l.tick(self.rng.bipolar()).1 * gurgle;
            let mut r = self.gurgle_r.tick(self.rng.bipolar()).1 * gurgle;
            let b = &mut self.bubbles;
            for k in 0..BUBBLES {
                let (re, im) = (b.re[k], b.im[k]);
                b.re[k] = re * b.c[k] - im * b.s[k];
                b.im[k] = re * b.s[k] + im * b.c[k];
            }
            // Summed in four fixed lanes (a running sum would not vectorise).
            let (mut bl, mut br) = ([0.0f32; 4], [0.0f32; 4]);
            for k in 0..BUBBLES {
                bl[k % 4] += b.im[k] * b.pan_l[k];
                br[k % 4] += b.im[k] * b.pan_r[k];
            }
            l += ((bl[0] + bl[2]) + (bl[1] + bl[3])) * babble_gain;
            r += ((br[0] + br[2]) + (br[1] + br[3])) * babble_gain;
            bus.add(i, l, r, send);
        }
    }
}

/// A phasor's rotation a sample at `w` radians, shrinking by `decay`: (c, s).
#[inline]
fn rotation(w: f32, decay: f32) -> (f32, f32) {
    let turns = w * (0.5 * std::f32::consts::FRAC_1_PI);
    (decay * sin_turns(turns + 0.25), decay * sin_turns(turns))
}
