//! The tray's "Mix" submenu: each layer of the playing preset with its level, and a choice
//! of levels for it (as `attunectl mix LAYER LEVEL`).

use super::{Action, AttunedTray, View};
use ksni::menu::{MenuItem, RadioGroup, RadioItem, SubMenu};

/// Level choices for a layer, percent of the preset's own balance.
pub const MIX_STEPS: [u32; 7] = [0, 25, 50, 75, 100, 150, 200];

/// The "Mix" submenu.
pub fn mix_menu(v: &View) -> MenuItem<AttunedTray> {
    let layers: Vec<MenuItem<AttunedTray>> = v
        .layers
        .iter()
        .map(|(layer, level)| {
            let nearest = MIX_STEPS
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| (**s as i64 - (level * 100.0).round() as i64).abs())
                .map_or(0, |(i, _)| i);
            let name = layer.clone();
            SubMenu {
                label: format!("{layer}: {:.0} %", level * 100.0),
                submenu: vec![
                    RadioGroup {
                        selected: nearest,
                        select: Box::new(move |t: &mut AttunedTray, i| {
                            let level = MIX_STEPS[i] as f64 / 100.0;
                            t.send(Action::LayerLevel(name.clone(), level));
                        }),
                        options: MIX_STEPS
                            .iter()
                            .map(|s| RadioItem {
                                label: if *s == 0 {
                                    "off".into()
                                } else {
                                    format!("{s} %")
                                },
                                ..Default::default()
                            })
                            .collect(),
                    }
                    .into(),
                ],
                ..Default::default()
            }
            .into()
        })
        .collect();
    SubMenu {
        label: "Mix".into(),
        enabled: v.running && !layers.is_empty(),
        submenu: layers,
        ..Default::default()
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    #[test]
    fn each_layer_shows_its_level_and_a_choice_sets_it() {
        let view = View {
            running: true,
            layers: vec![("pad".into(), 1.0), ("rain".into(), 0.25)],
            ..View::default()
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut tray = AttunedTray::new(view.clone(), tx);
        let MenuItem::SubMenu(mix) = mix_menu(&view) else {
            panic!("the mix is a submenu")
        };
        assert_eq!(mix.label, "Mix");
        assert!(mix.enabled);
        let labels: Vec<String> = mix
            .submenu
            .iter()
            .map(|m| match m {
                MenuItem::SubMenu(s) => s.label.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(labels, ["pad: 100 %", "rain: 25 %"]);
        let MenuItem::SubMenu(rain) = &mix.submenu[1] else {
            unreachable!()
        };
        let MenuItem::RadioGroup(levels) = &rain.submenu[0] else {
            panic!("levels are a radio group")
        };
        assert_eq!(levels.selected, 1, "25 % is chosen");
        assert_eq!(levels.options[0].label, "off");
        (levels.select)(&mut tray, 0);
        assert_eq!(
            rx.try_recv().unwrap(),
            Action::LayerLevel("rain".into(), 0.0)
        );
        // Nothing to mix while the daemon is away.
        let MenuItem::SubMenu(away) = mix_menu(&View::default()) else {
            unreachable!()
        };
        assert!(!away.enabled);
    }
}
