//! `io.github.Attuned1`: the daemon's own D-Bus API, a thin layer over [`Core`].

use super::core::{CommandError, Core};
use crate::controls::Control;
use crate::dbus::{NowPlaying, SensorRow, WorkoutReport};
use crate::sensor::ble::{Ble, BleError};
use crate::sensor::status::BleStatus;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zbus::fdo;
use zbus::zvariant::OwnedValue;

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

fn ble_to_fdo(e: BleError) -> fdo::Error {
    match e {
        BleError::InvalidAddress(_) => fdo::Error::InvalidArgs(e.to_string()),
        _ => fdo::Error::Failed(e.to_string()),
    }
}

/// Longest scan a client may ask for, seconds.
pub const MAX_SCAN_SECONDS: f64 = 60.0;

/// Sensors as the `Sensors` property lists them: (address, name, link, battery % or -1,
/// malformed notifications dropped).
pub fn sensor_rows(status: &BleStatus) -> Vec<SensorRow> {
    status
        .sensors
        .iter()
        .map(|s| SensorRow {
            address: s.address.clone(),
            name: s.name.clone(),
            link: s.link.to_string(),
            battery: s.battery.map_or(-1, i32::from),
            dropped: s.dropped,
        })
        .collect()
}

/// The object at `/io/github/Attuned`.
pub struct AttunedInterface {
    pub core: SharedCore,
    pub ble: Arc<Ble>,
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
    /// Scan for `seconds` (0 < s ≤ 60): (address, name, kinds, RSSI dBm or 0) of the
    /// heart-rate, running and cycling sensors around, strongest first.
    async fn scan(&self, seconds: f64) -> fdo::Result<Vec<(String, String, Vec<String>, i16)>> {
        if !(seconds > 0.0 && seconds <= MAX_SCAN_SECONDS) {
            return Err(fdo::Error::InvalidArgs(format!(
                "scan time {seconds} s is outside 0..{MAX_SCAN_SECONDS} s"
            )));
        }
        let found = self
            .ble
            .scan(std::time::Duration::from_secs_f64(seconds))
            .await
            .map_err(ble_to_fdo)?;
        Ok(found
            .into_iter()
            .map(|f| {
                let kinds = f.kinds.iter().map(|k| k.name().to_owned()).collect();
                (f.address, f.name, kinds, f.rssi.unwrap_or(0))
            })
            .collect())
    }
    /// Remember the sensor at `address` (found by a scan) and keep it connected; returns
    /// (address, name).
    async fn pair(&self, address: &str) -> fdo::Result<(String, String)> {
        let sensor = self.ble.pair(address).await.map_err(ble_to_fdo)?;
        lock(&self.core).remember_sensor(sensor.clone());
        Ok((sensor.address, sensor.name))
    }
    /// Forget the sensor at `address`; false if it was not paired.
    async fn forget(&self, address: &str) -> fdo::Result<bool> {
        let known = self.ble.forget(address).await.map_err(ble_to_fdo)?;
        if known {
            let address = crate::sensor::ble::normalise_address(address).map_err(ble_to_fdo)?;
            lock(&self.core).forget_sensor(&address);
        }
        Ok(known)
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
    /// Steer the workout tempo toward this cadence (steps per minute; 0 clears it).
    fn set_target_cadence(&self, steps_per_minute: f64) -> fdo::Result<()> {
        lock(&self.core)
            .set_target_cadence(steps_per_minute)
            .map_err(to_fdo)
    }
    /// Steer the workout tempo into this heart-rate zone (bpm; 0, 0 clears it).
    fn set_heart_rate_zone(&self, low: f64, high: f64) -> fdo::Result<()> {
        lock(&self.core).set_hr_zone(low, high).map_err(to_fdo)
    }
    /// Ease the workout off above this heart rate (bpm; 0 clears it).
    fn set_heart_rate_ceiling(&self, bpm: f64) -> fdo::Result<()> {
        lock(&self.core).set_hr_ceiling(bpm).map_err(to_fdo)
    }
    /// The workout beat, for presets that follow cadence (empty otherwise): cadence
    /// (steps/min, 0 when not moving), beat_tempo (bpm), ratio (beats per step),
    /// phase_locked (1/0), phase_error_ms (beat minus predicted footfall; absent unless
    /// locked), steer_percent, brake (0..1), rejected (implausible cadence readings),
    /// output_latency_ms (as the audio host reports it; footfalls are mapped through it).
    #[zbus(property)]
    fn workout(&self) -> HashMap<String, f64> {
        WorkoutReport::to_map(workout_report(&lock(&self.core)).as_ref())
    }
    /// Why the workout tempo is nudged, in words ("off" when it is not; empty outside
    /// workout presets).
    #[zbus(property)]
    fn steering(&self) -> String {
        steering_text(&lock(&self.core))
    }
    #[zbus(property)]
    fn controls(&self) -> HashMap<String, f64> {
        let core = lock(&self.core);
        Control::ALL
            .iter()
            .map(|c| (c.name().to_owned(), core.control(*c) as f64))
            .collect()
    }
    /// Paired sensors: (address, name, link: searching|connecting|live|stale, battery % or
    /// -1, malformed notifications dropped).
    #[zbus(property)]
    fn sensors(&self) -> Vec<SensorRow> {
        sensor_rows(&self.ble.status())
    }
    /// The Bluetooth side: idle, ready, or why sensors cannot be reached.
    #[zbus(property)]
    fn bluetooth(&self) -> String {
        self.ble.status().radio.to_string()
    }
    /// What the music is doing now: section (name), section_number, key ("D dorian"),
    /// chord ("Am7"), voices (the voices playing), bar (counted from the preset's start).
    /// Empty before the first bar has played.
    #[zbus(property)]
    fn now(&self) -> HashMap<String, OwnedValue> {
        NowPlaying::to_map(lock(&self.core).now().map(|n| now_playing(&n)).as_ref())
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

/// The workout beat as the `Workout` property reports it.
pub fn workout_report(core: &Core) -> Option<WorkoutReport> {
    let (w, error) = core.workout()?;
    Some(WorkoutReport {
        cadence: w.cadence.unwrap_or(0.0) as f64,
        beat_tempo: w.bpm,
        ratio: w.ratio as f64,
        phase_locked: w.phase_locked,
        phase_error_ms: error.map(f64::from),
        steer_percent: w.steer as f64 * 100.0,
        brake: w.brake as f64,
        rejected: w.rejected as f64,
        output_latency_ms: core.output_latency().as_secs_f64() * 1000.0,
    })
}

/// The bar playing as the `Now` property reports it.
pub fn now_playing(now: &crate::compose::planner::BarInfo) -> NowPlaying {
    NowPlaying {
        section: now.section.to_string(),
        section_number: now.section_number,
        key: now.key.name(),
        chord: now.chord_symbol(),
        voices: now.voice_names().into_iter().map(String::from).collect(),
        bar: now.index,
    }
}

/// The `Steering` property.
pub fn steering_text(core: &Core) -> String {
    core.workout()
        .map(|(w, _)| format!("{} · tempo from {}", w.steering, w.source.name()))
        .unwrap_or_default()
}
