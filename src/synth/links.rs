//! The control side's live links into every preset graph it builds: the workout beat and
//! the swell. Each is lock-free; clones share them.

use super::beat::SharedBeat;
use super::swell::SharedSwell;

/// What a preset graph reads from the control side besides the controls.
#[derive(Clone)]
pub struct Links {
    pub beat: SharedBeat,
    pub swell: SharedSwell,
}
