//! The kit's pitched drums: the kick and the toms. A sine whose pitch falls from a knock
//! to the drum's note, a decaying body, and for the kick a short click of high-passed
//! noise, the beater on the head, which is what carries the beat on small speakers.
//! Every partial is a low sine (the soft clip adds only a third harmonic): nothing nears
//! Nyquist.

use crate::synth::dsp::{NoiseRng, OnePole, advance_phase, sin_turns};

/// A kick or a tom.
#[derive(Clone)]
pub struct Drum {
    /// The drum's resting pitch and how far above it the strike starts, Hz.
    base_hz: f32,
    sweep_hz: f32,
    phase: f32,
    amp: f32,
    decay: f32,
    pitch: f32,
    pitch_decay: f32,
    click: f32,
    click_level: f32,
    click_decay: f32,
    rng: NoiseRng,
    click_lp: OnePole,
    sr: f32,
}

impl Drum {
    /// The kick: 160 Hz falling to 48 Hz in ~30 ms, its body fading over ~0.25 s.
    pub fn kick(seed: u64, sr: f32) -> Drum {
        Drum::new(48.0, 112.0, 0.25, 0.5, seed, sr)
    }

    /// A tom at `hz`: a smaller knock and no click.
    pub fn tom(hz: f32, seed: u64, sr: f32) -> Drum {
        Drum::new(hz, 0.5 * hz, 0.22, 0.0, seed, sr)
    }

    fn new(
        base_hz: f32,
        sweep_hz: f32,
        decay_s: f32,
        click_level: f32,
        seed: u64,
        sr: f32,
    ) -> Drum {
        let mut click_lp = OnePole::default();
        click_lp.set_cutoff(2500.0, sr);
        Drum {
            base_hz,
            sweep_hz,
            phase: 0.0,
            amp: 0.0,
            decay: (-1.0 / (decay_s * sr)).exp(),
            pitch: 0.0,
            pitch_decay: (-1.0 / (0.03 * sr)).exp(),
            click: 0.0,
            click_level,
            click_decay: (-1.0 / (0.002 * sr)).exp(),
            rng: NoiseRng::new(seed),
            click_lp,
            sr,
        }
    }

    pub fn strike(&mut self, velocity: f32) {
        self.amp = velocity;
        self.pitch = 1.0;
        self.phase = 0.0;
        self.click = velocity * self.click_level;
    }

    /// Until −60 dB under the strike.
    pub fn sounding(&self) -> bool {
        self.amp > 1e-3
    }

    /// Add the next `out.len()` samples to `out`.
    pub fn render(&mut self, out: &mut [f32]) {
        if !self.sounding() {
            return;
        }
        let inv_sr = 1.0 / self.sr;
        for y in out.iter_mut() {
            let f = self.base_hz + self.sweep_hz * self.pitch;
            self.pitch *= self.pitch_decay;
            self.phase = advance_phase(self.phase, f * inv_sr);
            let body = sin_turns(self.phase) * self.amp;
            // A gentle cubic soft clip: the body's first cycles fatten, a third harmonic
            // at most.
            let body = body * (1.0 - body * body / 3.0);
            let mut click = 0.0;
            if self.click > 1e-4 {
                let white = self.rng.bipolar();
                click = (white - self.click_lp.tick(white)) * self.click;
                self.click *= self.click_decay;
            }
            *y += body + click;
            self.amp *= self.decay;
        }
    }
}
