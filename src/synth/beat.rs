//! The beat command from the control side to the audio thread, and the phase lock that
//! carries it out.
//!
//! The control side publishes a tempo and, when it knows where footfalls fall, an anchor:
//! an engine sample where a beat must land. Three values have to be read together, so they
//! travel in a seqlock of atomics: the writer bumps a sequence number around its writes and
//! the audio thread keeps its last good copy when it catches a write half done. No locks,
//! no allocation.
//!
//! On the audio side the composer's clock runs at the commanded tempo; with an anchor, the
//! rate is nudged by the phase error (proportional, capped), so the beat slides onto the
//! footfalls over a few beats instead of jumping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// No anchor.
const NO_ANCHOR: u64 = u64::MAX;
/// The tempo range a command is clamped to.
const MIN_BPM: f64 = 20.0;
const MAX_BPM: f64 = 400.0;
/// Fraction of the phase error corrected per beat, and the largest rate change it may ask.
const GAIN: f64 = 0.7;
const MAX_CORRECTION: f64 = 0.1;

/// What the control side asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatCommand {
    pub bpm: f64,
    /// Engine sample where a beat must land.
    pub anchor: Option<u64>,
}

/// The shared command and what the audio side reports back. Clones share it.
#[derive(Clone)]
pub struct SharedBeat(Arc<Inner>);

#[derive(Default)]
struct Inner {
    seq: AtomicU64,
    /// 0: follow nothing (the preset's own tempo); else f64 bits of the bpm.
    bpm: AtomicU64,
    anchor: AtomicU64,
    /// Phase error (ms, f32 bits): positive when the beat lands after its anchor.
    phase_error_ms: AtomicU32,
    /// Engine samples rendered so far (the frame counter of the renderer).
    frames: Arc<AtomicU64>,
}

impl SharedBeat {
    /// A beat link reading the engine's frame counter `frames`.
    pub fn new(frames: Arc<AtomicU64>) -> Self {
        SharedBeat(Arc::new(Inner {
            frames,
            anchor: AtomicU64::new(NO_ANCHOR),
            ..Inner::default()
        }))
    }

    /// Follow `cmd` (`None`: the preset's own tempo).
    pub fn set(&self, cmd: Option<BeatCommand>) {
        let i = &self.0;
        i.seq.fetch_add(1, Ordering::AcqRel);
        let (bpm, anchor) = match cmd {
            // Clamped: an absurd tempo would make the composer spin on the audio thread.
            Some(c) if c.bpm.is_finite() && c.bpm > 0.0 => (
                c.bpm.clamp(MIN_BPM, MAX_BPM).to_bits(),
                c.anchor.unwrap_or(NO_ANCHOR),
            ),
            _ => (0, NO_ANCHOR),
        };
        i.bpm.store(bpm, Ordering::Release);
        i.anchor.store(anchor, Ordering::Release);
        i.seq.fetch_add(1, Ordering::AcqRel);
    }

    /// The command, if read whole (`None` outer: a write was in progress).
    fn get(&self) -> Option<Option<BeatCommand>> {
        let i = &self.0;
        let before = i.seq.load(Ordering::Acquire);
        if before % 2 == 1 {
            return None;
        }
        let bpm = i.bpm.load(Ordering::Acquire);
        let anchor = i.anchor.load(Ordering::Acquire);
        if i.seq.load(Ordering::Acquire) != before {
            return None;
        }
        Some((bpm != 0).then(|| BeatCommand {
            bpm: f64::from_bits(bpm),
            anchor: (anchor != NO_ANCHOR).then_some(anchor),
        }))
    }

    /// The last phase error the audio side measured (ms), while anchored.
    pub fn phase_error_ms(&self) -> Option<f32> {
        let v = f32::from_bits(self.0.phase_error_ms.load(Ordering::Relaxed));
        v.is_finite().then_some(v)
    }

    /// Engine samples rendered so far.
    pub fn frames(&self) -> u64 {
        self.0.frames.load(Ordering::Relaxed)
    }
}

/// The audio side: turns the command into samples per beat for each block.
#[derive(Clone)]
pub struct BeatLock {
    shared: SharedBeat,
    cmd: Option<BeatCommand>,
    /// The engine sample of this unit's next block; `None` until it first plays (a
    /// pre-rolled unit learns it from the frame counter when it goes live).
    sample: Option<u64>,
}

impl BeatLock {
    pub fn new(shared: SharedBeat) -> Self {
        BeatLock {
            shared,
            cmd: None,
            sample: None,
        }
    }

    /// Forget the engine position (after a silent pre-roll).
    pub fn rewind(&mut self) {
        self.sample = None;
    }

    /// Samples per beat for the next `size` samples, given the composer's beat position
    /// `beat`; `None` leaves the tempo to the preset. `live` is false during pre-roll,
    /// which follows the tempo but not the anchor.
    pub fn samples_per_beat(
        &mut self,
        beat: f64,
        size: usize,
        sample_rate: f64,
        live: bool,
    ) -> Option<f64> {
        if let Some(cmd) = self.shared.get() {
            self.cmd = cmd;
        }
        let now = if live {
            let s = *self.sample.get_or_insert_with(|| self.shared.frames());
            self.sample = Some(s + size as u64);
            Some(s)
        } else {
            None
        };
        let cmd = self.cmd?;
        let spb = 60.0 * sample_rate / cmd.bpm;
        let (Some(anchor), Some(now)) = (cmd.anchor, now) else {
            self.publish(f32::NAN);
            return Some(spb);
        };
        // Where the beat should be now, as a fraction of a beat, against where it is.
        let want = ((now as f64 - anchor as f64) / spb).rem_euclid(1.0);
        let mut error = want - beat.rem_euclid(1.0);
        if error >= 0.5 {
            error -= 1.0;
        } else if error < -0.5 {
            error += 1.0;
        }
        // The beat lands `error` beats late when positive: run faster to catch up.
        self.publish((error * spb / sample_rate * 1000.0) as f32);
        let rate = 1.0 + (GAIN * error).clamp(-MAX_CORRECTION, MAX_CORRECTION);
        Some(spb / rate)
    }

    fn publish(&self, ms: f32) {
        self.shared
            .0
            .phase_error_ms
            .store(ms.to_bits(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_slides_onto_the_anchor() {
        let frames = Arc::new(AtomicU64::new(0));
        let shared = SharedBeat::new(frames);
        let sr = 48_000.0;
        let bpm = 170.0;
        let spb = 60.0 * sr / bpm;
        // A beat must land at sample 10 000; the clock starts 0.4 beats off.
        shared.set(Some(BeatCommand {
            bpm,
            anchor: Some(10_000),
        }));
        let mut lock = BeatLock::new(shared.clone());
        let mut beat = (0.0 - 10_000.0 / spb) + 0.4;
        let mut sample = 0u64;
        for _ in 0..(8.0 * spb / 64.0) as usize {
            let s = lock.samples_per_beat(beat, 64, sr, true).unwrap();
            beat += 64.0 / s;
            sample += 64;
        }
        let want = (sample as f64 - 10_000.0) / spb;
        let off = (want - beat).rem_euclid(1.0);
        let off = off.min(1.0 - off);
        assert!(
            off * spb / sr < 0.005,
            "{} ms off after 8 beats",
            off * spb / sr * 1e3
        );
        assert!(shared.phase_error_ms().unwrap().abs() < 5.0);
    }

    #[test]
    fn no_command_leaves_the_tempo_to_the_preset() {
        let shared = SharedBeat::new(Arc::new(AtomicU64::new(0)));
        let mut lock = BeatLock::new(shared.clone());
        assert_eq!(lock.samples_per_beat(0.0, 64, 48_000.0, true), None);
        shared.set(Some(BeatCommand {
            bpm: 120.0,
            anchor: None,
        }));
        assert_eq!(
            lock.samples_per_beat(0.0, 64, 48_000.0, true),
            Some(24_000.0)
        );
        shared.set(None);
        assert_eq!(lock.samples_per_beat(0.0, 64, 48_000.0, true), None);
    }
}
