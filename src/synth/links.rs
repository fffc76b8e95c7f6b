//! The control side's live links into every preset graph it builds: the workout beat, the
//! swell, the keys a musician holds, the
//! listener's mix and the sun. Each is lock-free; clones share them.

use super::beat::SharedBeat;
use super::focus_am::SharedAmDepth;
use super::live_keys::SharedKeys;
use super::nature::{NatureReport, SharedSun};
use super::swell::SharedSwell;
use crate::preset::layers::SharedMix;

/// What a preset graph reads from the control side besides the controls.
#[derive(Clone)]
pub struct Links {
    pub beat: SharedBeat,
    pub swell: SharedSwell,
    pub keys: SharedKeys,
    /// The listener's layer levels.
    pub mix: SharedMix,
    /// The sun, for the birds and insects.
    pub sun: SharedSun,
    /// What the nature layers report (birdsong phrases).
    pub nature: NatureReport,
    /// The listener's depth of the focus modulation.
    pub am_depth: SharedAmDepth,
}
