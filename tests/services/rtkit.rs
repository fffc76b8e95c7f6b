//! An RTKit-shaped service on the private "system" bus: `org.freedesktop.RealtimeKit1` with
//! the calls and properties desktop audio clients use. Granting, it does what RTKit does:
//! checks the caller's `RLIMIT_RTTIME` and sets the thread `SCHED_FIFO` (the tests run as
//! root, so it can); refusing, it answers as RTKit does to a process it will not promote.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use zbus::{fdo, interface};

/// RTKit's default ceilings.
pub const MAX_PRIORITY: i32 = 20;
pub const RTTIME_USEC_MAX: i64 = 200_000;
pub const MIN_NICE: i32 = -15;

#[derive(Default)]
struct Calls {
    /// (process, thread, priority) of each MakeThreadRealtimeWithPID.
    realtime: Mutex<Vec<(u64, u64, u32)>>,
    /// (process, thread, nice) of each MakeThreadHighPriorityWithPID.
    high: Mutex<Vec<(u64, u64, i32)>>,
}

struct RealtimeKit {
    calls: Arc<Calls>,
    grant: bool,
}

/// `RLIMIT_RTTIME`'s hard limit of `pid`, µs, as `/proc/<pid>/limits` shows it.
fn rttime_limit(pid: u64) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max realtime timeout"))?;
    line.split_whitespace().nth(4)?.parse().ok()
}

#[interface(name = "org.freedesktop.RealtimeKit1")]
impl RealtimeKit {
    fn make_thread_realtime_with_pid(
        &self,
        process: u64,
        thread: u64,
        priority: u32,
    ) -> fdo::Result<()> {
        self.calls
            .realtime
            .lock()
            .unwrap()
            .push((process, thread, priority));
        if !self.grant {
            return Err(fdo::Error::AccessDenied("Operation not permitted".into()));
        }
        if priority as i32 > MAX_PRIORITY {
            return Err(fdo::Error::InvalidArgs("priority too high".into()));
        }
        match rttime_limit(process) {
            Some(us) if us <= RTTIME_USEC_MAX as u64 => {}
            other => {
                return Err(fdo::Error::AccessDenied(format!(
                    "RLIMIT_RTTIME not set or too high: {other:?}"
                )));
            }
        }
        let param = libc::sched_param {
            sched_priority: priority as i32,
        };
        // SAFETY: a valid sched_param for a thread id the caller named.
        let set = unsafe {
            libc::sched_setscheduler(
                thread as i32,
                libc::SCHED_FIFO | libc::SCHED_RESET_ON_FORK,
                &param,
            )
        };
        if set != 0 {
            return Err(fdo::Error::Failed(format!(
                "sched_setscheduler: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }

    fn make_thread_high_priority_with_pid(
        &self,
        process: u64,
        thread: u64,
        priority: i32,
    ) -> fdo::Result<()> {
        self.calls
            .high
            .lock()
            .unwrap()
            .push((process, thread, priority));
        if self.grant {
            Ok(())
        } else {
            Err(fdo::Error::AccessDenied("Operation not permitted".into()))
        }
    }

    #[zbus(property)]
    fn max_realtime_priority(&self) -> i32 {
        MAX_PRIORITY
    }

    #[zbus(property)]
    fn min_nice_level(&self) -> i32 {
        MIN_NICE
    }

    #[zbus(property, name = "RTTimeUSecMax")]
    fn rttime_usec_max(&self) -> i64 {
        RTTIME_USEC_MAX
    }
}

/// The running mock.
pub struct Rtkit {
    rt: tokio::runtime::Runtime,
    conn: zbus::Connection,
    calls: Arc<Calls>,
}

impl Rtkit {
    /// On the bus at `bus`; `grant`: whether it promotes (or refuses everything).
    pub fn start(bus: &str, grant: bool) -> Rtkit {
        let calls = Arc::new(Calls::default());
        let service = RealtimeKit {
            calls: calls.clone(),
            grant,
        };
        let (rt, conn) = super::serve(
            bus,
            "/org/freedesktop/RealtimeKit1",
            "org.freedesktop.RealtimeKit1",
            service,
        );
        Rtkit { rt, conn, calls }
    }

    /// The MakeThreadRealtimeWithPID calls so far: (process, thread, priority).
    pub fn realtime_calls(&self) -> Vec<(u64, u64, u32)> {
        self.calls.realtime.lock().unwrap().clone()
    }

    /// The MakeThreadHighPriorityWithPID calls so far: (process, thread, nice).
    pub fn high_priority_calls(&self) -> Vec<(u64, u64, i32)> {
        self.calls.high.lock().unwrap().clone()
    }
}
