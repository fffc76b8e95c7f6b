//! Background work in the daemon (preset builds and their pre-roll, state writes) runs on
//! tokio's blocking threads at a lower CPU priority, so on a small machine the audio
//! callback and D-Bus replies run first: a 4 s pre-roll is seconds of audio rendered as
//! fast as the CPU allows.

/// Nice value of background threads (the daemon's own threads run at 0).
pub const BACKGROUND_NICE: i32 = 10;

/// Lower the calling thread's priority to [`BACKGROUND_NICE`]. Only this thread changes
/// (Linux keeps a nice value per thread). Failing is harmless: the work just competes.
pub fn lower_this_thread() {
    // SAFETY: gettid and setpriority only read their arguments.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        if libc::getpriority(libc::PRIO_PROCESS, tid) < BACKGROUND_NICE {
            libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE);
        }
    }
}
