//! libasound's own error messages, in our log and said once per audio state.
//!
//! With no sound server, every attempt to open ALSA's default device made libasound print
//! a handful of `ALSA lib …` lines to stderr, about 0.8 KB a second while the daemon
//! retried (70 MB a day in the journal). [`install`] routes them through `tracing` (the C
//! shim in `csrc/alsa_log.c` formats them); each message (by its source line) is logged the
//! first time it comes after the audio output last played or stopped ([`new_state`]): once
//! per failure, however long the retries last. The repeats are counted (at debug level).

use std::collections::HashSet;
use std::ffi::{CStr, c_char, c_int};
use std::sync::Mutex;

/// Messages seen since the audio state last changed, by where libasound raised them.
struct Seen {
    places: HashSet<(String, i32)>,
    repeats: u64,
}

static SEEN: Mutex<Option<Seen>> = Mutex::new(None);

unsafe extern "C" {
    fn attuned_alsa_log_install() -> c_int;
}

/// Route libasound's error printing into the log (process-wide; call once at start).
pub fn install() {
    // SAFETY: sets libasound's process-wide handler to the shim, which lives as long as
    // the program.
    let code = unsafe { attuned_alsa_log_install() };
    if code != 0 {
        tracing::debug!("libasound's error handler not set ({code})");
    }
}

/// The audio output played or was stopped: each message may be said once again.
pub fn new_state() {
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = seen.take()
        && s.repeats > 0
    {
        tracing::debug!("libasound repeated its messages {} times", s.repeats);
    }
}

/// Whether a message from `place` is the first since the state changed.
fn first(place: (String, i32)) -> bool {
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let s = seen.get_or_insert_with(|| Seen {
        places: HashSet::new(),
        repeats: 0,
    });
    let new = s.places.insert(place);
    if !new {
        s.repeats += 1;
    }
    new
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: libasound passes NUL-terminated strings (the shim's buffer is terminated by
    // vsnprintf), valid for the call.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Called by the shim for every message libasound raises, on whatever thread raised it
/// (never the audio callback: libasound reports from opening and configuring devices).
#[unsafe(no_mangle)]
extern "C" fn attuned_alsa_message(
    file: *const c_char,
    line: c_int,
    function: *const c_char,
    err: c_int,
    message: *const c_char,
) {
    let (file, function, message) = (text(file), text(function), text(message));
    if !first((file.clone(), line)) {
        return;
    }
    let cause = if err != 0 {
        format!(": {}", std::io::Error::from_raw_os_error(err.abs()))
    } else {
        String::new()
    };
    // Details under the supervisor's own warning ("waiting for audio output: …").
    tracing::info!("ALSA: {function} ({file}:{line}): {message}{cause}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libasound_messages_are_said_once_per_state() {
        install();
        // Opening a device that does not exist makes libasound raise an error through the
        // handler (it had printed "ALSA lib …" to stderr); the second time it is a repeat.
        unsafe extern "C" {
            fn snd_pcm_open(
                pcm: *mut *mut std::ffi::c_void,
                name: *const c_char,
                stream: c_int,
                mode: c_int,
            ) -> c_int;
        }
        let open = || {
            let mut pcm = std::ptr::null_mut();
            // SAFETY: a valid out-pointer and name; the open fails, so nothing to close.
            let code = unsafe { snd_pcm_open(&mut pcm, c"no_such_device_attuned".as_ptr(), 0, 0) };
            assert!(code < 0);
        };
        new_state();
        open();
        let after_first = SEEN.lock().unwrap().as_ref().map(|s| s.places.len());
        assert!(after_first.is_some_and(|n| n >= 1), "{after_first:?}");
        open();
        let repeats = SEEN.lock().unwrap().as_ref().map_or(0, |s| s.repeats);
        assert!(repeats >= 1, "{repeats}");
        new_state();
        assert!(SEEN.lock().unwrap().is_none());
    }
}
