//! `io.github.Attuned1`: the daemon's own D-Bus API. Methods send commands to the core's
//! owner task and await its answer; properties read the last published view.

use super::command::CommandError;
use super::handle::CoreHandle;
use crate::dbus::{BreathLeadReport, HeartLeadReport, NowPlaying, SensorRow, WorkoutReport};
use crate::limits::TimerAction;
use crate::preset::PresetLibrary;
use crate::sensor::ble::{Ble, BleError};
use crate::sensor::status::BleStatus;
use std::collections::HashMap;
use std::sync::Arc;
use zbus::fdo;
use zbus::zvariant::OwnedValue;

pub(super) fn to_fdo(e: CommandError) -> fdo::Error {
    match e {
        CommandError::InvalidArgs(m) => fdo::Error::InvalidArgs(m),
        CommandError::Preset(p) => fdo::Error::InvalidArgs(p.to_string()),
        CommandError::Failed(m) => fdo::Error::Failed(m),
        CommandError::ShuttingDown => fdo::Error::Failed(e.to_string()),
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

/// Sensors as the `Sensors` property lists them.
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
    pub core: CoreHandle,
    pub audio: crate::audio::AudioStatusReader,
    pub ble: Arc<Ble>,
    pub library: PresetLibrary,
    pub midi: crate::midi::MidiStatusReader,
}

#[zbus::interface(name = "io.github.Attuned1")]
impl AttunedInterface {
    async fn play(&self) -> fdo::Result<()> {
        self.core.play().await.map_err(to_fdo)
    }
    async fn pause(&self) -> fdo::Result<()> {
        self.core.pause().await.map_err(to_fdo)
    }
    async fn toggle(&self) -> fdo::Result<()> {
        self.core.toggle().await.map_err(to_fdo)
    }
    async fn set_preset(&self, name: &str) -> fdo::Result<()> {
        self.core.set_preset(name).await.map_err(to_fdo)
    }
    /// The preset directory is read on a blocking thread, never on the core.
    async fn list_presets(&self) -> fdo::Result<Vec<String>> {
        let library = self.library.clone();
        tokio::task::spawn_blocking(move || library.names())
            .await
            .map_err(|e| fdo::Error::Failed(e.to_string()))
    }
    #[zbus(name = "SetVolume")]
    async fn set_volume_method(&self, volume: f64) -> fdo::Result<()> {
        self.core.set_volume(volume).await.map_err(to_fdo)
    }
    /// Set one layer of the playing preset's mix: 0 (off) to 2, 1 being the preset's own
    /// balance. The overall loudness stays; the level is kept for this preset.
    async fn set_layer_level(&self, layer: &str, level: f64) -> fdo::Result<()> {
        self.core
            .set_layer_level(layer, level)
            .await
            .map_err(to_fdo)
    }
    /// The depth of the focus modulation (0..1) in the presets that have it (`deep-focus`);
    /// kept across restarts. Presets without it do not modulate.
    async fn set_modulation_depth(&self, depth: f64) -> fdo::Result<()> {
        self.core
            .set_modulation_depth(Some(depth))
            .await
            .map_err(to_fdo)
    }
    /// Each preset modulates at its own depth again.
    async fn clear_modulation_depth(&self) -> fdo::Result<()> {
        self.core.set_modulation_depth(None).await.map_err(to_fdo)
    }
    /// The names of the output devices the sound server offers now (what `SetOutputDevice`
    /// takes).
    async fn output_devices(&self) -> fdo::Result<Vec<String>> {
        let devices = self.core.output_devices().await.map_err(to_fdo)?;
        Ok(devices.into_iter().map(|d| d.name).collect())
    }
    /// (name, description) of each output device, for menus.
    async fn describe_output_devices(&self) -> fdo::Result<Vec<(String, String)>> {
        let devices = self.core.output_devices().await.map_err(to_fdo)?;
        Ok(devices
            .into_iter()
            .map(|d| (d.name, d.description))
            .collect())
    }
    /// Play on the output device `name` ("": the default), kept across restarts. While it is
    /// gone the default plays, and it takes over again when it is back.
    async fn set_output_device(&self, name: &str) -> fdo::Result<()> {
        self.core.set_output_device(name).await.map_err(to_fdo)
    }
    /// Pause, stop, or pause and suspend the machine (`action`: "pause" | "stop" |
    /// "suspend") after `seconds`, fading over the last `fade_seconds` (negative: the
    /// configured `sleep_fade`).
    async fn set_sleep_timer(
        &self,
        seconds: f64,
        fade_seconds: f64,
        action: &str,
    ) -> fdo::Result<()> {
        let action = TimerAction::parse(action).map_err(fdo::Error::InvalidArgs)?;
        self.core
            .set_timer(seconds, fade_seconds, action)
            .await
            .map_err(to_fdo)
    }
    async fn cancel_sleep_timer(&self) -> fdo::Result<()> {
        self.core.cancel_timer().await.map_err(to_fdo)
    }
    /// (input, control, change) triples: how much each input moved each control now.
    async fn explain(&self) -> fdo::Result<Vec<(String, String, f64)>> {
        self.core.explain().await.map_err(to_fdo)
    }
    /// What drives the sound now, in sentences a person reads ("It is 03:10, the sun is
    /// down: darker (-0.12) and slower (-0.06) than at midday"), largest effect first.
    async fn explain_text(&self) -> fdo::Result<Vec<String>> {
        self.core.explain_text().await.map_err(to_fdo)
    }
    /// Reload the preset playing and report (as an error naming each) what is wrong in the
    /// preset directory and the schedule.
    async fn reload_presets(&self) -> fdo::Result<()> {
        self.core.reload_presets().await.map_err(to_fdo)
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
        self.core
            .remember_sensor(sensor.clone())
            .await
            .map_err(to_fdo)?;
        Ok((sensor.address, sensor.name))
    }
    /// Forget the sensor at `address`; false if it was not paired.
    async fn forget(&self, address: &str) -> fdo::Result<bool> {
        let address = crate::sensor::ble::normalise_address(address).map_err(ble_to_fdo)?;
        let known = self.ble.forget(&address).await.map_err(ble_to_fdo)?;
        if known {
            self.core.forget_sensor(address).await.map_err(to_fdo)?;
        }
        Ok(known)
    }
    /// Develop this motif as the melody from the next phrase on: (MIDI note, start beat,
    /// length in beats), in order of start, 1 to 64 notes.
    async fn set_motif(&self, notes: Vec<(u32, f64, f64)>) -> fdo::Result<()> {
        let notes = notes
            .into_iter()
            .map(|(midi, start, beats)| crate::compose::given::GivenNote {
                midi: midi.min(255) as u8,
                start,
                beats,
            })
            .collect();
        self.core.set_motif(Some(notes)).await.map_err(to_fdo)
    }
    /// Back to the presets' own melodies.
    async fn clear_motif(&self) -> fdo::Result<()> {
        self.core.set_motif(None).await.map_err(to_fdo)
    }
    /// Steer the workout tempo toward this cadence (steps per minute; 0 clears it).
    async fn set_target_cadence(&self, steps_per_minute: f64) -> fdo::Result<()> {
        self.core
            .set_target_cadence(steps_per_minute)
            .await
            .map_err(to_fdo)
    }
    /// Steer the workout tempo into this heart-rate zone (bpm; 0, 0 clears it).
    async fn set_heart_rate_zone(&self, low: f64, high: f64) -> fdo::Result<()> {
        self.core.set_hr_zone(low, high).await.map_err(to_fdo)
    }
    /// Ease the workout off above this heart rate (bpm; 0 clears it).
    async fn set_heart_rate_ceiling(&self, bpm: f64) -> fdo::Result<()> {
        self.core.set_hr_ceiling(bpm).await.map_err(to_fdo)
    }

    #[zbus(property)]
    fn playback_state(&self) -> String {
        self.core.view().playback.name().to_owned()
    }
    #[zbus(property)]
    fn preset(&self) -> String {
        self.core.view().preset.clone()
    }
    #[zbus(property)]
    fn volume(&self) -> f64 {
        self.core.view().volume
    }
    /// Heart rate in bpm, 0 without a fresh reading.
    #[zbus(property)]
    fn heart_rate(&self) -> f64 {
        self.core.view().heart_rate
    }
    /// Cadence in steps per minute, 0 without a fresh reading.
    #[zbus(property)]
    fn cadence(&self) -> f64 {
        self.core.view().cadence
    }
    #[zbus(property)]
    fn tempo(&self) -> f64 {
        self.core.view().tempo
    }
    /// Breaths per minute read from the heart's RR intervals (respiratory sinus arrhythmia),
    /// 0 when it cannot be told (no strap, too few beats, no clear rhythm).
    #[zbus(property)]
    fn breathing_rate(&self) -> f64 {
        self.core.view().breathing_rate
    }
    /// The last sleep or relax session (empty before one has ended): `minutes`,
    /// `start_breathing`/`end_breathing` (breaths/min), `start_heart_rate`/`end_heart_rate`
    /// (bpm), `start_rmssd`/`end_rmssd` (ms), `minutes_to_slow_breathing` (until breathing
    /// first fell below 8/min) and `ended_unix`; a value not measured is left out.
    #[zbus(property)]
    fn last_session(&self) -> HashMap<String, f64> {
        self.core
            .view()
            .last_session
            .as_ref()
            .map(|s| s.to_map())
            .unwrap_or_default()
    }
    /// The breath lead, for presets that lead breathing (empty otherwise): `phase` (0 off,
    /// 1 matching, 2 leading), `target` (breaths/min the music invites), `swell_rate`
    /// (swells a minute) and `confidence` (see [`BreathLeadReport`]).
    #[zbus(property)]
    fn breath_lead(&self) -> HashMap<String, f64> {
        BreathLeadReport::to_map(self.core.view().breath_lead.as_ref())
    }
    /// The heart lead, in sleep and relax with a heart rate (empty otherwise): `phase`
    /// (1 resting, 2 matching, 3 leading, 4 holding), `heart` (the listener's bpm over
    /// rest) and `music` (the bpm over rest the music plays for; see [`HeartLeadReport`]).
    #[zbus(property)]
    fn heart_lead(&self) -> HashMap<String, f64> {
        HeartLeadReport::to_map(self.core.view().heart_lead.as_ref())
    }
    /// The workout beat, for presets that follow cadence (empty otherwise): see
    /// [`WorkoutReport`] for the keys.
    #[zbus(property)]
    fn workout(&self) -> HashMap<String, f64> {
        WorkoutReport::to_map(self.core.view().workout.as_ref())
    }
    /// Why the workout tempo is nudged, in words ("off" when it is not; empty outside
    /// workout presets).
    #[zbus(property)]
    fn steering(&self) -> String {
        self.core.view().steering.clone()
    }
    /// The playing preset's layers and the level of each (0..2, 1 its own balance).
    #[zbus(property)]
    fn layers(&self) -> HashMap<String, f64> {
        self.core.view().layers.iter().cloned().collect()
    }
    /// The depth the playing preset's focus modulation runs at (0: it has none).
    #[zbus(property)]
    fn modulation_depth(&self) -> f64 {
        self.core.view().modulation_depth
    }
    #[zbus(property)]
    fn controls(&self) -> HashMap<String, f64> {
        self.core
            .view()
            .controls
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
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
    /// What the music is doing now: see [`NowPlaying`] for the keys. Empty before the
    /// first bar has played.
    #[zbus(property)]
    fn now(&self) -> HashMap<String, OwnedValue> {
        NowPlaying::to_map(self.core.view().now.as_ref())
    }
    #[zbus(property)]
    fn sleep_timer_remaining(&self) -> f64 {
        self.core.view().timer_remaining()
    }
    /// The output device chosen ("": the default); `AudioOutput` says where sound goes now.
    #[zbus(property)]
    fn output_device(&self) -> String {
        self.core.view().output_device.clone()
    }
    #[zbus(property)]
    fn audio_output(&self) -> String {
        self.audio.get().to_string()
    }
    /// Dropouts since the daemon started: callbacks that came after the sound before them
    /// had run out, and xruns the sound server reported.
    #[zbus(property)]
    fn dropouts(&self) -> u64 {
        self.audio.dropouts()
    }
    /// Live MIDI input: off, no MIDI system (why), waiting for a port, or the port listened
    /// to and how many played phrases became the motif.
    #[zbus(property)]
    fn midi_input(&self) -> String {
        self.midi.get().to_string()
    }
}
