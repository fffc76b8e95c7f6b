//! Registers: the melody written where its instrument sings, the chords where their
//! instrument has notes, the bass in the bass's compass. A bar that leaves its range moves
//! by whole octaves, never clipped note by note: the melody's phrase starts in the octave
//! that centres it in its line and keeps that octave while it fits; only a bar wider than
//! its range folds its outliers.

use super::*;
use crate::music::range::NoteRange;
use crate::preset::instruments::BASS_COMPASS;

/// The lowest and highest note `voice` plays in `plan` (`None`: it does not play).
fn span(plan: &BarPlan, voice: VoiceKind) -> Option<(i32, i32)> {
    plan.notes()
        .iter()
        .filter(|n| n.voice == voice)
        .fold(None, |s, n| match s {
            None => Some((n.midi, n.midi)),
            Some((l, h)) => Some((n.midi.min(l), n.midi.max(h))),
        })
}

/// Move `voice`'s notes by `octaves` (`None`: fold each into `range`, after `fallback`
/// octaves).
fn shift(
    plan: &mut BarPlan,
    voice: VoiceKind,
    octaves: Option<i32>,
    fallback: i32,
    range: NoteRange,
) {
    for note in plan.notes_mut() {
        if note.voice != voice {
            continue;
        }
        let moved = match octaves {
            Some(k) => note.midi + 12 * k,
            None => range.fold(note.midi + 12 * fallback),
        };
        note.freq *= 2f32.powi((moved - note.midi) / 12);
        note.midi = moved;
    }
}

impl Planner {
    /// Move this bar's melody into [`Planner::melody_range`] by octaves: at a phrase's
    /// start the octave that puts the bar nearest the middle of the range, then the
    /// phrase's octave while it fits.
    pub(super) fn fit_melody(&mut self, plan: &mut BarPlan, phrase_start: bool) {
        let range = self.melody_range;
        let Some((low, high)) = span(plan, VoiceKind::Bells) else {
            return;
        };
        let prefer = if phrase_start {
            let centre = (range.low + range.high) as f32 / 2.0;
            ((centre - (low + high) as f32 / 2.0) / 12.0).round() as i32
        } else {
            self.melody_shift
        };
        let fitted = range.octaves_to_fit(low, high, prefer);
        if let Some(k) = fitted {
            self.melody_shift = k;
        }
        shift(plan, VoiceKind::Bells, fitted, self.melody_shift, range);
    }

    /// Move this bar's bass into the bass's compass by octaves (an arrangement that lifts
    /// the bass an octave does not take it above C4).
    pub(super) fn fit_bass(&self, plan: &mut BarPlan) {
        let Some((low, high)) = span(plan, VoiceKind::Bass) else {
            return;
        };
        let fitted = BASS_COMPASS.octaves_to_fit(low, high, 0);
        shift(plan, VoiceKind::Bass, fitted, 0, BASS_COMPASS);
    }

    /// The window the chords are voiced in, `low..=high`, moved by octaves into the chord
    /// instrument's compass (a choir has no notes above C6).
    pub(super) fn chord_window(&self, low: i32, high: i32) -> (i32, i32) {
        let compass = self.chord_compass;
        match compass.octaves_to_fit(low, high, 0) {
            Some(k) => (low + 12 * k, high + 12 * k),
            None => {
                let inside = NoteRange::new(low, high).within(compass).unwrap_or(compass);
                (inside.low, inside.high)
            }
        }
    }
}
