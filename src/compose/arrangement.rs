//! An arrangement: which of the five voices play in a section, in which role, register
//! and density. The form draws one per section ([`super::form`]); the planner writes it.

/// The voices a section arranges, in [`Arrangement::parts`] order.
pub const VOICES: [&str; 5] = ["pad", "bells", "bass", "pulse", "noise"];
pub const PAD: usize = 0;
pub const BELLS: usize = 1;
pub const BASS: usize = 2;
pub const PULSE: usize = 3;
pub const NOISE: usize = 4;

/// What a voice does in a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Rest,
    /// Plays sparsely, under the others.
    Accompany,
    /// In front: the melody's full phrases, the bass walking.
    Lead,
}

/// One voice's part in a section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    pub role: Role,
    /// Register shift in octaves.
    pub octave: i32,
    /// Scales how many of the voice's optional notes sound (1 = as the controls say).
    pub density: f32,
}

impl Part {
    pub const REST: Part = Part {
        role: Role::Rest,
        octave: 0,
        density: 0.0,
    };
    pub fn plays(&self) -> bool {
        self.role != Role::Rest
    }
    pub(super) fn new(role: Role, octave: i32, density: f32) -> Part {
        Part {
            role,
            octave,
            density,
        }
    }
}

/// Who plays what in a section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrangement {
    pub parts: [Part; 5],
}
