//! `io.github.Attuned1`: the daemon's own D-Bus API, a thin layer over [`Core`].

use super::core::{CommandError, Core};
use crate::controls::Control;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zbus::fdo;

/// Shared daemon state as the D-Bus layers hold it.
pub type SharedCore = Arc<Mutex<Core>>;

pub(super) fn lock(core: &SharedCore) -> std::sync::MutexGuard<'_, Core> {
    core.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn to_fdo(e: CommandError) -> fdo::Error {
    match e {
        CommandError::InvalidArgs(m) => fdo::Error::InvalidArgs(m),
        CommandError::Preset(p) => fdo::Error::InvalidArgs(p.to_string()),
    }
}

/// The object at `/io/github/Attuned`.
pub struct AttunedInterface {
    pub core: SharedCore,
}

#[zbus::interface(name = "io.github.Attuned1")]
impl AttunedInterface {
    fn play(&self) {
        lock(&self.core).play();
    }
    fn pause(&self) {
        lock(&self.core).pause();
    }
    fn toggle(&self) {
        lock(&self.core).toggle();
    }
    fn set_preset(&self, name: &str) -> fdo::Result<()> {
        lock(&self.core).set_preset(name).map_err(to_fdo)
    }
    fn list_presets(&self) -> Vec<String> {
        lock(&self.core).presets()
    }
    #[zbus(name = "SetVolume")]
    fn set_volume_method(&self, volume: f64) -> fdo::Result<()> {
        lock(&self.core).set_volume(volume).map_err(to_fdo)
    }
    fn set_sleep_timer(&self, seconds: f64, fade_seconds: f64, action: &str) -> fdo::Result<()> {
        lock(&self.core)
            .set_timer(seconds, fade_seconds, action)
            .map_err(to_fdo)
    }
    fn cancel_sleep_timer(&self) {
        lock(&self.core).cancel_timer();
    }
    /// (input, control, change) triples: how much each input moved each control now.
    fn explain(&self) -> Vec<(String, String, f64)> {
        lock(&self.core).explain()
    }
    fn reload_presets(&self) -> fdo::Result<()> {
        lock(&self.core).reload_presets().map_err(to_fdo)
    }

    #[zbus(property)]
    fn playback_state(&self) -> String {
        lock(&self.core).playback.name().to_owned()
    }
    #[zbus(property)]
    fn preset(&self) -> String {
        lock(&self.core).preset.name.clone()
    }
    #[zbus(property)]
    fn volume(&self) -> f64 {
        lock(&self.core).volume
    }
    /// Heart rate in bpm, 0 without a fresh reading.
    #[zbus(property)]
    fn heart_rate(&self) -> f64 {
        lock(&self.core)
            .last_step
            .as_ref()
            .and_then(|s| s.hr)
            .unwrap_or(0.0) as f64
    }
    /// Cadence in steps per minute, 0 without a fresh reading.
    #[zbus(property)]
    fn cadence(&self) -> f64 {
        lock(&self.core)
            .last_step
            .as_ref()
            .and_then(|s| s.cadence)
            .unwrap_or(0.0) as f64
    }
    #[zbus(property)]
    fn tempo(&self) -> f64 {
        lock(&self.core).tempo_bpm() as f64
    }
    #[zbus(property)]
    fn controls(&self) -> HashMap<String, f64> {
        let core = lock(&self.core);
        Control::ALL
            .iter()
            .map(|c| (c.name().to_owned(), core.control(*c) as f64))
            .collect()
    }
    /// Connected sensors (none until the sensor support lands).
    #[zbus(property)]
    fn sensors(&self) -> Vec<(String, String, String)> {
        Vec::new()
    }
    #[zbus(property)]
    fn sleep_timer_remaining(&self) -> f64 {
        lock(&self.core).timer_remaining()
    }
    #[zbus(property)]
    fn audio_output(&self) -> String {
        lock(&self.core).audio_status().to_string()
    }
}
