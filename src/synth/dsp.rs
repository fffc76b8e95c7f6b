//! Small real-time DSP building blocks used by the voices: all state is inline,
//! nothing allocates after construction, coefficients update at control rate.

pub use crate::fast_math::exp_fast;
use std::f32::consts::{PI, TAU};
use wide::f32x4;

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
        let y = blep_saw(self.phase, dt, 1.0 / dt);
        self.phase = advance_phase(self.phase, dt);
        y
    }
}

/// The highest step a [`blep_saw`] takes (12 kHz at 48 kHz, far above any note): its
/// smoothing spans two samples either side of a wrap, so wraps must be four apart.
pub const MAX_DT: f32 = 0.25;

/// Band-limited sawtooth sample at phase `t` (0..1) with step `dt` (at most ¼) and
/// `inv_dt = 1/dt`: the naive saw with each wrap's step smoothed by the integral of a cubic
/// B-spline over four samples (a 4-point polyBLEP, two samples either side of the wrap).
/// The 2-point polyBLEP (a triangle's integral) leaves aliases at −28 dB under a C7 saw;
/// this one, 10 dB lower overall and ~20 dB lower below 8 kHz, where the voices' lowpasses
/// and formants let it through (Välimäki et al., "Antialiasing oscillators in subtractive
/// synthesis", IEEE SPM 2010, the B-spline family of polyBLEPs).
#[inline]
pub fn blep_saw(t: f32, dt: f32, inv_dt: f32) -> f32 {
    let after = if t < dt + dt {
        after_wrap(t * inv_dt)
    } else {
        0.0
    };
    let before = if t > 1.0 - (dt + dt) {
        before_wrap((1.0 - t) * inv_dt)
    } else {
        0.0
    };
    t + t - 1.0 - (after + before) * 2.0
}

/// The residual (smoothed step − step) `a` samples after a wrap, 0 ≤ a < 2.
#[inline]
fn after_wrap(a: f32) -> f32 {
    let v = 2.0 - a;
    let near = -0.5 + a * (2.0 / 3.0 + a * a * (-1.0 / 3.0 + a * 0.125));
    let far = -(v * v) * (v * v) * (1.0 / 24.0);
    if a < 1.0 { near } else { far }
}

/// The residual `b` samples before a wrap, 0 < b < 2 (the mirror of [`after_wrap`]).
#[inline]
fn before_wrap(b: f32) -> f32 {
    let (v1, v2) = (1.0 - b, 2.0 - b);
    let near = 1.0 / 24.0 + v1 * (1.0 / 6.0 + v1 * (0.25 + v1 * (1.0 / 6.0 - v1 * 0.125)));
    let far = (v2 * v2) * (v2 * v2) * (1.0 / 24.0);
    if b <= 1.0 { near } else { far }
}

/// [`blep_saw`] on four lanes at once. Most samples are far from every lane's wrap, where
/// the saw is just `2t − 1`: the corrections are worked out only when a lane is near one.
#[inline]
pub fn blep_saw_x4(t: f32x4, dt: f32x4, inv_dt: f32x4) -> f32x4 {
    let one = f32x4::ONE;
    let span = dt + dt;
    let (early, late) = (t.simd_lt(span), t.simd_gt(one - span));
    let naive = t + t - one;
    if !(early | late).any() {
        return naive;
    }
    let splat = f32x4::splat;
    let a = t * inv_dt;
    let v = splat(2.0) - a;
    let near =
        splat(-0.5) + a * (splat(2.0 / 3.0) + a * a * (splat(-1.0 / 3.0) + a * splat(0.125)));
    let far = -(v * v) * (v * v) * splat(1.0 / 24.0);
    let after = a.simd_lt(one).bitselect(near, far);
    let b = (one - t) * inv_dt;
    let (v1, v2) = (one - b, splat(2.0) - b);
    let near = splat(1.0 / 24.0)
        + v1 * (splat(1.0 / 6.0)
            + v1 * (splat(0.25) + v1 * (splat(1.0 / 6.0) - v1 * splat(0.125))));
    let far = (v2 * v2) * (v2 * v2) * splat(1.0 / 24.0);
    let before = b.simd_le(one).bitselect(near, far);
    let zero = f32x4::ZERO;
    let correction = early.bitselect(after, zero) + late.bitselect(before, zero);
    naive - correction * splat(2.0)
}

/// [`advance_phase`] on four lanes at once.
#[inline]
pub fn advance_phase_x4(phase: f32x4, dt: f32x4) -> f32x4 {
    let p = phase + dt;
    p - p.simd_ge(f32x4::ONE).bitselect(f32x4::ONE, f32x4::ZERO)
}

/// Sine from a phase in turns (any finite value; error < 7e-6).
///
/// The phase is brought to −½..½ turn (the 1.5·2²³ rounding trick, branch-free so loops
/// over voice banks vectorise; `floorf` would be a libm call on baseline x86-64), where
/// sin 2πx = x·(¼ − x²)·R(x²) has its three zeros as factors and R is smooth: a cubic in
/// x² (fitted minimax) leaves 13 operations a sine, where folding to a quarter turn and a
/// 7th-order Taylor series took 19 (the bells evaluate two a voice a sample).
#[inline]
pub fn sin_turns(phase: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23: adding and subtracting rounds to an integer
    let x = phase - ((phase + ROUND) - ROUND); // -0.5..0.5
    let x2 = x * x;
    let r = SIN_R[0] + x2 * (SIN_R[1] + x2 * (SIN_R[2] + x2 * SIN_R[3]));
    (x * (0.25 - x2)) * r
}

/// R(x²) = sin 2πx / (x·(¼ − x²)) on −½..½, as a cubic in x²: R(0) = 8π.
const SIN_R: [f32; 4] = [25.132_17, -64.792_75, 66.239, -32.609_56];

/// [`sin_turns`] on four lanes at once, the same operations in the same order, so each
/// lane is bit for bit the scalar function's value.
#[inline]
pub fn sin_turns_x4(phase: f32x4) -> f32x4 {
    let round = f32x4::splat(12_582_912.0);
    let x = phase - ((phase + round) - round);
    let x2 = x * x;
    let [r0, r1, r2, r3] = SIN_R.map(f32x4::splat);
    let r = r0 + x2 * (r1 + x2 * (r2 + x2 * r3));
    (x * (f32x4::splat(0.25) - x2)) * r
}

/// Advance a phase in `0..1` by `dt` (`0 <= dt < 1`) and wrap it, without `fract`'s libm call.
#[inline]
pub fn advance_phase(phase: f32, dt: f32) -> f32 {
    let p = phase + dt;
    p - if p >= 1.0 { 1.0 } else { 0.0 }
}

/// Sum of eight lanes in a fixed pairwise order. Float addition does not reassociate, so
/// a running `sum +=` over a voice bank forces scalar code; a fixed tree lets the loop
/// over lanes vectorise and stays bit-reproducible.
#[inline]
pub fn sum8(x: &[f32; 8]) -> f32 {
    ((x[0] + x[4]) + (x[2] + x[6])) + ((x[1] + x[5]) + (x[3] + x[7]))
}

/// Topology-preserving state-variable filter (lowpass/bandpass outputs).
///
/// Its state update is written out as a 2×2 matrix on the two integrators plus the
/// input's share, worked out when the filter is set: a filter's samples wait on each
/// other, and this way the path from one sample's state to the next is a multiply and two
/// adds (the direct form chains five operations and a division).
#[derive(Debug, Clone, Default)]
pub struct Svf {
    c: SvfCoefficients,
    ic1: f32,
    ic2: f32,
}

/// An [`Svf`]'s per-sample coefficients: the outputs `v1 = a1·ic1 + a2·(x − ic2)` (band)
/// and `v2 = ic2 + g·v1` (low); the state `ic1' = 2·v1 − ic1 = m11·ic1 + m12·ic2 + b1·x`
/// and `ic2' = ic2 + 2g·v1 = m21·ic1 + m22·ic2 + b2·x`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SvfCoefficients {
    pub g: f32,
    pub a1: f32,
    pub a2: f32,
    pub m11: f32,
    pub m12: f32,
    pub m21: f32,
    pub m22: f32,
    pub b1: f32,
    pub b2: f32,
}

impl SvfCoefficients {
    /// For a cutoff (Hz) and Q.
    pub fn new(cutoff: f32, q: f32, sample_rate: f32) -> Self {
        let f = cutoff.clamp(10.0, sample_rate * 0.45);
        let g = (PI * f / sample_rate).tan();
        let k = 1.0 / q.max(0.05);
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        SvfCoefficients {
            g,
            a1,
            a2,
            m11: 2.0 * a1 - 1.0,
            m12: -2.0 * a2,
            b1: 2.0 * a2,
            m21: 2.0 * g * a1,
            m22: 1.0 - 2.0 * g * a2,
            b2: 2.0 * g * a2,
        }
    }
}

impl Svf {
    /// Set cutoff (Hz) and Q at control rate.
    pub fn set(&mut self, cutoff: f32, q: f32, sample_rate: f32) {
        self.c = SvfCoefficients::new(cutoff, q, sample_rate);
    }
    /// The filter's state has decayed below audibility (−120 dBFS).
    pub fn quiet(&self) -> bool {
        self.ic1.abs() < 1e-6 && self.ic2.abs() < 1e-6
    }
    /// Process one sample; returns (lowpass, bandpass).
    #[inline]
    pub fn tick(&mut self, x: f32) -> (f32, f32) {
        let c = &self.c;
        let (ic1, ic2) = (self.ic1, self.ic2);
        let v1 = c.a1 * ic1 + c.a2 * (x - ic2);
        let v2 = ic2 + c.g * v1;
        self.ic1 = (c.m11 * ic1 + c.m12 * ic2) + c.b1 * x;
        self.ic2 = (c.m21 * ic1 + c.m22 * ic2) + c.b2 * x;
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
        self.a = 1.0 - exp_fast(-1.0 / samples.max(1.0));
    }
    /// Set the cutoff in Hz.
    pub fn set_cutoff(&mut self, hz: f32, sample_rate: f32) {
        self.a = 1.0 - exp_fast(-TAU * hz / sample_rate);
    }
    #[inline]
    pub fn tick(&mut self, x: f32) -> f32 {
        self.y += self.a * (x - self.y);
        self.y
    }
}

/// Paul Kellet's economy pink-noise filter (the noise bed runs it as
/// [`super::dsp_x4::Pinkish4`]; the reference patch uses this one).
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
/// Amplitude of `x` at `hz` (Goertzel over a Hann window, per sample): what the voices'
/// tests measure their partials with.
#[cfg(test)]
pub(crate) fn amplitude_at(x: &[f32], hz: f32, sample_rate: f32) -> f32 {
    // In f64: over seconds of samples an f32 recursion drifts off the frequency.
    let w = std::f64::consts::TAU * hz as f64 / sample_rate as f64;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let n = x.len() as f64;
    for (i, &v) in x.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let s0 = v as f64 * hann + 2.0 * w.cos() * s1 - s2;
        (s2, s1) = (s1, s0);
    }
    ((s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2).sqrt() / n) as f32
}

pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_exponential_follows_exp() {
        let mut x = -90.0f32;
        while x < 88.0 {
            let (fast, exact) = (exp_fast(x), (x as f64).exp());
            if x >= -80.0 {
                let err = ((fast as f64 - exact) / exact).abs();
                let bound = 1e-6 * (1.0 + x.abs() as f64 / 8.0);
                assert!(err < bound, "exp({x}) = {exact}, fast {fast}");
            } else {
                assert!(fast < 1e-34, "exp({x}) = {fast}");
            }
            x += 0.0137;
        }
        assert_eq!(exp_fast(0.0), 1.0);
    }

    #[test]
    fn four_lane_saw_and_phase_match_the_scalar_ones() {
        // Each side of a wrap, one and two samples from it, and far from both.
        for (t, dt) in [
            ([0.001, 0.5, 0.9995, 0.3], [0.004, 0.01, 0.002, MAX_DT]),
            ([0.006, 0.995, 0.2, 0.999], [0.004, 0.004, 0.3, 0.0001]),
        ] {
            let x4 = blep_saw_x4(
                f32x4::from(t),
                f32x4::from(dt),
                f32x4::from(dt.map(|d| 1.0 / d)),
            );
            let p4 = advance_phase_x4(f32x4::from(t), f32x4::from(dt));
            for k in 0..4 {
                assert_eq!(
                    x4.to_array()[k],
                    blep_saw(t[k], dt[k], 1.0 / dt[k]),
                    "lane {k}"
                );
                assert_eq!(p4.to_array()[k], advance_phase(t[k], dt[k]), "lane {k}");
            }
        }
    }

    #[test]
    fn the_saw_steps_smoothly_through_a_wrap() {
        // Sampled finely across a wrap, the smoothed saw has no jump: neighbouring
        // samples differ by about the slope the smoothing gives the fall, never by the
        // naive step of 2.
        let dt = 0.01;
        let mut last = blep_saw(1.0 - 3.0 * dt, dt, 1.0 / dt);
        for i in 1..=600 {
            let t = (1.0 - 3.0 * dt + i as f32 * 0.0001).fract();
            let y = blep_saw(t, dt, 1.0 / dt);
            assert!((y - last).abs() < 0.02, "{t}: {last} → {y}");
            last = y;
        }
        // Beyond two samples from a wrap it is the naive saw.
        assert_eq!(blep_saw(0.5, dt, 1.0 / dt), 0.0);
        assert_eq!(blep_saw(2.5 * dt, dt, 1.0 / dt), 5.0 * dt - 1.0);
    }

    #[test]
    fn sine_is_accurate() {
        for i in 0..100_000 {
            let p = i as f32 / 100_000.0 * 3.0 - 1.0;
            let exact = (p as f64 * std::f64::consts::TAU).sin();
            assert!((sin_turns(p) as f64 - exact).abs() < 7e-6, "{p}");
        }
    }

    #[test]
    fn four_lane_sine_is_the_scalar_sine_bit_for_bit() {
        // Across signs, both folds, whole turns and the values either side of them.
        for i in 0..4000 {
            let p = [
                i as f32 / 1000.0 - 2.0,
                (i as f32).mul_add(0.000_25, 0.249_9),
                -(i as f32) * 0.123_4,
                f32::from_bits(0x3F80_0000 - 2000 + i as u32),
            ];
            let x4 = sin_turns_x4(f32x4::new(p)).to_array();
            for k in 0..4 {
                assert_eq!(x4[k].to_bits(), sin_turns(p[k]).to_bits(), "{}", p[k]);
            }
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
