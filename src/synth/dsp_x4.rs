//! Four-lane versions of the noise source and filters in [`super::dsp`], for the nature
//! layers and the noise bed, whose sounds are pairs and quartets of filtered noises (left and right, a band
//! and a whistle): one step of four filters costs what one step of one did, and the four
//! random streams are four independent chains rather than one the samples queue behind.

use super::dsp::SvfCoefficients;
use std::f32::consts::TAU;
use wide::{f32x4, i32x4};

/// Four xorshift32 streams, one a lane.
#[derive(Debug, Clone)]
pub struct NoiseRng4(i32x4);

impl NoiseRng4 {
    pub fn new(seed: u64) -> Self {
        // Each lane its own odd, well-mixed start (splitmix64's finaliser).
        let lanes = std::array::from_fn(|k| {
            let mut z = seed.wrapping_add((k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) as u32 | 1) as i32
        });
        NoiseRng4(i32x4::new(lanes))
    }
    /// Next four values in `-1..1`.
    #[inline]
    pub fn bipolar(&mut self) -> f32x4 {
        let mut x = self.0;
        x ^= x << 13u32;
        // A logical shift right (the lanes are unsigned words).
        x ^= (x >> 17u32) & i32x4::splat(0x7FFF);
        x ^= x << 5u32;
        self.0 = x;
        let top24 = (x >> 8u32) & i32x4::splat(0xFF_FFFF);
        top24.round_float() * f32x4::splat(2.0 / 16_777_216.0) - f32x4::splat(1.0)
    }
}

/// Four state-variable filters, each lane its own cutoff and Q.
///
/// The same filter as [`Svf`] (its state update in the same matrix form: the path from one
/// sample's state to the next, not the number of lanes, sets a filter's cost).
#[derive(Debug, Clone)]
pub struct Svf4 {
    g: f32x4,
    a1: f32x4,
    a2: f32x4,
    /// As in [`SvfCoefficients`].
    m11: f32x4,
    m12: f32x4,
    m21: f32x4,
    m22: f32x4,
    b1: f32x4,
    b2: f32x4,
    ic1: f32x4,
    ic2: f32x4,
}

impl Default for Svf4 {
    fn default() -> Self {
        let mut svf = Svf4 {
            g: f32x4::ZERO,
            a1: f32x4::ZERO,
            a2: f32x4::ZERO,
            m11: f32x4::ZERO,
            m12: f32x4::ZERO,
            m21: f32x4::ZERO,
            m22: f32x4::ZERO,
            b1: f32x4::ZERO,
            b2: f32x4::ZERO,
            ic1: f32x4::ZERO,
            ic2: f32x4::ZERO,
        };
        for lane in 0..4 {
            svf.set(lane, 1000.0, 0.7, 48_000.0);
        }
        svf
    }
}

impl Svf4 {
    /// Set lane `lane`'s cutoff (Hz) and Q, at control rate.
    pub fn set(&mut self, lane: usize, cutoff: f32, q: f32, sample_rate: f32) {
        let c = SvfCoefficients::new(cutoff, q, sample_rate);
        let values = [
            (&mut self.g, c.g),
            (&mut self.a1, c.a1),
            (&mut self.a2, c.a2),
            (&mut self.m11, c.m11),
            (&mut self.m12, c.m12),
            (&mut self.b1, c.b1),
            (&mut self.m21, c.m21),
            (&mut self.m22, c.m22),
            (&mut self.b2, c.b2),
        ];
        for (v, x) in values {
            v.as_mut_array()[lane] = x;
        }
    }
    /// Every lane's state has decayed below audibility (−120 dBFS), as [`super::dsp::Svf::quiet`].
    pub fn quiet(&self) -> bool {
        let tiny = f32x4::splat(1e-6);
        (self.ic1.abs().simd_lt(tiny) & self.ic2.abs().simd_lt(tiny)).all()
    }
    /// Forget the state: a tail already [`quiet`](Self::quiet) becomes exact silence.
    pub fn reset(&mut self) {
        (self.ic1, self.ic2) = (f32x4::ZERO, f32x4::ZERO);
    }
    /// Process one sample a lane; returns (lowpass, bandpass).
    #[inline]
    pub fn tick(&mut self, x: f32x4) -> (f32x4, f32x4) {
        let (ic1, ic2) = (self.ic1, self.ic2);
        let v1 = self.a1 * ic1 + self.a2 * (x - ic2);
        let v2 = ic2 + self.g * v1;
        self.ic1 = (self.m11 * ic1 + self.m12 * ic2) + self.b1 * x;
        self.ic2 = (self.m21 * ic1 + self.m22 * ic2) + self.b2 * x;
        (v2, v1)
    }
}

/// Four one-pole lowpasses, each lane its own cutoff.
#[derive(Debug, Clone)]
pub struct OnePole4 {
    y: f32x4,
    a: f32x4,
}

impl OnePole4 {
    /// Lowpasses at `hz`, lane by lane.
    pub fn new(hz: [f32; 4], sample_rate: f32) -> Self {
        OnePole4 {
            y: f32x4::ZERO,
            a: f32x4::new(hz.map(|f| 1.0 - (-TAU * f / sample_rate).exp())),
        }
    }
    #[inline]
    pub fn tick(&mut self, x: f32x4) -> f32x4 {
        self.y += (x - self.y) * self.a;
        self.y
    }
}

/// Paul Kellet's economy pink-noise filter, on four lanes.
#[derive(Debug, Clone, Default)]
pub struct Pinkish4 {
    b0: f32x4,
    b1: f32x4,
    b2: f32x4,
}

impl Pinkish4 {
    #[inline]
    pub fn tick(&mut self, white: f32x4) -> f32x4 {
        let c = f32x4::splat;
        self.b0 = c(0.99765) * self.b0 + white * c(0.099_046);
        self.b1 = c(0.963) * self.b1 + white * c(0.296_516_4);
        self.b2 = c(0.57) * self.b2 + white * c(1.052_691_3);
        (self.b0 + self.b1 + self.b2 + white * c(0.1848)) * c(0.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::dsp::{OnePole, Svf};

    #[test]
    fn noise_lanes_are_uniform_zero_mean_and_unrelated() {
        let mut rng = NoiseRng4::new(7);
        let n = 200_000;
        let (mut sum, mut sq, mut cross) = ([0f64; 4], [0f64; 4], 0f64);
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for _ in 0..n {
            let x = rng.bipolar().to_array();
            for k in 0..4 {
                sum[k] += x[k] as f64;
                sq[k] += (x[k] * x[k]) as f64;
                lo = lo.min(x[k]);
                hi = hi.max(x[k]);
            }
            cross += (x[0] * x[1]) as f64;
        }
        for k in 0..4 {
            assert!((sum[k] / n as f64).abs() < 0.01, "lane {k} mean");
            // A uniform variable on −1..1 has variance 1/3.
            assert!(
                (sq[k] / n as f64 - 1.0 / 3.0).abs() < 0.01,
                "lane {k} variance"
            );
        }
        assert!((cross / n as f64).abs() < 0.01, "lanes 0 and 1 correlate");
        assert!(lo >= -1.0 && hi < 1.0 && lo < -0.999 && hi > 0.999);
    }

    #[test]
    fn four_lane_filters_match_the_single_ones() {
        let sr = 48_000.0;
        let settings = [(300.0, 0.7), (1200.0, 2.0), (5000.0, 0.5), (80.0, 9.0)];
        let mut four = Svf4::default();
        let mut ones: Vec<Svf> = settings
            .iter()
            .enumerate()
            .map(|(k, &(f, q))| {
                four.set(k, f, q, sr);
                let mut s = Svf::default();
                s.set(f, q, sr);
                s
            })
            .collect();
        let hz = [60.0, 900.0, 120.0, 3000.0];
        let mut poles4 = OnePole4::new(hz, sr);
        let mut poles: Vec<OnePole> = hz
            .iter()
            .map(|&f| {
                let mut p = OnePole::default();
                p.set_cutoff(f, sr);
                p
            })
            .collect();
        let mut rng = NoiseRng4::new(3);
        for _ in 0..10_000 {
            let x = rng.bipolar();
            let (lp, bp) = four.tick(x);
            let smooth = poles4.tick(x).to_array();
            let (lp, bp, x) = (lp.to_array(), bp.to_array(), x.to_array());
            for k in 0..4 {
                let (l1, b1) = ones[k].tick(x[k]);
                assert!((lp[k] - l1).abs() < 1e-4 && (bp[k] - b1).abs() < 1e-4);
                assert!((smooth[k] - poles[k].tick(x[k])).abs() < 1e-5);
            }
        }
    }
}
