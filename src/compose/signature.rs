//! Keeping a preset's signature voices ([`crate::preset::signature`]) in the form: where
//! a mode's journey would rest one, it rests for one short section at most, and not again
//! for a while; otherwise it stays, sparsely, under the others. A listener who chose
//! `piano` hears the piano breathe between phrases, not a pad for half an hour.

use super::arrangement::{Part, Role};
use crate::preset::signature::Signature;

/// The longest a signature part rests: one short section, minutes.
pub const LONGEST_REST_MIN: f64 = 2.0;
/// Minutes a signature part plays between two of its rests.
pub const BETWEEN_RESTS_MIN: f64 = 8.0;

/// How a signature part plays where the journey would have rested it: under the others,
/// at half its density.
const PRESENT: Part = Part {
    role: Role::Accompany,
    octave: 0,
    density: 0.5,
};

/// Since when each part has played without a rest, minutes (`NEG_INFINITY`: from the
/// start; `INFINITY`: it rests now).
pub type PlayingSince = [f64; 5];

/// Hold `signature`'s parts in a section starting at `starts` that would play `parts`
/// for `minutes`, after a section whose parts played since `prev` (`None`: the first):
/// a rest stays only if the part has played [`BETWEEN_RESTS_MIN`] since its last one,
/// and then the section is cut to [`LONGEST_REST_MIN`]. Returns since when each part
/// now plays.
pub fn hold(
    signature: Signature,
    prev: Option<&PlayingSince>,
    starts: f64,
    parts: &mut [Part; 5],
    minutes: &mut f64,
) -> PlayingSince {
    let mut since = [f64::INFINITY; 5];
    for (part, p) in parts.iter_mut().enumerate() {
        let before = prev.map_or(f64::NEG_INFINITY, |s| s[part]);
        if !p.plays() && signature.holds(part) {
            let rested_long_ago = prev.is_some() && starts - before >= BETWEEN_RESTS_MIN;
            if rested_long_ago {
                *minutes = minutes.min(LONGEST_REST_MIN);
            } else {
                *p = PRESENT;
            }
        }
        if p.plays() {
            since[part] = if before == f64::INFINITY {
                starts
            } else {
                before
            };
        }
    }
    since
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::arrangement::{BASS, BELLS, PAD, PULSE, VOICES};
    use crate::preset::signature::PART_NAMES;

    #[test]
    fn the_presets_part_names_are_the_arrangements_parts() {
        for (name, part) in PART_NAMES {
            let voice = VOICES[part];
            let expected = match name {
                "chords" => PAD,
                "melody" => BELLS,
                "bass" => BASS,
                "beat" => PULSE,
                other => panic!("unknown part name {other}"),
            };
            assert_eq!(part, expected, "{name} is the arrangement's {voice}");
        }
    }

    fn melody() -> Signature {
        Signature::parse(&["melody".into()]).unwrap()
    }

    #[test]
    fn a_signature_part_rests_one_short_section_then_plays_on() {
        let on = Part {
            role: Role::Lead,
            octave: 0,
            density: 1.0,
        };
        let resting = [Part::REST, Part::REST, on, on, on];
        // The first section: no rest yet.
        let mut parts = resting;
        let mut minutes = 5.0;
        let since = hold(melody(), None, 0.0, &mut parts, &mut minutes);
        assert_eq!(parts[BELLS], PRESENT);
        assert_eq!((minutes, since[BELLS]), (5.0, f64::NEG_INFINITY));
        // Ten minutes on: it may rest, for two minutes.
        let mut parts = resting;
        let since = hold(melody(), Some(&since), 10.0, &mut parts, &mut minutes);
        assert_eq!((parts[BELLS], minutes), (Part::REST, LONGEST_REST_MIN));
        assert_eq!(since[BELLS], f64::INFINITY);
        // It comes back, and may not rest again for eight minutes.
        let mut parts = resting;
        let mut minutes = 4.0;
        let since = hold(melody(), Some(&since), 12.0, &mut parts, &mut minutes);
        assert_eq!((parts[BELLS], minutes), (PRESENT, 4.0));
        assert_eq!(since[BELLS], 12.0);
        let mut parts = resting;
        let since = hold(melody(), Some(&since), 16.0, &mut parts, &mut minutes);
        assert_eq!(parts[BELLS], PRESENT);
        let mut parts = resting;
        hold(melody(), Some(&since), 20.0, &mut parts, &mut minutes);
        assert_eq!(parts[BELLS], Part::REST);
        // Parts that are not the signature rest as the journey says.
        assert_eq!(parts[PAD], Part::REST);
    }
}
