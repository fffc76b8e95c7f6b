//! When engine samples are heard: the audio callback reports, for the first frame of each
//! buffer, the moment it will reach the speaker (now plus the latency the host reports), so
//! the control side can turn a wall-clock time (a predicted footfall) into an engine
//! sample.
//!
//! One callback's report is noisy: the server asks for data whenever its buffer has room,
//! so "now" wobbles by up to a period from one callback to the next. Engine samples and
//! wall time run at the same rate, so `heard = frame / rate + offset` with one offset; each
//! callback measures it, and an exponential mean (time constant ~15 callbacks, about 3 s at
//! 200 ms buffers) keeps the jitter out of the footfall anchors. A jump of more than half a
//! second (a rebuilt stream) restarts the mean.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Weight of each callback's measurement in the mean.
const WEIGHT: f64 = 1.0 / 16.0;
/// Latencies reported above this are taken as this (no real output is that late).
const MAX_LATENCY: Duration = Duration::from_secs(10);
/// A measurement this far (ns) from the mean restarts it.
const RESTART_NS: f64 = 0.5e9;

/// The mapping from engine samples to wall-clock time, shared with the audio callback.
#[derive(Debug)]
pub struct PlayClock {
    base: Instant,
    sample_rate: f64,
    /// f64 bits: when engine sample 0 is (or would have been) heard, in ns after `base`;
    /// NaN before the first report. Written only by the audio callback.
    offset_ns: AtomicU64,
    /// The last latency reported (ns), for display.
    latency_ns: AtomicU64,
}

impl PlayClock {
    pub fn new(sample_rate: f64) -> Self {
        PlayClock {
            base: Instant::now(),
            sample_rate,
            offset_ns: AtomicU64::new(f64::NAN.to_bits()),
            latency_ns: AtomicU64::new(0),
        }
    }

    /// In the audio callback: engine sample `frame` is the first of this buffer, heard
    /// `latency` from now.
    pub fn mark(&self, frame: u64, latency: Duration) {
        self.mark_at(Instant::now(), frame, latency);
    }

    /// [`PlayClock::mark`] with the callback's time given.
    pub fn mark_at(&self, now: Instant, frame: u64, latency: Duration) {
        // A host reporting an absurd latency must not panic the audio thread.
        let Some(heard) = now
            .saturating_duration_since(self.base)
            .checked_add(latency.min(MAX_LATENCY))
        else {
            return;
        };
        let heard = heard.as_nanos() as f64;
        let measured = heard - frame as f64 * 1e9 / self.sample_rate;
        let mean = f64::from_bits(self.offset_ns.load(Ordering::Relaxed));
        let next = if mean.is_nan() || (measured - mean).abs() > RESTART_NS {
            measured
        } else {
            mean + WEIGHT * (measured - mean)
        };
        self.offset_ns.store(next.to_bits(), Ordering::Relaxed);
        self.latency_ns
            .store(latency.as_nanos() as u64, Ordering::Relaxed);
    }

    /// The output latency the host last reported.
    pub fn latency(&self) -> Duration {
        Duration::from_nanos(self.latency_ns.load(Ordering::Relaxed))
    }

    /// The engine sample heard at `when`; `None` before audio has played.
    pub fn sample_at(&self, when: Instant) -> Option<u64> {
        let offset = f64::from_bits(self.offset_ns.load(Ordering::Relaxed));
        if offset.is_nan() {
            return None;
        }
        let at = when.checked_duration_since(self.base)?.as_nanos() as f64;
        Some(((at - offset) * self.sample_rate / 1e9).max(0.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_wall_time_to_the_sample_heard_then() {
        let clock = PlayClock::new(48_000.0);
        assert_eq!(clock.sample_at(Instant::now()), None);
        clock.mark(48_000, Duration::from_millis(100));
        let now = Instant::now();
        // Heard 100 ms from the mark: now is about 100 ms before frame 48 000.
        let s = clock.sample_at(now).unwrap() as i64;
        assert!((s - (48_000 - 4_800)).abs() < 480, "{s}");
        let later = clock.sample_at(now + Duration::from_secs(1)).unwrap() as i64;
        assert!((later - s - 48_000).abs() < 2, "{later}");
    }

    #[test]
    fn callback_jitter_is_averaged_out() {
        let clock = PlayClock::new(48_000.0);
        let start = clock.base + Duration::from_secs(1);
        // Callbacks for 150 ms buffers, called up to 40 ms early or late, each reporting the
        // nominal 150 ms: the truth is frame f heard at start + f / 48 kHz + 150 ms.
        let wobble = [0i64, 40, -40, 25, -10, 35, -30, 5];
        let mut worst = 0.0f64;
        for k in 0..200u64 {
            let frame = k * 7_200;
            let jitter = wobble[k as usize % wobble.len()];
            let called = start + Duration::from_millis(150 * k) + Duration::from_millis(40)
                - Duration::from_millis((40 - jitter) as u64);
            clock.mark_at(called, frame, Duration::from_millis(150));
            if k > 40 {
                // Where the clock puts the frame heard at a known time.
                let when = start + Duration::from_millis(150 * k + 150);
                let got = clock.sample_at(when).unwrap() as f64;
                worst = worst.max((got - frame as f64).abs() / 48.0);
            }
        }
        assert!(
            worst < 12.0,
            "{worst} ms off; one report alone is up to 40 ms off"
        );
    }
}
