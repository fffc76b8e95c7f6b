//! When engine samples are heard: the audio callback marks, for the first frame of each
//! buffer, the moment it will reach the speaker (now plus the latency the host reports), so
//! the control side can turn a wall-clock time (a predicted footfall) into an engine
//! sample. Marked through a seqlock of atomics: no locks, no allocation in the callback.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The mapping from engine samples to wall-clock time, shared with the audio callback.
#[derive(Debug)]
pub struct PlayClock {
    base: Instant,
    seq: AtomicU64,
    frame: AtomicU64,
    /// Nanoseconds after `base` at which `frame` is heard; `u64::MAX` before the first mark.
    heard_ns: AtomicU64,
}

impl Default for PlayClock {
    fn default() -> Self {
        PlayClock {
            base: Instant::now(),
            seq: AtomicU64::new(0),
            frame: AtomicU64::new(0),
            heard_ns: AtomicU64::new(u64::MAX),
        }
    }
}

impl PlayClock {
    /// In the audio callback: engine sample `frame` is the first of this buffer, heard
    /// `latency` from now.
    pub fn mark(&self, frame: u64, latency: Duration) {
        let heard = (self.base.elapsed() + latency).as_nanos() as u64;
        self.seq.fetch_add(1, Ordering::AcqRel);
        self.frame.store(frame, Ordering::Release);
        self.heard_ns.store(heard, Ordering::Release);
        self.seq.fetch_add(1, Ordering::AcqRel);
    }

    /// The engine sample heard at `when`, at `sample_rate`; `None` before audio has played.
    pub fn sample_at(&self, when: Instant, sample_rate: f64) -> Option<u64> {
        for _ in 0..4 {
            let before = self.seq.load(Ordering::Acquire);
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let frame = self.frame.load(Ordering::Acquire);
            let heard = self.heard_ns.load(Ordering::Acquire);
            if self.seq.load(Ordering::Acquire) != before {
                continue;
            }
            if heard == u64::MAX {
                return None;
            }
            let at = when.checked_duration_since(self.base)?.as_nanos() as f64;
            let offset = (at - heard as f64) * 1e-9 * sample_rate;
            return Some((frame as f64 + offset).max(0.0) as u64);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_wall_time_to_the_sample_heard_then() {
        let clock = PlayClock::default();
        assert_eq!(clock.sample_at(Instant::now(), 48_000.0), None);
        clock.mark(48_000, Duration::from_millis(100));
        let now = Instant::now();
        // Heard 100 ms from the mark: now is about 100 ms before frame 48 000.
        let s = clock.sample_at(now, 48_000.0).unwrap() as i64;
        assert!((s - (48_000 - 4_800)).abs() < 480, "{s}");
        let later = clock
            .sample_at(now + Duration::from_secs(1), 48_000.0)
            .unwrap() as i64;
        assert!((later - s - 48_000).abs() < 2, "{later}");
    }
}
