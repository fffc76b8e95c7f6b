//! The sleep timer: how long is left, the fade over its last stretch, and what happens at
//! its end. Kept by wall clock as well, so a restarted daemon resumes it.

use std::time::Duration;
// tokio's clock, which tests pause and advance (the real clock otherwise).
use tokio::time::Instant;

pub use crate::limits::TimerAction;

/// A running sleep timer: fade over the last `fade` before `ends`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SleepTimer {
    pub ends: Instant,
    pub fade: Duration,
    pub action: TimerAction,
    /// `ends` by the wall clock, as saved (fixed when set, so saving it changes nothing).
    pub ends_unix_s: f64,
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl SleepTimer {
    pub fn starting_now(seconds: f64, fade: f64, action: TimerAction) -> SleepTimer {
        SleepTimer {
            ends: Instant::now() + Duration::from_secs_f64(seconds),
            fade: Duration::from_secs_f64(fade),
            action,
            ends_unix_s: unix_now() + seconds,
        }
    }

    /// A saved timer, still running now (`None` if it ran out while the daemon was away).
    pub fn restored(saved: &crate::state::SavedTimer) -> Option<SleepTimer> {
        let left = saved.ends_unix_s - unix_now();
        let (left, fade) = crate::limits::sleep_timer(left, saved.fade_s).ok()?;
        Some(SleepTimer {
            ends_unix_s: saved.ends_unix_s,
            ..SleepTimer::starting_now(left, fade, saved.action)
        })
    }
}

/// Where a sleep timer stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimerPhase {
    /// Before the fade.
    Running,
    /// In the fade: the volume's gain now (falling as the square of the time left, so the
    /// ear hears an even fade).
    Fading(f32),
    /// Time is up.
    Ended,
}

impl SleepTimer {
    /// Where the timer stands at `now`.
    pub fn phase(&self, now: Instant) -> TimerPhase {
        let left = self.ends.saturating_duration_since(now);
        if left.is_zero() {
            TimerPhase::Ended
        } else if left < self.fade {
            let g = left.as_secs_f32() / self.fade.as_secs_f32().max(1e-3);
            TimerPhase::Fading(g * g)
        } else {
            TimerPhase::Running
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fade_falls_to_silence_and_then_the_timer_ends() {
        let t = SleepTimer::starting_now(60.0, 20.0, TimerAction::Pause);
        let at = |s: f64| t.ends - Duration::from_secs_f64(s);
        assert_eq!(t.phase(at(30.0)), TimerPhase::Running);
        assert_eq!(t.phase(at(10.0)), TimerPhase::Fading(0.25));
        assert!(matches!(t.phase(at(0.1)), TimerPhase::Fading(g) if g < 1e-4));
        assert_eq!(t.phase(t.ends), TimerPhase::Ended);
    }
}
