//! The slow swell every preset breathes with: loudness, brightness and pad motion rising
//! and falling together, by default at 0.1 Hz (six a minute, the Mayer-wave rate; Bernardi
//! et al. 2009). The breath lead ([`crate::control::breath_lead`]) sets another rate and a
//! least depth through [`SharedSwell`]; the audio side glides to them, keeping the phase
//! continuous, so a new rate never clicks or jumps a cycle.

use fundsp::prelude32::{Shared, shared};

/// The swell's rate when nothing leads it: six a minute (0.1 Hz).
pub const DEFAULT_PER_MIN: f32 = 6.0;
/// The rates a swell may be set to, per minute.
pub const RATE_RANGE: (f32, f32) = (2.0, 30.0);
/// Time constant of the glide to a new rate or depth, seconds.
const GLIDE_S: f32 = 4.0;

/// The control side's swell settings, read by every playing preset. Clones share them.
#[derive(Clone)]
pub struct SharedSwell {
    per_min: Shared,
    least_depth: Shared,
}

impl Default for SharedSwell {
    fn default() -> Self {
        SharedSwell {
            per_min: shared(DEFAULT_PER_MIN),
            least_depth: shared(0.0),
        }
    }
}

impl SharedSwell {
    /// Swell at `per_min` cycles a minute (`None`: the default six), at least `least_depth`
    /// deep (0..1; the preset's own depth when that is more).
    pub fn set(&self, per_min: Option<f32>, least_depth: f32) {
        let rate = per_min
            .filter(|r| r.is_finite())
            .map_or(DEFAULT_PER_MIN, |r| r.clamp(RATE_RANGE.0, RATE_RANGE.1));
        self.per_min.set_value(rate);
        let depth = if least_depth.is_finite() {
            least_depth.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.least_depth.set_value(depth);
    }

    /// The rate set, per minute.
    pub fn per_min(&self) -> f32 {
        self.per_min.value()
    }

    /// Whether something leads the swell now (it asks for a least depth).
    pub fn led(&self) -> bool {
        self.least_depth.value() > 0.0
    }
}

/// The audio side: a phase gliding to the shared rate. Real-time safe.
#[derive(Clone)]
pub struct Swell {
    shared: SharedSwell,
    /// Turns, 0..1.
    phase: f32,
    per_min: f32,
    least_depth: f32,
    sample_rate: f32,
    /// The glide's step for a run of `glide_for` samples (runs are nearly always a whole
    /// block, so the `exp` is worked out once, not once a block).
    glide_for: usize,
    glide: f32,
}

/// One block's swell: where it is (−1 loudest and brightest … +1 quietest) and how deep it
/// must be at least.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwellNow {
    pub value: f32,
    pub least_depth: f32,
}

impl Swell {
    pub fn new(shared: SharedSwell, sample_rate: f32) -> Self {
        Swell {
            per_min: shared.per_min.value(),
            least_depth: shared.least_depth.value(),
            shared,
            phase: 0.0,
            sample_rate,
            glide_for: 0,
            glide: 0.0,
        }
    }

    /// Advance by `samples` and say where the swell is. Evaluated once per block: at ≤ 0.5 Hz
    /// a block (≤ 1.3 ms) is far below a step anyone could hear.
    pub fn advance(&mut self, samples: usize) -> SwellNow {
        let seconds = samples as f32 / self.sample_rate;
        if samples != self.glide_for {
            (self.glide_for, self.glide) = (samples, 1.0 - (-seconds / GLIDE_S).exp());
        }
        let a = self.glide;
        self.per_min += a * (self.shared.per_min.value() - self.per_min);
        self.least_depth += a * (self.shared.least_depth.value() - self.least_depth);
        self.phase = (self.phase + self.per_min / 60.0 * seconds).fract();
        SwellNow {
            // The polynomial sine (error < 1e-4): libm's `sinf` a block was 2 % of a preset.
            value: crate::synth::dsp::sin_turns(self.phase),
            least_depth: self.least_depth,
        }
    }

    /// The rate the swell is at now (gliding to the one set), per minute.
    pub fn per_min(&self) -> f32 {
        self.per_min
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Count upward zero crossings of the swell over `seconds`.
    fn cycles(swell: &mut Swell, seconds: f32) -> u32 {
        let block = 64;
        let blocks = (seconds * 48_000.0 / block as f32) as usize;
        let mut last = swell.advance(block).value;
        let mut n = 0;
        for _ in 0..blocks {
            let v = swell.advance(block).value;
            if last < 0.0 && v >= 0.0 {
                n += 1;
            }
            last = v;
        }
        n
    }

    #[test]
    fn the_rate_set_is_the_rate_heard_and_a_change_glides() {
        let shared = SharedSwell::default();
        let mut swell = Swell::new(shared.clone(), 48_000.0);
        assert_eq!(cycles(&mut swell, 120.0), 12, "six a minute by default");
        shared.set(Some(9.0), 0.5);
        cycles(&mut swell, 30.0); // the glide settles
        assert!((swell.per_min() - 9.0).abs() < 0.01);
        let n = cycles(&mut swell, 120.0);
        assert!((17..=19).contains(&n), "{n}");
        // A step in the rate moves the phase on smoothly: no sample-to-sample jump.
        shared.set(Some(20.0), 0.5);
        let mut last = swell.advance(64).value;
        for _ in 0..10_000 {
            let v = swell.advance(64).value;
            assert!((v - last).abs() < 0.01, "{last} -> {v}");
            last = v;
        }
    }

    #[test]
    fn bad_rates_are_kept_in_range() {
        let shared = SharedSwell::default();
        shared.set(Some(f32::NAN), f32::NAN);
        assert_eq!(shared.per_min(), DEFAULT_PER_MIN);
        shared.set(Some(500.0), 3.0);
        assert_eq!(shared.per_min(), RATE_RANGE.1);
        assert_eq!(shared.least_depth.value(), 1.0);
        shared.set(None, 0.0);
        assert_eq!(shared.per_min(), DEFAULT_PER_MIN);
    }
}
