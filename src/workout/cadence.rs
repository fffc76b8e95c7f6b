//! Cadence as the follower trusts it: steps (or pedal strokes) per minute, with implausible
//! jumps held back until the next reading confirms them, and a stop taken at once.

/// Below this (per minute) the listener has stopped.
pub const STOPPED_BELOW: f32 = 30.0;
/// Above this (per minute) a reading is not a human cadence.
pub const MAX_CADENCE: f32 = 240.0;
/// A change larger than this fraction of the tracked cadence is a jump, held until confirmed.
pub const JUMP: f32 = 0.2;
/// Readings older than this (seconds) no longer count: the sensor has gone quiet.
pub const STALE_S: f64 = 5.0;

/// What the tracker believes now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cadence {
    /// No cadence sensor, or it has gone quiet.
    Absent,
    /// The sensor says the listener is standing still.
    Stopped,
    /// Moving at this many steps per minute.
    Moving(f32),
}

/// Filters cadence readings (already normalised to steps per minute).
#[derive(Debug, Clone, Default)]
pub struct CadenceTracker {
    accepted: Option<(f64, f32)>,
    /// A jump waiting for confirmation: when and what.
    candidate: Option<(f64, f32)>,
    /// Readings refused: out of range, or a jump never confirmed.
    pub rejected: u64,
}

impl CadenceTracker {
    /// Take a reading at `at` seconds. Returns whether it was accepted.
    pub fn push(&mut self, at: f64, per_minute: f32) -> bool {
        if !per_minute.is_finite() || !(0.0..=MAX_CADENCE).contains(&per_minute) {
            self.rejected += 1;
            return false;
        }
        if per_minute < STOPPED_BELOW {
            // A stop is never a glitch worth waiting for: the music must not keep running.
            self.candidate = None;
            self.accepted = Some((at, 0.0));
            return true;
        }
        let current = self
            .accepted
            .filter(|&(t, c)| at - t <= STALE_S && c >= STOPPED_BELOW)
            .map(|(_, c)| c);
        let plausible = match current {
            Some(c) => ((per_minute - c) / c).abs() <= JUMP,
            // From a stop or from nothing, a first reading must be confirmed by a second.
            None => false,
        };
        let confirmed = self
            .candidate
            .is_some_and(|(t, c)| at - t <= STALE_S && ((per_minute - c) / c).abs() <= JUMP / 2.0);
        if plausible || confirmed {
            if !confirmed && self.candidate.is_some() {
                // The reading pending confirmation was a glitch after all.
                self.rejected += 1;
            }
            self.candidate = None;
            self.accepted = Some((at, per_minute));
            true
        } else {
            if self.candidate.replace((at, per_minute)).is_some() {
                self.rejected += 1;
            }
            false
        }
    }

    /// Whether a cadence reading was ever accepted (a cadence sensor is in use).
    pub fn heard(&self) -> bool {
        self.accepted.is_some()
    }

    /// The cadence at `now` seconds.
    pub fn at(&self, now: f64) -> Cadence {
        match self.accepted {
            Some((t, c)) if now - t <= STALE_S => {
                if c < STOPPED_BELOW {
                    Cadence::Stopped
                } else {
                    Cadence::Moving(c)
                }
            }
            _ => Cadence::Absent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_jump_is_held_back_and_a_confirmed_one_is_taken() {
        let mut t = CadenceTracker::default();
        assert!(!t.push(0.0, 170.0), "a first reading waits for a second");
        assert!(t.push(0.7, 171.0));
        assert_eq!(t.at(0.8), Cadence::Moving(171.0));
        assert!(!t.push(1.4, 85.0), "a halving is a glitch until confirmed");
        assert_eq!(t.at(1.5), Cadence::Moving(171.0));
        assert!(t.push(2.1, 172.0));
        assert_eq!(t.rejected, 1);
        // A real change of pace: two readings agree.
        assert!(!t.push(2.8, 120.0));
        assert!(t.push(3.5, 121.0));
        assert_eq!(t.at(3.6), Cadence::Moving(121.0));
    }

    #[test]
    fn a_stop_is_taken_at_once_and_silence_is_absence() {
        let mut t = CadenceTracker::default();
        t.push(0.0, 165.0);
        t.push(1.0, 165.0);
        assert!(t.push(2.0, 0.0));
        assert_eq!(t.at(2.0), Cadence::Stopped);
        assert_eq!(t.at(2.0 + STALE_S + 0.1), Cadence::Absent);
        assert!(!t.push(3.0, 500.0));
        assert!(!t.push(3.0, f32::NAN));
        assert_eq!(t.rejected, 2);
    }
}
