//! Rain on a surface: a steady hiss shaped by the surface, and drops, each a decaying
//! mode struck at a random time (Poisson), pitch, loudness (heavy-tailed: most drops are
//! small) and place. Leaves: dense, light, high ticks; a roof: fewer, lower, ringing
//! drops over a low hiss; a window: sparse glassy taps and a bright hiss. Texture sets how
//! hard it rains; motion, how much the rate wanders.

use super::NatureParams;
pub use crate::preset::nature::Surface;
use crate::synth::dsp::{NoiseRng, OnePole};
use crate::synth::dsp_x4::{NoiseRng4, Svf4};
use crate::synth::rings::{PoissonClock, RingBank};
use crate::synth::voices::{Bus, MAX_BLOCK, pan_gains};
use wide::f32x4;

struct SurfaceSound {
    /// Drops a second at full texture.
    rate: f32,
    /// Drop pitch range (Hz) and ring time (s).
    pitch: (f32, f32),
    t60: (f32, f32),
    drop_gain: f32,
    /// Hiss band centre, Q and gain.
    hiss: (f32, f32, f32),
}

/// How rain on `surface` sounds.
fn sound(surface: Surface) -> SurfaceSound {
    match surface {
        Surface::Leaves => SurfaceSound {
            rate: 260.0,
            pitch: (1800.0, 6500.0),
            t60: (0.008, 0.025),
            drop_gain: 0.35,
            hiss: (5200.0, 0.5, 0.22),
        },
        Surface::Roof => SurfaceSound {
            rate: 120.0,
            pitch: (450.0, 2200.0),
            t60: (0.03, 0.09),
            drop_gain: 0.5,
            hiss: (1800.0, 0.6, 0.16),
        },
        Surface::Window => SurfaceSound {
            rate: 45.0,
            pitch: (2600.0, 7000.0),
            t60: (0.015, 0.05),
            drop_gain: 0.6,
            hiss: (6500.0, 0.8, 0.12),
        },
    }
}

#[derive(Clone)]
pub struct Rain {
    surface: Surface,
    rng: NoiseRng,
    /// The hiss, left and right, in the first two lanes.
    noise: NoiseRng4,
    hiss: Svf4,
    drops: RingBank<2>,
    clock: PoissonClock,
    wander: OnePole,
    sr: f32,
}

impl Rain {
    pub fn new(surface: Surface, seed: u64, sr: f32) -> Self {
        let s = sound(surface);
        let mut hiss = Svf4::default();
        hiss.set(0, s.hiss.0, s.hiss.1, sr);
        hiss.set(1, s.hiss.0 * 1.04, s.hiss.1, sr);
        let mut rng = NoiseRng::new(seed);
        let mut wander = OnePole::default();
        wander.set_cutoff(0.05, sr / MAX_BLOCK as f32);
        Rain {
            surface,
            clock: PoissonClock::new(&mut rng),
            rng,
            noise: NoiseRng4::new(seed ^ 0x4A17),
            hiss,
            drops: RingBank::default(),
            wander,
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
        let s = sound(self.surface);
        let block_rate = self.sr / MAX_BLOCK as f32;
        let drift = self.wander.tick(self.rng.bipolar()) * (block_rate / 0.05).sqrt();
        let intensity =
            ((0.35 + 0.65 * p.texture) * (1.0 + 0.4 * p.motion * drift)).clamp(0.1, 1.3);
        let chance = s.rate * intensity / self.sr;
        let hiss = level * s.hiss.2 * intensity;
        let drop_level = level * s.drop_gain;
        let send = p.send();
        // Where drops fall in this block, then one pass: the drops' phasors ring beside
        // the hiss's filter, whose samples wait on each other (the ringing fills that wait).
        let mut falls = [0usize; MAX_BLOCK];
        let count = self.clock.events(chance, &mut falls[..len], &mut self.rng);
        let mut next = 0;
        let hiss = f32x4::new([hiss, hiss, 0.0, 0.0]);
        for (j, i) in (start..start + len).enumerate() {
            if next < count && falls[next] == j {
                let u = self.rng.unit();
                let hz = s.pitch.0 * (s.pitch.1 / s.pitch.0).powf(self.rng.unit());
                let t60 = s.t60.0 + (s.t60.1 - s.t60.0) * self.rng.unit();
                let pan = pan_gains(0.9 * self.rng.bipolar());
                self.drops.strike(hz, u * u * u, t60, pan, self.sr);
                next += 1;
            }
            let (dl, dr) = self.drops.tick();
            let [hl, hr, _, _] = (self.hiss.tick(self.noise.bipolar()).1 * hiss).to_array();
            bus.add(i, hl + dl * drop_level, hr + dr * drop_level, send);
        }
    }
}
