//! `attunectl tray`: a StatusNotifierItem (ksni) in the desktop panel, talking to the daemon
//! only through its D-Bus API.
//!
//! The tray holds a [`View`] of the daemon — fetched with one `GetAll` (plus `ListPresets` and
//! `Explain`) whenever the daemon announces `PropertiesChanged`, when its bus name changes
//! owner (restart), and every few seconds as a safety net — and builds its menu from it. Menu
//! clicks only queue an [`Action`]; a task sends it to the daemon and refreshes, so the panel
//! never waits on D-Bus. While the daemon is away the menu greys out and says so; it comes back
//! by itself when the daemon does. Looking never starts the daemon (no D-Bus activation). The tray starts before any tray host exists
//! (`assume_sni_available`) and registers when one appears.

mod item;
mod mix_menu;
mod output_menu;

pub use item::AttunedTray;
pub use mix_menu::MIX_STEPS;

use crate::dbus::{AttunedProxy, BreathLeadReport, SensorRow, WorkoutReport, names};
use futures::StreamExt;
use ksni::TrayMethods;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc;
use zbus::zvariant::OwnedValue;

/// Sleep timer choices in the menu, minutes.
pub const TIMER_MINUTES: [u32; 5] = [15, 30, 45, 60, 90];
/// Fade before the timer pauses: negative asks for the daemon's configured `sleep_fade`.
const TIMER_FADE_S: f64 = -1.0;
/// Volume steps in the menu.
pub const VOLUME_STEPS: [u32; 10] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
/// Refresh at least this often, even without signals.
const SAFETY_REFRESH: Duration = Duration::from_secs(5);
/// List the output devices this often (a listing is a sound-server round trip in the
/// daemon, too dear for every property change), and after each choice.
const DEVICES_REFRESH: Duration = Duration::from_secs(30);

/// Why the tray could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrayError {
    #[error("cannot reach the session bus: {0}")]
    Bus(#[from] zbus::Error),
    #[error("cannot show the tray: {0}")]
    Tray(#[from] ksni::Error),
}

/// What the menu shows: the daemon as last fetched.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct View {
    /// The daemon answered.
    pub running: bool,
    pub playing: bool,
    pub preset: String,
    pub presets: Vec<String>,
    pub volume: f64,
    pub heart_rate: f64,
    pub timer_remaining: f64,
    pub bluetooth: String,
    pub sensors: Vec<SensorRow>,
    /// What drives the sound, in sentences (`ExplainText`).
    pub explain: Vec<String>,
    /// The workout beat ("beat 172.0 bpm · phase -4 ms"), in workout presets.
    pub workout: Option<String>,
    /// Breaths per minute read from the heart, 0 when unknown.
    pub breathing_rate: f64,
    /// The breath lead ("breath lead matching: swell 9.0/min, …"), in presets that lead.
    pub breath_lead: Option<String>,
    /// The playing preset's layers and their levels, in mix order.
    pub layers: Vec<(String, f64)>,
    /// (name, description) of each output device, as last listed.
    pub output_devices: Vec<(String, String)>,
    /// The output device chosen ("": the default).
    pub output_device: String,
}

/// A menu click, for the task that talks to the daemon.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Toggle,
    /// Start the daemon (D-Bus activation: only ever on the user's click).
    Start,
    Preset(String),
    Volume(f64),
    Timer(u32),
    CancelTimer,
    /// One layer of the playing preset's mix.
    LayerLevel(String, f64),
    /// Play on this output device ("": the default).
    OutputDevice(String),
    Quit,
}

fn get<T: TryFrom<OwnedValue>>(all: &HashMap<String, OwnedValue>, key: &str) -> Option<T> {
    all.get(key)
        .and_then(|v| v.try_clone().ok())
        .and_then(|v| T::try_from(v).ok())
}

/// The daemon's state now; `running: false` if it does not answer.
pub async fn fetch(conn: &zbus::Connection) -> View {
    match try_fetch(conn).await {
        Ok(v) => v,
        Err(e) => {
            tracing::debug!("daemon not reachable: {e}");
            View::default()
        }
    }
}

async fn try_fetch(conn: &zbus::Connection) -> zbus::Result<View> {
    // Only look: a call to the well-known name would start the daemon through D-Bus
    // activation, and the tray must not bring back a daemon the user stopped. So every call
    // goes to the unique name that owns it now: if the daemon dies meanwhile, the calls
    // fail instead of activating a new one.
    let bus = zbus::fdo::DBusProxy::new(conn).await?;
    let name: zbus::names::BusName<'_> = names::BUS_NAME.try_into().map_err(zbus::Error::from)?;
    let owner = match bus.get_name_owner(name).await {
        Ok(owner) => owner,
        Err(zbus::fdo::Error::NameHasNoOwner(_)) => return Ok(View::default()),
        Err(e) => return Err(e.into()),
    };
    let props = zbus::fdo::PropertiesProxy::builder(conn)
        .destination(owner.clone())?
        .path(names::OBJECT_PATH)?
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    let all = props
        .get_all(zbus::names::InterfaceName::from_static_str_unchecked(
            names::INTERFACE,
        ))
        .await?;
    let daemon = AttunedProxy::builder(conn)
        .destination(owner)?
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    let presets = daemon.list_presets().await?;
    let explain = daemon.explain_text().await?;
    Ok(View {
        running: true,
        playing: get::<String>(&all, "PlaybackState").as_deref() == Some("Playing"),
        preset: get(&all, "Preset").unwrap_or_default(),
        output_device: get(&all, "OutputDevice").unwrap_or_default(),
        output_devices: Vec::new(),
        presets,
        volume: get(&all, "Volume").unwrap_or_default(),
        heart_rate: get(&all, "HeartRate").unwrap_or_default(),
        timer_remaining: get(&all, "SleepTimerRemaining").unwrap_or_default(),
        bluetooth: get(&all, "Bluetooth").unwrap_or_default(),
        sensors: get(&all, "Sensors").unwrap_or_default(),
        explain,
        layers: {
            let mut layers: Vec<(String, f64)> = get::<HashMap<String, f64>>(&all, "Layers")
                .unwrap_or_default()
                .into_iter()
                .collect();
            layers.sort_by_key(|(name, _)| crate::preset::layers::Layer::from_id(name));
            layers
        },
        workout: get::<HashMap<String, f64>>(&all, "Workout")
            .as_ref()
            .and_then(WorkoutReport::from_map)
            .map(|w| w.line()),
        breathing_rate: get(&all, "BreathingRate").unwrap_or_default(),
        breath_lead: get::<HashMap<String, f64>>(&all, "BreathLead")
            .as_ref()
            .and_then(BreathLeadReport::from_map)
            .map(|l| l.line()),
    })
}

/// The daemon's output devices (none if it cannot list them). Like [`fetch`], only to the
/// name's owner now, so a call never starts the daemon.
async fn output_devices(conn: &zbus::Connection) -> Vec<(String, String)> {
    let listed = async {
        let bus = zbus::fdo::DBusProxy::new(conn).await?;
        let name: zbus::names::BusName<'_> =
            names::BUS_NAME.try_into().map_err(zbus::Error::from)?;
        let owner = bus.get_name_owner(name).await?;
        let daemon = AttunedProxy::builder(conn)
            .destination(owner)?
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?;
        daemon.describe_output_devices().await
    };
    listed.await.unwrap_or_else(|e: zbus::Error| {
        tracing::debug!("output devices: {e}");
        Vec::new()
    })
}

async fn perform(conn: &zbus::Connection, action: &Action) -> zbus::Result<()> {
    let d = AttunedProxy::builder(conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    match action {
        Action::Toggle => d.toggle().await,
        Action::Preset(p) => d.set_preset(p).await,
        Action::Volume(v) => d.set_volume(*v).await,
        Action::Timer(m) => {
            d.set_sleep_timer(*m as f64 * 60.0, TIMER_FADE_S, "pause")
                .await
        }
        Action::CancelTimer => d.cancel_sleep_timer().await,
        Action::LayerLevel(layer, level) => d.set_layer_level(layer, *level).await,
        Action::OutputDevice(name) => d.set_output_device(name).await,
        Action::Start => d.play().await,
        Action::Quit => Ok(()),
    }
}

/// Show the tray until `shutdown` resolves or "Quit tray" is clicked.
pub async fn run(shutdown: impl Future<Output = ()>) -> Result<(), TrayError> {
    let conn = zbus::Connection::session().await?;
    let (tx, mut actions) = mpsc::unbounded_channel();
    let tray = AttunedTray::new(fetch(&conn).await, tx);
    let handle = tray.assume_sni_available(true).spawn().await?;

    let changes = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.freedesktop.DBus.Properties")?
        .member("PropertiesChanged")?
        .path(names::OBJECT_PATH)?
        .build();
    let mut changes = zbus::MessageStream::for_match_rule(changes, &conn, Some(16)).await?;
    let owner = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .sender("org.freedesktop.DBus")?
        .member("NameOwnerChanged")?
        .add_arg(names::BUS_NAME)?
        .build();
    let mut owner = zbus::MessageStream::for_match_rule(owner, &conn, Some(16)).await?;
    let mut safety = tokio::time::interval(SAFETY_REFRESH);
    let mut devices_due = tokio::time::Instant::now();
    let mut devices: Vec<(String, String)> = Vec::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            // A stream ends only when the connection does: the session is over.
            c = changes.next() => if c.is_none() {
                tracing::info!("the session bus went away: the tray ends");
                break;
            },
            o = owner.next() => if o.is_none() {
                tracing::info!("the session bus went away: the tray ends");
                break;
            },
            _ = safety.tick() => {}
            a = actions.recv() => match a {
                Some(Action::Quit) | None => break,
                Some(a) => {
                    if let Err(e) = perform(&conn, &a).await {
                        tracing::warn!("{a:?}: {e}");
                    }
                    if matches!(a, Action::OutputDevice(_)) {
                        devices_due = tokio::time::Instant::now();
                    }
                }
            },
            _ = &mut shutdown => break,
        }
        let mut view = fetch(&conn).await;
        if !view.running {
            devices.clear();
        } else if tokio::time::Instant::now() >= devices_due {
            devices = output_devices(&conn).await;
            devices_due = tokio::time::Instant::now() + DEVICES_REFRESH;
        }
        view.output_devices = devices.clone();
        handle
            .update(|t| {
                if t.view != view {
                    t.view = view;
                }
            })
            .await;
    }
    handle.shutdown().await;
    Ok(())
}
