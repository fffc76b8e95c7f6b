//! The daemon: the engine playing live, steered by the control loop, commanded over D-Bus
//! (our API and MPRIS2), remembering its state.
//!
//! One task owns the state ([`owner`], over [`core`]); everything else sends it a
//! [`command::Command`] through a [`handle::CoreHandle`] and reads the [`view::View`] it
//! publishes:
//!
//! - [`core`] — the state and what each command does to it (play, presets, volume, sleep
//!   timer, workout targets, sensors), the control tick, the schedule; what it reports (the
//!   view, the workout beat, the explanation). Its audio goes to an [`crate::audio::Output`]
//!   (the cpal supervisor here; `tests/daemon_core.rs` runs it on a recording stand-in with
//!   tokio's clock paused).
//! - [`owner`] — the task that owns the core: commands in, one at a time; ticks while
//!   playing (paused, it wakes only for a command, a sensor reading or the schedule's next
//!   minute); the view out on a `watch`; preset builds on blocking threads.
//! - [`command`], [`handle`], [`view`] — the commands, the handle that sends them, the
//!   published view.
//! - [`saver`] — debounced, atomic state writes off the core; [`checks`] — what is wrong
//!   with the presets and the schedule; [`background`] — blocking work at a lower priority.
//! - [`dbus`] — `io.github.Attuned1`; [`mpris`] — `org.mpris.MediaPlayer2(.Player)`;
//!   [`notify`] — `PropertiesChanged` derived from the view.
//! - [`wall_clock`] — local time that follows time-zone and daylight-saving changes.
//!
//! [`run`] takes its shutdown as an input (the binary passes SIGTERM, SIGINT and SIGHUP:
//! a closed terminal fades out like a stop): playing music fades out over [`FADE_OUT`]
//! (paused, it stops at once), the state is flushed, the audio stream closes, and it
//! returns.

pub mod background;
pub mod checks;
pub mod command;
pub mod core;
pub mod dbus;
pub mod gate;
pub mod handle;
pub mod mix;
mod modulation;
pub mod mpris;
pub mod notify;
pub mod output_choice;
pub mod owner;
pub mod power;
pub mod saver;
pub mod session_log;
pub mod sleep_timer;
pub mod view;
pub mod wall_clock;

use crate::audio::{AudioOutput, AudioStatus};
use crate::config::Config;
use crate::control::Controller;
use crate::dbus::names;
use crate::preset::PresetLibrary;
use crate::sensor::ble::Ble;
use crate::sensor::replay::Recorder;
use crate::state::State;
use core::{Core, WallClock};
use dbus::AttunedInterface;
use gate::Gated;
use handle::CoreHandle;
use mpris::{MprisPlayer, MprisRoot};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

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
    Preset(#[from] crate::preset::PresetError),
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

/// The real wall clock (tests pass their own to [`run_with_clock`]).
pub fn system_clock() -> WallClock {
    Box::new(wall_clock::now)
}

/// Run until `shutdown` resolves.
pub async fn run(
    opts: DaemonOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    run_with_clock(opts, system_clock(), shutdown).await
}

/// [`run`] with the wall clock given.
pub async fn run_with_clock(
    opts: DaemonOptions,
    clock: WallClock,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    crate::audio::alsa_log::install();
    let (state, loaded) = match &opts.state_path {
        Some(p) => {
            crate::state::clean_stale_temps(p);
            State::load(p)
        }
        None => (State::default(), crate::state::Loaded::Fresh),
    };
    tracing::info!("state: {loaded:?}");
    let library = opts
        .preset_dir
        .clone()
        .map(PresetLibrary::with_user_dir)
        .unwrap_or_default();
    for problem in checks::problems(&library, &opts.config) {
        tracing::warn!("{problem}");
    }
    let controller = match &opts.config.model {
        Some(path) => Controller::load_or_teacher(path),
        None => Controller::builtin(),
    };
    let preset = first_preset(&library, &state, &opts.config)?;
    let core = Core::new(
        opts.config.clone(),
        preset,
        &state,
        controller,
        clock,
        |renderer, audio| {
            let on_status = |s: &AudioStatus| tracing::debug!("audio status: {s}");
            Box::new(AudioOutput::start(renderer, audio, on_status))
        },
    );
    let audio_status = core.audio_status_reader();
    let (view_tx, view_rx) = watch::channel(core.view());
    let (state_tx, state_rx) = watch::channel(core.state());
    let (flush_tx, flush_rx) = oneshot::channel();
    let saver = opts
        .state_path
        .clone()
        .map(|p| saver::spawn(p, state_rx, flush_rx));
    let (commands_tx, commands_rx) = mpsc::channel(owner::QUEUE);
    let handle = CoreHandle::new(commands_tx.clone(), view_rx);
    let (feed_tx, feed) = crate::sensor::feed::channel();
    let ble = Arc::new(Ble::start(&state.sensors, feed_tx));
    let (sensors_rest, rest) = tokio::sync::watch::channel(false);
    ble.clone().follow_rest(rest);
    let recorder = opts
        .record
        .as_deref()
        .and_then(|p| match Recorder::create(p) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!("{}: cannot record: {e}", p.display());
                None
            }
        });
    let midi = start_midi(&opts.config, &core, &handle);
    let conn = zbus::connection::Builder::session()?
        .serve_at(
            names::OBJECT_PATH,
            Gated::new(AttunedInterface {
                core: handle.clone(),
                audio: audio_status.clone(),
                ble: ble.clone(),
                library: library.clone(),
                midi: midi.status(),
            }),
        )?
        .serve_at(names::MPRIS_PATH, Gated::new(MprisRoot))?
        .serve_at(
            names::MPRIS_PATH,
            Gated::new(MprisPlayer {
                core: handle.clone(),
            }),
        )?
        .build()
        .await?;
    // The names are taken once every door is gated; ours last, as clients wait for it.
    for path in [names::OBJECT_PATH, names::MPRIS_PATH] {
        gate::gate_properties(conn.object_server(), path).await?;
    }
    conn.request_name(names::MPRIS_BUS_NAME).await?;
    conn.request_name(names::BUS_NAME).await?;
    tracing::info!("ready on the session bus as {}", names::BUS_NAME);
    let notifier = tokio::spawn(notify::announce_changes(
        conn.clone(),
        handle.subscribe(),
        ble.clone(),
        audio_status,
        midi.status(),
    ));
    let owner = owner::Owner {
        core,
        library,
        commands: commands_rx,
        loopback: commands_tx,
        view: view_tx,
        state: state_tx,
        feed,
        recorder,
        preset_request: 0,
        installed_request: 0,
        power: power::Power::start(),
        sensors_rest,
    };
    // On a worker, not on the thread that blocks on the daemon: the tick's timer fires in
    // the worker that drives the timers and polls the owner there (run here, each tick was
    // a wake-up of this thread besides the worker's, and one more to re-arm the timer).
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let mut owner = tokio::spawn(owner.run(async {
        let _ = stop_rx.await;
        tracing::info!("shutting down");
    }));
    // The owner ends only when told to, unless it panicked: then carry the panic on (as
    // when it ran here) rather than keep a daemon without a core on the bus.
    let joined = tokio::select! {
        joined = &mut owner => joined,
        () = shutdown => {
            let _ = stop_tx.send(());
            owner.await
        }
    };
    let core = match joined {
        Ok(core) => core,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    // The owner is gone: its view and state senders with it. Flush the state now.
    let _ = flush_tx.send(());
    if let Some(s) = saver {
        let _ = s.await;
    }
    notifier.abort();
    ble.shutdown().await;
    drop(midi);
    drop(conn);
    // Dropping the core joins the audio supervisor.
    drop(core);
    Ok(())
}

/// MIDI input as the config says: keys heard through the engine at once, played phrases
/// sent to the core as the motif, read at the playing preset's tempo.
fn start_midi(config: &Config, core: &Core, handle: &CoreHandle) -> crate::midi::input::LiveInput {
    use crate::midi::input::{LiveInput, Wiring};
    use crate::midi::phrase::Meter;
    let view = handle.subscribe();
    let (runtime, handle) = (tokio::runtime::Handle::current(), handle.clone());
    let wiring = Wiring {
        keys: core.live_keys(),
        meter: Box::new(move || {
            let v = view.borrow();
            Meter {
                bpm: v.tempo.max(20.0),
                beats_per_bar: v.beats_per_bar.max(1),
            }
        }),
        motif: Box::new(move |motif| {
            let handle = handle.clone();
            runtime.spawn(async move {
                if let Err(e) = handle.set_motif(Some(motif)).await {
                    tracing::warn!("the played phrase was not taken as the motif: {e}");
                }
            });
        }),
    };
    LiveInput::start(
        config.midi.clone(),
        crate::midi::ports::Midir::default,
        wiring,
    )
}

/// The preset to start with: the one saved, else the configured one, else the built-in of
/// that name, else the built-in focus (a broken user file never keeps the daemon silent).
fn first_preset(
    library: &PresetLibrary,
    state: &State,
    config: &Config,
) -> Result<crate::preset::Preset, crate::preset::PresetError> {
    use crate::preset::Preset;
    let name = state
        .preset
        .clone()
        .unwrap_or_else(|| config.preset.clone());
    library
        .load(&name)
        .or_else(|e| {
            tracing::warn!("{e}; starting with `{}` instead", config.preset);
            library.load(&config.preset)
        })
        .or_else(|e| {
            tracing::warn!("{e}; starting with the built-in `{}`", config.preset);
            Preset::builtin(&config.preset)
        })
        .or_else(|_| Preset::builtin("focus"))
}
