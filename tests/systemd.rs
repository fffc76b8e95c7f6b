//! The shipped units: `systemd-analyze verify` accepts them without a word, D-Bus
//! activation from a service directory starts the daemon on the first call, and the tray's
//! XDG autostart entry passes `desktop-file-validate`.

mod services;

use services::Session;
use std::path::{Path, PathBuf};

fn render(template: &str, dir: &Path, name: &str) -> PathBuf {
    let bindir = Path::new(env!("CARGO_BIN_EXE_attuned")).parent().unwrap();
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(template))
        .unwrap()
        .replace("@BINDIR@", bindir.to_str().unwrap());
    assert!(!text.contains('@'), "unfilled placeholder in {template}");
    let out = dir.join(name);
    std::fs::write(&out, text).unwrap();
    out
}

/// The validator succeeded and printed nothing at all.
fn assert_silent_success(out: &std::process::Output, tool: &str) {
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "{tool} said:\n{said}"
    );
}

#[test]
fn user_unit_verifies_cleanly() {
    let s = Session::new("verify");
    let unit = render("systemd/attuned.service.in", &s.dir, "attuned.service");
    let out = s.run(
        "systemd-analyze",
        &["verify", "--user", unit.to_str().unwrap()],
    );
    assert_silent_success(&out, "systemd-analyze");
}

#[test]
fn dbus_activation_starts_the_daemon_on_first_call() {
    let services = std::env::temp_dir().join(format!("attuned-services-{}", std::process::id()));
    std::fs::create_dir_all(&services).unwrap();
    render(
        "systemd/io.github.Attuned.service.in",
        &services,
        "io.github.Attuned.service",
    );
    let s = Session::with_servicedir("activation", &services);
    assert!(!s.name_owned("io.github.Attuned"));
    let out = s.busctl(&[
        "call",
        "io.github.Attuned",
        "/io/github/Attuned",
        "io.github.Attuned1",
        "ListPresets",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("focus"));
    assert!(s.name_owned("io.github.Attuned"));
    // Stop the activated daemon (it is the bus's child, not ours).
    let pid = s.busctl(&["status", "io.github.Attuned"]);
    let pid = String::from_utf8_lossy(&pid.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("PID=")
                .map(|p| p.trim().parse::<i32>().unwrap())
        })
        .expect("busctl status names the PID");
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let _ = std::fs::remove_dir_all(services);
}

#[test]
fn tray_autostart_entry_validates() {
    let s = Session::new("desktop");
    let entry = render(
        "data/attuned-tray.desktop.in",
        &s.dir,
        "attuned-tray.desktop",
    );
    let out = s.run("desktop-file-validate", &[entry.to_str().unwrap()]);
    assert_silent_success(&out, "desktop-file-validate");
    let text = std::fs::read_to_string(&entry).unwrap();
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("an Exec line");
    let (program, args) = exec.split_once(' ').unwrap();
    assert!(Path::new(program).exists(), "{program}");
    assert_eq!(args, "tray");
}

/// `make install-tray` puts the autostart entry and every icon where a desktop looks.
#[test]
fn make_install_tray_installs_the_entry_and_the_icons() {
    let dir = std::env::temp_dir().join(format!("attuned-install-tray-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new("make")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("install-tray")
        .arg(format!("BINDIR={}", dir.join("bin").display()))
        .arg(format!("AUTOSTARTDIR={}", dir.join("autostart").display()))
        .arg(format!("ICONDIR={}", dir.join("icons").display()))
        .output()
        .expect("make (build-essential)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("autostart/attuned-tray.desktop").is_file());
    for state in ["playing", "paused", "away"] {
        for f in [
            format!("hicolor/scalable/apps/attuned-{state}.svg"),
            format!("hicolor/symbolic/apps/attuned-{state}-symbolic.svg"),
        ] {
            assert!(dir.join("icons").join(&f).is_file(), "{f} not installed");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
