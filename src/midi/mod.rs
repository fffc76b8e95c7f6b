//! Live MIDI input: a musician plays along. Notes are heard at once through the playing
//! preset's soft keys ([`crate::synth::live_keys`]); a phrase followed by a two-bar pause
//! becomes the motif the composer develops ([`phrase`]). Ports that come and go are
//! followed ([`input`]); the port system is behind [`MidiSystem`] ([`ports`] is midir's:
//! the ALSA sequencer, or JACK in builds with the `midi-jack` feature).

pub mod bytes;
pub mod input;
pub mod phrase;
pub mod ports;

use std::sync::{Arc, Mutex};

/// Which port to listen to (`[midi] input` in the config).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PortChoice {
    /// The first input port that is not a loop-back ("Midi Through") or our own.
    #[default]
    Auto,
    /// The first port whose name contains this (case-insensitive).
    Named(String),
    Off,
}

impl PortChoice {
    /// From the config's value.
    pub fn parse(s: &str) -> PortChoice {
        match s.trim() {
            "auto" => PortChoice::Auto,
            "off" => PortChoice::Off,
            name => PortChoice::Named(name.to_owned()),
        }
    }

    /// The port to open among `ports`.
    pub fn pick<'a>(&self, ports: &'a [String]) -> Option<&'a String> {
        match self {
            PortChoice::Off => None,
            PortChoice::Auto => ports.iter().find(|p| {
                let p = p.to_lowercase();
                !p.contains("midi through") && !p.starts_with(ports::CLIENT_NAME)
            }),
            PortChoice::Named(n) => {
                let n = n.to_lowercase();
                ports.iter().find(|p| p.to_lowercase().contains(&n))
            }
        }
    }
}

/// Where MIDI input stands, as the status shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MidiStatus {
    #[default]
    Off,
    /// No MIDI system to open (no ALSA sequencer, no JACK server), with why.
    NoSystem(String),
    /// The system is there; no port to listen to yet.
    Waiting,
    /// Listening to this port; `phrases` played there became the motif so far.
    Listening { port: String, phrases: u32 },
}

impl std::fmt::Display for MidiStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MidiStatus::Off => write!(f, "off"),
            MidiStatus::NoSystem(why) => write!(f, "no MIDI system ({why})"),
            MidiStatus::Waiting => write!(f, "waiting for a MIDI input port"),
            MidiStatus::Listening { port, phrases: 0 } => write!(f, "listening to {port}"),
            MidiStatus::Listening { port, phrases } => write!(
                f,
                "listening to {port}; {phrases} played phrase{} became the motif",
                if *phrases == 1 { "" } else { "s" }
            ),
        }
    }
}

/// The status, shared with whoever shows it.
#[derive(Debug, Clone, Default)]
pub struct MidiStatusReader(pub(crate) Arc<Mutex<MidiStatus>>);

impl MidiStatusReader {
    pub fn get(&self) -> MidiStatus {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }
    pub(crate) fn set(&self, s: MidiStatus) {
        if let Ok(mut g) = self.0.lock() {
            *g = s;
        }
    }
}

/// Bytes from an open port, handed over on the port system's own thread.
pub type ByteSink = Box<dyn FnMut(&[u8]) + Send>;

/// A MIDI port system: midir's ([`ports::Midir`]), or a byte stream in tests. It lives on
/// the input thread that made it.
pub trait MidiSystem {
    /// The input ports there are now; an error when there is no MIDI system at all.
    fn ports(&mut self) -> Result<Vec<String>, String>;
    /// Open `port`: its bytes go to `sink` until the returned connection is dropped.
    fn open(&mut self, port: &str, sink: ByteSink) -> Result<Box<dyn std::any::Any>, String>;
}
