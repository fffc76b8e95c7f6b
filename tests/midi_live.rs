//! Live MIDI through a real JACK server (`jackd -d dummy`, Debian's jackd2; the daemon is
//! built with the `midi-jack` feature, which `scripts/test.sh` runs this test with): the
//! daemon says there is no MIDI system while no server runs, finds the server when it
//! starts, listens to a keyboard's port when it appears, sounds what is played at once (a
//! held A6 is measured on the PulseAudio null sink's monitor), takes a phrase and a two-bar
//! pause as the motif, follows the port as it goes and comes back, and keeps playing when
//! the server is killed. About 60 s.

mod services;

use midir::os::unix::VirtualOutput;
use services::{Session, until};
use std::process::Child;
use std::time::Duration;

/// Amplitude of the stereo recording's left+right at `hz` (Goertzel), per sample.
fn tone(samples: &[i16], hz: f64) -> f64 {
    let w = std::f64::consts::TAU * hz / 48_000.0;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mono: Vec<f64> = samples
        .chunks_exact(2)
        .map(|c| (c[0] as f64 + c[1] as f64) / 65_536.0)
        .collect();
    for x in &mono {
        let s0 = x + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2).sqrt() / mono.len() as f64
}

/// A JACK server of the test's own; its output is kept in the session's directory.
struct Jack {
    child: Child,
    log: std::path::PathBuf,
}

impl Jack {
    /// What jackd printed and how full the shared memory it lives in is, for a failure.
    fn report(&self) -> String {
        let df = std::process::Command::new("df")
            .args(["-h", "/dev/shm"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("jackd printed:\n{log}\n{df}")
    }
}

impl Drop for Jack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// jackd's server registry (`/dev/shm/jack-shm-registry`, jack2 1.9's layout: a 24-byte
/// header, then eight slots of a pid and a 260-byte name) frees a slot only when a server
/// of the same name starts again; a server killed with SIGKILL, as this test kills it,
/// keeps its slot. Eight of those and no server starts on the machine ("Too many servers
/// already active"): the CI runner's /dev/shm outlives its runs. Slots whose process is gone
/// are freed here, as jackd itself frees a same-named one; a registry of another layout is
/// left alone.
fn free_dead_jack_slots() {
    use std::os::unix::fs::FileExt;
    const PATH: &str = "/dev/shm/jack-shm-registry";
    const HEADER: usize = 24;
    const SLOT: usize = 264;
    const SLOTS: usize = 8;
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(PATH)
    else {
        return;
    };
    let mut head = vec![0u8; HEADER + SLOT * SLOTS];
    if file.read_exact_at(&mut head, 0).is_err() {
        return;
    }
    let word = |at: usize| u32::from_le_bytes(head[at..at + 4].try_into().unwrap());
    if &head[..4] != b"KCAJ" || word(16) as usize != HEADER + SLOT * SLOTS {
        eprintln!("{PATH}: not the layout this test knows; left alone");
        return;
    }
    for slot in 0..SLOTS {
        let at = HEADER + slot * SLOT;
        let pid = word(at);
        if pid != 0 && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            eprintln!("freeing jackd's registry slot {slot} of a server gone (pid {pid})");
            file.write_all_at(&[0u8; SLOT], at as u64).unwrap();
        }
    }
}

fn start_jack(s: &Session, server: &str) -> Jack {
    free_dead_jack_slots();
    let log = s.dir.join("jackd.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = s
        .command("jackd")
        .env("JACK_NO_AUDIO_RESERVATION", "1")
        // A port table of 16, not jackd's 2048: the server's shared memory is then 39 MB,
        // not 107 MB, which a container's 64 MB /dev/shm (Docker's default) cannot hold:
        // jackd dies of SIGBUS there.
        .args([
            "--no-realtime",
            "--port-max",
            "16",
            "-n",
            server,
            "-d",
            "dummy",
            "-r",
            "48000",
            "-p",
            "512",
        ])
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start jackd ({e}): scripts/test.sh installs jackd2"));
    Jack { child, log }
}

#[test]
fn a_keyboard_played_through_jack_is_heard_and_its_phrase_becomes_the_motif() {
    let mut s = Session::new("midi-live");
    s.start_pulse();
    // One name for every run: a run's server killed outright leaves a registry slot that the
    // next run's server of the same name takes back.
    let server = "attuned-test";
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("JACK_DEFAULT_SERVER", server) };
    let d = s.start_daemon_with(&[], &[("JACK_DEFAULT_SERVER", server)]);
    let midi = |s: &Session| s.property_json("MidiInput").as_str().unwrap().to_owned();

    // No server: said in the status, and once in the log however long it lasts.
    assert!(
        until(Duration::from_secs(5), || midi(&s)
            .starts_with("no MIDI system (JACK"))
        .is_some(),
        "{}",
        midi(&s)
    );
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(d.log().matches("no MIDI system").count(), 1, "{}", d.log());
    assert!(s.ctl(&["status"]).contains("MIDI: no MIDI system"));

    // The server starts: found (the wait backs off to at most 16 s).
    let mut jack = start_jack(&s, server);
    assert!(
        until(Duration::from_secs(20), || midi(&s)
            == "waiting for a MIDI input port")
        .is_some(),
        "{}\n{}",
        midi(&s),
        jack.report()
    );

    // A keyboard appears.
    let keyboard = midir::MidiOutput::new("keys").expect("a JACK client for the keyboard");
    let mut port = keyboard.create_virtual("out").expect("the keyboard's port");
    assert!(
        until(Duration::from_secs(3), || midi(&s)
            == "listening to keys:out")
        .is_some(),
        "{}",
        midi(&s)
    );

    // A held A6 is heard at once.
    const A6: f64 = 1760.0;
    let before = tone(&s.record(2.0), A6);
    port.send(&[0x90, 93, 120]).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let held = tone(&s.record(1.5), A6);
    port.send(&[0x80, 93, 0]).unwrap();
    eprintln!("A6 on the monitor: {before:.2e} before, {held:.2e} held");
    assert!(held > 8.0 * before.max(1e-6), "{before:.2e} → {held:.2e}");

    // A phrase and a pause (two bars of the preset's tempo) become the motif; the A6
    // alone, a pause before it, was a stray touch.
    let tempo = s.property_json("Tempo").as_f64().unwrap();
    let pause = 2.0 * 4.0 * 60.0 / tempo;
    std::thread::sleep(Duration::from_secs_f64(pause + 0.5));
    for (note, ms) in [(62u8, 300u64), (65, 300), (69, 300), (67, 600)] {
        port.send(&[0x90, note, 90]).unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        port.send(&[0x80, note, 0]).unwrap();
    }
    assert!(
        until(Duration::from_secs_f64(pause + 5.0), || midi(&s)
            == "listening to keys:out; 1 played phrase became the motif")
        .is_some(),
        "{} (tempo {tempo})",
        midi(&s)
    );
    assert!(
        d.log()
            .contains("a played phrase of 4 notes becomes the motif"),
        "{}",
        d.log()
    );

    // The keyboard goes away and comes back.
    drop(port);
    assert!(
        until(Duration::from_secs(3), || midi(&s)
            == "waiting for a MIDI input port")
        .is_some(),
        "{}",
        midi(&s)
    );
    let keyboard = midir::MidiOutput::new("keys").unwrap();
    let port = keyboard.create_virtual("out").unwrap();
    assert!(
        until(Duration::from_secs(3), || midi(&s)
            .starts_with("listening to keys:out"))
        .is_some(),
        "{}",
        midi(&s)
    );

    // The server dies: said, and the music plays on.
    drop(port);
    let _ = jack.child.kill();
    let _ = jack.child.wait();
    assert!(
        until(Duration::from_secs(5), || midi(&s)
            .starts_with("no MIDI system"))
        .is_some(),
        "{}",
        midi(&s)
    );
    let after = s.record(1.0);
    assert!(
        services::rms(&after) > 0.005,
        "still playing: rms {}; {}",
        services::rms(&after),
        d.log()
    );
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
}
