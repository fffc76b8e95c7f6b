//! Dropouts are counted where a listener would hear them: the daemon stopped for 1.5 s,
//! longer than any buffer it asks for (its audio thread cannot answer the server, as under
//! a stall), on real PulseAudio
//! and PipeWire servers moves the `Dropouts` count, `attunectl status` says it, the log says
//! it in one line, and the music plays on.

mod services;

use services::{Session, ok, rms, until};
use std::time::Duration;

fn dropouts(s: &Session) -> u64 {
    s.property_json("Dropouts").as_u64().unwrap()
}

fn a_stall_is_counted(s: &Session, host: &str) {
    let d = s.start_daemon(&[]);
    s.wait_playing_through(&d, host);
    // Heard first: a stream's first callback can lag its opening.
    assert!(
        until(Duration::from_secs(8), || rms(&s.record(0.25)) > 0.005).is_some(),
        "{}",
        d.log()
    );
    let before = dropouts(s);
    // SAFETY: plain kill(2) of the daemon this test started.
    unsafe { libc::kill(d.child.id() as i32, libc::SIGSTOP) };
    std::thread::sleep(Duration::from_millis(1500));
    unsafe { libc::kill(d.child.id() as i32, libc::SIGCONT) };
    let counted = until(Duration::from_secs(5), || dropouts(s) > before);
    let after = dropouts(s);
    eprintln!("{host}: {before} dropouts before a 1.5 s stall, {after} after ({counted:?})");
    assert!(counted.is_some(), "{before} → {after}\n{}", d.log());
    let status = s.ctl(&["status"]);
    assert!(
        status.contains("dropout(s) since the daemon started"),
        "{status}"
    );
    assert!(
        until(Duration::from_secs(3), || d.log().contains("dropout(s)")).is_some(),
        "{}",
        d.log()
    );
    assert!(rms(&s.record(1.0)) > 0.005, "the music stopped");
    ok(s.call("Pause", &[]));
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    assert_eq!(log.matches("dropout(s)").count(), 1, "{log}");
}

#[test]
fn a_stall_is_counted_on_pulseaudio() {
    let mut s = Session::new("dropouts-pa");
    s.start_pulse();
    a_stall_is_counted(&s, "PulseAudio");
}

#[test]
fn a_stall_is_counted_on_pipewire() {
    let mut s = Session::new("dropouts-pw");
    s.start_pipewire();
    a_stall_is_counted(&s, "PipeWire");
}
