//! Notes as the synthesis side sees them: which voice, and what was played when.

/// Which voice a note is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoiceKind {
    Pad,
    Bells,
    Bass,
    Pulse,
}

impl VoiceKind {
    /// MIDI channel used in exports.
    pub fn channel(self) -> u8 {
        match self {
            VoiceKind::Pad => 0,
            VoiceKind::Bells => 1,
            VoiceKind::Bass => 2,
            VoiceKind::Pulse => 9,
        }
    }
}

/// A note the player fired, as recorded for MIDI export and analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteEvent {
    /// Sample at which it sounded, counted from the start of the preset.
    pub sample: u64,
    /// Beat position of the note on the player's clock.
    pub beat: f64,
    pub voice: VoiceKind,
    /// MIDI note number (nearest key in just tuning).
    pub midi: i32,
    pub freq: f32,
    pub velocity: f32,
    /// Length in beats.
    pub beats: f32,
    /// Length in samples at the tempo when it sounded.
    pub length: u64,
    pub pan: f32,
}

/// A due note, before the graph stamps it with its sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteEventSpec {
    pub beat: f64,
    pub voice: VoiceKind,
    pub midi: i32,
    pub freq: f32,
    pub velocity: f32,
    pub beats: f32,
    pub pan: f32,
}
