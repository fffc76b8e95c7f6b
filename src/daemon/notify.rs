//! `PropertiesChanged`, derived from the published [`View`]: at most every
//! [`NOTIFY_PERIOD`](super::NOTIFY_PERIOD), only for what changed, at the resolution a
//! client shows (1 % controls, 0.1 bpm tempo, whole seconds of timer).
//!
//! The announcer wakes when the core publishes (every control tick and after each
//! command), not on a timer of its own: the tick's wake-up carries it (a 2 Hz interval
//! beside the 2 Hz tick was two more wake-ups a second, and tokio wakes twice for a timer
//! that far out). A change published sooner than the period after the last announcement
//! waits for the next publication or the period's end, whichever comes first.

use super::dbus::{AttunedInterface, sensor_rows};
use super::gate::Gated;
use super::mpris::MprisPlayer;
use super::view::View;
use crate::dbus::{BreathLeadReport, HeartLeadReport, SensorRow, WorkoutReport, names};
use crate::sensor::ble::Ble;
use std::sync::Arc;
use tokio::sync::watch;

/// How early a publication may come and still be announced as one a period on.
const PUBLISH_JITTER: std::time::Duration = std::time::Duration::from_millis(50);

/// Announce changes until the view's sender is dropped.
pub async fn announce_changes(
    conn: zbus::Connection,
    mut view: watch::Receiver<View>,
    ble: Arc<Ble>,
    audio: crate::audio::AudioStatusReader,
    midi: crate::midi::MidiStatusReader,
) {
    let mut last = Announced::of(&view.borrow_and_update(), &ble, &audio, &midi);
    let mut announced_at = tokio::time::Instant::now();
    loop {
        if view.changed().await.is_err() {
            return;
        }
        // A tick's publication a period after the last one's is on time, whatever its
        // jitter (waiting out a few ms would cost a wake-up of its own).
        let due = announced_at + super::NOTIFY_PERIOD - PUBLISH_JITTER;
        // Early: the next publication (a tick is ≤ 500 ms away) or the period's end.
        while tokio::time::Instant::now() < due {
            tokio::select! {
                changed = view.changed() => if changed.is_err() { return },
                _ = tokio::time::sleep_until(due) => break,
            }
        }
        announced_at = tokio::time::Instant::now();
        let now = Announced::of(&view.borrow_and_update(), &ble, &audio, &midi);
        if let Err(e) = now.announce(&last, &conn).await {
            tracing::debug!("PropertiesChanged: {e}");
        }
        last = now;
    }
}

/// A map property at a tenth of each unit, sorted so the order is stable.
fn tenths(map: std::collections::HashMap<String, f64>) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = map
        .into_iter()
        .map(|(k, x)| (k, (x * 10.0).round() as i64))
        .collect();
    v.sort();
    v
}

/// The properties clients watch, rounded to what they show.
#[derive(Debug, Clone, PartialEq)]
struct Announced {
    playback: &'static str,
    preset: String,
    volume: f64,
    heart_rate: i64,
    cadence: i64,
    tempo: i64,
    breathing: i64,
    breath_lead: Vec<(String, i64)>,
    heart_lead: Vec<(String, i64)>,
    last_session: Vec<(String, i64)>,
    controls: Vec<i64>,
    timer: i64,
    audio: String,
    dropouts: u64,
    midi: String,
    sensors: Vec<SensorRow>,
    bluetooth: String,
    workout: Vec<(String, i64)>,
    steering: String,
    now: String,
    layers: Vec<(String, i64)>,
    modulation_depth: i64,
    output_device: String,
}

impl Announced {
    fn of(
        v: &View,
        ble: &Ble,
        audio: &crate::audio::AudioStatusReader,
        midi: &crate::midi::MidiStatusReader,
    ) -> Announced {
        let bluetooth = ble.status();
        // At a tenth of each unit (0.1 ms, 0.1 bpm, 0.1 %), sorted so the order is stable.
        let workout = tenths(WorkoutReport::to_map(v.workout.as_ref()));
        Announced {
            playback: v.playback.name(),
            preset: v.preset.clone(),
            volume: v.volume,
            heart_rate: v.heart_rate.round() as i64,
            cadence: v.cadence.round() as i64,
            tempo: (v.tempo * 10.0).round() as i64,
            breathing: (v.breathing_rate * 10.0).round() as i64,
            breath_lead: tenths(BreathLeadReport::to_map(v.breath_lead.as_ref())),
            heart_lead: tenths(HeartLeadReport::to_map(v.heart_lead.as_ref())),
            last_session: tenths(
                v.last_session
                    .as_ref()
                    .map(|s| s.to_map())
                    .unwrap_or_default(),
            ),
            controls: v
                .controls
                .iter()
                .map(|(_, x)| (x * 100.0).round() as i64)
                .collect(),
            timer: v.timer_remaining().ceil() as i64,
            audio: audio.get().to_string(),
            dropouts: audio.dropouts(),
            midi: midi.get().to_string(),
            sensors: sensor_rows(&bluetooth),
            bluetooth: bluetooth.radio.to_string(),
            workout,
            steering: v.steering.clone(),
            now: v.now.as_ref().map(|n| n.line()).unwrap_or_default(),
            layers: v
                .layers
                .iter()
                .map(|(l, x)| (l.clone(), (x * 1000.0).round() as i64))
                .collect(),
            modulation_depth: (v.modulation_depth * 1000.0).round() as i64,
            output_device: v.output_device.clone(),
        }
    }

    async fn announce(&self, before: &Announced, conn: &zbus::Connection) -> zbus::Result<()> {
        if self == before {
            return Ok(());
        }
        let server = conn.object_server();
        let ours = server
            .interface::<_, Gated<AttunedInterface>>(names::OBJECT_PATH)
            .await?;
        let player = server
            .interface::<_, Gated<MprisPlayer>>(names::MPRIS_PATH)
            .await?;
        let (i, e) = (ours.get().await, ours.signal_emitter());
        let (p, pe) = (player.get().await, player.signal_emitter());
        if self.playback != before.playback {
            i.playback_state_changed(e).await?;
            p.playback_status_changed(pe).await?;
        }
        if self.preset != before.preset {
            i.preset_changed(e).await?;
            p.metadata_changed(pe).await?;
        }
        if self.volume != before.volume {
            i.volume_changed(e).await?;
            p.volume_changed(pe).await?;
        }
        if self.heart_rate != before.heart_rate {
            i.heart_rate_changed(e).await?;
        }
        if self.cadence != before.cadence {
            i.cadence_changed(e).await?;
        }
        if self.tempo != before.tempo {
            i.tempo_changed(e).await?;
        }
        if self.breathing != before.breathing {
            i.breathing_rate_changed(e).await?;
        }
        if self.breath_lead != before.breath_lead {
            i.breath_lead_changed(e).await?;
        }
        if self.heart_lead != before.heart_lead {
            i.heart_lead_changed(e).await?;
        }
        if self.last_session != before.last_session {
            i.last_session_changed(e).await?;
        }
        if self.controls != before.controls {
            i.controls_changed(e).await?;
        }
        if self.timer != before.timer {
            i.sleep_timer_remaining_changed(e).await?;
        }
        if self.audio != before.audio {
            i.audio_output_changed(e).await?;
        }
        if self.dropouts != before.dropouts {
            i.dropouts_changed(e).await?;
        }
        if self.midi != before.midi {
            i.midi_input_changed(e).await?;
        }
        if self.sensors != before.sensors {
            i.sensors_changed(e).await?;
        }
        if self.bluetooth != before.bluetooth {
            i.bluetooth_changed(e).await?;
        }
        if self.workout != before.workout {
            i.workout_changed(e).await?;
        }
        if self.steering != before.steering {
            i.steering_changed(e).await?;
        }
        if self.now != before.now {
            i.now_changed(e).await?;
        }
        if self.layers != before.layers {
            i.layers_changed(e).await?;
        }
        if self.modulation_depth != before.modulation_depth {
            i.modulation_depth_changed(e).await?;
        }
        if self.output_device != before.output_device {
            i.output_device_changed(e).await?;
        }
        Ok(())
    }
}
