//! The player: the audio thread's side of composition. It keeps the sample-accurate beat
//! clock and fires the notes of the bars the planner queued, each on its sample. It never
//! plans: at a bar line it takes the next [`BarPlan`] from a lock-free queue (a `Copy`
//! value, no allocation); if none is there it plays the bar silent and counts an underrun.
//! Melody density and pulse level gate the planned optional notes when they are due, so
//! those controls act within the bar.

use crate::music::bar::BarPlan;
use crate::music::note::NoteEventSpec;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What the player reports to the control side.
#[derive(Debug, Default)]
pub struct PlayerStatus {
    /// Index of the bar playing now (`u64::MAX` before the first).
    pub bar: AtomicU64,
    /// Bar lines at which no planned bar was waiting.
    pub underruns: AtomicU64,
}

/// Gates for optional notes, per voice (`Pad, Bells, Bass, Pulse`): a note sounds while
/// its weight is below its voice's gate.
pub type Gates = [f32; 4];

pub struct Player {
    bpb: u32,
    beat: f64,
    bar_start: f64,
    started: bool,
    current: BarPlan,
    next_note: usize,
    // fundsp units must be `Sync`; the queue is only used through `&mut self`, so it sits
    // in a `Mutex` that is never locked (`get_mut` borrows it statically).
    bars: Option<Mutex<rtrb::Consumer<BarPlan>>>,
    status: Arc<PlayerStatus>,
}

impl Clone for Player {
    /// fundsp clones units on the control side; a clone never plays, so it takes no queue.
    fn clone(&self) -> Self {
        Player {
            bars: None,
            status: self.status.clone(),
            ..*self
        }
    }
}

impl Player {
    /// A player of `beats_per_bar`, fed by `bars`.
    pub fn new(beats_per_bar: u32, bars: Option<rtrb::Consumer<BarPlan>>) -> Player {
        let status = PlayerStatus::default();
        status.bar.store(u64::MAX, Ordering::Relaxed);
        Player {
            bpb: beats_per_bar,
            beat: 0.0,
            bar_start: 0.0,
            started: false,
            current: BarPlan::empty(0),
            next_note: 0,
            bars: bars.map(Mutex::new),
            status: Arc::new(status),
        }
    }

    /// Shared with the control side (the bar playing, underruns).
    pub fn status(&self) -> Arc<PlayerStatus> {
        self.status.clone()
    }

    /// Current beat position.
    pub fn beat(&self) -> f64 {
        self.beat
    }

    /// The bar playing: its mix targets.
    pub fn bar(&self) -> &BarPlan {
        &self.current
    }

    fn load_bar(&mut self, index: u64) {
        self.next_note = 0;
        let queue = self.bars.as_mut().and_then(|q| q.get_mut().ok());
        match queue.and_then(|q| q.pop().ok()) {
            Some(plan) => self.current = plan,
            None => {
                // Nothing planned: a silent bar that keeps the last mix.
                let (gains, brightness) = (self.current.gains, self.current.brightness);
                self.current = BarPlan::empty(index);
                self.current.gains = gains;
                self.current.brightness = brightness;
                self.status.underruns.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.status.bar.store(self.current.index, Ordering::Relaxed);
    }

    /// Samples until the next planned note or bar line, at `samples_per_beat`.
    pub fn samples_to_next(&self, samples_per_beat: f64) -> u64 {
        let target = match self.current.notes().get(self.next_note) {
            Some(n) if self.started => self.bar_start + n.at as f64,
            _ => self.bar_start + self.bpb as f64,
        };
        ((target - self.beat) * samples_per_beat).ceil().max(1.0) as u64
    }

    /// Move the clock on by `samples`.
    pub fn advance(&mut self, samples: u64, samples_per_beat: f64) {
        self.beat += samples as f64 / samples_per_beat;
    }

    /// The next note due at the current clock position, taking the next bar at bar lines.
    pub fn pop_due(&mut self, gates: &Gates) -> Option<NoteEventSpec> {
        if !self.started {
            self.started = true;
            self.load_bar(0);
        }
        loop {
            while let Some(n) = self.current.notes().get(self.next_note).copied() {
                let at = self.bar_start + n.at as f64;
                if at > self.beat + 1e-9 {
                    return None;
                }
                self.next_note += 1;
                if n.weight >= 0.0 && n.weight >= gates[n.voice as usize] {
                    continue;
                }
                return Some(NoteEventSpec {
                    beat: at,
                    voice: n.voice,
                    midi: n.midi,
                    freq: n.freq,
                    velocity: n.velocity,
                    beats: n.beats,
                    pan: n.pan,
                });
            }
            let next_bar = self.bar_start + self.bpb as f64;
            if self.beat + 1e-9 < next_bar {
                return None;
            }
            self.bar_start = next_bar;
            let index = self.current.index + 1;
            self.load_bar(index);
        }
    }
}
