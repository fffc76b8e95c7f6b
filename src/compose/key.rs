//! Keys and how they travel: a key is the preset's scale on a tonic; a move goes one step
//! round the circle of fifths (one accidental changes), which every scale family here
//! shares, so even sleep can modulate without a jolt.

use crate::music::scale::Scale;

/// A key: the preset's scale moved `fifths` steps round the circle of fifths from home,
/// with its tonic kept within a fourth of the home root so the register stays put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Steps round the circle from the preset's home key (+1: the dominant key).
    pub fifths: i32,
    pub scale: Scale,
}

const NOTE_NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

impl Key {
    /// The preset's own key.
    pub fn home(scale: Scale) -> Key {
        Key { fifths: 0, scale }
    }

    /// The key `fifths` steps from `home`.
    pub fn at(home: Scale, fifths: i32) -> Key {
        let shift = (7 * fifths).rem_euclid(12);
        // Fold into −5..=+6 semitones so the whole piece stays in one register.
        let shift = if shift > 6 { shift - 12 } else { shift };
        Key {
            fifths,
            scale: Scale {
                root_midi: home.root_midi + shift,
                ..home
            },
        }
    }

    /// Pitch class (0 = C) of the tonic.
    pub fn tonic_pc(&self) -> i32 {
        self.scale.root_midi.rem_euclid(12)
    }

    /// Pitch classes of the scale, as a 12-bit set.
    pub fn pitch_classes(&self) -> u16 {
        self.scale.kind.semitones().iter().fold(0u16, |set, s| {
            set | 1 << ((self.scale.root_midi + s).rem_euclid(12))
        })
    }

    /// "D dorian", for traces and the D-Bus `Now` property.
    pub fn name(&self) -> String {
        let kind = format!("{:?}", self.scale.kind);
        let mut words = String::new();
        for (i, ch) in kind.chars().enumerate() {
            if ch.is_uppercase() && i > 0 {
                words.push(' ');
            }
            words.push(ch.to_ascii_lowercase());
        }
        format!("{} {words}", NOTE_NAMES[self.tonic_pc() as usize])
    }

    /// Whether the triad on `degree` is diminished (its fifth is a tritone): music meant to
    /// sit still avoids it.
    pub fn is_diminished(&self, degree: i32) -> bool {
        self.scale.midi(degree + 4) - self.scale.midi(degree) == 6
    }

    /// The scale step in this key whose pitch class is `pc`, if it has one.
    pub fn step_of_pc(&self, pc: i32) -> Option<i32> {
        let rel = (pc - self.scale.root_midi).rem_euclid(12);
        self.scale
            .kind
            .semitones()
            .iter()
            .position(|&s| s == rel)
            .map(|i| i as i32)
    }
}

/// The name of a pitch class (0 = C).
pub fn pc_name(pc: i32) -> &'static str {
    NOTE_NAMES[pc.rem_euclid(12) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::scale::{ScaleKind, Tuning};

    fn d_dorian() -> Scale {
        Scale {
            kind: ScaleKind::Dorian,
            root_midi: 50,
            tuning: Tuning::Just,
        }
    }

    #[test]
    fn a_fifth_changes_one_pitch_class_and_keeps_the_register() {
        let home = Key::home(d_dorian());
        for f in [-2, -1, 1, 2] {
            let k = Key::at(d_dorian(), f);
            assert!((k.scale.root_midi - 50).abs() <= 6);
            let near = Key::at(d_dorian(), f - f.signum());
            let changed = (k.pitch_classes() ^ near.pitch_classes()).count_ones();
            assert_eq!(changed, 2, "one pitch class out, one in ({f})");
        }
        assert_eq!(home.name(), "D dorian");
        assert_eq!(Key::at(d_dorian(), 1).name(), "A dorian");
        let pent = Scale {
            kind: ScaleKind::MajorPentatonic,
            ..d_dorian()
        };
        let a = Key::home(pent).pitch_classes() ^ Key::at(pent, 1).pitch_classes();
        assert_eq!(a.count_ones(), 2);
    }
}
