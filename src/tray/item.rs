//! The panel item: title, icon, tooltip, clicks and scrolls, and the menu, all from the
//! [`View`]; every click only queues an [`Action`].

use super::{Action, TIMER_MINUTES, VOLUME_STEPS, View};
use crate::dbus::SensorRow;
use ksni::menu::{MenuItem, RadioGroup, RadioItem, StandardItem, SubMenu};
use tokio::sync::mpsc;

/// The ksni tray: the view and the queue for clicks.
pub struct AttunedTray {
    pub view: View,
    actions: mpsc::UnboundedSender<Action>,
}

/// Icon names, one per state.
pub const ICON_PLAYING: &str = "attuned-playing";
pub const ICON_PAUSED: &str = "attuned-paused";
pub const ICON_AWAY: &str = "attuned-away";

/// The build tree's icon theme directory, when it is there (a tray run from the checkout).
fn build_tree_icons() -> Option<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/icons");
    dir.join("hicolor/scalable/apps")
        .join(format!("{ICON_PLAYING}.svg"))
        .is_file()
        .then(|| dir.display().to_string())
}

impl AttunedTray {
    /// A tray showing `view`, queueing clicks on `actions`.
    pub fn new(view: View, actions: mpsc::UnboundedSender<Action>) -> Self {
        AttunedTray { view, actions }
    }

    /// Queue a click for the daemon.
    pub(super) fn send(&self, a: Action) {
        let _ = self.actions.send(a);
    }

    /// The preset after the one playing, in the listed order (wrapping).
    fn next_preset(&self) -> Option<String> {
        let v = &self.view;
        if !v.running || v.presets.is_empty() {
            return None;
        }
        let here = v.presets.iter().position(|p| *p == v.preset);
        let next = here.map_or(0, |i| (i + 1) % v.presets.len());
        Some(v.presets[next].clone())
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

    /// Our own icons (`data/icons`, installed to the hicolor theme by `make install-tray`):
    /// the state, not the next action: a wave while playing, bars while paused, an open ring
    /// while the daemon is away.
    fn icon_name(&self) -> String {
        match (self.view.running, self.view.playing) {
            (false, _) => ICON_AWAY,
            (true, true) => ICON_PLAYING,
            (true, false) => ICON_PAUSED,
        }
        .into()
    }

    /// Run from the build tree (not installed), the panel finds the icons here.
    fn icon_theme_path(&self) -> String {
        build_tree_icons().unwrap_or_default()
    }

    /// Always active: panels hide passive items, and the "not running" menu (Start, Quit)
    /// must stay within reach.
    fn status(&self) -> ksni::Status {
        ksni::Status::Active
    }

    /// Left click: play/pause (start the daemon when it is away).
    fn activate(&mut self, _x: i32, _y: i32) {
        self.send(if self.view.running {
            Action::Toggle
        } else {
            Action::Start
        });
    }

    /// Middle click: the next preset.
    fn secondary_activate(&mut self, _x: i32, _y: i32) {
        if let Some(next) = self.next_preset() {
            self.send(Action::Preset(next));
        }
    }

    /// Scroll: volume in 5 % steps.
    fn scroll(&mut self, delta: i32, orientation: ksni::Orientation) {
        if !self.view.running || delta == 0 || orientation != ksni::Orientation::Vertical {
            return;
        }
        let step = if delta > 0 { 0.05 } else { -0.05 };
        let volume = ((self.view.volume + step) * 20.0).round() / 20.0;
        let volume = volume.clamp(0.0, 1.0);
        // Shown at once; the daemon's answer follows.
        self.view.volume = volume;
        self.send(Action::Volume(volume));
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        let v = &self.view;
        let description = if !v.running {
            "The attuned daemon is not running. Click to start it.".into()
        } else {
            let mut first = format!(
                "{} · {} · volume {:.0} %",
                v.preset,
                if v.playing { "playing" } else { "paused" },
                v.volume * 100.0
            );
            if v.timer_remaining > 0.0 {
                first += &format!(" · sleep timer {} left", clock(v.timer_remaining));
            }
            if v.heart_rate > 0.0 {
                first += &format!(" · {:.0} bpm", v.heart_rate);
            }
            let mut lines = vec![first];
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
            menu.push(item("Start attuned".into(), true, Some(Action::Start)));
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
                label: if on {
                    format!("Volume: {:.0} %", v.volume * 100.0)
                } else {
                    "Volume: –".into()
                },
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
        menu.push(super::mix_menu::mix_menu(v));
        menu.push(super::output_menu::output_menu(v));
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
                if v.breathing_rate > 0.0 {
                    line += &format!(" · breathing {:.1}/min", v.breathing_rate);
                }
            }
            menu.push(item(line, false, None));
        }
        if let Some(w) = v.workout.as_ref().filter(|_| on) {
            menu.push(item(format!("Workout: {w}"), false, None));
        }
        if let Some(l) = v.breath_lead.as_ref().filter(|_| on) {
            let mut chars = l.chars();
            let line = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect());
            menu.push(item(line.unwrap_or_default(), false, None));
        }
        let explain: Vec<MenuItem<Self>> = if v.explain.is_empty() {
            vec![item("Nothing to explain yet".into(), false, None)]
        } else {
            // Enabled (readable in every theme); clicking one does nothing.
            v.explain
                .iter()
                .map(|l| item(l.clone(), true, None))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dbus::WorkoutReport;
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
                && s.label != "Start attuned"
            {
                assert!(!s.enabled, "{}", s.label);
            }
        }
        assert!(labels(&menu).contains(&"Volume: –".to_owned()));
        assert!(labels(&menu).contains(&"Start attuned".to_owned()));
        assert_eq!(t.icon_name(), "attuned-away");
        // Still shown (panels hide passive items), and a click starts the daemon.
        assert_eq!(t.status(), ksni::Status::Active);
        let (mut t, mut rx) = tray(View::default());
        t.activate(0, 0);
        assert_eq!(rx.try_recv().unwrap(), Action::Start);
    }

    #[test]
    fn clicks_and_scrolls_do_what_a_panel_user_expects() {
        let view = View {
            running: true,
            playing: true,
            preset: "sleep".into(),
            presets: vec!["focus".into(), "relax".into(), "sleep".into()],
            volume: 0.42,
            timer_remaining: 125.0,
            heart_rate: 58.0,
            ..View::default()
        };
        let (mut t, mut rx) = tray(view);
        t.activate(0, 0);
        assert_eq!(rx.try_recv().unwrap(), Action::Toggle);
        t.secondary_activate(0, 0);
        assert_eq!(rx.try_recv().unwrap(), Action::Preset("focus".into()));
        t.scroll(120, ksni::Orientation::Vertical);
        assert_eq!(rx.try_recv().unwrap(), Action::Volume(0.45));
        t.scroll(-120, ksni::Orientation::Vertical);
        t.scroll(-120, ksni::Orientation::Vertical);
        assert_eq!(rx.try_recv().unwrap(), Action::Volume(0.4));
        assert_eq!(rx.try_recv().unwrap(), Action::Volume(0.35));
        t.scroll(120, ksni::Orientation::Horizontal);
        assert!(rx.try_recv().is_err());
        let tip = t.tool_tip().description;
        assert!(
            tip.starts_with("sleep · playing · volume 35 % · sleep timer 2:05 left · 58 bpm"),
            "{tip}"
        );
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
            explain: vec!["Heart rate 18 bpm above your resting rate: more energy (+0.12)".into()],
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
            ..View::default()
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
        assert_eq!(t.icon_name(), "attuned-playing");
        // In a preset that leads breathing: the rate on the sensor line, the lead below.
        let (t, _) = tray(View {
            running: true,
            playing: true,
            preset: "breathe".into(),
            heart_rate: 64.0,
            breathing_rate: 11.6,
            sensors: vec![SensorRow {
                address: "AA".into(),
                name: "Polar".into(),
                link: "live".into(),
                battery: 87,
                dropped: 0,
            }],
            breath_lead: Some(
                "breath lead matching: swell 8.7/min, inviting 11.6 breaths/min".into(),
            ),
            ..View::default()
        });
        let l = labels(&t.menu());
        assert!(
            l.contains(&"Polar: live · battery 87 % · 64 bpm · breathing 11.6/min".to_owned()),
            "{l:?}"
        );
        assert!(
            l.contains(
                &"Breath lead matching: swell 8.7/min, inviting 11.6 breaths/min".to_owned()
            ),
            "{l:?}"
        );
        assert!(
            std::path::Path::new(&t.icon_theme_path())
                .join("hicolor/scalable/apps/attuned-playing.svg")
                .is_file()
        );
    }
}
