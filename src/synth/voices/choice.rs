//! The instrument a preset picks for each role (`[voices]` in its TOML): the chords on the
//! pad, a bowed string section or a choir, the melody on bells, plucked strings, mallets or a felt piano. Each
//! role's voice is built whole before audio starts; the choice is a match per block.

use super::bells::Bells;
use super::choir::Choir;
use super::mallet::{Mallet, MalletKind};
use super::pad::{Pad, PadParams};
use super::piano::Piano;
use super::pluck::Pluck;
use super::strings::Strings;
use super::{Bus, StrikeParams};
use crate::preset::instruments::{ChordInstrument, MelodyInstrument};

/// The chord voice a preset plays.
// Built once with its graph and never moved while it plays: no box (and no pointer to
// chase on the audio thread) for the larger variants.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum ChordVoice {
    Pad(Pad),
    Strings(Strings),
    Choir(Choir),
}

impl ChordVoice {
    pub fn new(instrument: ChordInstrument, sr: f32, seed: u64) -> Self {
        match instrument {
            ChordInstrument::Pad => ChordVoice::Pad(Pad::new(sr)),
            ChordInstrument::Strings => ChordVoice::Strings(Strings::new(sr)),
            ChordInstrument::Choir => ChordVoice::Choir(Choir::new(sr, seed)),
        }
    }

    /// A chord tone for `samples`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        match self {
            ChordVoice::Pad(v) => v.note_on(freq, velocity, samples),
            ChordVoice::Strings(v) => v.note_on(freq, velocity, samples),
            ChordVoice::Choir(v) => v.note_on(freq, velocity, samples),
        }
    }

    pub fn render(&mut self, p: &PadParams, bus: &mut Bus, start: usize, len: usize) {
        match self {
            ChordVoice::Pad(v) => v.render(p, bus, start, len),
            ChordVoice::Strings(v) => v.render(p, bus, start, len),
            ChordVoice::Choir(v) => v.render(p, bus, start, len),
        }
    }
}

/// The melody voice a preset plays (unboxed, as [`ChordVoice`]).
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum MelodyVoice {
    Bells(Bells),
    Pluck(Pluck),
    Mallet(Mallet),
    Piano(Piano),
}

impl MelodyVoice {
    pub fn new(instrument: MelodyInstrument, sr: f32, seed: u64) -> Self {
        match instrument {
            MelodyInstrument::Bells => MelodyVoice::Bells(Bells::new(sr)),
            MelodyInstrument::Pluck => MelodyVoice::Pluck(Pluck::new(sr, seed)),
            MelodyInstrument::Marimba => {
                MelodyVoice::Mallet(Mallet::new(MalletKind::Marimba, sr, seed))
            }
            MelodyInstrument::Kalimba => {
                MelodyVoice::Mallet(Mallet::new(MalletKind::Kalimba, sr, seed))
            }
            MelodyInstrument::Piano => MelodyVoice::Piano(Piano::new(sr, seed)),
        }
    }

    /// Strike a note.
    pub fn note_on(&mut self, freq: f32, velocity: f32, pan: f32, p: &StrikeParams) {
        match self {
            MelodyVoice::Bells(v) => v.note_on(freq, velocity, pan, p),
            MelodyVoice::Pluck(v) => v.note_on(freq, velocity, pan, p),
            MelodyVoice::Mallet(v) => v.note_on(freq, velocity, pan, p),
            MelodyVoice::Piano(v) => v.note_on(freq, velocity, pan, p),
        }
    }

    pub fn render(&mut self, p: &StrikeParams, bus: &mut Bus, start: usize, len: usize) {
        match self {
            MelodyVoice::Bells(v) => v.render(p, bus, start, len),
            MelodyVoice::Pluck(v) => v.render(p, bus, start, len),
            MelodyVoice::Mallet(v) => v.render(p, bus, start, len),
            MelodyVoice::Piano(v) => v.render(p, bus, start, len),
        }
    }
}
