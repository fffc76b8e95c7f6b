//! The tray's "Output" submenu: the sound server's default and each output device, the
//! chosen one selected (as `attunectl output NAME`). A chosen device that is not there now
//! stays listed, marked, since the daemon plays on it again when it is back.

use super::{Action, AttunedTray, View};
use ksni::menu::{MenuItem, RadioGroup, RadioItem, SubMenu};

/// The "Output" submenu.
pub fn output_menu(v: &View) -> MenuItem<AttunedTray> {
    // (name, label): "" is the default.
    let mut choices: Vec<(String, String)> = vec![(String::new(), "Default output".into())];
    for (name, description) in &v.output_devices {
        let label = if description.is_empty() {
            name
        } else {
            description
        };
        choices.push((name.clone(), label.clone()));
    }
    if !v.output_device.is_empty() && !choices.iter().any(|(n, _)| *n == v.output_device) {
        choices.push((
            v.output_device.clone(),
            format!("{} (not there now)", v.output_device),
        ));
    }
    let selected = choices
        .iter()
        .position(|(n, _)| *n == v.output_device)
        .unwrap_or(0);
    let names: Vec<String> = choices.iter().map(|(n, _)| n.clone()).collect();
    SubMenu {
        label: "Output".into(),
        enabled: v.running,
        submenu: vec![
            RadioGroup {
                selected,
                select: Box::new(move |t: &mut AttunedTray, i| {
                    if let Some(name) = names.get(i) {
                        t.send(Action::OutputDevice(name.clone()));
                    }
                }),
                options: choices
                    .into_iter()
                    .map(|(_, label)| RadioItem {
                        label,
                        ..Default::default()
                    })
                    .collect(),
            }
            .into(),
        ],
        ..Default::default()
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn radio(v: &View) -> (Vec<String>, usize) {
        let MenuItem::SubMenu(menu) = output_menu(v) else {
            panic!("the output menu is a submenu")
        };
        assert_eq!(menu.label, "Output");
        let MenuItem::RadioGroup(group) = &menu.submenu[0] else {
            panic!("devices are a radio group")
        };
        let labels = group.options.iter().map(|o| o.label.clone()).collect();
        (labels, group.selected)
    }

    #[test]
    fn each_device_by_its_description_the_chosen_one_selected() {
        let mut view = View {
            running: true,
            output_devices: vec![
                ("alsa_output.pci".into(), "Built-in Audio".into()),
                ("bluez_output.A".into(), "Headphones".into()),
            ],
            output_device: "bluez_output.A".into(),
            ..View::default()
        };
        let (labels, selected) = radio(&view);
        assert_eq!(labels, ["Default output", "Built-in Audio", "Headphones"]);
        assert_eq!(selected, 2);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut tray = AttunedTray::new(view.clone(), tx);
        let MenuItem::SubMenu(menu) = output_menu(&view) else {
            unreachable!()
        };
        let MenuItem::RadioGroup(group) = &menu.submenu[0] else {
            unreachable!()
        };
        (group.select)(&mut tray, 1);
        assert_eq!(
            rx.try_recv().unwrap(),
            Action::OutputDevice("alsa_output.pci".into())
        );
        (group.select)(&mut tray, 0);
        assert_eq!(rx.try_recv().unwrap(), Action::OutputDevice(String::new()));
        // The headphones switched off: still chosen, marked as away.
        view.output_devices.pop();
        let (labels, selected) = radio(&view);
        assert_eq!(labels[2], "bluez_output.A (not there now)");
        assert_eq!(selected, 2);
        // The default chosen.
        view.output_device.clear();
        assert_eq!(radio(&view).1, 0);
    }
}
