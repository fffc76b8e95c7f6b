//! Live audio: the engine's renderer in a cpal output stream that is rebuilt whenever it
//! dies, for as long as the daemon runs.
//!
//! - [`output`] — the supervisor thread: builds a new cpal `Host` and stream on a helper
//!   thread with a timeout, watches callback progress, and rebuilds with capped backoff.
//! - [`supervision`] — what the supervisor decides (idle, waiting, playing; open, lose,
//!   look, rebuild), as a pure state machine tested on its own.
//! - [`stream`] — one stream: the host (PipeWire, PulseAudio, ALSA), the device, the callback.
//! - [`hosts`] — which sound servers run, and the output devices a host offers.
//! - [`servers`] — what the supervisor looks at for a better place to play: servers that
//!   appeared, or that were passed over and answer now, and the chosen device.
//! - [`recording`] — the stand-in output the daemon's core is tested on in-process.
//! - [`pulse_cookie`] — the cookie cpal's PulseAudio client shows, where it looks.
//! - [`alsa_log`] — libasound's own error messages, in our log once per audio state.
//! - [`dropouts`] — late callbacks and xruns, counted; said at most once a minute.
//! - [`realtime`] — realtime scheduling for the callback's thread (directly, or RTKit).
//! - [`callback`] — what runs in the audio callback: render, convert to the device format.

pub mod alsa_log;
pub mod callback;
pub mod dropouts;
pub mod hosts;
pub mod output;
mod pulse_cookie;
pub mod realtime;
pub mod recording;
mod servers;
pub mod stream;
pub mod supervision;

pub use output::{AudioCommand, AudioOutput, AudioStatusReader, Output};

/// Where audio output stands, for the log, D-Bus and `attunectl status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioStatus {
    /// Paused by the listener: no stream open (no wake-ups).
    Stopped,
    /// Opening a stream.
    Starting,
    /// Playing through `host` to `device` in `format`.
    Playing {
        host: String,
        device: String,
        format: String,
    },
    /// No working output; retrying. The reason says what failed.
    Waiting(String),
}

impl std::fmt::Display for AudioStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AudioStatus::Stopped => write!(f, "stopped"),
            AudioStatus::Starting => write!(f, "starting"),
            AudioStatus::Playing {
                host,
                device,
                format,
            } => write!(f, "playing through {host} to {device} ({format})"),
            AudioStatus::Waiting(why) => write!(f, "waiting for audio output: {why}"),
        }
    }
}
