//! Ocean waves: each wave is an event (arriving every [`Ocean::mean_period_s`], ±20 %,
//! each its own size and place on the shore) with a swell envelope (the water rising: a
//! low rumble whose lowpass opens as it grows) and, from the crest, foam (a bright hiss
//! that bubbles and drains away). Waves overlap as the last one's foam runs out. Motion
//! shortens the period; texture makes the sea rougher.

use super::NatureParams;
use crate::synth::dsp::{NoiseRng, exp_fast};
use crate::synth::dsp_x4::{NoiseRng4, OnePole4, Svf4};
use crate::synth::voices::{Bus, MAX_BLOCK, pan_gains};
use wide::f32x4;

/// Lanes of the four-lane filters: the rumble left and right, the foam left and right.
const RUMBLE: f32x4 = f32x4::new([1.0, 1.0, 0.0, 0.0]);
const FOAM: f32x4 = f32x4::new([0.0, 0.0, 1.0, 1.0]);

const WAVES: usize = 4;

#[derive(Clone, Copy, Default)]
struct Wave {
    active: bool,
    /// Samples since it began, its rise to the crest and its foam's fall.
    t: f32,
    rise: f32,
    fall: f32,
    size: f32,
    pan: (f32, f32),
}

impl Wave {
    /// (swell, foam) now.
    fn envelopes(&self) -> (f32, f32) {
        if !self.active {
            return (0.0, 0.0);
        }
        if self.t < self.rise {
            let x = self.t / self.rise;
            let swell = x * x * (3.0 - 2.0 * x);
            (swell * self.size, 0.25 * swell * swell * self.size)
        } else {
            let after = (self.t - self.rise) / self.fall;
            let swell = exp_fast(-3.0 * after);
            // The foam bursts in over a fraction of a second, then drains.
            let burst = ((self.t - self.rise) / (0.03 * self.fall)).min(1.0);
            let foam = 0.25 + 0.75 * burst;
            (swell * self.size, foam * exp_fast(-2.2 * after) * self.size)
        }
    }
}

#[derive(Clone)]
pub struct Ocean {
    rng: NoiseRng,
    waves: [Wave; WAVES],
    until_next: f32,
    /// Per-lane envelope values at the end of the last block (ramped from).
    last: [f32; 4],
    noise: NoiseRng4,
    /// Lanes: brown noise left and right, the foam's fizz (a slow flutter), unused.
    slow: OnePole4,
    /// Lanes as [`RUMBLE`] and [`FOAM`].
    filters: Svf4,
    sr: f32,
}

impl Ocean {
    pub fn new(seed: u64, sr: f32) -> Self {
        let mut filters = Svf4::default();
        filters.set(2, 3200.0, 0.45, sr);
        filters.set(3, 3500.0, 0.45, sr);
        Ocean {
            rng: NoiseRng::new(seed),
            waves: [Wave::default(); WAVES],
            until_next: 0.5 * sr,
            last: [0.0; 4],
            noise: NoiseRng4::new(seed ^ 0x0CEA),
            slow: OnePole4::new([60.0, 60.0, 120.0, 60.0], sr),
            filters,
            sr,
        }
    }

    /// Mean seconds between waves at `motion`.
    pub fn mean_period_s(motion: f32) -> f32 {
        11.0 - 4.0 * motion.clamp(0.0, 1.0)
    }

    fn start_wave(&mut self, p: &NatureParams) {
        let period = Self::mean_period_s(p.motion) * self.sr;
        self.until_next = period * (0.8 + 0.4 * self.rng.unit());
        if let Some(w) = self.waves.iter_mut().find(|w| !w.active) {
            let u = self.rng.unit();
            *w = Wave {
                active: true,
                t: 0.0,
                rise: period * (0.4 + 0.1 * u),
                fall: period * (0.8 + 0.3 * self.rng.unit()),
                size: (0.55 + 0.45 * self.rng.unit()) * (0.8 + 0.4 * p.texture),
                pan: pan_gains(0.7 * self.rng.bipolar()),
            };
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
        self.until_next -= len as f32;
        if self.until_next <= 0.0 {
            self.start_wave(p);
        }
        let mut now = [0.0f32; 4];
        for w in &mut self.waves {
            w.t += len as f32;
            if w.active && w.t > w.rise + 3.0 * w.fall {
                w.active = false;
            }
            let (swell, foam) = w.envelopes();
            now[0] += swell * w.pan.0;
            now[1] += swell * w.pan.1;
            now[2] += foam * w.pan.0;
            now[3] += foam * w.pan.1;
        }
        let swell = 0.5 * (now[0] + now[1]);
        self.filters.set(0, 110.0 + 1100.0 * swell, 0.6, self.sr);
        self.filters.set(1, 115.0 + 1100.0 * swell, 0.6, self.sr);
        let step = 1.0 / len.min(MAX_BLOCK) as f32;
        let delta = (f32x4::new(now) - f32x4::new(self.last)) * step;
        let mut env = f32x4::new(self.last);
        let gains = RUMBLE * (level * 0.42 * 8.0) + FOAM * (level * 0.1);
        let send = p.send();
        for i in start..start + len {
            env += delta;
            let white = self.noise.bipolar();
            let slow = self.slow.tick(white);
            // The rumble filters brown noise; the foam, white noise fizzing.
            let fizz = 0.6 + 3.0 * slow.to_array()[2].abs();
            let input = slow * RUMBLE + white * FOAM;
            let (lp, bp) = self.filters.tick(input);
            let shaped = lp * RUMBLE + bp * FOAM * fizz;
            let [rl, rr, fl, fr] = (shaped * env * gains).to_array();
            bus.add(i, rl + fl, rr + fr, send);
        }
        self.last = now;
    }
}
