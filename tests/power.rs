//! The daemon and the machine's power, against a logind-shaped service on a private system
//! bus: the idle inhibitor follows playback only when asked for (never a sleep inhibitor),
//! a sleep timer ending in `suspend` asks logind exactly once, after its fade, and the
//! configured `sleep_fade` is the timer's fade when a client leaves it to the daemon.

mod services;

use services::{Session, ok, wait_for};
use std::time::Duration;

#[test]
fn the_idle_inhibitor_follows_playback_and_the_timer_suspends_once_after_its_fade() {
    let mut s = Session::new("power");
    let logind = s.start_logind();
    s.write_config("inhibit_idle = true\nsleep_fade = \"2s\"\n");
    let _d = s.start_daemon(&[]);
    let secs = Duration::from_secs;
    ok(s.call("Play", &[]));
    wait_for("an idle inhibitor", secs(5), || {
        logind.inhibitors_held() == 1
    });
    assert_eq!(
        logind.inhibitors_taken(),
        vec![("idle".to_owned(), "block".to_owned())]
    );
    ok(s.call("Pause", &[]));
    wait_for("the inhibitor let go", secs(5), || {
        logind.inhibitors_held() == 0
    });
    ok(s.call("Play", &[]));
    wait_for("the inhibitor again", secs(5), || {
        logind.inhibitors_held() == 1
    });

    // Five seconds, the fade left to the daemon (its `sleep_fade`, 2 s), then suspend.
    s.ctl(&["timer", "5s", "--action", "suspend"]);
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(logind.suspends(), 0, "suspended before the timer ran out");
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");
    wait_for("the suspend", secs(5), || logind.suspends() == 1);
    assert_eq!(s.property("PlaybackState"), "s \"Paused\"");
    wait_for("the inhibitor let go at the end", secs(5), || {
        logind.inhibitors_held() == 0
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(logind.suspends(), 1, "asked to suspend more than once");
}

#[test]
fn the_configured_fade_is_the_default_and_nothing_is_inhibited_unless_asked() {
    let mut s = Session::new("power-default");
    let logind = s.start_logind();
    s.write_config("sleep_fade = \"7m\"\n");
    let d = s.start_daemon(&[]);
    ok(s.call("Play", &[]));
    // No `--fade`: attunectl leaves it to the daemon (a negative fade on the bus).
    s.ctl(&["timer", "30m"]);
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        logind.inhibitors_taken().is_empty(),
        "inhibited without being asked"
    );
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.state_file()).unwrap()).unwrap();
    assert_eq!(state["timer"]["fade_s"], 420.0, "{state}");
}

#[test]
fn without_logind_a_suspending_timer_still_pauses() {
    let s = Session::new("power-absent");
    let d = s.start_daemon(&[]);
    ok(s.call("Play", &[]));
    ok(s.call("SetSleepTimer", &["dds", "1", "0", "suspend"]));
    wait_for("the pause", Duration::from_secs(5), || {
        s.property("PlaybackState") == "s \"Paused\""
    });
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    assert!(log.contains("logind"), "nothing said about logind: {log}");
}
