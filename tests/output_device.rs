//! The output device choice through real sound servers, each with two null sinks recorded
//! from their monitors: `OutputDevices` lists them, unknown names are refused with the list,
//! `SetOutputDevice` moves the sound (B's monitor has it, A's is silent), the default plays
//! within 3 s of the chosen sink going and the chosen one again within 3 s of its return, the
//! choice survives a restart, and `attunectl output` shows and changes it. On PipeWire
//! (cpal's native host) and on PulseAudio.

mod services;

use services::{Session, heard, ok, rms, until};
use std::time::Duration;

#[test]
fn on_pipewire() {
    let mut s = Session::new("pw-device");
    s.start_pipewire();
    the_chosen_device_plays_and_the_default_stands_in(s, "PipeWire");
}

#[test]
fn on_pulseaudio() {
    let mut s = Session::new("pa-device");
    s.start_pulse();
    the_chosen_device_plays_and_the_default_stands_in(s, "PulseAudio");
}

#[test]
fn a_server_that_hangs_is_an_error_not_another_hosts_list() {
    let mut s = Session::new("pw-hang");
    s.start_pipewire();
    let d = s.start_daemon(&[]);
    s.wait_playing_through(&d, "PipeWire");
    ok(s.call("OutputDevices", &[]));
    s.signal_pipewire(libc::SIGSTOP);
    let start = std::time::Instant::now();
    let listed = s.call("OutputDevices", &[]);
    let took = start.elapsed();
    let err = String::from_utf8_lossy(&listed.stderr).into_owned();
    eprintln!("OutputDevices with PipeWire stopped: {took:?}, {err}");
    assert!(
        !listed.status.success(),
        "listed: {}",
        String::from_utf8_lossy(&listed.stdout)
    );
    assert!(err.contains("did not answer"), "{err}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    // ALSA's plugin names are not PipeWire's devices: not taken, not saved.
    let picked = s.call("SetOutputDevice", &["s", "jack"]);
    assert!(!picked.status.success());
    s.signal_pipewire(libc::SIGCONT);
    assert_eq!(s.property("OutputDevice"), "s \"\"");
    let devices = ok(s.call("OutputDevices", &[]));
    assert!(devices.contains("\"nullsink\""), "{devices}");
    let refused = s.call("SetOutputDevice", &["s", "jack"]);
    assert!(!refused.status.success());
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
}

/// The whole walk on `s`, whose server plays through cpal's `host` host.
fn the_chosen_device_plays_and_the_default_stands_in(s: Session, host: &str) {
    let sink_b = s.load_null_sink("sinkB");
    s.set_default_sink("nullsink");
    let d = s.start_daemon(&[]);
    s.wait_playing_through(&d, host);
    let devices = ok(s.call("OutputDevices", &[]));
    assert!(
        devices.contains("\"nullsink\"") && devices.contains("\"sinkB\""),
        "{devices}"
    );
    assert!(!devices.contains("default_output"), "{devices}");
    // Unknown names are refused with the list.
    let refused = s.call("SetOutputDevice", &["s", "headphones"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("headphones") && err.contains("sinkB"), "{err}");

    // B chosen: B's monitor has the music, the default's is silent.
    ok(s.call("SetOutputDevice", &["s", "sinkB"]));
    assert_eq!(s.property("OutputDevice"), "s \"sinkB\"");
    let moved = until(Duration::from_secs(3), || heard(&s, "sinkB"));
    assert!(moved.is_some(), "{}", d.log());
    let (a, b) = (s.record_from("nullsink", 1.0), s.record_from("sinkB", 1.0));
    assert!(rms(&a) < 1e-4, "the default still sounds: rms {}", rms(&a));
    assert!(rms(&b) > 0.01, "sinkB rms {}", rms(&b));
    assert!(s.property("AudioOutput").contains("to sinkB"));

    // B unplugged: the default plays within 3 s; B back: B again within 3 s.
    s.unload(&sink_b);
    let fallback = until(Duration::from_secs(6), || heard(&s, "nullsink"));
    eprintln!("{host}: the default playing {fallback:?} after sinkB went");
    assert!(
        fallback.is_some_and(|t| t <= Duration::from_secs(3)),
        "{fallback:?}\n{}",
        d.log()
    );
    // PulseAudio moves the stream to the default itself; the status catches up at the
    // next look at the chosen device (every 5 s while playing on it).
    assert!(
        until(Duration::from_secs(7), || s
            .property("AudioOutput")
            .contains("sinkB is not there"))
        .is_some(),
        "{}",
        s.property("AudioOutput")
    );
    assert_eq!(
        s.property("OutputDevice"),
        "s \"sinkB\"",
        "the choice stays"
    );
    s.load_null_sink("sinkB");
    s.set_default_sink("nullsink");
    let returned = until(Duration::from_secs(6), || heard(&s, "sinkB"));
    eprintln!("{host}: sinkB playing again {returned:?} after it came back");
    assert!(
        returned.is_some_and(|t| t <= Duration::from_secs(3)),
        "{returned:?}\n{}",
        d.log()
    );
    assert!(rms(&s.record_from("nullsink", 0.5)) < 1e-4);

    // Remembered across a restart; "" is the default again.
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    let d = s.start_daemon(&[]);
    assert!(
        until(Duration::from_secs(5), || heard(&s, "sinkB")).is_some(),
        "{}",
        d.log()
    );
    assert_eq!(s.property("OutputDevice"), "s \"sinkB\"");
    let ctl = s.ctl(&["output"]);
    assert!(
        ctl.contains("* sinkB") && ctl.contains("now: playing"),
        "{ctl}"
    );
    s.ctl(&["output", "default"]);
    assert!(until(Duration::from_secs(3), || heard(&s, "nullsink")).is_some());
    assert_eq!(s.property("OutputDevice"), "s \"\"");
}
