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

use crate::dbus::{AttunedProxy, SensorRow, WorkoutReport, names};
use futures::StreamExt;
use ksni::TrayMethods;
use ksni::menu::{MenuItem, RadioGroup, RadioItem, StandardItem, SubMenu};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc;
use zbus::zvariant::OwnedValue;

/// Sleep timer choices in the menu, minutes.
pub const TIMER_MINUTES: [u32; 5] = [15, 30, 45, 60, 90];
/// Fade before the timer pauses, seconds (the daemon's default).
const TIMER_FADE_S: f64 = 600.0;
/// Volume steps in the menu.
pub const VOLUME_STEPS: [u32; 10] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
/// Refresh at least this often, even without signals.
const SAFETY_REFRESH: Duration = Duration::from_secs(5);

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
    /// "input → control +0.12" lines.
    pub explain: Vec<String>,
    /// The workout beat ("beat 172.0 bpm · phase -4 ms"), in workout presets.
    pub workout: Option<String>,
}

/// A menu click, for the task that talks to the daemon.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Toggle,
    Preset(String),
    Volume(f64),
    Timer(u32),
    CancelTimer,
    Quit,
}

/// The ksni tray: the view and the queue for clicks.
pub struct AttunedTray {
    pub view: View,
    actions: mpsc::UnboundedSender<Action>,
}

impl AttunedTray {
    fn send(&self, a: Action) {
        let _ = self.actions.send(a);
    }
}

fn item(label: String, enabled: bool, act: Option<Action>) -> MenuItem<AttunedTray> {
    StandardItem {
        label,
        enabled,
        activate: Box::new(move |t: &mut AttunedTray| {
            if let Some(a) = &act {
                t.send(a.clone());
            }
        }),
        ..Default::default()
    }
    .into()
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

impl ksni::Tray for AttunedTray {
    fn id(&self) -> String {
        "attuned".into()
    }

    fn title(&self) -> String {
        let v = &self.view;
        if !v.running {
            return "attuned (not running)".into();
        }
        let mut t = format!("attuned · {}", v.preset);
        if v.heart_rate > 0.0 {
            t += &format!(" · {:.0} bpm", v.heart_rate);
        }
        t
    }

    fn icon_name(&self) -> String {
        match (self.view.running, self.view.playing) {
            (false, _) => "media-playback-stop",
            (true, true) => "media-playback-start",
            (true, false) => "media-playback-pause",
        }
        .into()
    }

    fn status(&self) -> ksni::Status {
        if self.view.running {
            ksni::Status::Active
        } else {
            ksni::Status::Passive
        }
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        let v = &self.view;
        let description = if !v.running {
            "The attuned daemon is not running.".into()
        } else {
            let mut lines = vec![format!(
                "{} · volume {:.0} %",
                if v.playing { "playing" } else { "paused" },
                v.volume * 100.0
            )];
            lines.extend(v.sensors.iter().map(SensorRow::short_line));
            lines.join("\n")
        };
        ksni::ToolTip {
            icon_name: self.icon_name(),
            title: self.title(),
            description,
            icon_pixmap: Vec::new(),
        }
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let v = &self.view;
        let on = v.running;
        let mut menu = Vec::new();
        if !on {
            menu.push(item("attuned is not running".into(), false, None));
        }
        menu.push(item(
            if v.playing { "Pause" } else { "Play" }.into(),
            on,
            Some(Action::Toggle),
        ));
        let presets = v.presets.clone();
        menu.push(
            SubMenu {
                label: format!("Preset: {}", if on { v.preset.as_str() } else { "–" }),
                enabled: on,
                submenu: vec![
                    RadioGroup {
                        selected: v.presets.iter().position(|p| *p == v.preset).unwrap_or(0),
                        select: Box::new(move |t: &mut AttunedTray, i| {
                            if let Some(p) = presets.get(i) {
                                t.send(Action::Preset(p.clone()));
                            }
                        }),
                        options: v
                            .presets
                            .iter()
                            .map(|p| RadioItem {
                                label: p.clone(),
                                ..Default::default()
                            })
                            .collect(),
                    }
                    .into(),
                ],
                ..Default::default()
            }
            .into(),
        );
        let nearest = VOLUME_STEPS
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| (**s as i64 - (v.volume * 100.0).round() as i64).abs())
            .map_or(0, |(i, _)| i);
        menu.push(
            SubMenu {
                label: format!("Volume: {:.0} %", v.volume * 100.0),
                enabled: on,
                submenu: vec![
                    RadioGroup {
                        selected: nearest,
                        select: Box::new(|t: &mut AttunedTray, i| {
                            t.send(Action::Volume(VOLUME_STEPS[i] as f64 / 100.0));
                        }),
                        options: VOLUME_STEPS
                            .iter()
                            .map(|s| RadioItem {
                                label: format!("{s} %"),
                                ..Default::default()
                            })
                            .collect(),
                    }
                    .into(),
                ],
                ..Default::default()
            }
            .into(),
        );
        let mut timer: Vec<MenuItem<Self>> = TIMER_MINUTES
            .iter()
            .map(|m| item(format!("{m} min"), on, Some(Action::Timer(*m))))
            .collect();
        timer.push(MenuItem::Separator);
        timer.push(item(
            "Cancel timer".into(),
            on && v.timer_remaining > 0.0,
            Some(Action::CancelTimer),
        ));
        menu.push(
            SubMenu {
                label: if v.timer_remaining > 0.0 {
                    format!("Sleep timer: {} left", clock(v.timer_remaining))
                } else {
                    "Sleep timer".into()
                },
                enabled: on,
                submenu: timer,
                ..Default::default()
            }
            .into(),
        );
        menu.push(MenuItem::Separator);
        if on && v.sensors.is_empty() {
            menu.push(item(
                "No sensor paired (attunectl scan, then pair)".into(),
                false,
                None,
            ));
        }
        for s in &v.sensors {
            let mut line = s.short_line();
            if s.link == "live" && v.heart_rate > 0.0 {
                line += &format!(" · {:.0} bpm", v.heart_rate);
            }
            menu.push(item(line, false, None));
        }
        if let Some(w) = v.workout.as_ref().filter(|_| on) {
            menu.push(item(format!("Workout: {w}"), false, None));
        }
        let explain: Vec<MenuItem<Self>> = if v.explain.is_empty() {
            vec![item("Nothing to explain yet".into(), false, None)]
        } else {
            v.explain
                .iter()
                .map(|l| item(l.clone(), false, None))
                .collect()
        };
        menu.push(
            SubMenu {
                label: "Explain: what drives the sound now".into(),
                enabled: on,
                submenu: explain,
                ..Default::default()
            }
            .into(),
        );
        menu.push(MenuItem::Separator);
        menu.push(item("Quit tray".into(), true, Some(Action::Quit)));
        menu
    }
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
    let explain = daemon
        .explain()
        .await?
        .into_iter()
        .take(8)
        .map(|(input, control, delta)| format!("{input} → {control} {delta:+.2}"))
        .collect();
    Ok(View {
        running: true,
        playing: get::<String>(&all, "PlaybackState").as_deref() == Some("Playing"),
        preset: get(&all, "Preset").unwrap_or_default(),
        presets,
        volume: get(&all, "Volume").unwrap_or_default(),
        heart_rate: get(&all, "HeartRate").unwrap_or_default(),
        timer_remaining: get(&all, "SleepTimerRemaining").unwrap_or_default(),
        bluetooth: get(&all, "Bluetooth").unwrap_or_default(),
        sensors: get(&all, "Sensors").unwrap_or_default(),
        explain,
        workout: get::<HashMap<String, f64>>(&all, "Workout")
            .as_ref()
            .and_then(WorkoutReport::from_map)
            .map(|w| w.line()),
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
        Action::Quit => Ok(()),
    }
}

/// Show the tray until `shutdown` resolves or "Quit tray" is clicked.
pub async fn run(shutdown: impl Future<Output = ()>) -> Result<(), TrayError> {
    let conn = zbus::Connection::session().await?;
    let (tx, mut actions) = mpsc::unbounded_channel();
    let tray = AttunedTray {
        view: fetch(&conn).await,
        actions: tx,
    };
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
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = changes.next() => {}
            _ = owner.next() => {}
            _ = safety.tick() => {}
            a = actions.recv() => match a {
                Some(Action::Quit) | None => break,
                Some(a) => {
                    if let Err(e) = perform(&conn, &a).await {
                        tracing::warn!("{a:?}: {e}");
                    }
                }
            },
            _ = &mut shutdown => break,
        }
        let view = fetch(&conn).await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use ksni::Tray;

    fn tray(view: View) -> (AttunedTray, mpsc::UnboundedReceiver<Action>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (AttunedTray { view, actions: tx }, rx)
    }

    fn labels(items: &[MenuItem<AttunedTray>]) -> Vec<String> {
        items
            .iter()
            .filter_map(|i| match i {
                MenuItem::Standard(s) => Some(s.label.clone()),
                MenuItem::SubMenu(s) => Some(s.label.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_missing_daemon_greys_the_menu_out() {
        let (t, _) = tray(View::default());
        let menu = t.menu();
        assert_eq!(labels(&menu)[0], "attuned is not running");
        for i in &menu {
            if let MenuItem::Standard(s) = i
                && s.label != "Quit tray"
            {
                assert!(!s.enabled, "{}", s.label);
            }
        }
        assert_eq!(t.icon_name(), "media-playback-stop");
    }

    #[test]
    fn the_menu_shows_the_daemon() {
        let (t, _) = tray(View {
            running: true,
            playing: true,
            preset: "focus".into(),
            presets: vec!["focus".into(), "sleep".into()],
            volume: 0.42,
            heart_rate: 71.0,
            timer_remaining: 125.0,
            bluetooth: "ready".into(),
            sensors: vec![SensorRow {
                address: "AA".into(),
                name: "Polar".into(),
                link: "live".into(),
                battery: 87,
                dropped: 0,
            }],
            explain: vec!["heart rate → energy +0.10".into()],
            workout: Some(
                WorkoutReport {
                    beat_tempo: 172.0,
                    ratio: 1.0,
                    phase_locked: true,
                    phase_error_ms: Some(-4.0),
                    ..WorkoutReport::default()
                }
                .line(),
            ),
        });
        let l = labels(&t.menu());
        assert!(l.contains(&"Pause".to_owned()), "{l:?}");
        assert!(l.contains(&"Preset: focus".to_owned()));
        assert!(l.contains(&"Volume: 42 %".to_owned()));
        assert!(l.contains(&"Sleep timer: 2:05 left".to_owned()));
        assert!(l.contains(&"Polar: live · battery 87 % · 71 bpm".to_owned()));
        assert!(
            l.contains(&"Workout: beat 172.0 bpm · phase -4 ms".to_owned()),
            "{l:?}"
        );
        assert_eq!(t.title(), "attuned · focus · 71 bpm");
        assert_eq!(t.icon_name(), "media-playback-start");
    }
}
