//! The instrument a preset picks for each role, `[voices]` in its file: who plays the
//! chords and who plays the melody. The voices themselves are `synth::voices`.

use super::signature::Signature;
use crate::music::range::{NoteRange, parse_note};
use serde::Deserialize;

/// The bass voice's compass (a synth bass: C1–C4).
pub const BASS_COMPASS: NoteRange = NoteRange::new(24, 60);
/// The narrowest melody range a preset may ask for: an octave and a fifth, so a phrase
/// has room to move without being folded note by note.
pub const NARROWEST_MELODY: i32 = 19;

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

impl ChordInstrument {
    /// The notes the chords may take: a synth pad C1–C7, the string section from the
    /// cellos' C2 to the violins' C7, the choir from the basses' E2 to the sopranos' C6.
    pub fn compass(self) -> NoteRange {
        match self {
            ChordInstrument::Pad => NoteRange::new(24, 96),
            ChordInstrument::Strings => NoteRange::new(36, 96),
            ChordInstrument::Choir => NoteRange::new(40, 84),
        }
    }
}

impl MelodyInstrument {
    /// The notes the instrument has: the piano's A0–C8, the celesta-like bells' C4–C8, a
    /// harp's C1–G7 for the plucks, and the marimba (A2–C7) and kalimba (17 keys, C4–E6)
    /// as built.
    pub fn compass(self) -> NoteRange {
        match self {
            MelodyInstrument::Piano => NoteRange::new(21, 108),
            MelodyInstrument::Bells => NoteRange::new(60, 108),
            MelodyInstrument::Pluck => NoteRange::new(24, 103),
            MelodyInstrument::Marimba => NoteRange::new(45, 96),
            MelodyInstrument::Kalimba => NoteRange::new(60, 88),
        }
    }

    /// Where its melody sits: inside the compass, in the singing register above the
    /// chords, and no higher than C7 (above it a melody thins to a piccolo's whistle).
    pub fn melody_line(self) -> NoteRange {
        let line = match self {
            MelodyInstrument::Piano => NoteRange::new(55, 96),
            MelodyInstrument::Bells => NoteRange::new(60, 96),
            MelodyInstrument::Pluck => NoteRange::new(55, 93),
            MelodyInstrument::Marimba => NoteRange::new(57, 96),
            MelodyInstrument::Kalimba => NoteRange::new(60, 88),
        };
        line.within(self.compass()).unwrap_or(line)
    }
}

/// A preset's instruments, `[voices]` in its file; every key optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "InstrumentsFile")]
pub struct Instruments {
    pub chords: ChordInstrument,
    pub melody: MelodyInstrument,
    /// `melody_range = "C4-A6"`: the preset's own range for its melody, inside the
    /// instrument's compass (`None`: the instrument's melody line).
    pub melody_range: Option<NoteRange>,
    /// `signature = ["melody"]`: the voices the preset is known by (`None`: its mode's,
    /// [`Signature::of_mode`]).
    pub signature: Option<Signature>,
}

impl Instruments {
    /// Where the melody is written: the preset's range, or the instrument's line.
    pub fn melody_range(&self) -> NoteRange {
        self.melody_range.unwrap_or(self.melody.melody_line())
    }
}

/// `[voices]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstrumentsFile {
    #[serde(default)]
    chords: ChordInstrument,
    #[serde(default)]
    melody: MelodyInstrument,
    #[serde(default)]
    melody_range: Option<String>,
    #[serde(default)]
    signature: Option<Vec<String>>,
}

impl TryFrom<InstrumentsFile> for Instruments {
    type Error = String;

    fn try_from(f: InstrumentsFile) -> Result<Self, String> {
        let melody_range = match &f.melody_range {
            None => None,
            Some(text) => {
                let (low, high) = text
                    .split_once('-')
                    .ok_or_else(|| format!("melody_range `{text}`: use LOW-HIGH, e.g. C4-A6"))?;
                let range = NoteRange::new(parse_note(low)?, parse_note(high)?);
                let compass = f.melody.compass();
                if range.within(compass) != Some(range) {
                    return Err(format!(
                        "melody_range {range} is outside the {:?}'s compass {compass}",
                        f.melody
                    ));
                }
                if range.width() < NARROWEST_MELODY {
                    return Err(format!(
                        "melody_range {range} is narrower than an octave and a fifth: a phrase \
                         needs room to move"
                    ));
                }
                Some(range)
            }
        };
        Ok(Instruments {
            chords: f.chords,
            melody: f.melody,
            melody_range,
            signature: f.signature.as_deref().map(Signature::parse).transpose()?,
        })
    }
}
