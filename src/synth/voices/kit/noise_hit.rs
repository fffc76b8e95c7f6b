//! The kit's noise instruments: snare, clap, hats, shaker, crash. Each is white noise
//! shaped by a band-pass (its colour) and a high-pass (how thin it is), under a decaying
//! envelope; the snare adds its drum's two modes, the clap strikes three times before its
//! tail, the shaker swells in over a few milliseconds. Noise has no partials to fold, so
//! the kit's high end is alias-free by construction.

use crate::synth::dsp::{NoiseRng, OnePole, Svf, advance_phase, sin_turns};

/// How a noise hit is built.
#[derive(Clone, Copy)]
pub struct HitShape {
    /// The colour: band-pass centre (Hz) and Q, and its share of the sound (the rest is
    /// the high-passed noise).
    pub band_hz: f32,
    pub band_q: f32,
    pub band_share: f32,
    /// High-pass corner, Hz.
    pub high_hz: f32,
    /// Seconds for the envelope to fall by 1/e.
    pub decay_s: f32,
    /// Seconds to swell in (0: struck).
    pub attack_s: f32,
    /// Strikes before the tail (a clap's hands), 10 ms apart.
    pub strikes: u32,
    /// The drum under it: two sine modes (Hz; 0: none) and their share.
    pub modes: [f32; 2],
    pub mode_share: f32,
}

/// Strikes of a clap are this far apart, and each fades this fast.
const STRIKE_GAP_S: f32 = 0.010;
const STRIKE_DECAY_S: f32 = 0.003;
/// A hit has died away once its envelope is this far under its strike (−60 dB).
const SILENT: f32 = 1e-3;

#[derive(Clone)]
pub struct NoiseHit {
    shape: HitShape,
    rng: NoiseRng,
    band: Svf,
    low: OnePole,
    /// The last white sample: each is averaged with it, a gentle roll-off of the hit's
    /// air (−3 dB at 12 kHz, as a cymbal's energy thins out) that costs no feedback.
    last_white: f32,
    amp: f32,
    velocity: f32,
    decay: f32,
    /// Decay while choked (an open hat closed by the closed hat's strike).
    choke_decay: f32,
    choked: bool,
    swell: f32,
    swell_rate: f32,
    strike_decay: f32,
    strike_gap: u32,
    strikes_left: u32,
    until_strike: u32,
    mode_phase: [f32; 2],
    sr: f32,
}

impl NoiseHit {
    pub fn new(shape: HitShape, seed: u64, sr: f32) -> NoiseHit {
        let mut band = Svf::default();
        band.set(shape.band_hz, shape.band_q, sr);
        let mut low = OnePole::default();
        low.set_cutoff(shape.high_hz, sr);
        let per_sample = |s: f32| (-1.0 / (s.max(1e-4) * sr)).exp();
        NoiseHit {
            shape,
            rng: NoiseRng::new(seed),
            band,
            low,
            last_white: 0.0,
            amp: 0.0,
            velocity: 0.0,
            decay: per_sample(shape.decay_s),
            choke_decay: per_sample(0.008),
            choked: false,
            swell: 1.0,
            swell_rate: if shape.attack_s > 0.0 {
                1.0 / (shape.attack_s * sr)
            } else {
                1.0
            },
            strike_decay: per_sample(STRIKE_DECAY_S),
            strike_gap: (STRIKE_GAP_S * sr) as u32,
            strikes_left: 0,
            until_strike: 0,
            mode_phase: [0.0; 2],
            sr,
        }
    }

    pub fn strike(&mut self, velocity: f32) {
        self.velocity = velocity;
        self.amp = velocity;
        self.choked = false;
        self.swell = if self.shape.attack_s > 0.0 { 0.0 } else { 1.0 };
        self.strikes_left = self.shape.strikes.saturating_sub(1);
        self.until_strike = self.strike_gap;
        self.mode_phase = [0.0; 2];
    }

    /// Cut the ring short (a closed hat chokes the open one).
    pub fn choke(&mut self) {
        self.choked = true;
    }

    pub fn sounding(&self) -> bool {
        self.amp > SILENT * self.velocity
    }

    /// Add the next `out.len()` samples to `out`.
    pub fn render(&mut self, out: &mut [f32]) {
        if !self.sounding() {
            return;
        }
        let s = self.shape;
        let inv_sr = 1.0 / self.sr;
        for y in out.iter_mut() {
            let fresh = self.rng.bipolar();
            let white = 0.5 * (fresh + self.last_white);
            self.last_white = fresh;
            let (_, band) = self.band.tick(white);
            let high = white - self.low.tick(white);
            let mut x = s.band_share * band + (1.0 - s.band_share) * high;
            if s.mode_share > 0.0 {
                let mut m = 0.0;
                for (p, hz) in self.mode_phase.iter_mut().zip(s.modes) {
                    *p = advance_phase(*p, hz * inv_sr);
                    m += sin_turns(*p);
                }
                x += s.mode_share * 0.5 * m;
            }
            if self.swell < 1.0 {
                self.swell = (self.swell + self.swell_rate).min(1.0);
            }
            *y += x * self.amp * self.swell;
            let decay = if self.choked {
                self.choke_decay
            } else if self.strikes_left > 0 {
                self.strike_decay
            } else {
                self.decay
            };
            self.amp *= decay;
            if self.strikes_left > 0 {
                self.until_strike -= 1;
                if self.until_strike == 0 {
                    self.strikes_left -= 1;
                    self.until_strike = self.strike_gap;
                    self.amp = self.velocity;
                }
            }
        }
    }
}
