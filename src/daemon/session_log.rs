//! The daemon's side of session summaries: a sleep or relax session starts when such a
//! preset plays and ends at the sleep timer, a pause, a preset change or shutdown; its
//! summary is logged, kept as the `LastSession` property and saved with the state.

use crate::control::contract::{HR_PRESENT, RMSSD};
use crate::control::pipeline::Step;
use crate::features::session_summary::{
    MIN_CONFIDENCE, Observation, SessionSummary, SessionTracker,
};
use crate::preset::{Mode, Preset};

/// The session being observed, and the last one that ended.
#[derive(Debug, Default)]
pub struct SessionLog {
    current: Option<SessionTracker>,
    last_observed: f64,
    pub last: Option<SessionSummary>,
}

impl SessionLog {
    /// Start with the summary saved by the last run.
    pub fn new(last: Option<SessionSummary>) -> Self {
        SessionLog {
            last,
            ..SessionLog::default()
        }
    }

    /// `preset` starts playing at `t` (a session begins if it is a sleep or relax one).
    pub fn begin(&mut self, preset: &Preset, t: f64) {
        if self.current.is_none() && matches!(preset.mode, Mode::Sleep | Mode::Relax) {
            self.current = Some(SessionTracker::start(&preset.name, t));
        }
    }

    /// The session (if any) ends at `t` because of `reason`.
    pub fn end(&mut self, t: f64, reason: &str) {
        let Some(tracker) = self.current.take() else {
            return;
        };
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        if let Some(summary) = tracker.finish(t, reason, unix) {
            let lines = SessionSummary::lines_from_map(&summary.to_map());
            tracing::info!(
                "{} session ended ({reason}): {}",
                summary.preset,
                lines.join("; ")
            );
            self.last = Some(summary);
        }
    }

    /// What the control step knows about the listener, about once a second.
    pub fn observe(&mut self, step: &Step) {
        let Some(tracker) = &mut self.current else {
            return;
        };
        if step.t - self.last_observed < 1.0 && step.t >= self.last_observed {
            return;
        }
        self.last_observed = step.t;
        let strap = step.features[HR_PRESENT] > 0.5;
        tracker.observe(
            step.t,
            Observation {
                breathing: step
                    .breathing
                    .filter(|b| b.confidence >= MIN_CONFIDENCE)
                    .map(|b| b.per_minute),
                heart_rate: step.hr,
                rmssd_ms: strap.then(|| step.features[RMSSD] * 100.0),
            },
        );
    }
}
