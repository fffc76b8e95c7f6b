//! The audio supervisor: one thread that keeps a cpal output stream alive.
//!
//! A working cpal `Host` (for PulseAudio, one server connection) is kept from stream to
//! stream, so pausing and playing never piles up connections; after a failure the next
//! stream gets a new host (the PulseAudio host never recovers on the old one). Streams are
//! built on a helper thread that the supervisor waits for with a timeout, because some
//! failures block instead of returning an error, and a closed stream's thread is waited for
//! before the next opens. Play/stop commands that queue up while a stream opens are taken
//! together: only the last counts. A stream counts as dead when cpal
//! reports it invalidated or its device gone, or when the callback has not rendered for
//! [`WATCHDOG`] (some failures produce no error at all). Rebuilds back off from 100 ms to
//! [`MAX_BACKOFF`]; the renderer, and with it the music, carries over from stream to stream.

use super::AudioStatus;
use super::callback::{SharedRenderer, fill};
use crate::config::{AudioConfig, AudioHost};
use crate::synth::engine::{Renderer, SAMPLE_RATE};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// No callback progress for this long means the stream is dead.
pub const WATCHDOG: Duration = Duration::from_secs(3);
/// Longest wait between rebuild attempts (the server coming back is heard within ~1 s).
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Longest a stream may take to open.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

/// What the daemon tells the audio supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCommand {
    /// Keep a stream open.
    Play,
    /// Close the stream (no wake-ups while paused).
    Stop,
    /// End the supervisor.
    Shutdown,
}

/// Reads the audio supervisor's current status.
#[derive(Clone)]
pub struct AudioStatusReader(Arc<Mutex<AudioStatus>>);

impl AudioStatusReader {
    pub fn get(&self) -> AudioStatus {
        self.0
            .lock()
            .map(|s| s.clone())
            .unwrap_or(AudioStatus::Starting)
    }
}

/// Handle to the audio supervisor thread.
pub struct AudioOutput {
    commands: mpsc::Sender<AudioCommand>,
    status: Arc<Mutex<AudioStatus>>,
    thread: Option<JoinHandle<()>>,
}

impl AudioOutput {
    /// Start the supervisor with the engine's renderer; `on_status` hears every change.
    pub fn start(
        renderer: Renderer,
        config: AudioConfig,
        on_status: impl Fn(&AudioStatus) + Send + 'static,
    ) -> Self {
        let (commands, rx) = mpsc::channel();
        let status = Arc::new(Mutex::new(AudioStatus::Stopped));
        let supervisor = Supervisor {
            frames: renderer.frames(),
            renderer: Arc::new(Mutex::new(renderer)),
            config,
            status: status.clone(),
            on_status: Box::new(on_status),
        };
        let thread = std::thread::Builder::new()
            .name("attuned-audio".into())
            .spawn(move || supervisor.run(rx))
            .expect("spawning the audio supervisor");
        AudioOutput {
            commands,
            status,
            thread: Some(thread),
        }
    }

    pub fn send(&self, command: AudioCommand) {
        let _ = self.commands.send(command);
    }

    pub fn status(&self) -> AudioStatus {
        self.status_reader().get()
    }

    /// A handle that reads the status as the supervisor sets it (for D-Bus properties:
    /// never out of date, never waiting on the daemon's core).
    pub fn status_reader(&self) -> AudioStatusReader {
        AudioStatusReader(self.status.clone())
    }
}

impl Drop for AudioOutput {
    fn drop(&mut self) {
        let _ = self.commands.send(AudioCommand::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Supervisor {
    renderer: SharedRenderer,
    frames: Arc<AtomicU64>,
    config: AudioConfig,
    status: Arc<Mutex<AudioStatus>>,
    on_status: Box<dyn Fn(&AudioStatus) + Send>,
}

/// A running stream, owned by its helper thread. Dropping it ends the stream and waits for
/// the thread to have closed it, so two streams (and two server connections) never overlap.
struct OpenStream {
    stop: Option<mpsc::Sender<()>>,
    closed: mpsc::Receiver<()>,
    failed: Arc<StreamFault>,
    host: cpal::HostId,
}

/// What cpal's error callback saw, as one atomic: that callback runs on the host's thread
/// and must not lock or allocate.
#[derive(Default)]
struct StreamFault(AtomicU8);

impl StreamFault {
    const NONE: u8 = 0;
    const INVALIDATED: u8 = 1;
    const DEVICE_GONE: u8 = 2;
    const HOST_GONE: u8 = 3;

    /// Record the first fatal error; later ones keep the first.
    fn set(&self, code: u8) {
        let _ = self
            .0
            .compare_exchange(Self::NONE, code, Ordering::Relaxed, Ordering::Relaxed);
    }

    fn why(&self) -> Option<String> {
        match self.0.load(Ordering::Relaxed) {
            Self::INVALIDATED => Some("the audio stream was invalidated".into()),
            Self::DEVICE_GONE => Some("the output device is no longer available".into()),
            Self::HOST_GONE => Some("the audio host is no longer available".into()),
            _ => None,
        }
    }
}

impl Supervisor {
    fn set(&self, s: AudioStatus) {
        let mut current = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if *current != s {
            match &s {
                AudioStatus::Waiting(_) => tracing::warn!("audio: {s}"),
                _ => tracing::info!("audio: {s}"),
            }
            (self.on_status)(&s);
            *current = s;
        }
    }

    fn run(self, commands: mpsc::Receiver<AudioCommand>) {
        let mut want = false;
        // The host (for PulseAudio: one client connection) is kept from stream to stream
        // while it works, and replaced only after a failure: every new host is a new
        // connection and handshake, and a closed one is not always given back (the
        // pulseaudio crate's reactor can sleep on a socket nobody uses any more).
        let mut host: Option<SharedHost> = None;
        let mut stream: Option<OpenStream> = None;
        let mut backoff = Duration::from_millis(100);
        let mut next_attempt = Instant::now();
        let mut last_frames = self.frames.load(Ordering::Relaxed);
        let mut last_progress = Instant::now();
        let mut last_host_check = Instant::now();
        let mut first_callback: Option<Instant> = None;
        let mut pulse_seen = false;
        loop {
            // Commands queued while a stream opened or closed are taken together and only
            // the last counts: a burst of play/pause ends in its last state without building
            // a stream for each step.
            let mut latest = match commands.recv_timeout(Duration::from_millis(100)) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(AudioCommand::Shutdown),
            };
            while let Ok(c) = commands.try_recv() {
                latest = Some(c);
            }
            match latest {
                Some(AudioCommand::Play) => {
                    if !want {
                        next_attempt = Instant::now();
                    }
                    want = true;
                }
                Some(AudioCommand::Stop) => want = false,
                Some(AudioCommand::Shutdown) => break,
                None => {}
            }
            if !want {
                stream = None;
                self.set(AudioStatus::Stopped);
                continue;
            }
            let now = Instant::now();
            if let Some(s) = &stream {
                let frames = self.frames.load(Ordering::Relaxed);
                if frames != last_frames {
                    if let Some(opened) = first_callback.take() {
                        tracing::info!(
                            "audio: first callback {} ms after the stream opened",
                            opened.elapsed().as_millis()
                        );
                    }
                    last_frames = frames;
                    last_progress = now;
                }
                let failed = s.failed.why();
                let stalled = now - last_progress > WATCHDOG;
                // On ALSA in auto mode, move to the sound server as soon as one appears.
                let server_appeared = self.config.host == AudioHost::Auto
                    && s.host == cpal::HostId::Alsa
                    && now - last_host_check > Duration::from_secs(2)
                    && {
                        last_host_check = now;
                        pulse_available()
                    };
                if failed.is_some() || stalled || server_appeared {
                    host = None;
                    let why = failed.unwrap_or_else(|| {
                        if stalled {
                            format!("no audio callback for {} s", WATCHDOG.as_secs())
                        } else {
                            "a sound server appeared".into()
                        }
                    });
                    stream = None;
                    self.set(AudioStatus::Waiting(why));
                    next_attempt = now;
                }
                continue;
            }
            // A sound server socket appearing is worth an attempt at once, whatever the backoff
            // (checking for the socket costs nothing; connecting to nothing spams ALSA errors).
            let pulse_now = self.config.host != AudioHost::Alsa && pulse_available();
            if pulse_now && !pulse_seen {
                next_attempt = now;
                backoff = Duration::from_millis(100);
            }
            pulse_seen = pulse_now;
            if now < next_attempt {
                continue;
            }
            if !matches!(
                *self.status.lock().unwrap_or_else(|e| e.into_inner()),
                AudioStatus::Waiting(_)
            ) {
                self.set(AudioStatus::Starting);
            }
            match self.open(host.clone()) {
                Ok((s, h, status)) => {
                    stream = Some(s);
                    host = Some(h);
                    first_callback = Some(Instant::now());
                    last_frames = self.frames.load(Ordering::Relaxed);
                    last_progress = Instant::now();
                    last_host_check = last_progress;
                    backoff = Duration::from_millis(100);
                    self.set(status);
                }
                Err(why) => {
                    host = None;
                    self.set(AudioStatus::Waiting(why));
                    next_attempt = Instant::now() + backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        drop(stream);
        drop(host);
        self.set(AudioStatus::Stopped);
    }

    /// Open a stream on a helper thread, waiting at most [`OPEN_TIMEOUT`].
    fn open(
        &self,
        host: Option<SharedHost>,
    ) -> Result<(OpenStream, SharedHost, AudioStatus), String> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (closed_tx, closed_rx) = mpsc::channel::<()>();
        let failed = Arc::new(StreamFault::default());
        let renderer = self.renderer.clone();
        let (config, failed_cb) = (self.config.clone(), failed.clone());
        std::thread::Builder::new()
            .name("attuned-stream".into())
            .spawn(move || {
                match build_stream(&config, host, renderer, failed_cb) {
                    Ok((stream, host, status)) => {
                        if ready_tx.send(Ok((host, status))).is_ok() {
                            // Hold the stream until the supervisor lets go of `stop`.
                            let _ = stop_rx.recv();
                        }
                        drop(stream);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
                drop(closed_tx);
            })
            .map_err(|e| format!("cannot start a stream thread: {e}"))?;
        match ready_rx.recv_timeout(OPEN_TIMEOUT) {
            Ok(Ok((host, status))) => Ok((
                OpenStream {
                    stop: Some(stop_tx),
                    closed: closed_rx,
                    failed,
                    host: host.0,
                },
                host,
                status,
            )),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!(
                "opening the audio stream took over {} s",
                OPEN_TIMEOUT.as_secs()
            )),
        }
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        drop(self.stop.take());
        // The helper thread drops `closed`'s sender once the stream (and its host's server
        // connection) is gone. A close that hangs is left behind rather than hanging us.
        if let Err(RecvTimeoutError::Timeout) = self.closed.recv_timeout(OPEN_TIMEOUT) {
            tracing::warn!(
                "audio: closing the old stream took over {} s; going on without it",
                OPEN_TIMEOUT.as_secs()
            );
        }
    }
}

/// A PulseAudio (or pipewire-pulse) server socket is there to connect to.
fn pulse_available() -> bool {
    cpal::available_hosts().contains(&cpal::HostId::PulseAudio)
}

/// A host shared by the supervisor and the thread holding its stream.
type SharedHost = (cpal::HostId, Arc<cpal::Host>);

/// Build and start a stream, on `host` if it is the one to use, else on a new host.
fn build_stream(
    config: &AudioConfig,
    host: Option<SharedHost>,
    renderer: SharedRenderer,
    failed: Arc<StreamFault>,
) -> Result<(cpal::Stream, SharedHost, AudioStatus), String> {
    let host_id = match config.host {
        AudioHost::PulseAudio => cpal::HostId::PulseAudio,
        AudioHost::Alsa => cpal::HostId::Alsa,
        AudioHost::Auto if pulse_available() => cpal::HostId::PulseAudio,
        AudioHost::Auto => cpal::HostId::Alsa,
    };
    // In auto mode ALSA is only the last resort: say so when it fails too.
    let context = if host_id == cpal::HostId::Alsa && config.host == AudioHost::Auto {
        "no sound server (PulseAudio or PipeWire) is running, and ALSA"
    } else {
        host_id.name()
    };
    let host = match host {
        Some((id, h)) if id == host_id => h,
        _ => Arc::new(cpal::host_from_id(host_id).map_err(|e| format!("{context}: {e}"))?),
    };
    let device = host
        .default_output_device()
        .ok_or_else(|| format!("{context}: no output device"))?;
    let device_name = device
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| "default".into());
    if host_id == cpal::HostId::Alsa && config.host == AudioHost::Auto && device_name == "null" {
        return Err("no sound server (PulseAudio or PipeWire) and no ALSA device".into());
    }
    let supported = device
        .default_output_config()
        .map_err(|e| format!("{context}: {e}"))?;
    let channels = supported.channels().max(1);
    let stream_config = cpal::StreamConfig {
        channels,
        sample_rate: SAMPLE_RATE as u32,
        buffer_size: cpal::BufferSize::Fixed(SAMPLE_RATE as u32 * config.buffer_ms / 1000),
    };
    let on_error = move |e: cpal::Error| {
        use cpal::ErrorKind::*;
        // Xruns and unclassified backend errors (ALSA through the pulse plugin floods EIO
        // harmlessly) are not fatal; the watchdog judges those streams by their progress.
        match e.kind() {
            StreamInvalidated => failed.set(StreamFault::INVALIDATED),
            DeviceNotAvailable => failed.set(StreamFault::DEVICE_GONE),
            HostUnavailable => failed.set(StreamFault::HOST_GONE),
            _ => {}
        }
    };
    let ch = channels as usize;
    let format = supported.sample_format();
    let stream = match format {
        cpal::SampleFormat::F32 => device.build_output_stream::<f32, _, _>(
            stream_config,
            move |out, info| fill(&renderer, out, ch, heard_after(info)),
            on_error,
            Some(OPEN_TIMEOUT),
        ),
        cpal::SampleFormat::I16 => device.build_output_stream::<i16, _, _>(
            stream_config,
            move |out, info| fill(&renderer, out, ch, heard_after(info)),
            on_error,
            Some(OPEN_TIMEOUT),
        ),
        other => {
            return Err(format!(
                "device sample format {other} is not supported (F32 or I16)"
            ));
        }
    }
    .map_err(|e| format!("{} ({device_name}): {e}", host_id.name()))?;
    stream
        .play()
        .map_err(|e| format!("{} ({device_name}): {e}", host_id.name()))?;
    let status = AudioStatus::Playing {
        host: host_id.name().to_string(),
        device: device_name,
        format: format!(
            "{format} {ch} ch {} Hz, {} ms buffer",
            SAMPLE_RATE, config.buffer_ms
        ),
    };
    Ok((stream, (host_id, host), status))
}

/// How long until what this callback writes is heard, as the host predicts it.
fn heard_after(info: &cpal::OutputCallbackInfo) -> Duration {
    let t = info.timestamp();
    t.playback.duration_since(t.callback)
}
