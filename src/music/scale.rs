//! Scales and tunings: where every composed pitch comes from.
//!
//! Pitches are counted in *scale steps* from the preset's root: step `s` is degree
//! `s mod n` in octave `s div n`. Everything the composer plays is a scale step, so
//! every note belongs to the scale by construction.

use serde::Deserialize;

/// The scales a preset can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    MajorPentatonic,
    MinorPentatonic,
    Major,
    Dorian,
    Lydian,
    Mixolydian,
    Aeolian,
}

/// Equal temperament or just intonation (pure ratios from the root).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tuning {
    #[default]
    Equal,
    Just,
}

impl ScaleKind {
    /// Every scale a preset can ask for.
    pub const ALL: [ScaleKind; 7] = [
        ScaleKind::MajorPentatonic,
        ScaleKind::MinorPentatonic,
        ScaleKind::Major,
        ScaleKind::Dorian,
        ScaleKind::Lydian,
        ScaleKind::Mixolydian,
        ScaleKind::Aeolian,
    ];

    /// The degree (0-based) that makes a mode itself against the major or minor scale it
    /// is nearest: lydian's ♯4, dorian's ♮6, mixolydian's ♭7 (`None`: a scale that is its
    /// own reference).
    pub fn colour_degree(self) -> Option<i32> {
        match self {
            ScaleKind::Lydian => Some(3),
            ScaleKind::Dorian => Some(5),
            ScaleKind::Mixolydian => Some(6),
            _ => None,
        }
    }

    /// Semitones above the root of each degree.
    pub fn semitones(self) -> &'static [i32] {
        match self {
            ScaleKind::MajorPentatonic => &[0, 2, 4, 7, 9],
            ScaleKind::MinorPentatonic => &[0, 3, 5, 7, 10],
            ScaleKind::Major => &[0, 2, 4, 5, 7, 9, 11],
            ScaleKind::Dorian => &[0, 2, 3, 5, 7, 9, 10],
            ScaleKind::Lydian => &[0, 2, 4, 6, 7, 9, 11],
            ScaleKind::Mixolydian => &[0, 2, 4, 5, 7, 9, 10],
            ScaleKind::Aeolian => &[0, 2, 3, 5, 7, 8, 10],
        }
    }

    /// Just-intonation ratios of each degree (5-limit).
    pub fn just_ratios(self) -> &'static [f64] {
        match self {
            ScaleKind::MajorPentatonic => &[1.0, 9.0 / 8.0, 5.0 / 4.0, 3.0 / 2.0, 5.0 / 3.0],
            ScaleKind::MinorPentatonic => &[1.0, 6.0 / 5.0, 4.0 / 3.0, 3.0 / 2.0, 9.0 / 5.0],
            ScaleKind::Major => &[
                1.0,
                9.0 / 8.0,
                5.0 / 4.0,
                4.0 / 3.0,
                3.0 / 2.0,
                5.0 / 3.0,
                15.0 / 8.0,
            ],
            ScaleKind::Dorian => &[
                1.0,
                9.0 / 8.0,
                6.0 / 5.0,
                4.0 / 3.0,
                3.0 / 2.0,
                5.0 / 3.0,
                9.0 / 5.0,
            ],
            ScaleKind::Lydian => &[
                1.0,
                9.0 / 8.0,
                5.0 / 4.0,
                45.0 / 32.0,
                3.0 / 2.0,
                5.0 / 3.0,
                15.0 / 8.0,
            ],
            ScaleKind::Mixolydian => &[
                1.0,
                9.0 / 8.0,
                5.0 / 4.0,
                4.0 / 3.0,
                3.0 / 2.0,
                5.0 / 3.0,
                9.0 / 5.0,
            ],
            ScaleKind::Aeolian => &[
                1.0,
                9.0 / 8.0,
                6.0 / 5.0,
                4.0 / 3.0,
                3.0 / 2.0,
                8.0 / 5.0,
                9.0 / 5.0,
            ],
        }
    }
}

/// A scale rooted on a MIDI note, with a tuning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub kind: ScaleKind,
    pub root_midi: i32,
    pub tuning: Tuning,
}

impl Scale {
    /// Number of degrees per octave.
    pub fn len(&self) -> i32 {
        self.kind.semitones().len() as i32
    }

    /// Always false: a scale has at least five degrees.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn split(&self, step: i32) -> (usize, i32) {
        let n = self.len();
        (step.rem_euclid(n) as usize, step.div_euclid(n))
    }

    /// MIDI note number of a scale step (the nearest equal-tempered key in just tuning).
    pub fn midi(&self, step: i32) -> i32 {
        let (degree, octave) = self.split(step);
        self.root_midi + 12 * octave + self.kind.semitones()[degree]
    }

    /// Frequency in Hz of a scale step in this tuning.
    pub fn freq(&self, step: i32) -> f32 {
        let (degree, octave) = self.split(step);
        let root = 440.0 * 2f64.powf((self.root_midi as f64 - 69.0) / 12.0);
        let ratio = match self.tuning {
            Tuning::Equal => 2f64.powf(self.kind.semitones()[degree] as f64 / 12.0),
            Tuning::Just => self.kind.just_ratios()[degree],
        };
        (root * ratio * 2f64.powi(octave)) as f32
    }

    /// Whether a MIDI note's pitch class is in the scale.
    pub fn contains_midi(&self, midi: i32) -> bool {
        let pc = (midi - self.root_midi).rem_euclid(12);
        self.kind.semitones().contains(&pc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_wrap_octaves() {
        let s = Scale {
            kind: ScaleKind::MajorPentatonic,
            root_midi: 60,
            tuning: Tuning::Equal,
        };
        assert_eq!(s.midi(0), 60);
        assert_eq!(s.midi(5), 72);
        assert_eq!(s.midi(-1), 57);
        assert!((s.freq(5) / s.freq(0) - 2.0).abs() < 1e-5);
    }

    #[test]
    fn just_fifth_is_pure() {
        let s = Scale {
            kind: ScaleKind::Major,
            root_midi: 57,
            tuning: Tuning::Just,
        };
        assert!((s.freq(4) / s.freq(0) - 1.5).abs() < 1e-6);
        assert!((s.freq(0) - 220.0).abs() < 1e-3);
        assert_eq!(s.midi(4), 64);
    }

    #[test]
    fn ratios_match_semitones_within_a_fifth_of_a_semitone() {
        for kind in ScaleKind::ALL {
            for (semi, ratio) in kind.semitones().iter().zip(kind.just_ratios()) {
                let cents = 1200.0 * ratio.log2() - 100.0 * *semi as f64;
                assert!(cents.abs() < 20.0, "{kind:?} {semi}: {cents} cents");
            }
        }
    }
}
