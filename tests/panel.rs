//! The tray in a real panel: xfce4-panel (its systray is the StatusNotifierWatcher and host)
//! on a headless X server, driven with real clicks, scrolls and keys (xdotool), looked at in
//! screenshots (import). The screenshots stay in the session's directory while it runs and
//! are copied to `target/panel-shots/` for inspection.

mod services;

use image::RgbaImage;
use services::{KillOnDrop, Session, wait_for};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Xvfb, openbox and xfce4-panel on display `:n`, configured as in
/// `tests/fixtures/xfce4-panel.xml` (one 32 px top panel with a systray).
struct Desktop {
    display: String,
    shots: PathBuf,
    _parts: Vec<KillOnDrop>,
    /// Dropped last: the X server goes after its clients.
    _xvfb: TermOnDrop,
}

/// The X server, stopped with SIGTERM so it removes its socket and lock file.
struct TermOnDrop(std::process::Child);

impl Drop for TermOnDrop {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGTERM);
        }
        let _ = self.0.wait();
    }
}

const PLAYING: [u8; 3] = [0x3d, 0x7f, 0xe0];
const PAUSED: [u8; 3] = [0x6f, 0x7d, 0x92];
const AWAY: [u8; 3] = [0x80, 0x80, 0x80];

impl Desktop {
    fn start(s: &Session) -> Desktop {
        // Xvfb picks a free display and says which once it accepts connections.
        let mut xvfb = s
            .command("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (scripts/deps.sh test installs it)");
        let mut number = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(xvfb.stdout.take().unwrap()),
            &mut number,
        )
        .unwrap();
        let display = format!(":{}", number.trim());
        assert!(display.len() > 1, "Xvfb said no display number");
        let xvfb = TermOnDrop(xvfb);
        let config = s.dir.join("home/.config/xfce4/xfconf/xfce-perchannel-xml");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xfce4-panel.xml"),
            config.join("xfce4-panel.xml"),
        )
        .unwrap();
        let spawn = |program: &str, args: &[&str]| {
            KillOnDrop(
                s.command(program)
                    .args(args)
                    .env("DISPLAY", &display)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|e| {
                        panic!("{program}: {e} (scripts/deps.sh test installs it)")
                    }),
            )
        };
        let mut parts = vec![spawn("openbox", &[])];
        parts.push(spawn("xfce4-panel", &[]));
        let shots = s.dir.join("shots");
        std::fs::create_dir_all(&shots).unwrap();
        let d = Desktop {
            display,
            shots,
            _parts: parts,
            _xvfb: xvfb,
        };
        wait_for("the panel's window", Duration::from_secs(20), || {
            let out = d.run("xwininfo", &["-root", "-tree"]);
            String::from_utf8_lossy(&out.stdout).contains("xfce4-panel")
        });
        d
    }

    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        std::process::Command::new(program)
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"))
    }

    fn xdotool(&self, args: &[&str]) {
        let out = self.run("xdotool", args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A screenshot of the whole screen, kept as `name.png`.
    fn shot(&self, name: &str) -> RgbaImage {
        let path = self.shots.join(format!("{name}.png"));
        let out = self.run("import", &["-window", "root", path.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/panel-shots");
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::copy(&path, keep.join(format!("{name}.png")));
        image::open(&path).unwrap().to_rgba8()
    }
}

/// Where pixels of `colour` are in the panel (the top 32 rows), within 14 px of `near` if
/// given: their centre and count.
fn find_in_panel(
    img: &RgbaImage,
    colour: [u8; 3],
    near: Option<(u32, u32)>,
) -> Option<((u32, u32), usize)> {
    let (mut sx, mut sy, mut n) = (0u64, 0u64, 0usize);
    let xs = match near {
        Some((x, _)) => x.saturating_sub(14)..(x + 14).min(img.width()),
        None => 0..img.width(),
    };
    for y in 0..32.min(img.height()) {
        for x in xs.clone() {
            let p = img.get_pixel(x, y);
            if (0..3).all(|i| (p[i] as i32 - colour[i] as i32).abs() <= 10) {
                sx += x as u64;
                sy += y as u64;
                n += 1;
            }
        }
    }
    (n >= 20).then(|| (((sx / n as u64) as u32, (sy / n as u64) as u32), n))
}

/// Pixels that changed between two screenshots.
fn changed(a: &RgbaImage, b: &RgbaImage) -> usize {
    a.pixels()
        .zip(b.pixels())
        .filter(|(p, q)| (0..3).any(|i| (p[i] as i32 - q[i] as i32).abs() > 40))
        .count()
}

#[test]
fn the_tray_in_a_real_panel() {
    let s = Session::new("panel");
    let desktop = Desktop::start(&s);
    // Playing sleep, so the preset menu's second item (focus, after breathe) is another one.
    s.write_state(serde_json::json!({"playing": true, "preset": "sleep"}));
    let mut daemon = s.start_daemon(&[]);
    let _tray = s.start_tray();
    // The item appears, drawn with our playing icon.
    let mut at = (0, 0);
    wait_for(
        "the playing icon in the panel",
        Duration::from_secs(20),
        || match find_in_panel(&desktop.shot("1-appears"), PLAYING, None) {
            Some((centre, _)) => {
                at = centre;
                true
            }
            None => false,
        },
    );
    let (x, y) = (at.0.to_string(), at.1.to_string());
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");

    // A left click pauses; the icon follows.
    desktop.xdotool(&["mousemove", &x, &y, "click", "1"]);
    wait_for("a left click to pause", Duration::from_secs(5), || {
        s.property("PlaybackState") == "s \"Paused\""
    });
    wait_for("the paused icon", Duration::from_secs(5), || {
        find_in_panel(&desktop.shot("2-paused"), PAUSED, Some(at)).is_some()
    });

    // (Scrolling is not driven here: xfce4-panel 4.18 under Xvfb does not pass xdotool's
    // wheel buttons on to the item — no `Scroll` call reaches the bus. The tray's scroll
    // handling is tested on the item itself, in src/tray/item.rs.)

    // A right click opens the menu; the keyboard walks it: Play, Preset ▸, its second item
    // (the list is sorted: breathe, focus, …).
    let preset = s.property("Preset");
    let closed = desktop.shot("3-before-menu");
    desktop.xdotool(&["mousemove", &x, &y, "click", "3"]);
    let mut open = closed.clone();
    wait_for("the menu to open", Duration::from_secs(5), || {
        open = desktop.shot("4-menu");
        changed(&closed, &open) > 2000
    });
    for key in ["Down", "Down", "Right", "Down", "Return"] {
        desktop.xdotool(&["key", key]);
        std::thread::sleep(Duration::from_millis(400));
    }
    wait_for(
        "a preset chosen in the menu",
        Duration::from_secs(10),
        || s.property("Preset") != preset,
    );
    desktop.shot("5-preset-chosen");

    // The daemon goes away: the item stays, with the away icon.
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    wait_for("the away icon", Duration::from_secs(10), || {
        let shot = desktop.shot("6-away");
        find_in_panel(&shot, AWAY, Some(at)).is_some()
            && find_in_panel(&shot, PAUSED, Some(at)).is_none()
    });
    // It comes back: so does the item's state.
    let _daemon = s.start_daemon(&[]);
    wait_for("the icon to come back", Duration::from_secs(15), || {
        let shot = desktop.shot("7-back");
        find_in_panel(&shot, PAUSED, Some(at)).is_some()
            || find_in_panel(&shot, PLAYING, Some(at)).is_some()
    });
}
