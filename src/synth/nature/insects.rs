//! Night insects: a few crickets, each its own carrier (3.6–5.2 kHz), pulse rate and chirp
//! length, chirping in groups of pulses with its own wandering rhythm and now and then a
//! rest, over a faint shimmer of distant ones. They sing in the dark: full below civil
//! twilight, fading to a few as the sun climbs. Texture sets how many are heard; motion,
//! how fast they chirp (as warmth would, Dolbear's law).

use super::NatureParams;
use crate::synth::dsp::{NoiseRng, Svf, advance_phase, sin_turns};
use crate::synth::voices::{Bus, pan_gains};

const CRICKETS: usize = 3;

#[derive(Clone, Copy, Default)]
struct Cricket {
    carrier: f32,
    phase: f32,
    /// Pulse length and period (samples), pulses a chirp.
    pulse_len: f32,
    pulse_period: f32,
    pulses: u32,
    /// Position in the current chirp (samples), and the wait before the next.
    t: f32,
    wait: f32,
    chirp_gap: f32,
    level: f32,
    pan: (f32, f32),
}

#[derive(Clone)]
pub struct Insects {
    rng: NoiseRng,
    crickets: [Cricket; CRICKETS],
    shimmer: Svf,
    shimmer_phase: f32,
    sr: f32,
}

/// How much the insects sing at a solar elevation (degrees): 1 in the dark, a few by day.
pub fn night_chorus(elevation_deg: f32) -> f32 {
    let x = ((elevation_deg + 6.0) / 16.0).clamp(0.0, 1.0);
    1.0 - 0.85 * x * x * (3.0 - 2.0 * x)
}

impl Insects {
    pub fn new(seed: u64, sr: f32) -> Self {
        let mut rng = NoiseRng::new(seed);
        let crickets = std::array::from_fn(|k| {
            let pulse_hz = 28.0 + 20.0 * rng.unit();
            Cricket {
                carrier: 3600.0 + 1600.0 * rng.unit(),
                phase: 0.0,
                pulse_len: 0.55 * sr / pulse_hz,
                pulse_period: sr / pulse_hz,
                pulses: 3 + (rng.unit() * 4.0) as u32,
                t: 0.0,
                wait: sr * (0.3 + k as f32),
                chirp_gap: sr * (0.35 + 0.6 * rng.unit()),
                level: [1.0, 0.6, 0.4][k],
                pan: pan_gains([-0.5, 0.6, 0.1][k] + 0.2 * rng.bipolar()),
            }
        });
        let mut shimmer = Svf::default();
        shimmer.set(6800.0, 5.0, sr);
        Insects {
            rng,
            crickets,
            shimmer,
            shimmer_phase: 0.0,
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
        let chorus = night_chorus(p.sun_elevation);
        let amp = level * 0.056 * chorus;
        let heard = 1 + (p.texture * (CRICKETS - 1) as f32).round() as usize;
        let tempo = 0.75 + 0.5 * p.motion;
        let shimmer = level * 0.056 * chorus * (0.4 + 0.6 * p.texture);
        let send = p.send();
        for i in start..start + len {
            let (mut l, mut r) = (0.0, 0.0);
            for c in self.crickets[..heard].iter_mut() {
                if c.wait > 0.0 {
                    c.wait -= tempo;
                    continue;
                }
                let in_pulse = c.t % c.pulse_period;
                if in_pulse < c.pulse_len {
                    let env = sin_turns(0.5 * in_pulse / c.pulse_len);
                    let x = sin_turns(c.phase) * env * env * c.level * amp;
                    l += x * c.pan.0;
                    r += x * c.pan.1;
                }
                c.phase = advance_phase(c.phase, c.carrier / self.sr);
                c.t += tempo;
                if c.t >= c.pulse_period * c.pulses as f32 {
                    c.t = 0.0;
                    // The next chirp: a wandering gap, and one in twenty times a rest.
                    let rest = if self.rng.unit() < 0.05 {
                        self.sr * (2.0 + 6.0 * self.rng.unit())
                    } else {
                        0.0
                    };
                    c.wait = c.chirp_gap * (0.85 + 0.3 * self.rng.unit()) + rest;
                }
            }
            // Distant ones: a narrow band of noise, pulsing at about 50 Hz.
            self.shimmer_phase = advance_phase(self.shimmer_phase, 50.0 / self.sr);
            let s = self.shimmer.tick(self.rng.bipolar()).1
                * shimmer
                * (0.5 + 0.5 * sin_turns(self.shimmer_phase));
            bus.add(i, l + s, r + s * 0.9, send);
        }
    }
}
