//! The listener's depth of the focus modulation: one setting for every preset that
//! modulates (`[amplitude_modulation]` in its file), from the config at first start, then
//! from D-Bus, kept in the state. Presets without the modulation ignore it.

use super::command::CommandError;
use crate::preset::Preset;
use crate::synth::focus_am::SharedAmDepth;

/// The depth the listener chose, if any (else each preset's own).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Modulation(Option<f64>);

impl Modulation {
    /// From the state if it has one, else the config's.
    pub fn restored(saved: Option<f64>, configured: Option<f64>) -> Self {
        Modulation(saved.or(configured))
    }

    /// What to save.
    pub fn saved(&self) -> Option<f64> {
        self.0
    }

    /// Give the graphs the depth.
    pub fn apply(&self, shared: &SharedAmDepth) {
        shared.set(self.0.map(|d| d as f32));
    }

    /// Set the depth (0..=1), or `None` for each preset's own.
    pub fn set(&mut self, depth: Option<f64>, shared: &SharedAmDepth) -> Result<(), CommandError> {
        if let Some(d) = depth {
            crate::limits::modulation_depth(d).map_err(CommandError::InvalidArgs)?;
        }
        self.0 = depth;
        self.apply(shared);
        Ok(())
    }

    /// The depth `preset` modulates at now: 0 if it does not modulate.
    pub fn effective(&self, preset: &Preset) -> f64 {
        preset
            .am
            .map_or(0.0, |am| self.0.unwrap_or(am.depth as f64))
    }
}
