//! What the core publishes after every command and tick: the snapshot that every property
//! is read from, without waiting for the core.

use crate::dbus::{BreathLeadReport, HeartLeadReport, NowPlaying, WorkoutReport};
use tokio::time::Instant;

/// Playback as MPRIS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Playback {
    Playing,
    #[default]
    Paused,
}

impl Playback {
    pub fn name(self) -> &'static str {
        match self {
            Playback::Playing => "Playing",
            Playback::Paused => "Paused",
        }
    }
}

/// The daemon's state as clients see it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct View {
    pub playback: Playback,
    /// The preset playing (or fading in).
    pub preset: String,
    pub title: String,
    /// "focus", "sleep", … (the preset's mode).
    pub mode: String,
    pub volume: f64,
    /// bpm, 0 without a fresh reading.
    pub heart_rate: f64,
    /// Steps per minute, 0 without a fresh reading.
    pub cadence: f64,
    /// The tempo the preset plays at, bpm.
    pub tempo: f64,
    pub beats_per_bar: u32,
    /// Breaths per minute read from the heart, 0 when unknown.
    pub breathing_rate: f64,
    /// How clear the breathing rhythm is (0..1), 0 when unknown.
    pub breathing_confidence: f64,
    /// The last sleep or relax session's summary.
    pub last_session: Option<crate::features::session_summary::SessionSummary>,
    /// The breath lead, for presets that lead.
    pub breath_lead: Option<BreathLeadReport>,
    pub heart_lead: Option<HeartLeadReport>,
    /// (control name, value 0..1) in `Control::ALL` order.
    pub controls: Vec<(&'static str, f64)>,
    /// When the sleep timer ends.
    pub timer_ends: Option<Instant>,
    pub workout: Option<WorkoutReport>,
    /// Why the workout tempo is nudged, in words (empty outside workout presets).
    pub steering: String,
    /// The playing preset's layers and the listener's level of each, in mix order.
    pub layers: Vec<(String, f64)>,
    /// The depth the playing preset's focus modulation runs at (0: it has none).
    pub modulation_depth: f64,
    /// The output device chosen ("": the default).
    pub output_device: String,
    pub now: Option<NowPlaying>,
}

impl View {
    /// Seconds left on the sleep timer (0 without one).
    pub fn timer_remaining(&self) -> f64 {
        self.timer_ends.map_or(0.0, |t| {
            t.saturating_duration_since(Instant::now()).as_secs_f64()
        })
    }
}
