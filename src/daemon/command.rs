//! What the D-Bus interfaces, the tray's calls, the timer and the schedule ask of the core:
//! one enum, each with a oneshot reply, taken one at a time by the core's owner task.

use crate::audio::hosts::OutputDevice;
use crate::engine::PreparedPreset;
use crate::limits::TimerAction;
use crate::preset::{Preset, PresetError};
use crate::sensor::PairedSensor;
use tokio::sync::oneshot;

/// A command that was refused, with a message for the caller.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    InvalidArgs(String),
    #[error(transparent)]
    Preset(#[from] PresetError),
    /// Done, but something needs the user's attention (ReloadPresets' findings).
    #[error("{0}")]
    Failed(String),
    #[error("the daemon is shutting down")]
    ShuttingDown,
}

/// Where the answer goes.
pub type Reply<T> = oneshot::Sender<T>;
/// The answer to a command that can be refused.
pub type Done = Reply<Result<(), CommandError>>;

/// Which preset to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresetChoice {
    Named(String),
    /// `offset` places from `from` along the sorted list (MPRIS Next/Previous).
    Step {
        from: String,
        offset: isize,
    },
}

/// One command for the core.
pub enum Command {
    Play(Reply<()>),
    Pause(Reply<()>),
    Toggle(Reply<()>),
    /// Load, build and pre-roll (off the core), then crossfade.
    SetPreset(PresetChoice, Done),
    /// Re-read the presets: the one playing again, and what is wrong in the preset
    /// directory or the schedule.
    ReloadPresets(Done),
    SetVolume(f64, Done),
    /// One layer of the playing preset's mix.
    SetLayerLevel(String, f64, Done),
    /// The focus modulation's depth (`None`: each preset's own).
    SetModulationDepth(Option<f64>, Done),
    SetTimer {
        seconds: f64,
        fade: f64,
        action: TimerAction,
        reply: Done,
    },
    CancelTimer(Reply<()>),
    Explain(Reply<Vec<(String, String, f64)>>),
    ExplainText(Reply<Vec<String>>),
    SetTargetCadence(f64, Done),
    /// A motif to develop (`None`: the presets' own melodies again).
    SetMotif(Option<Vec<crate::compose::given::GivenNote>>, Done),
    SetHeartRateZone(f64, f64, Done),
    SetHeartRateCeiling(f64, Done),
    /// The output devices the sound server offers now (listed off the core).
    OutputDevices(Reply<Result<Vec<OutputDevice>, CommandError>>),
    /// Play on this output device ("": the default); unknown names are refused with the list.
    SetOutputDevice(String, Done),
    /// A device name checked against the server's list, back for the core to use.
    UseOutputDevice(String, Done),
    RememberSensor(PairedSensor, Reply<()>),
    ForgetSensor(String, Reply<()>),
    /// A preset built on a blocking thread, back for the core to install. Requests are
    /// numbered so that an older build finishing late never replaces a newer choice.
    PresetBuilt {
        request: u64,
        built: Result<Box<(Preset, PreparedPreset)>, CommandError>,
        reply: Option<Done>,
    },
}
