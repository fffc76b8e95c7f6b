//! A planner and the queue it keeps filled: the control side's half of one playing preset.
//! `fill` is called from the control loop (live) or before each rendered block (offline);
//! it plans bars until a horizon of music is queued, so the audio thread never waits.

use crate::compose::planner::{BarInfo, Planner};
use crate::controls::ControlValues;
use crate::music::bar::BarPlan;
use crate::synth::player::PlayerStatus;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Bars the queue holds at most (at 190 bpm in 4/4, 20 s of music).
pub const QUEUE_BARS: usize = 16;
/// Seconds of music kept queued: live, the control loop may be held up (a preset switch
/// pre-rolls for 4 s) and runs at 2 Hz when idle.
pub const HORIZON_S: f64 = 8.0;

pub struct BarFeed {
    planner: Planner,
    queue: rtrb::Producer<BarPlan>,
    status: Arc<PlayerStatus>,
}

impl BarFeed {
    /// A feed for a planner; returns the consumer for the player.
    pub fn new(planner: Planner) -> (BarFeed, rtrb::Consumer<BarPlan>) {
        let (queue, consumer) = rtrb::RingBuffer::new(QUEUE_BARS);
        let feed = BarFeed {
            planner,
            queue,
            status: Arc::new(PlayerStatus::default()),
        };
        (feed, consumer)
    }

    /// Watch this player (once the unit exists).
    pub fn attach(&mut self, status: Arc<PlayerStatus>) {
        self.status = status;
    }

    /// Plan bars until `horizon_s` of music (at least two bars) is queued.
    pub fn fill(&mut self, controls: &ControlValues, horizon_s: f64) {
        loop {
            let queued = QUEUE_BARS - self.queue.slots();
            let enough = queued >= 2 && queued as f64 * self.planner.bar_seconds() >= horizon_s;
            if enough || self.queue.is_full() {
                return;
            }
            let plan = self.planner.next_bar(controls);
            if self.queue.push(plan).is_err() {
                return;
            }
        }
    }

    /// The player is gone (its unit was faded out and dropped).
    /// The swell's rate while the breath lead sets it (the melody's phrases follow it).
    pub fn set_swell(&mut self, per_min: Option<f32>) {
        self.planner.set_swell(per_min);
    }

    /// How much the body drives the form (see [`Planner::set_body`]).
    pub fn set_body(&mut self, drive: f32) {
        self.planner.set_body(drive);
    }

    /// Develop `given` as the melody from the next planned phrase on (`None`: stop).
    pub fn set_theme(&mut self, given: Option<&[crate::compose::given::GivenNote]>) {
        self.planner.set_theme(given);
    }

    pub fn is_abandoned(&self) -> bool {
        self.queue.is_abandoned()
    }

    /// What the bar playing now was planned as.
    pub fn now(&self) -> Option<BarInfo> {
        let bar = self.status.bar.load(Ordering::Relaxed);
        (bar != u64::MAX)
            .then(|| self.planner.bar_info(bar))
            .flatten()
    }

    /// Bar lines at which the player found no bar waiting.
    pub fn underruns(&self) -> u64 {
        self.status.underruns.load(Ordering::Relaxed)
    }
}
