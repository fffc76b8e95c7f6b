//! A played phrase becomes the motif: notes are gathered as they are played, and once no
//! key has been held for two bars of the playing tempo, the phrase (at least
//! [`MIN_NOTES`], its last [`MAX_NOTES`] notes if longer) is handed over in beats, its
//! onsets and lengths on a sixteenth-note grid.

use crate::compose::given::{GivenNote, MAX_NOTES};
use std::time::{Duration, Instant};

/// Fewer notes than this are a stray touch, not a phrase.
pub const MIN_NOTES: usize = 3;
/// The pause, in bars, that ends a phrase.
pub const PAUSE_BARS: f64 = 2.0;
/// The grid onsets and lengths are rounded to, in beats.
const GRID: f64 = 0.25;

#[derive(Debug, Clone, Copy)]
struct Played {
    note: u8,
    on: Instant,
    off: Option<Instant>,
}

/// The tempo a phrase is read at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Meter {
    pub bpm: f64,
    pub beats_per_bar: u32,
}

impl Meter {
    fn beats(&self, d: Duration) -> f64 {
        d.as_secs_f64() * self.bpm / 60.0
    }
    /// The pause that ends a phrase.
    pub fn pause(&self) -> Duration {
        Duration::from_secs_f64(PAUSE_BARS * self.beats_per_bar as f64 * 60.0 / self.bpm.max(1.0))
    }
}

/// The notes of the phrase being played.
#[derive(Debug, Default)]
pub struct PhraseCatcher {
    notes: Vec<Played>,
    last: Option<Instant>,
}

impl PhraseCatcher {
    /// Key `note` struck at `at`.
    pub fn on(&mut self, note: u8, at: Instant) {
        if self.notes.len() == MAX_NOTES {
            self.notes.remove(0);
        }
        self.notes.push(Played {
            note,
            on: at,
            off: None,
        });
        self.last = Some(at);
    }

    /// Key `note` let go at `at`.
    pub fn off(&mut self, note: u8, at: Instant) {
        if let Some(p) = self
            .notes
            .iter_mut()
            .rev()
            .find(|p| p.note == note && p.off.is_none())
        {
            p.off = Some(at);
            self.last = Some(at);
        }
    }

    /// Every key let go at `at`.
    pub fn all_off(&mut self, at: Instant) {
        for p in self.notes.iter_mut().filter(|p| p.off.is_none()) {
            p.off = Some(at);
            self.last = Some(at);
        }
    }

    fn held(&self) -> bool {
        self.notes.iter().any(|p| p.off.is_none())
    }

    /// When the phrase will be over if nothing more is played (none while a key is held
    /// or nothing was played).
    pub fn ends_at(&self, meter: Meter) -> Option<Instant> {
        match self.last {
            Some(t) if !self.held() => Some(t + meter.pause()),
            _ => None,
        }
    }

    /// The phrase, if it is over at `now`: `Some(None)` for one too short to keep (it is
    /// dropped), `Some(Some(motif))` for a motif; `None` while it goes on.
    pub fn take_if_over(&mut self, now: Instant, meter: Meter) -> Option<Option<Vec<GivenNote>>> {
        if self.ends_at(meter)? > now {
            return None;
        }
        let notes = std::mem::take(&mut self.notes);
        self.last = None;
        if notes.len() < MIN_NOTES {
            return Some(None);
        }
        let first = notes[0].on;
        let grid = |beats: f64| (beats / GRID).round() * GRID;
        let motif = notes
            .iter()
            .map(|p| {
                let start = grid(meter.beats(p.on - first)).min(256.0);
                let held = meter.beats(p.off.unwrap_or(now) - p.on);
                GivenNote {
                    midi: p.note.min(127),
                    start,
                    beats: grid(held).clamp(GRID, 16.0),
                }
            })
            .collect();
        Some(Some(motif))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METER: Meter = Meter {
        bpm: 120.0,
        beats_per_bar: 4,
    };

    #[test]
    fn a_phrase_and_a_two_bar_pause_make_a_motif_in_beats() {
        let t0 = Instant::now();
        let s = |x: f64| t0 + Duration::from_secs_f64(x);
        let mut c = PhraseCatcher::default();
        assert_eq!(c.ends_at(METER), None);
        // At 120 bpm: C on the beat for a beat, E half a beat later…, G held a whole bar.
        c.on(60, s(0.0));
        c.off(60, s(0.49));
        c.on(64, s(0.76));
        c.off(64, s(1.0));
        c.on(67, s(1.0));
        assert_eq!(c.ends_at(METER), None, "a key is held");
        c.off(67, s(3.02));
        // Two bars at 120 bpm is 4 s.
        assert_eq!(c.ends_at(METER), Some(s(7.02)));
        assert!(c.take_if_over(s(6.9), METER).is_none());
        let motif = c.take_if_over(s(7.1), METER).unwrap().unwrap();
        let got: Vec<_> = motif.iter().map(|n| (n.midi, n.start, n.beats)).collect();
        assert_eq!(got, [(60, 0.0, 1.0), (64, 1.5, 0.5), (67, 2.0, 4.0)]);
        crate::compose::given::check("played", &motif).unwrap();
        // Taken: the next phrase starts empty.
        assert_eq!(c.ends_at(METER), None);
    }

    #[test]
    fn stray_touches_are_dropped_and_long_playing_keeps_the_last_notes() {
        let t0 = Instant::now();
        let s = |x: f64| t0 + Duration::from_secs_f64(x);
        let mut c = PhraseCatcher::default();
        c.on(60, s(0.0));
        c.off(60, s(0.1));
        assert_eq!(c.take_if_over(s(10.0), METER), Some(None));
        for i in 0..100 {
            c.on(40 + (i % 40) as u8, s(i as f64 * 0.25));
        }
        c.all_off(s(25.0));
        let motif = c.take_if_over(s(30.0), METER).unwrap().unwrap();
        assert_eq!(motif.len(), MAX_NOTES);
        assert_eq!(motif[0].midi, 40 + 36, "the first 36 notes made room");
        assert_eq!(motif[0].start, 0.0);
        assert_eq!(motif[1].start, 0.5);
        crate::compose::given::check("played", &motif).unwrap();
    }
}
