//! The melody: a short motif, developed phrase by phrase (transposed, inverted, a note
//! moved or thinned), now and then replaced. Positions are eighth notes from the bar line;
//! pitches are scale steps above the chord root, so the motif follows the harmony. New
//! motifs come from the rules or, with the learned composer, from a model trained on real
//! melodies that continues from the motif before ([`super::learned`]).

pub use super::continuation::Writer;
use super::continuation::{self, LineNote, Sampling, Span};
use super::learned::ComposerModel;

/// The range of a motif's contour, scale steps from the chord root.
const LOWEST: i32 = -5;
const HIGHEST: i32 = 7;

/// One note of the motif.
#[derive(Debug, Clone, Copy, Default)]
pub struct MotifNote {
    /// Position in eighth notes from the bar line.
    pub pos8: u32,
    /// Contour in scale steps relative to the chord root.
    pub offset: i32,
    pub len8: u32,
    /// A note sounds when `weight < density`: raising density fills the motif in.
    pub weight: f32,
}

pub const MAX_MOTIF: usize = 16;

/// The motif being developed.
#[derive(Debug, Clone)]
pub struct Motif {
    pub notes: [MotifNote; MAX_MOTIF],
    pub len: usize,
    /// This phrase rests (the melody breathes).
    pub resting: bool,
    rested_last: bool,
}

impl Motif {
    /// A new motif over a bar of `beats_per_bar` beats; `leap` (0..1) widens its intervals.
    pub fn invent(
        beats_per_bar: u32,
        leap: f32,
        writer: Writer,
        unit: &mut impl FnMut() -> f32,
    ) -> Motif {
        let mut m = Motif {
            notes: [MotifNote::default(); MAX_MOTIF],
            len: 0,
            resting: false,
            rested_last: false,
        };
        m.renew(beats_per_bar, leap, writer, unit);
        m
    }

    /// A fresh start (a new section): not resting, and a new motif (the learned writer
    /// continues from the last one).
    pub fn restart(
        &mut self,
        beats_per_bar: u32,
        leap: f32,
        writer: Writer,
        unit: &mut impl FnMut() -> f32,
    ) {
        self.resting = false;
        self.rested_last = false;
        self.renew(beats_per_bar, leap, writer, unit);
    }

    /// Replace the motif by a new one (the learned writer continues from this one).
    fn renew(
        &mut self,
        beats_per_bar: u32,
        leap: f32,
        writer: Writer,
        unit: &mut impl FnMut() -> f32,
    ) {
        if let Writer::Learned {
            model,
            temperature,
            longer,
            reach,
        } = writer
            && self.compose(model, beats_per_bar, (temperature, longer, reach), unit)
        {
            return;
        }
        self.renew_by_rules(beats_per_bar, leap, unit);
        self.spread_weights();
    }

    /// A bar of melody from the model, continuing from the current motif, kept within the
    /// register and the bar; false (motif untouched) if the model fails. Every note the
    /// model wrote sounds (weight 0: thinning a learned line would turn its steps into
    /// leaps); how busy it is was decided when it was written, by the density then (see
    /// `Writer::Learned::longer`).
    fn compose(
        &mut self,
        model: &ComposerModel,
        beats_per_bar: u32,
        (temperature, longer, reach): (f32, f32, f32),
        unit: &mut impl FnMut() -> f32,
    ) -> bool {
        let slots = 2 * beats_per_bar;
        let written = ((slots as f32 * reach).round() as u32).clamp(2.min(slots), slots);
        let before: Vec<LineNote> = self.notes[..self.len]
            .iter()
            .map(|n| LineNote {
                pos8: n.pos8,
                offset: n.offset,
                len8: n.len8,
            })
            .collect();
        let span = Span {
            from: 0,
            to: written,
            bar: slots,
            lowest: LOWEST,
            highest: HIGHEST,
            most: MAX_MOTIF,
        };
        let sampling = Sampling {
            temperature,
            longer,
        };
        let Some(line) = continuation::by_model(model, &before, span, sampling, unit) else {
            return false;
        };
        for (m, n) in self.notes.iter_mut().zip(&line) {
            *m = MotifNote {
                pos8: n.pos8,
                offset: n.offset,
                len8: n.len8,
                weight: 0.0,
            };
        }
        self.len = line.len();
        true
    }

    fn renew_by_rules(&mut self, beats_per_bar: u32, leap: f32, unit: &mut impl FnMut() -> f32) {
        let below = |n: u32, u: f32| ((u * n as f32) as u32).min(n - 1);
        let slots = 2 * beats_per_bar;
        let (mut len, mut offset, mut pos) = (0, 0i32, 0);
        while pos < slots && len < MAX_MOTIF {
            let keep = pos == 0 || unit() < 0.55;
            let dur = 1 + below(3, unit());
            if keep {
                let weight = if pos == 0 {
                    0.0
                } else if pos % 2 == 0 {
                    unit() * 0.6
                } else {
                    0.3 + unit() * 0.7
                };
                self.notes[len] = MotifNote {
                    pos8: pos,
                    offset,
                    len8: dur,
                    weight,
                };
                len += 1;
                let jump = if unit() < leap {
                    2 + below(3, unit()) as i32
                } else {
                    1
                };
                offset = (offset + if unit() < 0.5 { jump } else { -jump }).clamp(LOWEST, HIGHEST);
            }
            pos += dur.min(2);
        }
        self.len = len;
    }

    /// Spread the weights evenly over 0..1 (keeping their order), so a density of d sounds
    /// about a share d of the motif whatever motif was drawn: the melody's loudness does not
    /// hang on the luck of one draw.
    fn spread_weights(&mut self) {
        let len = self.len;
        for i in 1..len {
            let w = self.notes[i].weight;
            let rank = self.notes[1..len].iter().filter(|m| m.weight < w).count();
            self.notes[i].weight = (rank as f32 + 0.5) / (len - 1) as f32;
        }
    }

    /// Start a new phrase: rest (never twice running), keep developing, or invent anew.
    pub fn develop(
        &mut self,
        beats_per_bar: u32,
        rest_p: f32,
        leap: f32,
        writer: Writer,
        unit: &mut impl FnMut() -> f32,
    ) {
        self.resting = !self.rested_last && unit() < rest_p * 0.5;
        self.rested_last = self.resting;
        // The model continues the line more often than the rules invent a new motif.
        let renew = if matches!(writer, Writer::Rules) {
            0.3
        } else {
            0.5
        };
        if unit() < renew {
            self.renew(beats_per_bar, leap, writer, unit);
            return;
        }
        let len = self.len.max(1);
        let pick = |u: f32| ((u * len as f32) as usize).min(len - 1);
        let sign = |u: f32| if u < 0.5 { 1 } else { -1 };
        match (unit() * 4.0) as u32 {
            0 => {
                let t = sign(unit()) * (1 + (unit() * 2.0) as i32);
                for m in &mut self.notes[..len] {
                    m.offset = (m.offset + t).clamp(-6, 8);
                }
            }
            1 => {
                for m in &mut self.notes[..len] {
                    m.offset = -m.offset;
                }
            }
            2 => {
                let i = pick(unit());
                self.notes[i].offset = (self.notes[i].offset + sign(unit())).clamp(-6, 8);
            }
            _ => {
                let i = pick(unit());
                self.notes[i].weight = unit();
            }
        }
        // Always touch one note too, so no phrase is an exact copy of the last.
        let i = pick(unit());
        self.notes[i].offset = (self.notes[i].offset + sign(unit())).clamp(-6, 8);
    }
}
