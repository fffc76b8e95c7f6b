//! The daemon through real parts: a private session bus, PulseAudio with a null sink
//! recorded from its monitor, `busctl`, `playerctl` and `attunectl`.

mod services;

use services::{Session, heard, longest_silence, ok, rms, until, wait_for};
use std::time::Duration;

/// Call with `gdbus`, which prints the D-Bus error name (busctl prints only the message).
fn gcall(s: &Session, method: &str, args: &[&str]) -> std::process::Output {
    let m = format!("io.github.Attuned1.{method}");
    let mut a = vec![
        "call",
        "--session",
        "--dest",
        "io.github.Attuned",
        "--object-path",
        "/io/github/Attuned",
        "--method",
        &m,
        "--",
    ];
    a.extend_from_slice(args);
    s.run("gdbus", &a)
}

fn refused(out: std::process::Output, contains: &str) {
    assert!(
        !out.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(contains), "{err}");
}

#[test]
fn dbus_api_commands_properties_errors_and_state() {
    let s = Session::new("dbus");
    let d = s.start_daemon(&[]);
    // No audio server: the bus is up, the audio status says why it waits.
    assert!(
        s.property("AudioOutput").contains("waiting"),
        "{}",
        s.property("AudioOutput")
    );
    let presets = ok(s.call("ListPresets", &[]));
    for p in ["focus", "relax", "sleep", "workout", "rain"] {
        assert!(presets.contains(p), "{presets}");
    }
    ok(s.call("SetPreset", &["s", "sleep"]));
    assert_eq!(s.property("Preset"), "s \"sleep\"");
    let invalid = "org.freedesktop.DBus.Error.InvalidArgs";
    refused(gcall(&s, "SetPreset", &["'../x'"]), invalid);
    refused(
        gcall(&s, "SetPreset", &["'/etc/passwd'"]),
        "invalid preset name `/etc/passwd`",
    );
    refused(
        gcall(&s, "SetPreset", &["'nonesuch'"]),
        "unknown preset `nonesuch`",
    );
    ok(s.call("SetVolume", &["d", "0.3"]));
    assert_eq!(s.property("Volume"), "d 0.3");
    refused(
        gcall(&s, "SetVolume", &["1.5"]),
        "volume 1.5 is outside 0..1",
    );
    // A wrong argument type (busctl sends what it is told): refused, and the daemon lives on.
    refused(s.call("SetVolume", &["s", "loud"]), "");
    assert_eq!(s.property("Volume"), "d 0.3");
    ok(s.call("Pause", &[]));
    assert_eq!(s.property("PlaybackState"), "s \"Paused\"");
    ok(s.call("Toggle", &[]));
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");
    ok(s.call("SetSleepTimer", &["dds", "600", "60", "pause"]));
    let left: f64 = s.property("SleepTimerRemaining")[2..].parse().unwrap();
    assert!((590.0..=600.0).contains(&left), "{left}");
    refused(
        gcall(&s, "SetSleepTimer", &["600.0", "60.0", "'explode'"]),
        "use \"pause\", \"stop\" or \"suspend\"",
    );
    refused(
        gcall(&s, "SetSleepTimer", &["-5.0", "0.0", "'pause'"]),
        invalid,
    );
    ok(s.call("CancelSleepTimer", &[]));
    assert_eq!(s.property("SleepTimerRemaining"), "d 0");
    let controls = s.property("Controls");
    assert!(controls.starts_with("a{sd} 8"), "{controls}");
    let tempo: f64 = s.property("Tempo")[2..].parse().unwrap();
    assert!((60.0..=72.0).contains(&tempo), "sleep tempo {tempo}");
    ok(s.call("ReloadPresets", &[]));
    let mut words = String::new();
    wait_for(
        "an explanation after the reload",
        Duration::from_secs(5),
        || {
            words = ok(s.call("ExplainText", &[]));
            words.starts_with("as ")
        },
    );
    assert!(
        words.starts_with("as ") && words.contains("No heart-rate sensor"),
        "{words}"
    );
    assert!(!words.contains("hr_rel"), "{words}");
    let why = ok(s.call("Explain", &[]));
    assert!(why.starts_with("a(ssd)"), "{why}");

    // SIGTERM fades out and exits 0; the state comes back on the next start.
    let (status, took, log) = d.terminate();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(
        took >= Duration::from_millis(1500),
        "no fade: exited in {took:?}"
    );
    let d = s.start_daemon(&[]);
    assert_eq!(s.property("Preset"), "s \"sleep\"");
    assert_eq!(s.property("Volume"), "d 0.3");
    // SIGHUP (a closed terminal) is taken like SIGTERM: a fade and exit 0, said in the log.
    let (status, took, log) = d.stop_with(libc::SIGHUP);
    assert!(status.success(), "{status:?}\n{log}");
    assert!(
        took >= Duration::from_millis(1500),
        "no fade: exited in {took:?}"
    );
    assert!(
        log.contains("SIGHUP: exiting") && log.contains("fading out"),
        "{log}"
    );

    // A corrupt state file: ignored with a warning, defaults used.
    std::fs::write(s.state_file(), "{\"preset\": \"sle").unwrap();
    let d = s.start_daemon(&[]);
    assert_eq!(s.property("Preset"), "s \"focus\"");
    let (status, _, log) = d.terminate();
    assert!(status.success());
    assert!(log.contains("corrupt state"), "{log}");

    // A FIFO where the state file should be (read as a file, it hung the start before the
    // bus, and SIGTERM no longer ended it): named in the log, defaults used, and the
    // daemon answers and ends on SIGTERM.
    let _ = std::fs::remove_file(s.state_file());
    let fifo = std::ffi::CString::new(s.state_file().to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0, "mkfifo");
    let d = s.start_daemon(&[]);
    assert_eq!(s.property("Preset"), "s \"focus\"");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(log.contains("a FIFO, not a regular file"), "{log}");
}

#[test]
fn playerctl_drives_mpris() {
    let s = Session::new("mpris");
    let _d = s.start_daemon(&[]);
    let pc = |args: &[&str]| {
        let mut a = vec!["--player=attuned"];
        a.extend_from_slice(args);
        let out = s.run("playerctl", &a);
        assert!(
            out.status.success(),
            "playerctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let list = s.run("playerctl", &["-l"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("attuned"));
    assert_eq!(pc(&["status"]), "Playing");
    pc(&["play-pause"]);
    assert!(until(Duration::from_secs(2), || pc(&["status"]) == "Paused").is_some());
    pc(&["play"]);
    assert_eq!(pc(&["status"]), "Playing");
    let before = pc(&["metadata", "xesam:title"]);
    pc(&["next"]);
    let after = pc(&["metadata", "xesam:title"]);
    assert_ne!(before, after, "next changes the preset");
    assert!(pc(&["metadata"]).contains("mpris:trackid"));
    pc(&["previous"]);
    assert_eq!(pc(&["metadata", "xesam:title"]), before);
    pc(&["volume", "0.25"]);
    assert_eq!(pc(&["volume"]), "0.250000");
    assert_eq!(s.property("Volume"), "d 0.25");
}

#[test]
fn attunectl_reports_and_commands() {
    let s = Session::new("ctl");
    let ctl = |args: &[&str]| s.run(env!("CARGO_BIN_EXE_attunectl"), args);
    // Not running: a clear message, failure exit.
    let out = ctl(&["status"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("attuned is not running"));

    let _d = s.start_daemon(&[]);
    assert!(ctl(&["preset", "relax"]).status.success());
    assert!(ctl(&["volume", "0.4"]).status.success());
    assert!(ctl(&["timer", "45m", "--fade", "10m"]).status.success());
    let out = ctl(&["status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["preset"], "relax");
    assert_eq!(v["volume"], 0.4);
    assert!(v["sleep_timer_remaining"].as_f64().unwrap() > 2690.0);
    assert_eq!(v["controls"].as_object().unwrap().len(), 8);
    let human = String::from_utf8(ctl(&["status"]).stdout).unwrap();
    assert!(
        human.contains("relax") && human.contains("sleep timer: 0:4"),
        "{human}"
    );
    let out = ctl(&["volume", "3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside 0..1"));
    let presets = String::from_utf8(ctl(&["presets"]).stdout).unwrap();
    assert!(presets.contains("* relax"), "{presets}");
    let watch = ctl(&["watch", "--count", "1"]);
    assert!(String::from_utf8_lossy(&watch.stdout).contains("tempo"));
    let comp = ctl(&["completions", "bash"]);
    assert!(String::from_utf8_lossy(&comp.stdout).contains("attunectl"));
}

#[test]
fn live_audio_plays_and_survives_the_server_dying() {
    let mut s = Session::new("audio");
    s.start_pulse();
    let d = s.start_daemon(&[]);
    assert!(
        until(Duration::from_secs(5), || s
            .property("AudioOutput")
            .contains("playing"))
        .is_some(),
        "{}\n{}",
        s.property("AudioOutput"),
        d.log()
    );
    d.wait_for("the music heard", Duration::from_secs(5), || {
        heard(&s, "nullsink")
    });
    let rec = s.record(3.0);
    assert!(rec.len() > 2 * 48_000 * 2, "recorded {} samples", rec.len());
    let level = rms(&rec);
    assert!((0.01..0.5).contains(&level), "rms {level}");
    let gap = longest_silence(&rec);
    assert!(gap < 480, "a {gap}-frame gap in the music");
    // What the music is doing: the bar playing's section, key and chord.
    let now = s.property_json("Now");
    let field = |k: &str| now[k]["data"].clone();
    assert_eq!(field("section_number"), 1, "{now}");
    let key_named = |k: &str| {
        let (tonic, mode) = k.split_once(' ').unwrap_or_default();
        (1..=2).contains(&tonic.len())
            && [
                "dorian",
                "lydian",
                "pentatonic",
                "major",
                "mixolydian",
                "aeolian",
            ]
            .iter()
            .any(|m| mode.ends_with(m))
    };
    assert!(field("key").as_str().is_some_and(key_named), "{now}");
    assert!(
        !field("chord").as_str().unwrap_or_default().is_empty(),
        "{now}"
    );
    assert!(
        field("voices")
            .as_array()
            .is_some_and(|v| v.iter().any(|x| x == "pad")),
        "{now}"
    );
    let status = s.run(env!("CARGO_BIN_EXE_attunectl"), &["status"]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    let key = field("key").as_str().unwrap_or_default().to_owned();
    assert!(
        status.contains("music: ") && status.contains(&key),
        "{status}"
    );

    // Kill the server mid-play and bring it back: music again within 3 s, same daemon.
    s.kill_pulse();
    std::thread::sleep(Duration::from_secs(1));
    s.start_pulse();
    let back = until(Duration::from_secs(8), || rms(&s.record(0.25)) > 0.005);
    let back = back.unwrap_or_else(|| panic!("no sound after the server came back\n{}", d.log()));
    eprintln!("sound back after {back:?}");
    assert!(back <= Duration::from_secs(3), "took {back:?}");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
}

#[test]
fn audio_server_absent_at_start_then_appearing() {
    let mut s = Session::new("late");
    let d = s.start_daemon(&[]);
    d.wait_for("waiting for a sound server", Duration::from_secs(5), || {
        s.property("AudioOutput").contains("waiting")
    });
    s.start_pulse();
    // Measured by ear, not by status: the stream's first callback can lag its opening.
    let heard = until(Duration::from_secs(8), || rms(&s.record(0.25)) > 0.005);
    eprintln!("music after {heard:?}");
    assert!(
        heard.is_some_and(|t| t <= Duration::from_secs(3)),
        "music {heard:?} after the server appeared\n{}",
        d.log()
    );
    assert!(s.property("AudioOutput").contains("playing"));
}

#[test]
fn with_no_sound_server_libasound_is_said_once_not_printed_at_every_retry() {
    let s = Session::new("no-server-quiet");
    let d = s.start_daemon(&[]);
    d.wait_for("waiting for a sound server", Duration::from_secs(5), || {
        s.property("AudioOutput").contains("waiting")
    });
    let start = d.log().len();
    std::thread::sleep(Duration::from_secs(10));
    let log = d.log();
    let grown = &log[start..];
    eprintln!(
        "stderr in 10 s with no sound server: {} bytes\n{log}",
        grown.len()
    );
    assert!(
        grown.len() < 1024,
        "{} bytes in 10 s:\n{grown}",
        grown.len()
    );
    assert!(!log.contains("ALSA lib"), "{log}");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
}

const TONE_HZ: f64 = 441.7;

/// A session with PulseAudio and the diagnostic tone preset installed as a user preset.
fn tone_session(name: &str) -> Session {
    let mut s = Session::new(name);
    let presets = s.dir.join("home/.local/share/attuned/presets");
    std::fs::create_dir_all(&presets).unwrap();
    let focus = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/focus.toml"))
        .unwrap()
        .replace("name = \"focus\"", "name = \"tone\"");
    std::fs::write(
        presets.join("tone.toml"),
        format!("{focus}\n[diagnostic]\ntone_hz = {TONE_HZ}\n"),
    )
    .unwrap();
    s.start_pulse();
    s
}

/// Largest deviation from a pure sine of `TONE_HZ`: r[n] = x[n+1] − 2cos(ω)x[n] + x[n−1] is
/// ~1e-4 for a clean tone (16-bit quantisation) and jumps at any drop, repeat or click.
fn worst_residual(rec: &[i16]) -> f64 {
    let x: Vec<f64> = rec.chunks_exact(2).map(|f| f[0] as f64 / 32768.0).collect();
    let c = 2.0 * (std::f64::consts::TAU * TONE_HZ / 48_000.0).cos();
    x.windows(3)
        .map(|w| (w[2] - c * w[1] + w[0]).abs())
        .fold(0.0, f64::max)
}

#[test]
fn live_tone_has_no_glitches_and_the_sleep_timer_fades_then_pauses() {
    let s = tone_session("tone");
    let d = s.start_daemon(&[]);
    ok(s.call("SetPreset", &["s", "tone"]));
    assert!(
        until(Duration::from_secs(5), || s
            .property("AudioOutput")
            .contains("playing"))
        .is_some()
    );
    // One recording from the switch on (a series of short ones would each reconfigure the
    // null sink's latency, and PulseAudio's rewinds are heard in its monitor): the 4 s
    // crossfade ends inside it, and from the first half second at the tone's full level
    // on, only the tone.
    let whole = s.record(12.0);
    let half = 48_000; // interleaved stereo samples in half a second
    let amplitude = |c: &[i16]| rms(c) * std::f64::consts::SQRT_2;
    let full = whole.chunks_exact(half).last().map_or(0.0, amplitude);
    let settled = whole
        .chunks(half)
        .position(|c| amplitude(c) > 0.99 * full)
        .unwrap_or_else(|| panic!("the tone never came to full level\n{}", d.log()));
    let rec = &whole[settled * half..];
    assert!(
        rec.len() >= 2 * 48_000 * 3,
        "{} samples after the crossfade",
        rec.len()
    );
    let level = rms(rec) * std::f64::consts::SQRT_2;
    assert!((0.15..0.25).contains(&level), "tone amplitude {level}");
    let worst = worst_residual(rec);
    assert!(worst < 0.01, "glitch: residual {worst}\n{}", d.log());

    // Sleep timer: 4 s with a 3 s fade, then paused.
    ok(s.call("SetSleepTimer", &["dds", "4", "3", "pause"]));
    let rec = s.record(3.5);
    let q = rec.len() / 4;
    let (early, late) = (rms(&rec[..q]), rms(&rec[3 * q..]));
    assert!(late < early * 0.5, "no fade: {early} → {late}");
    assert!(
        until(Duration::from_secs(3), || s.property("PlaybackState")
            == "s \"Paused\"")
        .is_some()
    );
    assert!(
        until(Duration::from_secs(2), || s.property("AudioOutput")
            == "s \"stopped\"")
        .is_some()
    );
    assert!(rms(&s.record(0.5)) < 1e-4, "silent once paused");
}

#[test]
fn a_running_sleep_timer_survives_a_restart() {
    let s = Session::new("timer-restart");
    let d = s.start_daemon(&[]);
    ok(s.call("Play", &[]));
    ok(s.call("SetSleepTimer", &["dds", "600", "60", "stop"]));
    // Saved within the saver's interval; SIGTERM flushes anyway.
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    let _d = s.start_daemon(&[]);
    let left: f64 = s.property("SleepTimerRemaining")[2..].parse().unwrap();
    assert!(
        (560.0..600.0).contains(&left),
        "{left} s left after the restart"
    );
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");
}

#[test]
fn attunectl_ends_quietly_when_its_reader_goes_away() {
    use std::os::unix::process::ExitStatusExt;
    let s = Session::new("pipe");
    let _d = s.start_daemon(&[]);
    // `attunectl status | head -1`, with the reader gone before the first line is written
    // (so every write fails, not only those after head's first line).
    let mut child = s
        .command(env!("CARGO_BIN_EXE_attunectl"))
        .arg("status")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "{:?}: {err}",
        out.status
    );
}
