//! The control side's live links into every preset graph it builds: the workout beat, the
//! swell and the keys a musician holds. Each is lock-free; clones share them.

use super::beat::SharedBeat;
use super::live_keys::SharedKeys;
use super::swell::SharedSwell;

/// What a preset graph reads from the control side besides the controls.
#[derive(Clone)]
pub struct Links {
    pub beat: SharedBeat,
    pub swell: SharedSwell,
    pub keys: SharedKeys,
}
