//! Struck modes as lanes: a bank of decaying sinusoids (drops, bubbles, bars), each a rotating
//! phasor with its place in the field, struck round robin. Stored as arrays per field so
//! a sample of the whole bank is straight-line code across the lanes (it vectorises), and
//! events come from a [`PoissonClock`]: one random draw an event, not one a sample.

use crate::synth::dsp::NoiseRng;
use wide::f32x4;

/// A bank of `4 × C` decaying phasors in `C` vectors of four lanes.
#[derive(Clone, Copy, Debug)]
pub struct RingBank<const C: usize> {
    re: [f32x4; C],
    im: [f32x4; C],
    c: [f32x4; C],
    s: [f32x4; C],
    pan_l: [f32x4; C],
    pan_r: [f32x4; C],
    next: usize,
}

impl<const C: usize> Default for RingBank<C> {
    fn default() -> Self {
        RingBank {
            re: [f32x4::ZERO; C],
            im: [f32x4::ZERO; C],
            c: [f32x4::ZERO; C],
            s: [f32x4::ZERO; C],
            pan_l: [f32x4::ZERO; C],
            pan_r: [f32x4::ZERO; C],
            next: 0,
        }
    }
}

impl<const C: usize> RingBank<C> {
    pub const LANES: usize = 4 * C;

    /// Strike the next lane round robin (the oldest): see [`RingBank::strike_lane`].
    pub fn strike(&mut self, hz: f32, amp: f32, t60: f32, pan: (f32, f32), sr: f32) {
        let k = self.next;
        self.next = (k + 1) % Self::LANES;
        self.strike_lane(k, hz, amp, t60, pan, sr);
    }

    /// Strike lane `k` at `hz` with `amp`, falling by 60 dB in `t60` seconds, heard at
    /// the pan gains `pan`.
    pub fn strike_lane(&mut self, k: usize, hz: f32, amp: f32, t60: f32, pan: (f32, f32), sr: f32) {
        let r = (-6.9078 / (t60.max(1e-4) * sr)).exp();
        let w = std::f32::consts::TAU * hz.min(0.45 * sr) / sr;
        self.set_rotation(k, r * w.cos(), r * w.sin());
        let (v, lane) = (k / 4, k % 4);
        self.re[v].as_mut_array()[lane] = 0.0;
        self.im[v].as_mut_array()[lane] = amp;
        self.pan_l[v].as_mut_array()[lane] = pan.0;
        self.pan_r[v].as_mut_array()[lane] = pan.1;
    }

    /// Let lane `k`'s sinusoid rise from zero (a sine) rather than start at its peak.
    pub fn start_from_zero(&mut self, k: usize) {
        let (v, lane) = (k / 4, k % 4);
        let amp = self.im[v].as_array()[lane];
        self.re[v].as_mut_array()[lane] = amp;
        self.im[v].as_mut_array()[lane] = 0.0;
    }

    /// Lane `k`'s rotation a sample (its pitch and decay): `(r cos w, r sin w)`.
    pub fn set_rotation(&mut self, k: usize, c: f32, s: f32) {
        self.c[k / 4].as_mut_array()[k % 4] = c;
        self.s[k / 4].as_mut_array()[k % 4] = s;
    }

    /// Whether lane `k` has died away (below 1e-6).
    pub fn silent(&self, k: usize) -> bool {
        let (v, lane) = (k / 4, k % 4);
        self.re[v].as_array()[lane].abs() + self.im[v].as_array()[lane].abs() <= 1e-6
    }

    /// Lane `k`'s pan gains.
    pub fn pan(&self, k: usize) -> (f32, f32) {
        (
            self.pan_l[k / 4].as_array()[k % 4],
            self.pan_r[k / 4].as_array()[k % 4],
        )
    }

    /// Whether every lane has died away (below 1e-5).
    pub fn quiet(&self) -> bool {
        (0..C).all(|v| {
            let level = self.re[v].abs() + self.im[v].abs();
            level.simd_lt(f32x4::splat(1e-5)).all()
        })
    }

    /// The next sample of the whole bank, left and right.
    #[inline]
    pub fn tick(&mut self) -> (f32, f32) {
        let (mut l, mut r) = (f32x4::ZERO, f32x4::ZERO);
        for v in 0..C {
            let (re, im) = (self.re[v], self.im[v]);
            self.re[v] = re * self.c[v] - im * self.s[v];
            let im = re * self.s[v] + im * self.c[v];
            self.im[v] = im;
            l += im * self.pan_l[v];
            r += im * self.pan_r[v];
        }
        (l.reduce_add(), r.reduce_add())
    }

    /// Render `out.len()` samples of the bank into `out_l`/`out_r` (added), the lanes
    /// held in registers through the run.
    #[inline]
    pub fn render(&mut self, out_l: &mut [f32], out_r: &mut [f32], gain: f32) {
        let (mut re, mut im) = (self.re, self.im);
        for (yl, yr) in out_l.iter_mut().zip(out_r.iter_mut()) {
            let (mut l, mut r) = (f32x4::ZERO, f32x4::ZERO);
            for v in 0..C {
                let (x, y) = (re[v], im[v]);
                re[v] = x * self.c[v] - y * self.s[v];
                im[v] = x * self.s[v] + y * self.c[v];
                l += im[v] * self.pan_l[v];
                r += im[v] * self.pan_r[v];
            }
            *yl += l.reduce_add() * gain;
            *yr += r.reduce_add() * gain;
        }
        (self.re, self.im) = (re, im);
    }
}

/// The clock of a Poisson process whose rate may change every sample: it counts down an
/// exponentially distributed amount of expected events, so a sample costs a subtraction
/// and only an event costs a random draw (and a logarithm).
#[derive(Clone, Copy, Debug)]
pub struct PoissonClock {
    until: f32,
}

impl PoissonClock {
    pub fn new(rng: &mut NoiseRng) -> Self {
        PoissonClock {
            until: exponential(rng),
        }
    }
    /// One sample at `chance` expected events a sample: whether one falls in it.
    #[inline]
    pub fn tick(&mut self, chance: f32, rng: &mut NoiseRng) -> bool {
        self.next_event(chance, 1, rng).is_some()
    }

    /// The next `samples` samples at `chance` expected events a sample: the offset of the
    /// sample the next event falls in (the samples up to it are spent), or `None` (all
    /// are). Found by division, so a run without events costs nothing per sample.
    pub fn next_event(&mut self, chance: f32, samples: usize, rng: &mut NoiseRng) -> Option<usize> {
        if chance <= 0.0 || samples == 0 {
            return None;
        }
        // The first sample whose cumulative chance reaches what is left.
        let at = ((self.until / chance).ceil() as usize).saturating_sub(1);
        if at >= samples {
            self.until -= chance * samples as f32;
            return None;
        }
        self.until = (self.until - chance * (at + 1) as f32).min(0.0) + exponential(rng);
        Some(at)
    }
}

impl PoissonClock {
    /// The events in the next `samples.len()` samples: their offsets written to the front
    /// of `samples`, in order; returns how many.
    pub fn events(&mut self, chance: f32, samples: &mut [usize], rng: &mut NoiseRng) -> usize {
        let (len, mut count, mut spent) = (samples.len(), 0, 0);
        while let Some(at) = self.next_event(chance, len - spent, rng) {
            samples[count] = spent + at;
            (count, spent) = (count + 1, spent + at + 1);
        }
        count
    }
}

/// A draw from the exponential distribution of mean 1.
fn exponential(rng: &mut NoiseRng) -> f32 {
    -(1.0 - rng.unit()).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_keeps_its_rate_as_the_rate_moves() {
        let mut rng = NoiseRng::new(11);
        let mut clock = PoissonClock::new(&mut rng);
        let sr = 48_000usize;
        // 10 s at 100 events a second, then 10 s at 400.
        let count = |clock: &mut PoissonClock, rng: &mut NoiseRng, rate: f32| {
            (0..10 * sr)
                .filter(|_| clock.tick(rate / sr as f32, rng))
                .count() as f32
        };
        let slow = count(&mut clock, &mut rng, 100.0);
        let fast = count(&mut clock, &mut rng, 400.0);
        // Poisson counts: standard deviations of √1000 ≈ 32 and √4000 ≈ 63.
        assert!((slow - 1000.0).abs() < 130.0, "{slow}");
        assert!((fast - 4000.0).abs() < 260.0, "{fast}");
    }

    #[test]
    fn a_struck_ring_sounds_at_its_pitch_and_dies_away() {
        let sr = 48_000.0;
        let mut bank = RingBank::<2>::default();
        bank.strike(1000.0, 1.0, 0.1, (1.0, 0.5), sr);
        let out: Vec<(f32, f32)> = (0..9600).map(|_| bank.tick()).collect();
        // Upward zero crossings of the left channel in the first 20 ms: 20 cycles.
        let crossings = out[..960]
            .windows(2)
            .filter(|w| w[0].0 < 0.0 && w[1].0 >= 0.0)
            .count();
        assert!((19..=21).contains(&crossings), "{crossings}");
        assert!((out[10].1 / out[10].0 - 0.5).abs() < 1e-4);
        // 0.2 s is two t60s: −120 dB.
        assert!(out[9599].0.abs() < 1e-5);
    }
}
