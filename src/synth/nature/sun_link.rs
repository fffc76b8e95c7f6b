//! The sun as the synthesis sees it (elevation and whether it is rising, set by the control
//! side from the clock and the listener's place), and what the nature layers report back
//! (birdsong phrases started, for traces and tests). Lock-free; clones share.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// The sun's position, shared with every preset graph.
#[derive(Clone, Debug)]
pub struct SharedSun(Arc<(AtomicU32, AtomicBool)>);

impl Default for SharedSun {
    /// Mid-morning, rising, until the control side says otherwise.
    fn default() -> Self {
        SharedSun(Arc::new((
            AtomicU32::new(30f32.to_bits()),
            AtomicBool::new(true),
        )))
    }
}

impl SharedSun {
    /// Set the elevation in degrees; rising or setting is told by the change since the
    /// last value (an unchanged value keeps the last direction).
    pub fn set(&self, elevation_deg: f32) {
        let before = f32::from_bits(self.0.0.swap(elevation_deg.to_bits(), Ordering::Relaxed));
        if elevation_deg != before {
            self.0.1.store(elevation_deg > before, Ordering::Relaxed);
        }
    }
    /// Set both at once (the first value, or a jump in time).
    pub fn set_with_direction(&self, elevation_deg: f32, rising: bool) {
        self.0.0.store(elevation_deg.to_bits(), Ordering::Relaxed);
        self.0.1.store(rising, Ordering::Relaxed);
    }
    /// Elevation in degrees and whether the sun is rising.
    pub fn get(&self) -> (f32, bool) {
        (
            f32::from_bits(self.0.0.load(Ordering::Relaxed)),
            self.0.1.load(Ordering::Relaxed),
        )
    }
}

/// Counters the nature layers keep.
#[derive(Clone, Debug, Default)]
pub struct NatureReport(Arc<AtomicU64>);

impl NatureReport {
    /// One more birdsong phrase.
    pub fn bird_phrase(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    /// Birdsong phrases started so far.
    pub fn bird_phrases(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}
