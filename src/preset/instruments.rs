//! The instrument a preset picks for each role, `[voices]` in its file: who plays the
//! chords and who plays the melody. The voices themselves are `synth::voices`.

use serde::Deserialize;

/// Who plays the chords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChordInstrument {
    /// Detuned saws through a breathing filter.
    #[default]
    Pad,
    /// A bowed string section (`synth::voices::strings`).
    Strings,
    /// A breathy choir gliding between vowels (`synth::voices::choir`).
    Choir,
}

/// Who plays the melody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MelodyInstrument {
    /// FM bells.
    #[default]
    Bells,
    /// Plucked strings (harp, guitar, koto-like; Karplus–Strong).
    Pluck,
    Marimba,
    Kalimba,
    /// A felt piano (`synth::voices::piano`).
    Piano,
}

/// A preset's instruments, `[voices]` in its file; every key optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instruments {
    #[serde(default)]
    pub chords: ChordInstrument,
    #[serde(default)]
    pub melody: MelodyInstrument,
}
