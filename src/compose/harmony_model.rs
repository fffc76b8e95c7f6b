//! The learned harmony: how chords move in Bach's chorales, by scale degree, in a major or a
//! minor mode, as the next cadence nears (`models/harmony.json`, trained by
//! `models/composer/train/harmony.py`; its card is the "Harmony learned" section of
//! `models/composer.md`). The phrase composer's harmony draws on it, blended with each mode's
//! own colour ([`super::harmony::mode_boost`]).
//!
//! Its contract (`contract_version` "1"): `probabilities[mode][bucket][from][to]`, modes
//! `["major", "minor"]`, buckets 0..3 the chord changes left to the cadence (3: three or
//! more), degrees 0..6; every row a distribution that never stays on its own degree.

use crate::music::scale::ScaleKind;
use std::sync::OnceLock;

pub const CONTRACT_VERSION: &str = "1";
pub const DEGREES: usize = 7;
pub const BUCKETS: usize = 4;
const MODES: [&str; 2] = ["major", "minor"];

/// The table built into the binary.
pub const BUILTIN_TABLE: &str = include_str!("../../models/harmony.json");

/// A checked table of chord moves.
#[derive(Debug, Clone, PartialEq)]
pub struct HarmonyModel {
    probabilities: [[[[f32; DEGREES]; DEGREES]; BUCKETS]; 2],
}

#[derive(serde::Deserialize)]
struct Raw {
    contract_version: String,
    modes: Vec<String>,
    probabilities: Vec<Vec<Vec<Vec<f32>>>>,
}

impl HarmonyModel {
    /// The built-in table, read once per process.
    pub fn builtin() -> Result<&'static HarmonyModel, String> {
        static MODEL: OnceLock<Result<HarmonyModel, String>> = OnceLock::new();
        MODEL
            .get_or_init(|| HarmonyModel::parse(BUILTIN_TABLE, "(built-in) harmony.json"))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Read and check a table; `name` names it in messages.
    pub fn parse(text: &str, name: &str) -> Result<HarmonyModel, String> {
        let refuse = |why: String| format!("{name}: harmony model refused: {why}");
        let raw: Raw = serde_json::from_str(text).map_err(|e| refuse(e.to_string()))?;
        if raw.contract_version != CONTRACT_VERSION {
            return Err(refuse(format!(
                "contract version \"{}\" is not this build's \"{CONTRACT_VERSION}\"",
                raw.contract_version
            )));
        }
        if raw.modes != MODES {
            return Err(refuse(format!("modes {:?}, not {MODES:?}", raw.modes)));
        }
        let mut probabilities = [[[[0.0; DEGREES]; DEGREES]; BUCKETS]; 2];
        let shape_ok = raw.probabilities.len() == 2
            && raw.probabilities.iter().all(|m| {
                m.len() == BUCKETS
                    && m.iter()
                        .all(|b| b.len() == DEGREES && b.iter().all(|r| r.len() == DEGREES))
            });
        if !shape_ok {
            return Err(refuse(format!("its table is not 2 × {BUCKETS} × 7 × 7")));
        }
        for (m, mode) in raw.probabilities.iter().enumerate() {
            for (b, bucket) in mode.iter().enumerate() {
                for (from, row) in bucket.iter().enumerate() {
                    let sum: f32 = row.iter().sum();
                    let bad = row.iter().any(|p| !p.is_finite() || *p < 0.0);
                    if bad || (sum - 1.0).abs() > 1e-3 || row[from] != 0.0 {
                        return Err(refuse(format!(
                            "row {} / {b} / {from} is not a distribution that leaves its degree",
                            MODES[m]
                        )));
                    }
                    probabilities[m][b][from].copy_from_slice(row);
                }
            }
        }
        Ok(HarmonyModel { probabilities })
    }

    /// The chance of the move `from → to` (scale degrees of a seven-note mode) in `kind`,
    /// with `changes_left` chord changes to the cadence after this one.
    pub fn chance(&self, kind: ScaleKind, changes_left: u32, from: i32, to: i32) -> f32 {
        let mode = match kind {
            ScaleKind::Dorian | ScaleKind::Aeolian | ScaleKind::MinorPentatonic => 1,
            _ => 0,
        };
        let bucket = (changes_left as usize).min(BUCKETS - 1);
        self.probabilities[mode][bucket][from.rem_euclid(7) as usize][to.rem_euclid(7) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_loads_and_a_broken_one_is_refused() {
        let m = HarmonyModel::builtin().expect("built-in table");
        // In Bach's major chorales the dominant goes home more than anywhere else.
        let from_v: Vec<f32> = (0..7)
            .map(|to| m.chance(ScaleKind::Major, 3, 4, to))
            .collect();
        let home = from_v[0];
        assert!(from_v.iter().all(|&p| p <= home), "{from_v:?}");
        let e = HarmonyModel::parse(
            "{\"contract_version\": \"9\", \"modes\": [], \"probabilities\": []}",
            "x.json",
        )
        .unwrap_err();
        assert!(
            e.contains("x.json") && e.contains("contract version"),
            "{e}"
        );
        let e = HarmonyModel::parse("not json", "y.json").unwrap_err();
        assert!(e.starts_with("y.json: harmony model refused"), "{e}");
    }
}
