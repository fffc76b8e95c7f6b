//! A preset's harmonic character, as its `[harmony]` table declares it: how fast chords
//! change, how far keys may travel, and optionally a progression the grammar prefers.
//!
//! ```toml
//! [harmony]
//! rhythm = [2, 4]         # bars per chord, drawn per chord from this range
//! reach = 2               # keys travel at most this many fifths from home (0: stay home)
//! progression = [1, 4]    # optional: moves along it are strongly preferred (no loop)
//! ```
//! The older `bars_per_chord = N` is still read, as `rhythm = [N, N]`.

use crate::preset::PresetError;
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HarmonyFile {
    progression: Option<Spanned<Vec<i32>>>,
    bars_per_chord: Option<Spanned<u32>>,
    rhythm: Option<Spanned<[u32; 2]>>,
    reach: Option<Spanned<i32>>,
}

/// The validated character.
#[derive(Debug, Clone, PartialEq)]
pub struct Character {
    /// Preferred chord roots as 0-based scale degrees (may be empty).
    pub progression: Vec<i32>,
    /// Bars per chord, low and high.
    pub rhythm: (u32, u32),
    /// Fifths the key may travel from home.
    pub reach: i32,
}

impl HarmonyFile {
    pub(crate) fn validate(
        self,
        degrees: i32,
        invalid: &dyn Fn(Range<usize>, String) -> PresetError,
    ) -> Result<Character, PresetError> {
        let progression = match &self.progression {
            Some(p) => {
                let prog = p.get_ref();
                if prog.is_empty()
                    || prog.len() > 16
                    || prog.iter().any(|d| !(1..=degrees).contains(d))
                {
                    return Err(invalid(
                        p.span(),
                        format!(
                            "progression must list 1 to 16 scale degrees, each in 1..={degrees}"
                        ),
                    ));
                }
                prog.iter().map(|d| d - 1).collect()
            }
            None => Vec::new(),
        };
        let rhythm = match (&self.rhythm, &self.bars_per_chord) {
            (Some(r), None) => {
                let [lo, hi] = *r.get_ref();
                if !(1 <= lo && lo <= hi && hi <= 8) {
                    return Err(invalid(
                        r.span(),
                        format!("rhythm = [{lo}, {hi}]: bars per chord, 1 <= low <= high <= 8"),
                    ));
                }
                (lo, hi)
            }
            (None, Some(b)) => {
                let n = *b.get_ref();
                if !(1..=8).contains(&n) {
                    return Err(invalid(
                        b.span(),
                        format!("bars_per_chord {n} is outside 1..=8"),
                    ));
                }
                (n, n)
            }
            (Some(r), Some(_)) => {
                return Err(invalid(
                    r.span(),
                    "give either rhythm = [low, high] or the older bars_per_chord, not both".into(),
                ));
            }
            (None, None) => (1, 4),
        };
        let reach = match &self.reach {
            Some(r) if !(0..=3).contains(r.get_ref()) => {
                return Err(invalid(
                    r.span(),
                    format!("reach {} is outside 0..=3 fifths", r.get_ref()),
                ));
            }
            Some(r) => *r.get_ref(),
            None => 2,
        };
        Ok(Character {
            progression,
            rhythm,
            reach,
        })
    }
}
