//! Dropouts a listener hears, counted: a callback that comes after the sound it follows
//! has run out (the host's own timestamps say when the previous buffer ends), the xruns a
//! host reports through cpal's error callback, and a playing stream lost and reopened (a
//! PulseAudio server drops a client that stalls too long). Both are counted from the audio and the
//! host's threads with one relaxed atomic add; the supervisor says them in the log at most
//! once a minute, D-Bus shows the count (`Dropouts`), and `attunectl status` with it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Dropouts since the daemon started, across every stream it opened.
#[derive(Debug, Default)]
pub struct Dropouts(AtomicU64);

impl Dropouts {
    /// Count one (from the audio callback or cpal's error callback: no lock, no allocation).
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// When one stream's written sound runs out, as its callbacks' timestamps tell: kept by the
/// stream's callback, one per stream. The first [`SETTLING`] callbacks only set it: a
/// server fills a new stream's buffer in a burst and starts it when it likes, which is a
/// late start, not a dropout.
#[derive(Debug, Default)]
pub struct Deadline {
    end: Option<cpal::StreamInstant>,
    callbacks: u32,
}

/// Callbacks of a new stream that are not judged.
pub const SETTLING: u32 = 4;

impl Deadline {
    /// A callback at `callback` writes `frames` frames heard from `playback`: whether it came
    /// after the previous callback's sound had run out.
    pub fn late(
        &mut self,
        callback: cpal::StreamInstant,
        playback: cpal::StreamInstant,
        frames: usize,
    ) -> bool {
        let judged = self.callbacks >= SETTLING;
        self.callbacks = self.callbacks.saturating_add(1);
        let late = judged && self.end.is_some_and(|end| callback > end);
        let lasts =
            Duration::from_nanos(frames as u64 * 1_000_000_000 / crate::engine::SAMPLE_RATE as u64);
        self.end = playback.checked_add(lasts);
        late
    }
}

/// The most often the log speaks of dropouts.
pub const LOG_EVERY: Duration = Duration::from_secs(60);

/// What the supervisor has said of the count.
#[derive(Debug)]
pub struct DropoutLog {
    said: u64,
    at: Option<Instant>,
}

impl DropoutLog {
    pub fn new() -> Self {
        DropoutLog { said: 0, at: None }
    }

    /// A log line for the dropouts since the last one, if there are any and the last line is
    /// at least [`LOG_EVERY`] old.
    pub fn line(&mut self, now: Instant, count: u64) -> Option<String> {
        if count <= self.said || self.at.is_some_and(|at| now - at < LOG_EVERY) {
            return None;
        }
        let new = count - self.said;
        let line = match self.at {
            None => format!("audio: {new} dropout(s), {count} since the start"),
            Some(at) => format!(
                "audio: {new} dropout(s) in the last {} s, {count} since the start",
                (now - at).as_secs()
            ),
        };
        (self.said, self.at) = (count, Some(now));
        Some(line)
    }
}

impl Default for DropoutLog {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpal::StreamInstant;

    fn ms(t: u64) -> StreamInstant {
        StreamInstant::from_millis(t)
    }

    #[test]
    fn a_callback_after_the_sound_ran_out_is_late() {
        let mut d = Deadline::default();
        // A new stream's first callbacks, however they come, only set the deadline.
        for t in [0, 100, 300, 600] {
            assert!(!d.late(ms(t), ms(t + 20), 480));
        }
        let mut d = Deadline {
            end: None,
            callbacks: SETTLING,
        };
        // 480 frames (10 ms) heard 20 ms after each callback: the sound runs to 30 ms past it.
        assert!(!d.late(ms(0), ms(20), 480));
        assert!(!d.late(ms(10), ms(30), 480));
        // A stall: the next callback at 45 ms, the sound had run out at 40.
        assert!(d.late(ms(45), ms(65), 480));
        assert!(!d.late(ms(55), ms(75), 480));
        // Just in time is in time.
        assert!(!d.late(ms(85), ms(105), 480));
    }

    #[test]
    fn the_log_speaks_at_most_once_a_minute() {
        let t0 = Instant::now();
        let mut log = DropoutLog::new();
        assert_eq!(log.line(t0, 0), None);
        assert!(log.line(t0, 2).unwrap().contains("2 dropout(s)"));
        assert_eq!(log.line(t0 + Duration::from_secs(30), 5), None);
        let line = log.line(t0 + Duration::from_secs(61), 7).unwrap();
        assert!(
            line.contains("5 dropout(s) in the last 61 s, 7 since"),
            "{line}"
        );
        assert_eq!(log.line(t0 + Duration::from_secs(200), 7), None);
    }
}
