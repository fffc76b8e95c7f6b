//! Small real-time DSP building blocks used by the voices: all state is inline,
//! nothing allocates after construction, coefficients update at control rate.

use std::f32::consts::{PI, TAU};

/// Fast deterministic noise source (xorshift32), seeded.
#[derive(Debug, Clone)]
pub struct NoiseRng(u32);

impl NoiseRng {
    pub fn new(seed: u64) -> Self {
        let s = (seed ^ (seed >> 32)) as u32;
        NoiseRng(if s == 0 { 0x9E37_79B9 } else { s })
    }
    /// Next value in `0..1`.
    #[inline]
    pub fn unit(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x >> 8) as f32 * (1.0 / 16_777_216.0)
    }
    /// Next value in `-1..1`.
    #[inline]
    pub fn bipolar(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }
}

/// Band-limited sawtooth (polyBLEP).
#[derive(Debug, Clone, Default)]
pub struct BlepSaw {
    phase: f32,
}

impl BlepSaw {
    pub fn with_phase(phase: f32) -> Self {
        BlepSaw {
            phase: phase.fract(),
        }
    }
    /// One sample at normalised frequency `dt = f / sr`.
    #[inline]
    pub fn next(&mut self, dt: f32) -> f32 {
        let t = self.phase;
        let mut y = 2.0 * t - 1.0;
        if t < dt {
            let x = t / dt;
            y -= x + x - x * x - 1.0;
        } else if t > 1.0 - dt {
            let x = (t - 1.0) / dt;
            y -= x * x + x + x + 1.0;
        }
        self.phase += dt;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        y
    }
}

/// Sine from a phase in `0..1` (5th-order polynomial, error < 1e-4).
#[inline]
pub fn sin_turns(phase: f32) -> f32 {
    // Map to -0.5..0.5 then use an odd polynomial for sin(2πx) on -0.25..0.25 with folding.
    let mut x = phase - phase.floor();
    if x > 0.5 {
        x -= 1.0;
    }
    // fold to -0.25..0.25
    if x > 0.25 {
        x = 0.5 - x;
    } else if x < -0.25 {
        x = -0.5 - x;
    }
    let y = x * TAU;
    let y2 = y * y;
    y * (1.0 + y2 * (-1.0 / 6.0 + y2 * (1.0 / 120.0 + y2 * (-1.0 / 5040.0))))
}

/// Topology-preserving state-variable filter (lowpass/bandpass outputs).
#[derive(Debug, Clone, Default)]
pub struct Svf {
    g: f32,
    k: f32,
    ic1: f32,
    ic2: f32,
}

impl Svf {
    /// Set cutoff (Hz) and Q at control rate.
    pub fn set(&mut self, cutoff: f32, q: f32, sample_rate: f32) {
        let f = cutoff.clamp(10.0, sample_rate * 0.45);
        self.g = (PI * f / sample_rate).tan();
        self.k = 1.0 / q.max(0.05);
    }
    /// Process one sample; returns (lowpass, bandpass).
    #[inline]
    pub fn tick(&mut self, x: f32) -> (f32, f32) {
        let g = self.g;
        let a1 = 1.0 / (1.0 + g * (g + self.k));
        let v3 = x - self.ic2;
        let v1 = a1 * self.ic1 + g * a1 * v3;
        let v2 = self.ic2 + g * v1;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        (v2, v1)
    }
}

/// One-pole smoother/lowpass.
#[derive(Debug, Clone, Default)]
pub struct OnePole {
    pub y: f32,
    a: f32,
}

impl OnePole {
    /// Set the time constant in samples.
    pub fn set_time(&mut self, samples: f32) {
        self.a = 1.0 - (-1.0 / samples.max(1.0)).exp();
    }
    /// Set the cutoff in Hz.
    pub fn set_cutoff(&mut self, hz: f32, sample_rate: f32) {
        self.a = 1.0 - (-TAU * hz / sample_rate).exp();
    }
    #[inline]
    pub fn tick(&mut self, x: f32) -> f32 {
        self.y += self.a * (x - self.y);
        self.y
    }
}

/// Paul Kellet's economy pink-noise filter.
#[derive(Debug, Clone, Default)]
pub struct Pinkish {
    b0: f32,
    b1: f32,
    b2: f32,
}

impl Pinkish {
    #[inline]
    pub fn tick(&mut self, white: f32) -> f32 {
        self.b0 = 0.99765 * self.b0 + white * 0.099_046;
        self.b1 = 0.963 * self.b1 + white * 0.296_516_4;
        self.b2 = 0.57 * self.b2 + white * 1.052_691_3;
        (self.b0 + self.b1 + self.b2 + white * 0.1848) * 0.2
    }
}

/// Convert decibels to a gain factor.
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_is_accurate() {
        for i in 0..1000 {
            let p = i as f32 / 1000.0 * 3.0 - 1.0;
            assert!((sin_turns(p) - (p * TAU).sin()).abs() < 2e-4, "{p}");
        }
    }

    #[test]
    fn saw_is_bounded_and_zero_mean() {
        let mut s = BlepSaw::default();
        let mut sum = 0.0;
        for _ in 0..48_000 {
            let y = s.next(110.0 / 48_000.0);
            assert!(y.abs() <= 1.1);
            sum += y;
        }
        assert!((sum / 48_000.0).abs() < 0.01);
    }
}
