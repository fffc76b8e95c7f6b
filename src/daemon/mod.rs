//! The daemon: the engine playing live, steered by the control loop, commanded over D-Bus
//! (our API and MPRIS2), remembering its state.
//!
//! - [`core`] — shared state and every command (play, presets, volume, sleep timer, schedule).
//! - [`dbus`] — `io.github.Attuned1`; [`mpris`] — `org.mpris.MediaPlayer2(.Player)`.
//!
//! [`run`] takes its shutdown as an input (the binary passes SIGTERM, SIGINT and SIGHUP:
//! a closed terminal fades out like a stop): the music fades out over [`FADE_OUT`], the
//! audio stream closes, and it returns.

pub mod core;
pub mod dbus;
pub mod mpris;
mod wall_clock;

use crate::audio::AudioStatus;
use crate::config::Config;
use crate::control::Controller;
use crate::dbus::names;
use crate::sensor::ble::Ble;
use crate::sensor::replay::Recorder;
use crate::state::State;
use crate::synth::preset::PresetLibrary;
use core::Core;
use dbus::{AttunedInterface, SharedCore, lock};
use mpris::{MprisPlayer, MprisRoot};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Length of the fade before exit.
pub const FADE_OUT: Duration = Duration::from_secs(2);
/// Control-loop period with sensors paired or the beat following cadence.
pub const CONTROL_PERIOD: Duration = Duration::from_millis(100);
/// Control-loop period otherwise (clock-only controls; see `Core::control_period`).
pub const IDLE_CONTROL_PERIOD: Duration = Duration::from_millis(500);
/// PropertiesChanged are batched at this period (≤ 2 Hz).
pub const NOTIFY_PERIOD: Duration = Duration::from_millis(500);

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("D-Bus: {0}")]
    Bus(#[from] zbus::Error),
    #[error(transparent)]
    Command(#[from] core::CommandError),
}

/// Where the daemon keeps things.
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    pub config: Config,
    pub state_path: Option<PathBuf>,
    pub preset_dir: Option<PathBuf>,
    /// Record the sensor readings to this session CSV.
    pub record: Option<PathBuf>,
}

/// Run until `shutdown` resolves.
pub async fn run(
    opts: DaemonOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    let (state, loaded) = match &opts.state_path {
        Some(p) => State::load(p),
        None => (State::default(), crate::state::Loaded::Fresh),
    };
    tracing::info!("state: {loaded:?}");
    let library = opts
        .preset_dir
        .clone()
        .map(PresetLibrary::with_user_dir)
        .unwrap_or_default();
    let controller = match &opts.config.model {
        Some(path) => Controller::load_or_teacher(path),
        None => Controller::builtin(),
    };
    let utc_offset = wall_clock::utc_offset_hours();
    let core = Core::new(
        opts.config.clone(),
        library,
        &state,
        opts.state_path.clone(),
        controller,
        Box::new(move || wall_clock::now(utc_offset)),
        |s: &AudioStatus| tracing::debug!("audio status: {s}"),
    )?;
    let core: SharedCore = Arc::new(Mutex::new(core));
    let (feed_tx, mut feed) = crate::sensor::feed::channel();
    let ble = Arc::new(Ble::start(&state.sensors, feed_tx));
    let mut recorder = opts
        .record
        .as_deref()
        .and_then(|p| match Recorder::create(p) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!("{}: cannot record: {e}", p.display());
                None
            }
        });
    let conn = zbus::connection::Builder::session()?
        .serve_at(
            names::OBJECT_PATH,
            AttunedInterface {
                core: core.clone(),
                ble: ble.clone(),
            },
        )?
        .serve_at(names::MPRIS_PATH, MprisRoot)?
        .serve_at(names::MPRIS_PATH, MprisPlayer { core: core.clone() })?
        .name(names::BUS_NAME)?
        .name(names::MPRIS_BUS_NAME)?
        .build()
        .await?;
    tracing::info!("ready on the session bus as {}", names::BUS_NAME);

    let mut next_tick = tokio::time::Instant::now();
    let mut notify = tokio::time::interval(NOTIFY_PERIOD);
    notify.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = Snapshot::take(&core, &ble);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next_tick) => {
                let (reading, period) = {
                    let mut c = lock(&core);
                    let r = feed.take(c.session_time());
                    if let Some(r) = &r {
                        c.push_reading(r);
                    }
                    c.tick();
                    (r, c.control_period())
                };
                // On schedule, skipping ticks missed (a suspended machine) rather than
                // catching up on them.
                next_tick = (next_tick + period).max(tokio::time::Instant::now());
                // File I/O after the lock is released: D-Bus calls never wait on the disk.
                if let (Some(r), Some(rec)) = (&reading, recorder.as_mut())
                    && let Err(e) = rec.write(r)
                {
                    tracing::warn!("recording stopped: {e}");
                    recorder = None;
                }
            }
            _ = notify.tick() => {
                let now = Snapshot::take(&core, &ble);
                if let Err(e) = now.announce(&last, &conn).await {
                    tracing::debug!("PropertiesChanged: {e}");
                }
                last = now;
            }
            _ = &mut shutdown => break,
        }
    }
    tracing::info!("shutting down: fading out");
    let steps = 20;
    for i in (0..steps).rev() {
        lock(&core).fade_volume(i as f32 / steps as f32);
        tokio::time::sleep(FADE_OUT / steps).await;
    }
    lock(&core).stop_audio();
    ble.shutdown().await;
    drop(conn);
    // Dropping the core joins the audio supervisor.
    drop(core);
    Ok(())
}

/// The properties clients watch, to announce only what changed.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    playback: String,
    preset: String,
    volume: f64,
    heart_rate: f64,
    cadence: f64,
    tempo: f64,
    controls: Vec<i32>,
    timer: i64,
    audio: String,
    sensors: Vec<crate::dbus::SensorRow>,
    bluetooth: String,
    workout: Vec<(String, i64)>,
    steering: String,
    now: String,
}

impl Snapshot {
    fn take(core: &SharedCore, ble: &Ble) -> Snapshot {
        let bluetooth = ble.status();
        let c = lock(core);
        let step = c.last_step.as_ref();
        Snapshot {
            playback: c.playback.name().into(),
            preset: c.preset.name.clone(),
            volume: c.volume,
            heart_rate: step.and_then(|s| s.hr).unwrap_or(0.0).round() as f64,
            cadence: step.and_then(|s| s.cadence).unwrap_or(0.0).round() as f64,
            tempo: (c.tempo_bpm() * 10.0).round() as f64 / 10.0,
            // Announce control changes at 1 % resolution.
            controls: crate::controls::Control::ALL
                .iter()
                .map(|k| (c.control(*k) * 100.0).round() as i32)
                .collect(),
            timer: c.timer_remaining().ceil() as i64,
            audio: c.audio_status().to_string(),
            sensors: dbus::sensor_rows(&bluetooth),
            bluetooth: bluetooth.radio.to_string(),
            // At a tenth of each unit (0.1 ms, 0.1 bpm, 0.1 %), sorted so the order is stable.
            workout: {
                let mut w: Vec<(String, i64)> =
                    crate::dbus::WorkoutReport::to_map(dbus::workout_report(&c).as_ref())
                        .into_iter()
                        .map(|(k, v)| (k, (v * 10.0).round() as i64))
                        .collect();
                w.sort();
                w
            },
            steering: dbus::steering_text(&c),
            now: c
                .now()
                .map(|n| dbus::now_playing(&n).line())
                .unwrap_or_default(),
        }
    }

    async fn announce(&self, before: &Snapshot, conn: &zbus::Connection) -> zbus::Result<()> {
        let server = conn.object_server();
        let ours = server
            .interface::<_, AttunedInterface>(names::OBJECT_PATH)
            .await?;
        let player = server
            .interface::<_, MprisPlayer>(names::MPRIS_PATH)
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
        if self.controls != before.controls {
            i.controls_changed(e).await?;
        }
        if self.timer != before.timer {
            i.sleep_timer_remaining_changed(e).await?;
        }
        if self.audio != before.audio {
            i.audio_output_changed(e).await?;
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
        Ok(())
    }
}
