//! The client side of `io.github.Attuned1`, for `attunectl`, the tray and the tests.

use super::SensorRow;
use std::collections::HashMap;

#[zbus::proxy(
    interface = "io.github.Attuned1",
    default_service = "io.github.Attuned",
    default_path = "/io/github/Attuned"
)]
pub trait Attuned {
    fn play(&self) -> zbus::Result<()>;
    fn pause(&self) -> zbus::Result<()>;
    fn toggle(&self) -> zbus::Result<()>;
    fn set_preset(&self, name: &str) -> zbus::Result<()>;
    fn list_presets(&self) -> zbus::Result<Vec<String>>;
    fn set_volume(&self, volume: f64) -> zbus::Result<()>;
    fn set_sleep_timer(&self, seconds: f64, fade_seconds: f64, action: &str) -> zbus::Result<()>;
    fn cancel_sleep_timer(&self) -> zbus::Result<()>;
    fn explain(&self) -> zbus::Result<Vec<(String, String, f64)>>;
    fn explain_text(&self) -> zbus::Result<Vec<String>>;
    fn reload_presets(&self) -> zbus::Result<()>;
    fn scan(&self, seconds: f64) -> zbus::Result<Vec<(String, String, Vec<String>, i16)>>;
    fn pair(&self, address: &str) -> zbus::Result<(String, String)>;
    fn forget(&self, address: &str) -> zbus::Result<bool>;
    fn set_target_cadence(&self, steps_per_minute: f64) -> zbus::Result<()>;
    fn set_motif(&self, notes: &[(u32, f64, f64)]) -> zbus::Result<()>;
    fn clear_motif(&self) -> zbus::Result<()>;
    fn set_heart_rate_ceiling(&self, bpm: f64) -> zbus::Result<()>;
    fn set_heart_rate_zone(&self, low: f64, high: f64) -> zbus::Result<()>;
    fn set_layer_level(&self, layer: &str, level: f64) -> zbus::Result<()>;
    fn set_modulation_depth(&self, depth: f64) -> zbus::Result<()>;
    fn clear_modulation_depth(&self) -> zbus::Result<()>;
    fn output_devices(&self) -> zbus::Result<Vec<String>>;
    fn describe_output_devices(&self) -> zbus::Result<Vec<(String, String)>>;
    fn set_output_device(&self, name: &str) -> zbus::Result<()>;
    #[zbus(property)]
    fn output_device(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn modulation_depth(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn layers(&self) -> zbus::Result<HashMap<String, f64>>;
    #[zbus(property)]
    fn workout(&self) -> zbus::Result<HashMap<String, f64>>;
    #[zbus(property)]
    fn breath_lead(&self) -> zbus::Result<HashMap<String, f64>>;
    #[zbus(property)]
    fn heart_lead(&self) -> zbus::Result<HashMap<String, f64>>;
    #[zbus(property)]
    fn last_session(&self) -> zbus::Result<HashMap<String, f64>>;
    #[zbus(property)]
    fn steering(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn now(&self) -> zbus::Result<HashMap<String, zbus::zvariant::OwnedValue>>;
    #[zbus(property)]
    fn sensors(&self) -> zbus::Result<Vec<SensorRow>>;
    #[zbus(property)]
    fn bluetooth(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn playback_state(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn preset(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn volume(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn heart_rate(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn cadence(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn tempo(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn breathing_rate(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn controls(&self) -> zbus::Result<HashMap<String, f64>>;
    #[zbus(property)]
    fn sleep_timer_remaining(&self) -> zbus::Result<f64>;
    #[zbus(property)]
    fn audio_output(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn dropouts(&self) -> zbus::Result<u64>;
    #[zbus(property)]
    fn midi_input(&self) -> zbus::Result<String>;
}
