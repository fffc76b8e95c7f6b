//! The drum kit's pieces, named by their General MIDI percussion keys (channel 10), so a
//! planned bar, the synthesised kit and an exported MIDI file agree on what each hit is.

/// Bass drum 1.
pub const KICK: i32 = 36;
/// Acoustic snare: the backbeat.
pub const SNARE: i32 = 38;
/// Hand clap: layered on the backbeat where the groove is full.
pub const CLAP: i32 = 39;
/// Electric snare: the fills' rolls (kept apart from the backbeat's key).
pub const ROLL: i32 = 40;
pub const CLOSED_HAT: i32 = 42;
pub const OPEN_HAT: i32 = 46;
pub const LOW_TOM: i32 = 45;
pub const MID_TOM: i32 = 47;
pub const HIGH_TOM: i32 = 50;
pub const CRASH: i32 = 49;
/// GM2's shaker.
pub const SHAKER: i32 = 82;
/// A noise riser into a drop. General MIDI has no such sound; GM2's "scratch push" key is
/// borrowed, so a MIDI player plays a short effect there.
pub const RISER: i32 = 29;

/// Every piece, for tests and for the kit's dispatch table.
pub const PIECES: [i32; 12] = [
    KICK, SNARE, CLAP, ROLL, CLOSED_HAT, OPEN_HAT, LOW_TOM, MID_TOM, HIGH_TOM, CRASH, SHAKER, RISER,
];

/// A hit on the backbeat (snare or clap).
pub fn is_backbeat(key: i32) -> bool {
    key == SNARE || key == CLAP
}

/// A hat or shaker: the high end that carries the subdivisions.
pub fn is_high(key: i32) -> bool {
    matches!(key, CLOSED_HAT | OPEN_HAT | SHAKER)
}
