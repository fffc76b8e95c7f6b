//! The audio callback's thread (and the host's threads of its name) asks for realtime
//! scheduling as desktop audio clients do, through real PulseAudio and PipeWire: directly
//! where the process may (root here; on PipeWire both cpal's loop and PipeWire's data loop),
//! else through an
//! RTKit-shaped service on a private system bus (the daemon started without CAP_SYS_NICE,
//! as a desktop user is), and when RTKit refuses it plays on at normal priority with one
//! line in the log. The tests run as root, as CI does: the stand-in sets the thread's
//! scheduling itself, as RTKit would.

mod services;

use services::{Session, rms, until};
use std::time::Duration;

/// The daemon without the right to set realtime scheduling itself.
const UNPRIVILEGED: [&str; 4] = [
    "setpriv",
    "--inh-caps=-sys_nice",
    "--bounding-set=-sys_nice",
    "--",
];

fn needs_root() {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        uid, 0,
        "run as root (as CI does): the RTKit stand-in sets another process's scheduling"
    );
}

/// The scheduling policy of thread `tid` of `pid` (0 other, 1 FIFO, 2 RR), from its stat.
fn policy(pid: u32, tid: u64) -> u32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    // Field 41 of stat; the first after the name is field 3.
    after_name
        .split_whitespace()
        .nth(41 - 3)
        .unwrap()
        .parse()
        .unwrap()
}

/// Threads of `pid` running SCHED_FIFO.
fn fifo_threads(pid: u32) -> Vec<u64> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&tid| policy(pid, tid) == 1)
        .collect()
}

/// Thread `tid`'s name.
fn comm(pid: u64, tid: u64) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm")).unwrap()
}

fn heard(s: &Session) -> bool {
    until(Duration::from_secs(8), || rms(&s.record(0.25)) > 0.005).is_some()
}

#[test]
fn realtime_through_rtkit_when_the_daemon_may_not_set_it_itself() {
    needs_root();
    let mut s = Session::new("rt-rtkit");
    let rtkit = s.start_rtkit(true);
    s.start_pulse();
    let d = s.start_daemon_under(&UNPRIVILEGED, &[], &[]);
    assert!(heard(&s), "{}", d.log());
    assert!(
        until(Duration::from_secs(5), || d.log().contains(
            "audio thread: realtime (SCHED_FIFO 20) through RTKit"
        ))
        .is_some(),
        "{}",
        d.log()
    );
    let calls = rtkit.realtime_calls();
    let (pid, tid, priority) = calls[0];
    assert_eq!(pid, d.child.id() as u64);
    assert_eq!(priority, 20);
    assert_eq!(
        policy(d.child.id(), tid),
        1,
        "thread {tid} is not SCHED_FIFO"
    );
    // The callback's thread, and the host's threads of its name.
    let fifo = fifo_threads(d.child.id());
    assert!(fifo.contains(&tid), "{fifo:?}");
    assert!(
        fifo.iter().all(|&t| comm(pid, t) == comm(pid, tid)),
        "{fifo:?}"
    );
    assert_eq!(calls.len(), fifo.len(), "{calls:?}");
    assert!(rtkit.high_priority_calls().is_empty());
    eprintln!("RTKit made thread {tid} of {pid} SCHED_FIFO {priority}");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
}

#[test]
fn refused_it_plays_on_at_normal_priority_and_says_so_once() {
    needs_root();
    let mut s = Session::new("rt-refused");
    let rtkit = s.start_rtkit(false);
    s.start_pulse();
    let d = s.start_daemon_under(&UNPRIVILEGED, &[], &[]);
    assert!(heard(&s), "{}", d.log());
    assert!(
        until(Duration::from_secs(5), || !rtkit
            .high_priority_calls()
            .is_empty())
        .is_some(),
        "{}",
        d.log()
    );
    assert!(
        until(Duration::from_secs(2), || d
            .log()
            .contains("audio thread: normal priority (realtime refused"))
        .is_some(),
        "{}",
        d.log()
    );
    assert!(fifo_threads(d.child.id()).is_empty());
    assert!(rms(&s.record(1.0)) > 0.005, "the music stopped");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    assert_eq!(log.matches("audio thread:").count(), 1, "{log}");
}

#[test]
fn realtime_set_directly_where_the_process_may() {
    needs_root();
    let mut s = Session::new("rt-direct");
    let rtkit = s.start_rtkit(true);
    s.start_pipewire();
    let d = s.start_daemon(&[]);
    assert!(heard(&s), "{}", d.log());
    assert!(
        until(Duration::from_secs(5), || d.log().contains(
            "audio thread: realtime (SCHED_FIFO 20), set directly"
        ))
        .is_some(),
        "{}",
        d.log()
    );
    // cpal's `pw_out` loop, which runs the callback, and PipeWire's data loop beside it.
    let fifo = fifo_threads(d.child.id());
    let pid = d.child.id() as u64;
    assert_eq!(fifo.len(), 2, "{fifo:?}");
    assert!(
        fifo.iter().all(|&t| comm(pid, t).trim() == "pw_out"),
        "{fifo:?}"
    );
    assert!(rtkit.realtime_calls().is_empty(), "RTKit asked needlessly");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
}
