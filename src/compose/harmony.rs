//! Harmony as a grammar, not a loop: chords are scale degrees of the current key with a
//! shape; the next chord is drawn from a weighted transition graph (functional moves,
//! with each mode's characteristic ones weighted up); sections end on cadences; a key
//! change goes through a pivot chord that belongs to both keys.

use super::key::{Key, pc_name};
use crate::music::scale::ScaleKind;

/// How a chord is stacked, in scale steps above its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    Triad,
    Seventh,
    Sus2,
    Sus4,
    Add9,
    /// Stacked fourths (three scale steps apart in a seven-note scale).
    Quartal,
    /// Root and fifth alone: open, a drone's colour.
    Open,
    /// Every note of a pentatonic scale at once: the ambient wash.
    Wash,
}

impl Shape {
    /// Scale steps above the root in a scale of `n` degrees.
    pub fn steps(self, n: i32) -> &'static [i32] {
        match self {
            Shape::Open if n == 5 => &[0, 3],
            Shape::Open => &[0, 4],
            Shape::Wash => &[0, 1, 2, 3, 4],
            Shape::Triad => &[0, 2, 4],
            Shape::Seventh => &[0, 2, 4, 6],
            Shape::Sus2 => &[0, 1, 4],
            Shape::Sus4 => &[0, 3, 4],
            Shape::Add9 => &[0, 2, 4, 8],
            Shape::Quartal => &[0, 3, 6],
        }
    }
}

/// A chord of a key: its root degree (0-based) and shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub degree: i32,
    pub shape: Shape,
}

impl Chord {
    pub const TONIC: Chord = Chord {
        degree: 0,
        shape: Shape::Triad,
    };

    /// Pitch classes of the chord in `key`, as a 12-bit set.
    pub fn pitch_classes(&self, key: &Key) -> u16 {
        self.shape
            .steps(key.scale.len())
            .iter()
            .fold(0u16, |set, s| {
                set | 1 << key.scale.midi(self.degree + s).rem_euclid(12)
            })
    }

    /// A chord symbol ("Am7", "Dsus4", "G") read from the sounding pitch classes.
    pub fn symbol(&self, key: &Key) -> String {
        let root = key.scale.midi(self.degree).rem_euclid(12);
        let set = self.pitch_classes(key);
        let has = |i: i32| set & (1 << (root + i).rem_euclid(12)) != 0;
        let (third, quality) = if has(4) {
            (true, "")
        } else if has(3) {
            (true, "m")
        } else {
            (false, "")
        };
        let mut s = format!("{}{}", pc_name(root), quality);
        if third && has(6) && !has(7) {
            s = format!("{}dim", pc_name(root));
        }
        if has(10) && self.shape == Shape::Seventh {
            s.push('7');
        } else if has(11) && self.shape == Shape::Seventh {
            s.push_str("maj7");
        }
        if self.shape == Shape::Quartal {
            s = format!("{}q", pc_name(root));
        } else if self.shape == Shape::Open {
            s = format!("{}5", pc_name(root));
        } else if self.shape == Shape::Wash {
            s = format!("{}~", pc_name(root));
        } else if !third {
            s.push_str(if has(5) { "sus4" } else { "sus2" });
        } else if self.shape == Shape::Add9 {
            s.push_str("add9");
        }
        s
    }
}

/// Transition weights between the degrees of a seven-note mode (rows: from, columns: to).
const DIATONIC: [[f32; 7]; 7] = [
    [0.0, 2.0, 1.0, 4.0, 3.0, 3.0, 1.0],
    [1.0, 0.0, 1.0, 2.0, 4.0, 1.0, 0.5],
    [1.0, 1.0, 0.0, 3.0, 1.0, 4.0, 0.0],
    [3.0, 2.0, 1.0, 0.0, 4.0, 1.0, 0.5],
    [5.0, 1.0, 1.0, 2.0, 0.0, 3.0, 0.0],
    [2.0, 3.0, 1.0, 3.0, 2.0, 0.0, 0.5],
    [3.0, 0.0, 2.0, 1.0, 1.0, 1.0, 0.0],
];

/// The same for the five degrees of a pentatonic scale (chords of stacked scale steps).
const PENTATONIC: [[f32; 5]; 5] = [
    [0.0, 2.0, 1.5, 3.0, 2.0],
    [2.0, 0.0, 1.0, 2.0, 2.0],
    [2.0, 1.0, 0.0, 2.0, 2.0],
    [3.0, 1.5, 2.0, 0.0, 2.0],
    [3.0, 2.0, 2.0, 2.0, 0.0],
];

/// Weight of the move `from → to` in a scale family, with each mode's colour weighted up
/// ([`mode_boost`]).
pub fn weight(kind: ScaleKind, from: i32, to: i32) -> f32 {
    let (f, t) = (from as usize, to as usize);
    match kind {
        ScaleKind::MajorPentatonic | ScaleKind::MinorPentatonic => PENTATONIC[f % 5][t % 5],
        _ => DIATONIC[f % 7][t % 7] * mode_boost(kind, from, to),
    }
}

/// How much a seven-note mode favours the move `from → to`: its colour (Dorian i–IV,
/// Mixolydian I–♭VII, Lydian I–II, Aeolian i–♭VI–♭VII), and the leading tone's diminished
/// chord kept rare where it is one; 1 for every other move.
pub fn mode_boost(kind: ScaleKind, from: i32, to: i32) -> f32 {
    match (kind, from.rem_euclid(7), to.rem_euclid(7)) {
        (ScaleKind::Dorian, 0, 3) | (ScaleKind::Dorian, 3, 0) => 2.0,
        (ScaleKind::Mixolydian, 0, 6) => 4.0,
        (ScaleKind::Mixolydian, 6, 0) | (ScaleKind::Mixolydian, 6, 3) => 2.0,
        (ScaleKind::Lydian, 0, 1) | (ScaleKind::Lydian, 1, 0) => 2.5,
        (ScaleKind::Aeolian, 0, 5) | (ScaleKind::Aeolian, 5, 6) => 2.5,
        (ScaleKind::Aeolian, 6, 0) => 3.0,
        // The diminished chord on the leading tone stays rare where it is one.
        (ScaleKind::Major | ScaleKind::Lydian, _, 6) => 0.3,
        _ => 1.0,
    }
}

/// The degree before the final tonic of a cadence: the dominant where the mode has one
/// worth leaning on, else the subdominant (plagal) or the mode's own colour chord.
pub fn cadence_degree(kind: ScaleKind) -> i32 {
    match kind {
        ScaleKind::Mixolydian => 6,
        ScaleKind::Dorian => 3,
        ScaleKind::Aeolian => 6,
        ScaleKind::Lydian => 1,
        ScaleKind::MajorPentatonic | ScaleKind::MinorPentatonic => 3,
        ScaleKind::Major => 4,
    }
}

/// A chord of `from` whose pitch classes all belong to `to` as well (a pivot), preferring
/// the subdominant side of the destination; `None` if no triad is shared.
pub fn pivot(from: &Key, to: &Key, pick: f32) -> Option<Chord> {
    let shared = to.pitch_classes();
    let n = from.scale.len();
    let pivots: Vec<Chord> = (0..n)
        .map(|degree| Chord {
            degree,
            shape: Shape::Triad,
        })
        .filter(|c| c.pitch_classes(from) & !shared == 0 && !from.is_diminished(c.degree))
        .collect();
    (!pivots.is_empty())
        .then(|| pivots[((pick * pivots.len() as f32) as usize).min(pivots.len() - 1)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::scale::{Scale, Tuning};

    fn key(kind: ScaleKind, root: i32) -> Key {
        Key::home(Scale {
            kind,
            root_midi: root,
            tuning: Tuning::Equal,
        })
    }

    #[test]
    fn symbols_read_like_a_lead_sheet() {
        let c = key(ScaleKind::Major, 60);
        let sym = |degree, shape| Chord { degree, shape }.symbol(&c);
        assert_eq!(sym(0, Shape::Triad), "C");
        assert_eq!(sym(5, Shape::Triad), "Am");
        assert_eq!(sym(4, Shape::Seventh), "G7");
        assert_eq!(sym(0, Shape::Seventh), "Cmaj7");
        assert_eq!(sym(1, Shape::Seventh), "Dm7");
        assert_eq!(sym(6, Shape::Triad), "Bdim");
        assert_eq!(sym(4, Shape::Sus4), "Gsus4");
        assert_eq!(sym(1, Shape::Sus2), "Dsus2");
        assert_eq!(sym(3, Shape::Add9), "Fadd9");
        assert_eq!(sym(1, Shape::Quartal), "Dq");
        assert_eq!(sym(4, Shape::Open), "G5");
    }

    #[test]
    fn a_pivot_belongs_to_both_keys() {
        let c = key(ScaleKind::Major, 60);
        let g = Key::at(c.scale, 1);
        for pick in [0.0, 0.5, 0.99] {
            let p = pivot(&c, &g, pick).unwrap();
            assert_eq!(p.pitch_classes(&c) & !g.pitch_classes(), 0);
        }
    }

    #[test]
    fn every_mode_can_leave_every_degree() {
        for kind in ScaleKind::ALL {
            let n = kind.semitones().len() as i32;
            for f in 0..n {
                let total: f32 = (0..n).map(|t| weight(kind, f, t)).sum();
                assert!(total > 0.0, "{kind:?} degree {f} is a dead end");
                assert_eq!(weight(kind, f, f), 0.0);
            }
        }
    }
}
