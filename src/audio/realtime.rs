//! Realtime scheduling for the thread that runs the audio callback, asked for the way
//! desktop audio clients ask (PulseAudio's clients, PipeWire's module-rt): directly
//! (`SCHED_FIFO | SCHED_RESET_ON_FORK`, which `RLIMIT_RTPRIO` or `CAP_SYS_NICE` allows), else
//! through RTKit on the system bus (`MakeThreadRealtimeWithPID`, after setting the
//! `RLIMIT_RTTIME` RTKit requires), else a higher nice level through RTKit. Refused, the
//! audio plays at normal priority and the log says so once.
//!
//! The callback only notes its thread id ([`AudioThread::note`], once per stream); the
//! request runs on a thread of its own, since it may wait on the bus. The host's other
//! threads of the same name are asked for too: a thread takes its creator's name, so these
//! are the threads the host started from its audio thread (PipeWire's data loop, which hands
//! each buffer to the graph, runs beside cpal's `pw_out` loop under the same name).

use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

/// The realtime priority asked for: RTKit's default ceiling, below the sound server's own
/// threads (PipeWire's run at 88, PulseAudio's at 5–20).
pub const PRIORITY: u32 = 20;

/// The nice level asked for when realtime is refused (PulseAudio's clients ask −11).
pub const NICE: i32 = -11;

/// The longest the audio thread may run without blocking before the kernel stops it
/// (`RLIMIT_RTTIME`, µs): RTKit's default ceiling. The callback blocks every few ms.
pub const RTTIME_US: u64 = 200_000;

/// The thread the callback runs on, as the callback last noted it (0: not yet).
#[derive(Debug, Default)]
pub struct AudioThread(AtomicI32);

impl AudioThread {
    /// Note the calling thread (from the callback: one cheap system call, no allocation).
    pub fn note(&self) {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() };
        self.0.store(tid, Ordering::Relaxed);
    }

    /// The thread noted since the last take, if any.
    pub fn take(&self) -> Option<i32> {
        Some(self.0.swap(0, Ordering::Relaxed)).filter(|&t| t != 0)
    }
}

#[zbus::proxy(
    interface = "org.freedesktop.RealtimeKit1",
    default_service = "org.freedesktop.RealtimeKit1",
    default_path = "/org/freedesktop/RealtimeKit1"
)]
trait RealtimeKit {
    fn make_thread_realtime_with_pid(
        &self,
        process: u64,
        thread: u64,
        priority: u32,
    ) -> zbus::Result<()>;
    fn make_thread_high_priority_with_pid(
        &self,
        process: u64,
        thread: u64,
        priority: i32,
    ) -> zbus::Result<()>;
    #[zbus(property)]
    fn max_realtime_priority(&self) -> zbus::Result<i32>;
    #[zbus(property)]
    fn min_nice_level(&self) -> zbus::Result<i32>;
    #[zbus(property, name = "RTTimeUSecMax")]
    fn rttime_usec_max(&self) -> zbus::Result<i64>;
}

/// What the request came to, said in the log when it differs from the last.
static LAST_OUTCOME: Mutex<String> = Mutex::new(String::new());

/// Ask for realtime scheduling of thread `tid` of this process, on a thread of its own.
pub fn promote(tid: i32) {
    let spawned = std::thread::Builder::new()
        // Not "attuned-rt": that names the daemon's runtime workers.
        .name("attuned-prio".into())
        .spawn(move || {
            let outcome = request(tid);
            let mut last = LAST_OUTCOME.lock().unwrap_or_else(|e| e.into_inner());
            if *last != outcome {
                tracing::info!("audio thread: {outcome}");
                *last = outcome;
            }
        });
    if let Err(e) = spawned {
        tracing::debug!("no thread to ask for realtime scheduling: {e}");
    }
}

/// Set this process's `RLIMIT_RTTIME` to `us` (RTKit refuses a process without one).
fn limit_rttime(us: u64) -> bool {
    let limit = libc::rlimit {
        rlim_cur: us,
        rlim_max: us,
    };
    // SAFETY: a valid rlimit for this process.
    unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &limit) == 0 }
}

/// The thread's scheduling set directly, if this process may.
fn direct(tid: i32) -> bool {
    let param = libc::sched_param {
        sched_priority: PRIORITY as i32,
    };
    // SAFETY: a valid sched_param; tid is a thread of this process.
    unsafe {
        libc::sched_setscheduler(tid, libc::SCHED_FIFO | libc::SCHED_RESET_ON_FORK, &param) == 0
    }
}

/// A thread's name (`comm`).
fn name_of(tid: i32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).ok()?;
    Some(comm.trim_end().to_owned())
}

/// `tid`, then this process's other threads of its name.
fn host_threads(tid: i32) -> (String, Vec<i32>) {
    let name = name_of(tid).unwrap_or_default();
    let mut threads = vec![tid];
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        let mut siblings: Vec<i32> = tasks
            .filter_map(|t| t.ok()?.file_name().to_str()?.parse().ok())
            .filter(|&t| t != tid && !name.is_empty() && name_of(t).as_deref() == Some(&name))
            .collect();
        siblings.sort_unstable();
        threads.extend(siblings);
    }
    (name, threads)
}

fn request(tid: i32) -> String {
    let (name, threads) = host_threads(tid);
    let which = format!("{} thread(s) named {name}", threads.len());
    if limit_rttime(RTTIME_US) && threads.iter().all(|&t| direct(t)) {
        return format!("realtime (SCHED_FIFO {PRIORITY}), set directly, {which}");
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return format!("normal priority (no runtime to ask RTKit: {e})"),
    };
    runtime.block_on(through_rtkit(&threads, &which))
}

async fn through_rtkit(threads: &[i32], which: &str) -> String {
    let refused = |why: String| format!("normal priority (realtime refused: {why})");
    let conn = match zbus::Connection::system().await {
        Ok(c) => c,
        Err(e) => return refused(format!("no system bus for RTKit: {e}")),
    };
    let rtkit = match RealtimeKitProxy::builder(&conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
    {
        Ok(p) => p,
        Err(e) => return refused(format!("RTKit: {e}")),
    };
    let pid = std::process::id() as u64;
    let realtime = async {
        let max = rtkit.max_realtime_priority().await?;
        let rttime = rtkit.rttime_usec_max().await?;
        let priority = PRIORITY.min(max.max(1) as u32);
        limit_rttime(RTTIME_US.min(rttime.max(1) as u64));
        for &thread in threads {
            rtkit
                .make_thread_realtime_with_pid(pid, thread as u64, priority)
                .await?;
        }
        Ok::<u32, zbus::Error>(priority)
    };
    match realtime.await {
        Ok(priority) => format!("realtime (SCHED_FIFO {priority}) through RTKit, {which}"),
        Err(e) => {
            let nice = match rtkit.min_nice_level().await {
                Ok(min) => NICE.max(min),
                Err(_) => NICE,
            };
            let mut raised = Ok(());
            for &thread in threads {
                raised = raised.and(
                    rtkit
                        .make_thread_high_priority_with_pid(pid, thread as u64, nice)
                        .await,
                );
            }
            match raised {
                Ok(()) => format!("nice {nice} through RTKit, {which} (realtime refused: {e})"),
                Err(e2) => refused(format!("{e}; a higher priority too: {e2}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_comes_with_its_namesakes() {
        let tid = unsafe { libc::gettid() };
        let me = name_of(tid).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        // Unnamed at the OS level: a thread spawned without a name keeps its creator's.
        let sibling = std::thread::spawn(move || {
            tx.send(unsafe { libc::gettid() }).unwrap();
            let _ = stop_rx.recv();
        });
        let sibling_tid = rx.recv().unwrap();
        let (name, threads) = host_threads(tid);
        assert_eq!(name, me);
        assert_eq!(threads[0], tid);
        if name_of(sibling_tid).as_deref() == Some(&me) {
            assert!(threads.contains(&sibling_tid), "{threads:?}");
        }
        drop(stop_tx);
        sibling.join().unwrap();
    }

    #[test]
    fn the_thread_noted_is_taken_once() {
        let t = AudioThread::default();
        assert_eq!(t.take(), None);
        t.note();
        // SAFETY: gettid has no preconditions.
        let me = unsafe { libc::gettid() };
        assert_eq!(t.take(), Some(me));
        assert_eq!(t.take(), None);
    }
}
