//! One sound server at a time in a test binary. Each test brings up a whole server stack
//! (PipeWire, WirePlumber and pipewire-pulse, or PulseAudio) and a daemon; three of them
//! starting and playing side by side on CI's two cores left a daemon's stream unscheduled
//! for a whole graph cycle (a 1024-frame gap in a monitor recording, once in CI), which
//! says nothing about the daemon. A desktop runs one server; so does each test here.

use super::Session;
use std::sync::{Mutex, MutexGuard};

static TURN: Mutex<()> = Mutex::new(());

impl Session {
    /// Wait for the turn, held until the session (and its servers) are gone; a no-op when
    /// this session has it already (a restarted server). A test that failed while holding
    /// it leaves it poisoned, which changes nothing for the next.
    pub(super) fn take_sound_turn(&mut self) {
        if self.sound_turn.is_none() {
            let turn: MutexGuard<'static, ()> =
                TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            self.sound_turn = Some(turn);
        }
    }
}
