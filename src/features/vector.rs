//! The feature vector: the names, order, units, normalisation and ranges of every input
//! the control model reads. The features are made in this order; the model's contract
//! (`control::contract`) pins it, with its outputs and version.

/// One input of the feature vector.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// Stable name (CSV headers, explanations).
    pub name: &'static str,
    /// What the raw quantity is and its unit.
    pub unit: &'static str,
    /// How the raw quantity becomes the model's value.
    pub normalisation: &'static str,
    /// The model's value range (inputs are clamped into it).
    pub range: (f32, f32),
    /// The value that means "nothing special" (used by explanations).
    pub neutral: f32,
}

macro_rules! inputs {
    ($($konst:ident = $idx:literal: $name:literal, $unit:literal, $norm:literal, [$lo:expr, $hi:expr], $neutral:expr;)*) => {
        $(#[doc = $unit] pub const $konst: usize = $idx;)*
        /// The inputs, in vector order.
        pub const INPUT_SPECS: &[InputSpec] = &[
            $(InputSpec { name: $name, unit: $unit, normalisation: $norm, range: ($lo, $hi), neutral: $neutral },)*
        ];
    };
}

inputs! {
    HR_REL = 0: "hr_rel", "heart rate, bpm", "(hr - resting) / (max - resting); 0 without a sensor", [-0.5, 1.5], 0.2;
    HR_TREND = 1: "hr_trend", "heart-rate slope over the last 60 s, bpm/min", "slope / 20", [-1.0, 1.0], 0.0;
    RMSSD = 2: "rmssd", "RMSSD of artifact-filtered RR intervals over 60 s, ms", "rmssd / 100", [0.0, 2.0], 0.4;
    CADENCE = 3: "cadence", "running cadence, steps/min", "cadence / 200; 0 without a sensor", [0.0, 1.3], 0.0;
    TOD_SIN = 4: "tod_sin", "local time of day", "sin(2π · hours / 24)", [-1.0, 1.0], 0.0;
    TOD_COS = 5: "tod_cos", "local time of day", "cos(2π · hours / 24)", [-1.0, 1.0], -1.0;
    SUN = 6: "sun_elevation", "solar elevation at the configured place, degrees", "degrees / 90", [-1.0, 1.0], 0.3;
    SESSION = 7: "session", "time since the session (or mode) started, minutes", "minutes / 60", [0.0, 4.0], 0.5;
    HR_PRESENT = 8: "hr_present", "a heart-rate sensor with skin contact and fresh data", "0 or 1", [0.0, 1.0], 0.0;
    CADENCE_PRESENT = 9: "cadence_present", "a cadence sensor with fresh data", "0 or 1", [0.0, 1.0], 0.0;
    MODE_SLEEP = 10: "mode_sleep", "mode is sleep", "one-hot", [0.0, 1.0], 0.0;
    MODE_FOCUS = 11: "mode_focus", "mode is focus", "one-hot", [0.0, 1.0], 0.0;
    MODE_RELAX = 12: "mode_relax", "mode is relax", "one-hot", [0.0, 1.0], 0.0;
    MODE_WORKOUT = 13: "mode_workout", "mode is workout", "one-hot", [0.0, 1.0], 0.0;
    BREATHING_RATE = 14: "breathing_rate", "breathing rate read from the RR intervals, breaths/min", "rate / 30; 0 when unknown", [0.0, 1.0], 0.4;
    BREATHING_CONFIDENCE = 15: "breathing_confidence", "confidence of the breathing estimate", "peak power share, 0 when unknown", [0.0, 1.0], 0.0;
}

/// Number of inputs.
pub const INPUTS: usize = 16;

const _: () = assert!(INPUT_SPECS.len() == INPUTS);

/// Clamp every input into its contract range (NaN becomes the neutral value).
pub fn clamp_inputs(x: &mut [f32; INPUTS]) {
    for (v, spec) in x.iter_mut().zip(INPUT_SPECS) {
        *v = if v.is_nan() {
            spec.neutral
        } else {
            v.clamp(spec.range.0, spec.range.1)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_match_the_table() {
        for (i, spec) in INPUT_SPECS.iter().enumerate() {
            assert!(spec.range.0 < spec.range.1, "{}", spec.name);
            assert!(
                (spec.range.0..=spec.range.1).contains(&spec.neutral),
                "{}",
                spec.name
            );
            let idx = [
                HR_REL,
                HR_TREND,
                RMSSD,
                CADENCE,
                TOD_SIN,
                TOD_COS,
                SUN,
                SESSION,
                HR_PRESENT,
                CADENCE_PRESENT,
                MODE_SLEEP,
                MODE_FOCUS,
                MODE_RELAX,
                MODE_WORKOUT,
                BREATHING_RATE,
                BREATHING_CONFIDENCE,
            ][i];
            assert_eq!(idx, i);
        }
    }
}
