//! Bad input to the daemon, through a real private session bus: each case here was a hole
//! found under load (accepted silently, or found out only later). Each must be refused or
//! reported with a clear message, and the daemon must keep what it had.

mod services;

use services::Session;
use std::path::PathBuf;

const INVALID: &str = "org.freedesktop.DBus.Error.InvalidArgs";

/// Call with `gdbus`, which prints the D-Bus error name.
fn gcall(s: &Session, dest: &str, path: &str, method: &str, args: &[&str]) -> std::process::Output {
    let mut a = vec![
        "call",
        "--session",
        "--dest",
        dest,
        "--object-path",
        path,
        "--method",
        method,
        "--",
    ];
    a.extend_from_slice(args);
    s.run("gdbus", &a)
}

fn ours(s: &Session, method: &str, args: &[&str]) -> std::process::Output {
    let m = format!("io.github.Attuned1.{method}");
    gcall(s, "io.github.Attuned", "/io/github/Attuned", &m, args)
}

fn refused(out: std::process::Output, contains: &str) -> String {
    assert!(
        !out.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains(contains), "{err}");
    err
}

fn ok(out: std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `busctl set-property` on the MPRIS player.
fn set_mpris(s: &Session, prop: &str, sig: &str, value: &str) -> std::process::Output {
    // `--`: values like -2 and -inf are not options.
    s.busctl(&[
        "--",
        "set-property",
        "org.mpris.MediaPlayer2.attuned",
        "/org/mpris/MediaPlayer2",
        "org.mpris.MediaPlayer2.Player",
        prop,
        sig,
        value,
    ])
}

fn presets_dir(s: &Session) -> PathBuf {
    let d = s.dir.join("home/.local/share/attuned/presets");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn malformed_calls_are_refused_and_nothing_is_lost() {
    let s = Session::new("holes");
    let d = s.start_daemon(&[]);
    ok(s.call("SetVolume", &["d", "0.4"]));

    // Addresses: no trimming, no one-digit groups.
    for bad in [" C4:7C:8D:6A:11:01", "C4:7C:8D:6A:11:1"] {
        refused(ours(&s, "Pair", &[&format!("'{bad}'")]), INVALID);
        refused(ours(&s, "Forget", &[&format!("'{bad}'")]), INVALID);
    }
    // A long bad argument is quoted by a short prefix and its length, not echoed whole.
    let long = "x".repeat(60_000);
    let quoted = format!("'{long}'");
    for (method, args) in [
        ("SetPreset", vec![quoted.as_str()]),
        ("SetLayerLevel", vec![quoted.as_str(), "0.5"]),
        ("Pair", vec![quoted.as_str()]),
        ("SetSleepTimer", vec!["60.0", "1.0", quoted.as_str()]),
    ] {
        let err = refused(ours(&s, method, &args), "(60000 bytes)");
        assert!(err.len() < 600, "{method}: a reply of {} bytes", err.len());
    }
    // No arguments means none: extra ones are refused here too (they had been dropped).
    // Every method's refusals are in tests/bus_gate.rs.
    refused(ours(&s, "ClearModulationDepth", &["1"]), INVALID);
    for method in ["Raise", "Quit"] {
        let m = format!("org.mpris.MediaPlayer2.{method}");
        let out = gcall(
            &s,
            "org.mpris.MediaPlayer2.attuned",
            "/org/mpris/MediaPlayer2",
            &m,
            &["1"],
        );
        refused(out, INVALID);
    }
    // Blank is not the default device.
    refused(ours(&s, "SetOutputDevice", &["' '"]), "only spaces");
    // A timer action must be named.
    refused(
        ours(&s, "SetSleepTimer", &["2.0", "1.0", "''"]),
        "use \"pause\", \"stop\" or \"suspend\"",
    );
    assert_eq!(s.property("SleepTimerRemaining"), "d 0");
    // −0 is a volume of 0, and reads back as 0.
    ok(ours(&s, "SetVolume", &["-0.0"]));
    assert_eq!(s.property("Volume"), "d 0");
    ok(s.call("SetVolume", &["d", "0.4"]));
    // Extra arguments are refused, not dropped.
    refused(s.call("Play", &["s", "now"]), "expected");
    refused(s.call("SetVolume", &["dd", "0.3", "0.9"]), "expected");
    refused(s.call("ListPresets", &["b", "true"]), "expected");
    assert_eq!(s.property("Volume"), "d 0.4");
    // Motifs: checked note by note; a good one taken, cleared; attunectl reads MIDI files.
    ok(s.call(
        "SetMotif",
        &[
            "a(udd)", "3", "60", "0", "0.5", "62", "0.5", "0.5", "64", "1", "1",
        ],
    ));
    refused(
        s.call(
            "SetMotif",
            &["a(udd)", "2", "60", "0", "0.5", "300", "0.5", "0.5"],
        ),
        "SetMotif: note 2: MIDI note above 127",
    );
    refused(s.call("SetMotif", &["a(udd)", "0"]), "no notes");
    refused(
        s.call("SetMotif", &["a(udd)", "1", "60", "0", "0"]),
        "length must be",
    );
    refused(s.call("SetMotif", &["a(ud)", "1", "60", "0"]), "expected");
    ok(s.call("ClearMotif", &[]));
    // The focus modulation's depth: a number in 0..1, nothing else.
    refused(ours(&s, "SetModulationDepth", &["-0.1"]), "outside 0..1");
    refused(s.call("SetModulationDepth", &["s", "deep"]), "expected");
    let not_midi = s.dir.join("not.mid");
    std::fs::write(&not_midi, b"hello").unwrap();
    let out = s
        .command(env!("CARGO_BIN_EXE_attunectl"))
        .args(["motif", not_midi.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not.mid: not a MIDI file"));
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");
    // MPRIS: NaN and infinite volumes refused; out of range clamped (the spec); a rate
    // other than 1 refused, 0 pauses (the spec).
    for bad in ["nan", "inf", "-inf"] {
        let out = set_mpris(&s, "Volume", "d", bad);
        assert!(!out.status.success(), "Volume {bad} accepted");
    }
    assert_eq!(s.property("Volume"), "d 0.4");
    ok(set_mpris(&s, "Volume", "d", "-2"));
    assert_eq!(s.property("Volume"), "d 0");
    ok(set_mpris(&s, "Volume", "d", "0.4"));
    ok(set_mpris(&s, "Rate", "d", "1"));
    let out = set_mpris(&s, "Rate", "d", "0.5");
    assert!(!out.status.success(), "Rate 0.5 accepted");
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");
    ok(set_mpris(&s, "Rate", "d", "0"));
    assert_eq!(s.property("PlaybackState"), "s \"Paused\"");

    // Changes in quick succession are saved (at most one write a second) and the last one
    // is flushed at exit. Paused, the exit does not wait for a fade.
    for i in 1..=20 {
        ok(s.call("SetVolume", &["d", &format!("{}", i as f64 / 100.0)]));
    }
    let (status, took, log) = d.terminate();
    assert!(status.success(), "{log}");
    assert!(!log.contains("fading out"), "faded while paused:\n{log}");
    eprintln!("exit while paused took {took:?}");
    assert!(!log.contains("ERROR"), "{log}");
    let _d = s.start_daemon(&[]);
    assert_eq!(s.property("Volume"), "d 0.2");
    assert_eq!(s.property("PlaybackState"), "s \"Paused\"");
}

#[test]
fn preset_and_schedule_problems_are_reported_at_start_and_by_reload() {
    let s = Session::new("preset-problems");
    let dir = presets_dir(&s);
    let focus = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/focus.toml"))
        .unwrap();
    // A user focus.toml that says it is "sleep".
    std::fs::write(
        dir.join("focus.toml"),
        focus.replace("name = \"focus\"", "name = \"sleep\""),
    )
    .unwrap();
    // A good user preset, and entries that cannot be presets.
    std::fs::write(
        dir.join("mine.toml"),
        focus.replace("name = \"focus\"", "name = \"mine\""),
    )
    .unwrap();
    std::fs::create_dir(dir.join("folder.toml")).unwrap();
    std::os::unix::fs::symlink(dir.join("gone"), dir.join("dangling.toml")).unwrap();
    let fifo = std::ffi::CString::new(dir.join("pipe.toml").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    // A schedule naming a preset that does not exist.
    let config = s.dir.join("home/.config/attuned");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "schedule = [\"07:00 nonesuch\", \"22:00 mine\"]\n",
    )
    .unwrap();
    // Temporary files of saves cut short by kill -9.
    let state_dir = s.state_file().parent().unwrap().to_owned();
    std::fs::create_dir_all(&state_dir).unwrap();
    for pid in [4242, 77] {
        std::fs::write(state_dir.join(format!(".state.json.{pid}.tmp")), "{\"pre").unwrap();
    }

    let d = s.start_daemon(&[]);
    let log = d.log();
    for said in [
        "focus.toml:2:8: name `sleep` differs from the file name",
        "folder.toml: not a regular file",
        "dangling.toml: not a regular file",
        "pipe.toml: not a regular file",
        "schedule 07:00: unknown preset `nonesuch`",
    ] {
        assert!(log.contains(said), "{said}:\n{log}");
    }
    assert!(!log.contains("schedule 22:00"), "{log}");
    let stale: Vec<_> = std::fs::read_dir(&state_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|f| f.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(stale.is_empty(), "left behind: {stale:?}");

    // Only regular files are listed.
    let list = String::from_utf8(s.call("ListPresets", &[]).stdout).unwrap();
    assert!(list.contains("\"mine\""), "{list}");
    for absent in ["folder", "dangling", "pipe"] {
        assert!(!list.contains(&format!("\"{absent}\"")), "{absent}: {list}");
    }
    // The mislabelled override falls back to the built-in `focus`, said in one line with
    // where to look (it had made `focus` itself unplayable).
    ok(s.call("SetPreset", &["s", "focus"]));
    assert_eq!(s.property("Preset"), "s \"focus\"");
    let log = d.log();
    assert!(
        log.contains("focus.toml:2:8: name `sleep` differs")
            && log.contains("playing the built-in `focus` instead"),
        "{log}"
    );
    ok(s.call("SetPreset", &["s", "mine"]));
    assert_eq!(s.property("Preset"), "s \"mine\"");
    // ReloadPresets reloads what it can and says what is wrong.
    let err = refused(
        ours(&s, "ReloadPresets", &[]),
        "org.freedesktop.DBus.Error.Failed",
    );
    for said in ["name `sleep` differs", "pipe.toml", "schedule 07:00"] {
        assert!(err.contains(said), "{said}: {err}");
    }
    assert_eq!(s.property("Preset"), "s \"mine\"");
    // Fixed on disk: a reload is clean.
    for f in ["focus.toml", "folder.toml", "dangling.toml", "pipe.toml"] {
        let p = dir.join(f);
        let _ = std::fs::remove_file(&p).or_else(|_| std::fs::remove_dir(&p));
    }
    std::fs::write(config.join("config.toml"), "schedule = [\"22:00 mine\"]\n").unwrap();
    // The schedule is read at start: the old one is still in force until a restart.
    let err = refused(ours(&s, "ReloadPresets", &[]), "schedule 07:00");
    assert!(!err.contains("pipe.toml"), "{err}");
}

#[test]
fn a_preset_directory_that_is_a_file_is_reported() {
    let s = Session::new("preset-file");
    let dir = s.dir.join("home/.local/share/attuned");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("presets"), "not a directory").unwrap();
    let d = s.start_daemon(&[]);
    assert!(
        d.log()
            .contains("presets: is a file, not a directory of presets"),
        "{}",
        d.log()
    );
    refused(ours(&s, "ReloadPresets", &[]), "is a file, not a directory");
    // The built-ins still play.
    ok(s.call("SetPreset", &["s", "relax"]));
    assert_eq!(s.property("Preset"), "s \"relax\"");
}

/// Run the daemon to its end (at most 5 s): status, how long it took, what it printed.
fn run_to_exit(s: &Session) -> (std::process::ExitStatus, std::time::Duration, String) {
    let log = s.dir.join("exit.log");
    let mut child = s
        .command(env!("CARGO_BIN_EXE_attuned"))
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (
                status,
                start.elapsed(),
                std::fs::read_to_string(&log).unwrap(),
            );
        }
        if start.elapsed() > std::time::Duration::from_secs(5) {
            let _ = child.kill();
            panic!(
                "still running after 5 s:\n{}",
                std::fs::read_to_string(&log).unwrap()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn files_that_are_not_files_are_named_and_the_daemon_goes_on() {
    let s = Session::new("not-files");
    // A state file linked to /dev/zero (read as a file, it had been read until memory ran
    // out): named, defaults used, the daemon on the bus and ended by SIGTERM.
    let state = s.state_file();
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &state).unwrap();
    let d = s.start_daemon(&[]);
    assert_eq!(s.property("Preset"), "s \"focus\"");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    assert!(log.contains("state.json: a character device"), "{log}");
    std::fs::remove_file(&state).unwrap();

    // A config that is a FIFO or /dev/zero: the daemon ends at once naming it (a broken
    // config stops it, as any config error does), instead of hanging or filling memory.
    let config = s.dir.join("home/.config/attuned/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let fifo = std::ffi::CString::new(config.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let (status, took, log) = run_to_exit(&s);
    assert!(!status.success(), "{log}");
    assert!(
        log.contains("config.toml: a FIFO, not a regular file"),
        "{log}"
    );
    eprintln!("a FIFO config refused in {took:?}");
    std::fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &config).unwrap();
    let (status, _, log) = run_to_exit(&s);
    assert!(!status.success(), "{log}");
    assert!(log.contains("config.toml: a character device"), "{log}");
}
