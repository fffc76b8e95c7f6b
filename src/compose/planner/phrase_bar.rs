//! The melody's bar when the phrase composer writes it: the phrase model continues its line
//! over this bar's chord, told the bar's place in the phrase, and the phrase's last bar
//! cadences (on the tonic where the section ends).

use super::*;
use crate::compose::phrase_line::{BarAsk, Cadence};

/// The line's register around the melody's octave, in scale steps from its tonic (the
/// motif's −5..7 around a chord root, a little wider: a phrase has room to arch).
const LOWEST: i32 = -3;
const HIGHEST: i32 = 10;

impl Planner {
    /// Write this bar of the phrase into `plan` at scale step `base` (the tonic of the
    /// melody's octave); false if the phrase composer is not playing or failed, and the
    /// motif writes the bar instead.
    pub(super) fn write_phrase_bar(
        &mut self,
        plan: &mut BarPlan,
        params: &ParamValues,
        base: i32,
        weight: f32,
        left: u32,
    ) -> bool {
        let Some(model) = self.phrases.clone() else {
            return false;
        };
        let bars = self.melody_phrase_bars();
        let phrase_bar = self.bar_in_section % bars;
        let bars_left = bars - 1 - phrase_bar;
        let key = self.section.key;
        let n = key.scale.len();
        let density = params.get(Param::MelodyDensity).clamp(0.0, 1.0);
        let tension = params.get(Param::HarmonyTension).clamp(0.0, 1.0);
        let cadence = match (bars_left, left) {
            (_, 1) => Cadence::Tonic,
            (0, _) => Cadence::ChordTone,
            _ => Cadence::None,
        };
        let ask = BarAsk {
            eighths: 2 * self.bpb,
            phrase_bar,
            bars_left: if left == 1 { 0 } else { bars_left },
            scale_len: n,
            semitones: key.scale.kind.semitones(),
            chord_root: self.chord.degree,
            chord_tones: self.chord.shape.steps(n),
            lowest: LOWEST,
            highest: HIGHEST,
            density: 0.25 + 0.5 * density,
            temperature: 0.8 + 0.4 * tension,
            longer: 0.5 * (1.0 - density),
            cadence,
            // A sparse melody breathes longer before its phrases.
            breath: ((1.0 - density) * 3.0).round() as u32,
        };
        let rng = &mut self.rng;
        let Some(notes) = self.line.write_bar(&model, &ask, &mut || rng.unit()) else {
            return false;
        };
        self.phrase.cadence = cadence;
        let colour = key.scale.kind.colour_degree();
        for (i, m) in notes.iter().enumerate() {
            let mut step = base + m.offset;
            // Off the strong beats a note a step from the mode's colour degree leans onto
            // it now and then, as the motif's do.
            if let Some(c) = colour
                && !m.pos8.is_multiple_of(4)
            {
                let to = (c - step).rem_euclid(n);
                if (to == 1 || to == n - 1) && self.colour_draw(i) < super::melody_bar::COLOUR_PULL
                {
                    step += if to == 1 { 1 } else { -1 };
                }
            }
            let accent = match m.pos8 {
                0 => 0.25,
                p if p.is_multiple_of(2) => 0.1,
                _ => 0.0,
            };
            // The cadence's note is placed, not struck.
            let last = cadence != Cadence::None && i + 1 == notes.len();
            let velocity = if last {
                0.5
            } else {
                0.5 + accent + 0.2 * self.unit()
            };
            let pan = self.unit() * 1.2 - 0.6;
            plan.push(PlannedNote {
                at: m.pos8 as f32 * 0.5,
                voice: VoiceKind::Bells,
                midi: key.scale.midi(step),
                freq: key.scale.freq(step),
                velocity,
                beats: m.len8 as f32 * 0.5,
                pan,
                weight,
            });
        }
        true
    }
}
