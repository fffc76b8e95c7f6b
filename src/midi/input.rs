//! The MIDI input thread: follows the chosen port as it comes and goes, sounds what is
//! played through the shared keys at once (on the port system's own thread: atomic stores,
//! no allocation), and hands phrases that end in a pause over as the motif.
//!
//! It wakes once a [`SCAN`] to look at the ports (less often while there is no MIDI system
//! at all, backing off to [`NO_SYSTEM_SCAN`]), at each key played, and when a phrase's pause
//! ends. What goes wrong is said once, in the status and the log, never in a loop.

use super::bytes::{KeyEvent, MidiParser};
use super::phrase::{Meter, PhraseCatcher};
use super::{MidiStatus, MidiStatusReader, MidiSystem, PortChoice};
use crate::compose::given::GivenNote;
use crate::synth::live_keys::SharedKeys;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the ports are looked at.
pub const SCAN: Duration = Duration::from_secs(1);
/// The longest wait between looks while there is no MIDI system.
pub const NO_SYSTEM_SCAN: Duration = Duration::from_secs(16);
/// Key events queued between the port's thread and this one.
const QUEUE: usize = 1024;

/// What the input is connected to.
pub struct Wiring {
    /// The keys every preset graph sounds.
    pub keys: SharedKeys,
    /// The tempo and metre phrases are read at, now.
    pub meter: Box<dyn Fn() -> Meter + Send>,
    /// A played phrase, to become the motif.
    pub motif: Box<dyn FnMut(Vec<GivenNote>) + Send>,
}

enum Message {
    Key(Instant, KeyEvent),
    Stop,
}

/// The running input; dropping it stops the thread and lets every key go.
pub struct LiveInput {
    messages: SyncSender<Message>,
    thread: Option<JoinHandle<()>>,
    status: MidiStatusReader,
}

impl LiveInput {
    /// Start listening as `choice` says, on the port system `make` builds (on the new
    /// thread, so it need not be `Send`).
    pub fn start<S: MidiSystem + 'static>(
        choice: PortChoice,
        make: impl FnOnce() -> S + Send + 'static,
        wiring: Wiring,
    ) -> LiveInput {
        let (messages, inbox) = std::sync::mpsc::sync_channel(QUEUE);
        let status = MidiStatusReader::default();
        let thread = (choice != PortChoice::Off).then(|| {
            let (status, sender) = (status.clone(), messages.clone());
            std::thread::Builder::new()
                .name("attuned-midi".into())
                .spawn(move || {
                    let mut run = Run {
                        choice,
                        wiring,
                        status,
                        sender,
                        connection: None,
                        catcher: PhraseCatcher::default(),
                        said: None,
                        phrases: 0,
                        no_system_wait: SCAN,
                    };
                    run.go(make(), inbox)
                })
                .expect("spawning the MIDI input thread")
        });
        LiveInput {
            messages,
            thread,
            status,
        }
    }

    /// Where the input stands.
    pub fn status(&self) -> MidiStatusReader {
        self.status.clone()
    }
}

impl Drop for LiveInput {
    fn drop(&mut self) {
        let _ = self.messages.send(Message::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Run {
    choice: PortChoice,
    wiring: Wiring,
    status: MidiStatusReader,
    sender: SyncSender<Message>,
    connection: Option<(String, Box<dyn std::any::Any>)>,
    catcher: PhraseCatcher,
    /// The last problem said (each is said once).
    said: Option<String>,
    phrases: u32,
    no_system_wait: Duration,
}

impl Run {
    fn go(&mut self, mut system: impl MidiSystem, inbox: Receiver<Message>) {
        let mut next_scan = Instant::now();
        loop {
            if Instant::now() >= next_scan {
                next_scan = Instant::now() + self.scan(&mut system);
            }
            let meter = (self.wiring.meter)();
            let wake = self
                .catcher
                .ends_at(meter)
                .map_or(next_scan, |t| t.min(next_scan));
            match inbox.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok(Message::Key(at, KeyEvent::On { note, .. })) => self.catcher.on(note, at),
                Ok(Message::Key(at, KeyEvent::Off { note })) => self.catcher.off(note, at),
                Ok(Message::Key(at, KeyEvent::AllOff)) => self.catcher.all_off(at),
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            match self.catcher.take_if_over(Instant::now(), meter) {
                Some(Some(motif)) => {
                    self.phrases += 1;
                    tracing::info!("a played phrase of {} notes becomes the motif", motif.len());
                    (self.wiring.motif)(motif);
                    self.show();
                }
                Some(None) => tracing::debug!("a stray touch on the keys, not a phrase"),
                None => {}
            }
        }
        self.disconnect();
    }

    /// Look at the ports; the wait until the next look.
    fn scan(&mut self, system: &mut impl MidiSystem) -> Duration {
        let ports = match system.ports() {
            Ok(p) => p,
            Err(why) => {
                self.disconnect();
                // Normal on a machine without MIDI: information, not a warning.
                self.say(&format!("no MIDI system: {why}"), tracing::Level::INFO);
                self.status.set(MidiStatus::NoSystem(why));
                let wait = self.no_system_wait;
                self.no_system_wait = (wait * 2).min(NO_SYSTEM_SCAN);
                return wait;
            }
        };
        self.no_system_wait = SCAN;
        if self
            .said
            .as_deref()
            .is_some_and(|s| s.starts_with("no MIDI system"))
        {
            self.said = None;
        }
        if let Some((name, _)) = &self.connection
            && !ports.contains(name)
        {
            tracing::info!("MIDI port {name} is gone; waiting for it");
            self.disconnect();
        }
        if self.connection.is_none()
            && let Some(port) = self.choice.pick(&ports).cloned()
        {
            match system.open(&port, self.sink()) {
                Ok(c) => {
                    tracing::info!("listening to MIDI port {port}");
                    self.said = None;
                    self.connection = Some((port, c));
                }
                Err(why) => self.say(
                    &format!("cannot listen to MIDI port {why}"),
                    tracing::Level::WARN,
                ),
            }
        }
        if self.connection.is_none() && !matches!(self.status.get(), MidiStatus::Waiting) {
            tracing::info!("MIDI input: waiting for a port ({:?})", self.choice);
        }
        self.show();
        SCAN
    }

    fn show(&self) {
        self.status.set(match &self.connection {
            Some((port, _)) => MidiStatus::Listening {
                port: port.clone(),
                phrases: self.phrases,
            },
            None => MidiStatus::Waiting,
        });
    }

    fn say(&mut self, what: &str, level: tracing::Level) {
        if self.said.as_deref() != Some(what) {
            if level == tracing::Level::WARN {
                tracing::warn!("{what}");
            } else {
                tracing::info!("{what}");
            }
            self.said = Some(what.to_owned());
        }
    }

    fn disconnect(&mut self) {
        self.connection = None;
        self.wiring.keys.release_all();
        self.catcher.all_off(Instant::now());
    }

    /// What a port's bytes go through: keys sounded at once, events queued for phrases.
    fn sink(&self) -> super::ByteSink {
        let keys = self.wiring.keys.clone();
        let sender = self.sender.clone();
        let mut parser = MidiParser::default();
        Box::new(move |bytes| {
            parser.feed_all(bytes, |e| {
                match e {
                    KeyEvent::On { note, velocity } => keys.press(note, velocity),
                    KeyEvent::Off { note } => keys.release(note),
                    KeyEvent::AllOff => keys.release_all(),
                }
                // A full queue drops the event for the phrase only; it was still heard.
                let _ = sender.try_send(Message::Key(Instant::now(), e));
            })
        })
    }
}
