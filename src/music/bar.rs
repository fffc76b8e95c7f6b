//! What the planner hands the audio thread: one bar at a time, as a plain `Copy` value
//! through a fixed-capacity lock-free queue. Nothing in it allocates.

use crate::music::note::VoiceKind;

/// Most notes one bar can hold (the planner writes well under this).
pub const MAX_BAR_NOTES: usize = 96;

/// A note of a planned bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlannedNote {
    /// Beats from the bar line.
    pub at: f32,
    pub voice: VoiceKind,
    pub midi: i32,
    pub freq: f32,
    pub velocity: f32,
    /// Length in beats.
    pub beats: f32,
    pub pan: f32,
    /// Negative: always sounds. Otherwise it sounds only while below its voice's gate
    /// (melody density, pulse level) when it is due, so those controls act at once.
    pub weight: f32,
}

const SILENT: PlannedNote = PlannedNote {
    at: 0.0,
    voice: VoiceKind::Pad,
    midi: 0,
    freq: 0.0,
    velocity: 0.0,
    beats: 0.0,
    pan: 0.0,
    weight: -1.0,
};

/// One bar: its notes sorted by time, and the mix the graph glides to while it plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarPlan {
    /// Bars counted from the start of the preset.
    pub index: u64,
    notes: [PlannedNote; MAX_BAR_NOTES],
    len: usize,
    /// Gain of each voice (pad, bells, bass, pulse, noise), 0..1.
    pub gains: [f32; 5],
    /// Multiplies the pad's and bells' brightness.
    pub brightness: f32,
    /// The loudness the bar is meant to play at, dB from the preset's (the section's).
    pub loudness_db: f32,
    /// How firmly the output's moments are held down toward its loudness, 0..1 (sleep's
    /// night mode: no note stands out of the bed).
    pub hush: f32,
}

impl BarPlan {
    /// A bar with no notes and every voice at full gain.
    pub fn empty(index: u64) -> BarPlan {
        BarPlan {
            index,
            notes: [SILENT; MAX_BAR_NOTES],
            len: 0,
            gains: [1.0; 5],
            brightness: 1.0,
            loudness_db: 0.0,
            hush: 0.0,
        }
    }

    /// Add a note; a full bar drops it and says so.
    pub fn push(&mut self, note: PlannedNote) -> bool {
        if self.len == MAX_BAR_NOTES {
            return false;
        }
        self.notes[self.len] = note;
        self.len += 1;
        true
    }

    /// Sort the notes by time (in place, no allocation).
    pub fn sort(&mut self) {
        self.notes[..self.len].sort_unstable_by(|a, b| {
            a.at.total_cmp(&b.at)
                .then((a.voice as u8).cmp(&(b.voice as u8)))
        });
    }

    pub fn notes(&self) -> &[PlannedNote] {
        &self.notes[..self.len]
    }

    /// The notes, to move (a phrase by octaves, say).
    pub fn notes_mut(&mut self) -> &mut [PlannedNote] {
        &mut self.notes[..self.len]
    }
}
