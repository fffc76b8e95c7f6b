//! A preset's signature voices, `[voices] signature = ["melody"]`: the parts a listener
//! chose the preset for (`piano`: the piano; `orchestral`: the strings). The form keeps
//! them sounding: a signature part rests for one short section now and then, never for
//! half an hour (`compose::signature`).

use crate::preset::{Mode, PulseKind};

/// The parts, by their index in the arrangement (`compose::arrangement::VOICES`: pad,
/// bells, bass, pulse, noise; a test there keeps the two in step).
const PAD: usize = 0;
const BELLS: usize = 1;
const BASS: usize = 2;
const PULSE: usize = 3;

/// The names a preset file gives the parts it can sign with, and their indices.
pub const PART_NAMES: [(&str, usize); 4] = [
    ("chords", PAD),
    ("melody", BELLS),
    ("bass", BASS),
    ("beat", PULSE),
];

/// The depth of sleep's descent from which its journey may retire the bass, and the
/// melody: it thins out to its chords and bed.
pub const SLEEP_RETIRES_BASS: f32 = 0.45;
pub const SLEEP_RETIRES_MELODY: f32 = 0.55;

/// The depth of its descent from which a mode's journey may retire `part` on purpose
/// (`None`: it never does). A preset cannot name a retired part its signature; the form
/// follows this and the tests read it.
pub fn retired_by(mode: Mode, part: usize) -> Option<f32> {
    match (mode, part) {
        (Mode::Sleep, BASS) => Some(SLEEP_RETIRES_BASS),
        (Mode::Sleep, BELLS) => Some(SLEEP_RETIRES_MELODY),
        _ => None,
    }
}

/// Which parts are a preset's signature, by their index in the arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Signature([bool; 5]);

impl Signature {
    /// The signature a preset that names none gets: what its mode is heard by (the beat
    /// of a workout, the chords that carry sleep to its end, else the melody).
    pub fn of_mode(mode: Mode) -> Signature {
        let part = match mode {
            Mode::Workout => PULSE,
            Mode::Sleep => PAD,
            Mode::Focus | Mode::Relax => BELLS,
        };
        let mut s = Signature::default();
        s.0[part] = true;
        s
    }

    /// Parse the names of a file's `signature` list.
    pub fn parse(names: &[String]) -> Result<Signature, String> {
        let mut s = Signature::default();
        for name in names {
            let (_, part) = PART_NAMES.iter().find(|(n, _)| n == name).ok_or_else(|| {
                let known: Vec<&str> = PART_NAMES.iter().map(|(n, _)| *n).collect();
                format!(
                    "signature `{name}` is not a part (parts: {})",
                    known.join(", ")
                )
            })?;
            s.0[*part] = true;
        }
        if names.is_empty() {
            return Err("signature names no part: name the voice the preset is known by".into());
        }
        Ok(s)
    }

    /// Whether the preset can keep these voices: a beat needs a pulse, and no part may be
    /// one its mode's journey retires on purpose ([`retired_by`]).
    pub fn check(&self, mode: Mode, pulse: PulseKind) -> Result<(), String> {
        for part in self.parts() {
            let name = Signature::part_name(part);
            if part == PULSE && pulse == PulseKind::None {
                return Err(format!(
                    "signature `{name}`: the preset has no beat (pulse = \"none\")"
                ));
            }
            if let Some(depth) = retired_by(mode, part) {
                return Err(format!(
                    "signature `{name}`: the {mode:?} journey retires it on purpose (from {:.0} % \
                     of its descent), so it cannot be the voice the preset is known by",
                    100.0 * depth
                ));
            }
        }
        Ok(())
    }

    /// Whether form part `part` is a signature voice.
    pub fn holds(&self, part: usize) -> bool {
        self.0.get(part).copied().unwrap_or(false)
    }

    /// The signature parts, by form index.
    pub fn parts(&self) -> Vec<usize> {
        (0..self.0.len()).filter(|p| self.0[*p]).collect()
    }

    /// The name a preset file gives form part `part`.
    pub fn part_name(part: usize) -> &'static str {
        PART_NAMES
            .iter()
            .find(|(_, p)| *p == part)
            .map_or("noise", |(n, _)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_parts_and_unknown_names_are_told() {
        let s = Signature::parse(&["chords".into(), "melody".into()]).unwrap();
        assert_eq!(s.parts(), vec![PAD, BELLS]);
        assert!(s.holds(BELLS) && !s.holds(BASS));
        let e = Signature::parse(&["strings".into()]).unwrap_err();
        assert!(
            e.contains("`strings`") && e.contains("chords, melody"),
            "{e}"
        );
        assert!(Signature::parse(&[]).is_err());
        assert_eq!(Signature::of_mode(Mode::Workout).parts(), vec![PULSE]);
        let melody = Signature::parse(&["melody".into()]).unwrap();
        let e = melody.check(Mode::Sleep, PulseKind::None).unwrap_err();
        assert!(e.contains("retires"), "{e}");
        assert!(melody.check(Mode::Focus, PulseKind::None).is_ok());
        let beat = Signature::parse(&["beat".into()]).unwrap();
        assert!(beat.check(Mode::Focus, PulseKind::None).is_err());
        for mode in [Mode::Sleep, Mode::Focus, Mode::Relax] {
            assert!(
                Signature::of_mode(mode)
                    .check(mode, PulseKind::None)
                    .is_ok()
            );
        }
    }
}
