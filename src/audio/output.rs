//! The audio supervisor: one thread that keeps a cpal output stream alive, on the chosen
//! output device when it is there and on the default while it is not.
//! What it decides is [`super::supervision`] (a pure state machine: idle, waiting,
//! playing); this file does what that decides, with cpal.
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
//! Once a second ([`CHECK_EVERY`]) the supervisor looks for a better place to play: a sound
//! server ranking above the playing host (in `auto`) that appeared, or that was passed over
//! when the stream opened and answers now ([`super::servers::PassedOver`]), the chosen device gone
//! (the default takes over) or back (it takes over again).

use super::AudioStatus;
use super::callback::SharedRenderer;
use super::dropouts::{DropoutLog, Dropouts};
use super::hosts;
use super::servers::{PassedOver, Servers, device_present};
use super::stream::{self, OPEN_TIMEOUT, SharedHost, StreamFault, Watch};
pub use super::supervision::{
    AudioCommand, CHECK_EVERY, CHOSEN_CHECK_EVERY, MAX_BACKOFF, WATCHDOG,
};
use super::supervision::{Decision, Seen, Supervision};
use crate::config::{AudioConfig, AudioHost};
use crate::engine::Renderer;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// Where the engine's renderer plays, as the daemon's core sees it: the cpal supervisor
/// ([`AudioOutput`]) or, in tests, a recording stand-in
/// ([`RecordingOutput`](super::recording::RecordingOutput)).
pub trait Output: Send {
    /// Tell the output what to do (never blocks).
    fn send(&self, command: AudioCommand);
    /// A handle that reads the output's status as it changes.
    fn status_reader(&self) -> AudioStatusReader;
}

/// Reads the audio output's current status and its dropouts.
#[derive(Clone)]
pub struct AudioStatusReader {
    status: Arc<Mutex<AudioStatus>>,
    dropouts: Arc<Dropouts>,
}

impl AudioStatusReader {
    pub fn new(status: Arc<Mutex<AudioStatus>>, dropouts: Arc<Dropouts>) -> Self {
        AudioStatusReader { status, dropouts }
    }

    pub fn get(&self) -> AudioStatus {
        self.status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(AudioStatus::Starting)
    }

    /// Dropouts since the daemon started.
    pub fn dropouts(&self) -> u64 {
        self.dropouts.count()
    }
}

/// Handle to the audio supervisor thread.
pub struct AudioOutput {
    commands: mpsc::Sender<AudioCommand>,
    status: Arc<Mutex<AudioStatus>>,
    dropouts: Arc<Dropouts>,
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
        let watch = Watch::default();
        let dropouts = watch.dropouts.clone();
        let supervisor = Supervisor {
            frames: renderer.frames(),
            renderer: Arc::new(Mutex::new(renderer)),
            config,
            status: status.clone(),
            watch,
            on_status: Box::new(on_status),
        };
        let thread = std::thread::Builder::new()
            .name("attuned-audio".into())
            .spawn(move || supervisor.run(rx))
            .expect("spawning the audio supervisor");
        AudioOutput {
            commands,
            status,
            dropouts,
            thread: Some(thread),
        }
    }

    pub fn status(&self) -> AudioStatus {
        self.status_reader().get()
    }
}

impl Output for AudioOutput {
    fn send(&self, command: AudioCommand) {
        let _ = self.commands.send(command);
    }

    /// Reads the status as the supervisor sets it (for D-Bus properties: never out of
    /// date, never waiting on the daemon's core).
    fn status_reader(&self) -> AudioStatusReader {
        AudioStatusReader::new(self.status.clone(), self.dropouts.clone())
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
    watch: Watch,
    on_status: Box<dyn Fn(&AudioStatus) + Send>,
}

/// A running stream, owned by its helper thread. Dropping it ends the stream and waits for
/// the thread to have closed it, so two streams (and two server connections) never overlap.
struct OpenStream {
    stop: Option<mpsc::Sender<()>>,
    closed: mpsc::Receiver<()>,
    failed: Arc<StreamFault>,
    host: cpal::HostId,
    /// It plays on the chosen device (not the default standing in for it).
    on_chosen: bool,
}

impl Supervisor {
    fn set(&self, s: AudioStatus) {
        let mut current = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if *current != s {
            // libasound's messages are said once per failure: again only after a recovery.
            if matches!(s, AudioStatus::Playing { .. } | AudioStatus::Stopped) {
                super::alsa_log::new_state();
            }
            match &s {
                AudioStatus::Waiting(_) => tracing::warn!("audio: {s}"),
                _ => tracing::info!("audio: {s}"),
            }
            (self.on_status)(&s);
            *current = s;
        }
    }

    fn run(self, commands: mpsc::Receiver<AudioCommand>) {
        let mut plan = Supervision::new(self.config.device.clone());
        // The host (for PulseAudio: one client connection) is kept from stream to stream
        // while it works, and replaced only after a failure: every new host is a new
        // connection and handshake, and a closed one is not always given back (the
        // pulseaudio crate's reactor can sleep on a socket nobody uses any more).
        let mut host: Option<SharedHost> = None;
        let mut stream: Option<OpenStream> = None;
        let mut servers = Servers::now();
        let mut passed_over = PassedOver::new(Instant::now());
        let mut dropout_log = DropoutLog::new();
        loop {
            // Commands queued while a stream opened or closed are taken together. Idle (no
            // stream wanted), nothing can change but a command: wait for one, never waking
            // on a timer (a paused daemon costs no wake-ups).
            let received = match plan.wait() {
                Some(wait) => commands.recv_timeout(wait),
                None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            let mut queued: Vec<AudioCommand> = match received {
                Ok(c) => vec![c],
                Err(RecvTimeoutError::Timeout) => Vec::new(),
                Err(RecvTimeoutError::Disconnected) => vec![AudioCommand::Shutdown],
            };
            queued.extend(commands.try_iter());
            let heard_before = plan.first_heard().is_some();
            let seen = Seen {
                frames: self.frames.load(Ordering::Relaxed),
                fault: stream.as_ref().and_then(|s| s.failed.why()),
                server_present: self.config.host != AudioHost::Alsa && Servers::now().any(),
            };
            let now = Instant::now();
            match plan.decide(now, &queued, &seen) {
                Decision::Exit => {
                    drop(stream);
                    drop(host);
                    self.set(AudioStatus::Stopped);
                    return;
                }
                Decision::Stop => {
                    stream = None;
                    self.set(AudioStatus::Stopped);
                }
                Decision::Wait => {}
                Decision::Rebuild => stream = None,
                Decision::Lost(why) => {
                    let was_playing = matches!(
                        *self.status.lock().unwrap_or_else(|e| e.into_inner()),
                        AudioStatus::Playing { .. }
                    );
                    if was_playing {
                        self.watch.dropouts.add();
                    }
                    host = None;
                    stream = None;
                    self.set(AudioStatus::Waiting(why));
                }
                Decision::Look { device_due } => {
                    let Some(s) = &stream else { continue };
                    // The device is looked at on the stream's host, when due.
                    let look_on = host.as_ref().filter(|_| device_due);
                    let device = plan.device.as_deref();
                    if let Some(why) =
                        self.better_place(s, device, look_on, &mut servers, &mut passed_over)
                    {
                        tracing::info!("audio: {why}");
                        if why.server {
                            host = None;
                        }
                        stream = None;
                        plan.moving(Instant::now());
                    }
                }
                Decision::Open => {
                    if !matches!(
                        *self.status.lock().unwrap_or_else(|e| e.into_inner()),
                        AudioStatus::Waiting(_)
                    ) {
                        self.set(AudioStatus::Starting);
                    }
                    let opened = self.open(plan.device.clone(), host.clone());
                    let frames = self.frames.load(Ordering::Relaxed);
                    match opened {
                        Ok((s, h, status)) => {
                            plan.opened(Instant::now(), Ok(s.on_chosen), frames);
                            servers = Servers::now();
                            passed_over.opened(s.host, servers, Instant::now());
                            stream = Some(s);
                            host = Some(h);
                            self.set(status);
                        }
                        Err(why) => {
                            plan.opened(Instant::now(), Err(()), frames);
                            host = None;
                            self.set(AudioStatus::Waiting(why));
                        }
                    }
                }
            }
            if let Some(line) = dropout_log.line(Instant::now(), self.watch.dropouts.count()) {
                tracing::warn!("{line}");
            }
            if let Some(thread) = self.watch.thread.take() {
                super::realtime::promote(thread);
            }
            if let (false, Some(opened)) = (heard_before, plan.first_heard()) {
                tracing::info!(
                    "audio: first callback {} ms after the stream opened",
                    opened.elapsed().as_millis()
                );
            }
        }
    }

    /// Why the stream should move, if it should: a sound server that appeared, or one that
    /// was passed over and answers now, ranks above its host (`auto` only), or the chosen
    /// device went (the default plays) or came back (looked at only when `host` is given).
    fn better_place(
        &self,
        s: &OpenStream,
        device: Option<&str>,
        host: Option<&SharedHost>,
        servers: &mut Servers,
        passed_over: &mut PassedOver,
    ) -> Option<Move> {
        let now = Servers::now();
        let appeared = now.appeared_since(servers);
        *servers = now;
        if self.config.host == AudioHost::Auto {
            if let Some(id) = appeared
                .into_iter()
                .find(|id| hosts::rank(*id) < hosts::rank(s.host))
            {
                return Some(Move {
                    why: format!("{} appeared; moving to it", id.name()),
                    server: true,
                });
            }
            if let Some(id) = passed_over.answering(s.host, now, Instant::now()) {
                return Some(Move {
                    why: format!("{} answers now; moving to it", id.name()),
                    server: true,
                });
            }
        }
        let name = device?;
        let present = device_present(host?.clone(), name)?;
        match (s.on_chosen, present) {
            (true, false) => Some(Move {
                why: format!("output device {name} is gone; the default plays until it is back"),
                server: false,
            }),
            (false, true) => Some(Move {
                why: format!("output device {name} is back; moving to it"),
                server: false,
            }),
            _ => None,
        }
    }

    /// Open a stream on a helper thread, waiting at most [`OPEN_TIMEOUT`].
    fn open(
        &self,
        device: Option<String>,
        host: Option<SharedHost>,
    ) -> Result<(OpenStream, SharedHost, AudioStatus), String> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (closed_tx, closed_rx) = mpsc::channel::<()>();
        let failed = Arc::new(StreamFault::default());
        let (renderer, watch) = (self.renderer.clone(), self.watch.clone());
        let (config, failed_cb) = (self.config.clone(), failed.clone());
        std::thread::Builder::new()
            .name("attuned-stream".into())
            .spawn(move || {
                match stream::build(&config, device.as_deref(), host, renderer, failed_cb, watch) {
                    Ok(built) => {
                        let answer = (built.host, built.status, built.on_chosen);
                        if ready_tx.send(Ok(answer)).is_ok() {
                            // Hold the stream until the supervisor lets go of `stop`.
                            let _ = stop_rx.recv();
                        }
                        drop(built.stream);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
                drop(closed_tx);
            })
            .map_err(|e| format!("cannot start a stream thread: {e}"))?;
        match ready_rx.recv_timeout(OPEN_TIMEOUT) {
            Ok(Ok((host, status, on_chosen))) => Ok((
                OpenStream {
                    stop: Some(stop_tx),
                    closed: closed_rx,
                    failed,
                    host: host.0,
                    on_chosen,
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

/// A reason to rebuild the stream elsewhere.
struct Move {
    why: String,
    /// To another sound server (a new host), not another device of the same one.
    server: bool,
}

impl std::fmt::Display for Move {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
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
