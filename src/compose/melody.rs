//! The melody: a short motif, developed phrase by phrase (transposed, inverted, a note
//! moved or thinned), now and then replaced. Positions are eighth notes from the bar line;
//! pitches are scale steps above the chord root, so the motif follows the harmony.

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
    pub fn invent(beats_per_bar: u32, leap: f32, unit: &mut impl FnMut() -> f32) -> Motif {
        let mut m = Motif {
            notes: [MotifNote::default(); MAX_MOTIF],
            len: 0,
            resting: false,
            rested_last: false,
        };
        m.renew(beats_per_bar, leap, unit);
        m
    }

    fn renew(&mut self, beats_per_bar: u32, leap: f32, unit: &mut impl FnMut() -> f32) {
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
                offset = (offset + if unit() < 0.5 { jump } else { -jump }).clamp(-5, 7);
            }
            pos += dur.min(2);
        }
        self.len = len;
        // Spread the weights evenly over 0..1 (keeping their order), so a density of d
        // sounds about a share d of the motif whatever motif was drawn: the melody's
        // loudness does not hang on the luck of one draw.
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
        unit: &mut impl FnMut() -> f32,
    ) {
        self.resting = !self.rested_last && unit() < rest_p * 0.5;
        self.rested_last = self.resting;
        if unit() < 0.3 {
            self.renew(beats_per_bar, leap, unit);
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
