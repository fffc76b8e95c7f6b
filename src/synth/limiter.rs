//! The master's look-ahead peak limiter, a fundsp node.
//!
//! The signal is delayed by the look-ahead. The gain needed for every sample in the
//! delay (ceiling / peak, capped at 1) is tracked with a sliding-window maximum of the
//! peaks (a monotonic queue, amortised O(1) per sample), and that minimum gain is
//! box-averaged over the look-ahead, so the gain glides down and has fully arrived when
//! the peak leaves the delay: the output never exceeds the ceiling. Release is a
//! one-pole rise. fundsp's `limiter_stereo` does the same with a segment tree per
//! sample and cost ~17 % of a whole preset's render; this costs a few percent.
//!
//! All buffers are sized in `new` and `set_sample_rate` (never on the audio thread).

use fundsp::prelude32::*;

/// Stereo look-ahead limiter with a fixed ceiling.
#[derive(Clone)]
pub struct Limiter {
    ceiling: f32,
    lookahead_s: f64,
    release_s: f64,
    /// Look-ahead in samples.
    len: usize,
    /// Delayed input, a ring of `len` frames.
    delay: Vec<[f32; 2]>,
    /// Monotonic queue of (peak, time) with peaks decreasing from the front; a ring of
    /// `len + 1` slots indexed by `head` (front) and `count`.
    queue: Vec<(f32, u64)>,
    head: usize,
    count: usize,
    /// The last `len` window-minimum gains and their running sum, for the box average.
    gains: Vec<f32>,
    gain_sum: f64,
    inv_len: f64,
    /// Current output gain and the per-sample release coefficient.
    gain: f32,
    release: f32,
    /// Samples processed, and the same modulo the look-ahead (the rings' write slot).
    time: u64,
    slot: usize,
    /// Consecutive input frames below the ceiling, and whether the last frame took the
    /// fast path.
    calm: usize,
    fast: bool,
}

impl Limiter {
    /// A limiter holding peaks to `ceiling` (linear), looking ahead `lookahead_s`
    /// seconds and releasing over about `release_s` seconds.
    pub fn new(ceiling: f32, lookahead_s: f64, release_s: f64) -> Self {
        let mut limiter = Limiter {
            ceiling,
            lookahead_s,
            release_s,
            len: 0,
            delay: Vec::new(),
            queue: Vec::new(),
            head: 0,
            count: 0,
            gains: Vec::new(),
            gain_sum: 0.0,
            inv_len: 1.0,
            gain: 1.0,
            release: 0.0,
            time: 0,
            slot: 0,
            calm: 0,
            fast: false,
        };
        limiter.set_sample_rate(DEFAULT_SR);
        limiter
    }

    /// Push a peak, drop the ones it dominates and the ones older than the window, and
    /// return the window's largest peak.
    #[inline]
    fn window_peak(&mut self, peak: f32) -> f32 {
        let cap = self.queue.len();
        let wrap = |i: usize| if i >= cap { i - cap } else { i };
        // The window is the last `len + 1` samples: everything still in the delay plus
        // the one leaving it now. Expire first so the ring never holds more than that.
        if self.count > 0 && self.time - self.queue[self.head].1 > self.len as u64 {
            self.head = wrap(self.head + 1);
            self.count -= 1;
        }
        while self.count > 0 {
            let back = wrap(self.head + self.count - 1);
            if self.queue[back].0 > peak {
                break;
            }
            self.count -= 1;
        }
        let slot = wrap(self.head + self.count);
        self.queue[slot] = (peak, self.time);
        self.count += 1;
        self.queue[self.head].0
    }
}

impl AudioNode for Limiter {
    const ID: u64 = 0x6174_746c_696d; // "attlim"
    type Inputs = U2;
    type Outputs = U2;

    fn reset(&mut self) {
        self.delay.fill([0.0; 2]);
        self.gains.fill(1.0);
        self.gain_sum = self.len as f64;
        self.head = 0;
        self.count = 0;
        self.gain = 1.0;
        self.time = 0;
        self.slot = 0;
        self.calm = 0;
        self.fast = false;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.len = std::cmp::max((self.lookahead_s * sample_rate).round() as usize, 1);
        self.delay = vec![[0.0; 2]; self.len];
        self.queue = vec![(0.0, 0); self.len + 1];
        self.gains = vec![1.0; self.len];
        self.inv_len = 1.0 / self.len as f64;
        self.release = (1.0 - (-1.0 / (self.release_s * sample_rate)).exp()) as f32;
        self.reset();
    }

    fn tick(&mut self, input: &Frame<f32, U2>) -> Frame<f32, U2> {
        self.limit(input[0], input[1]).into()
    }

    fn process(&mut self, size: usize, input: &BufferRef, output: &mut BufferMut) {
        for i in 0..size {
            let [l, r] = self.limit(input.at_f32(0, i), input.at_f32(1, i));
            output.set_f32(0, i, l);
            output.set_f32(1, i, r);
        }
    }
}

impl Limiter {
    /// [`Limiter::limit`] over a block, in place. On the fast path with nothing in the
    /// block at or over the ceiling, every frame would take the fast path: the block
    /// goes through the delay as whole runs.
    pub(crate) fn limit_block(&mut self, l: &mut [f32], r: &mut [f32]) {
        let quiet = l.iter().zip(r.iter()).fold(true, |quiet, (a, b)| {
            let peak = a.abs().max(b.abs());
            // As `limit` reads it: a non-finite peak is silence.
            quiet & (peak < self.ceiling || !peak.is_finite())
        });
        if !(self.fast && quiet) {
            for (l, r) in l.iter_mut().zip(r.iter_mut()) {
                [*l, *r] = self.limit(*l, *r);
            }
            return;
        }
        let mut done = 0;
        while done < l.len() {
            let run = std::cmp::min(l.len() - done, self.len - self.slot);
            let delay = &mut self.delay[self.slot..self.slot + run];
            for ((d, l), r) in delay.iter_mut().zip(&mut l[done..]).zip(&mut r[done..]) {
                [*l, *r] = std::mem::replace(d, [*l, *r]);
            }
            done += run;
            self.slot = if self.slot + run == self.len {
                0
            } else {
                self.slot + run
            };
        }
        self.time += l.len() as u64;
        self.calm += l.len();
    }

    /// One stereo frame in, the frame from one look-ahead ago out, gain applied.
    #[inline]
    pub(crate) fn limit(&mut self, l: f32, r: f32) -> [f32; 2] {
        // NaN compares false and would stick in the queue: treat it as silence here (the
        // engine sanitises before this point).
        let peak = l.abs().max(r.abs());
        let peak = if peak.is_finite() { peak } else { 0.0 };
        let slot = self.slot;
        self.slot = if slot + 1 == self.len { 0 } else { slot + 1 };
        self.time += 1;
        // Fast path, the usual case (the engine runs ~6 dB below the ceiling): nothing at or
        // over the ceiling for two windows and the gain fully released means every queued
        // peak, every box entry and the gain are exactly at rest, so only the delay moves.
        self.calm = if peak < self.ceiling {
            self.calm + 1
        } else {
            0
        };
        if self.calm > 2 * self.len && self.gain == 1.0 {
            self.fast = true;
            return std::mem::replace(&mut self.delay[slot], [l, r]);
        }
        if self.fast {
            // Leaving the fast path: rebuild the state it skipped. All recent peaks were
            // below the ceiling, so they count as the ceiling (see below): one queue entry.
            self.queue[0] = (self.ceiling, self.time - 1);
            self.head = 0;
            self.count = 1;
            self.gain_sum = self.len as f64;
        }
        self.fast = false;
        // Peaks below the ceiling all need gain 1; counting them as the ceiling keeps the
        // queue at one entry in quiet passages.
        let window_peak = self.window_peak(peak.max(self.ceiling));
        let needed = if window_peak > self.ceiling {
            self.ceiling / window_peak
        } else {
            1.0
        };
        self.gain_sum += needed as f64 - self.gains[slot] as f64;
        self.gains[slot] = needed;
        let [out_l, out_r] = std::mem::replace(&mut self.delay[slot], [l, r]);
        let target = ((self.gain_sum * self.inv_len) as f32).min(1.0);
        self.gain = if target < self.gain {
            target
        } else if self.gain > 1.0 - 1e-5 && target == 1.0 {
            // Released to within −100 dB of unity: snap, so the fast path can take over.
            1.0
        } else {
            self.gain + (target - self.gain) * self.release
        };
        [out_l * self.gain, out_r * self.gain]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(limiter: &mut Limiter, input: &[f32]) -> Vec<f32> {
        input
            .iter()
            .map(|&x| limiter.tick(&[x, -x].into())[0])
            .collect()
    }

    #[test]
    fn quiet_signal_passes_delayed_and_unchanged() {
        let mut lim = Limiter::new(0.5, 0.001, 0.1);
        lim.set_sample_rate(48_000.0);
        let input: Vec<f32> = (0..500).map(|i| 0.4 * (i as f32 * 0.1).sin()).collect();
        let out = run(&mut lim, &input);
        let delay = 48;
        for i in delay..500 {
            assert!((out[i] - input[i - delay]).abs() < 1e-6, "sample {i}");
        }
    }

    #[test]
    fn never_exceeds_ceiling_and_recovers() {
        let mut lim = Limiter::new(0.5, 0.002, 0.01);
        lim.set_sample_rate(48_000.0);
        // Quiet tone, a burst of single-sample spikes and loud tone, then quiet again.
        let mut input: Vec<f32> = (0..20_000).map(|i| 0.3 * (i as f32 * 0.05).sin()).collect();
        for i in (5000..9000).step_by(371) {
            input[i] = 3.0;
        }
        for x in &mut input[10_000..12_000] {
            *x *= 6.0;
        }
        let out = run(&mut lim, &input);
        let max = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(max <= 0.5 + 1e-5, "peak {max}");
        // Long after the loud part, the gain is back at 1: quiet tone unchanged.
        let delay = 96;
        for i in 19_000..20_000 {
            assert!((out[i] - input[i - delay]).abs() < 1e-3, "sample {i}");
        }
    }

    proptest::proptest! {
        /// Whatever comes in (quiet runs that reach the fast path, isolated spikes, loud
        /// stretches), nothing leaves above the ceiling.
        #[test]
        fn output_never_exceeds_ceiling(
            segments in proptest::collection::vec((0.0f32..4.0, 1usize..600, 0u32..3), 1..20)
        ) {
            let mut lim = Limiter::new(0.8, 0.001, 0.02);
            lim.set_sample_rate(48_000.0);
            let mut t = 0.0f32;
            for (amp, len, shape) in segments {
                for i in 0..len {
                    t += 0.03;
                    let x = match shape {
                        0 => amp * t.sin(),
                        1 => if i == len / 2 { amp } else { 0.1 * t.sin() },
                        _ => amp * if i % 2 == 0 { 1.0 } else { -1.0 },
                    };
                    let [l, r] = lim.limit(x, -0.5 * x);
                    proptest::prop_assert!(l.abs() <= 0.8 + 1e-5 && r.abs() <= 0.8 + 1e-5);
                }
            }
        }
    }
}
