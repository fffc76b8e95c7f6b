//! Explanations: for the current features, which inputs moved which controls most.
//!
//! Each continuous input in turn is set to its contract-neutral value and the change in
//! every control is recorded: a finite difference against a neutral input. Flags (sensor
//! present, mode) are context rather than causes (switching one off moves everything it
//! gates), so they are not probed. The result is plain data for the CLI and D-Bus to show.

use super::contract::{INPUT_SPECS, INPUTS, OUTPUTS};
use crate::controls::Control;

/// How much one input moved one control.
#[derive(Debug, Clone, PartialEq)]
pub struct Influence {
    pub input: &'static str,
    pub control: Control,
    /// Control value with the actual input minus with the neutral input.
    pub delta: f32,
}

/// The influences of every input on every control for features `x` under `controller`
/// (any function from features to controls), largest magnitude first, those under
/// `min_delta` left out.
pub fn explain(
    x: &[f32; INPUTS],
    mut controller: impl FnMut(&[f32; INPUTS]) -> [f32; OUTPUTS],
    min_delta: f32,
) -> Vec<Influence> {
    let base = controller(x);
    let mut out = Vec::new();
    for (i, spec) in INPUT_SPECS.iter().enumerate() {
        if spec.normalisation == "0 or 1" || spec.normalisation == "one-hot" {
            continue;
        }
        let neutral = spec.neutral;
        if x[i] == neutral {
            continue;
        }
        let mut probe = *x;
        probe[i] = neutral;
        let moved = controller(&probe);
        for (c, control) in Control::ALL.iter().enumerate() {
            let delta = base[c] - moved[c];
            if delta.abs() >= min_delta {
                out.push(Influence {
                    input: spec.name,
                    control: *control,
                    delta,
                });
            }
        }
    }
    out.sort_by(|a, b| b.delta.abs().total_cmp(&a.delta.abs()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::contract::*;
    use crate::control::teacher::teach;

    #[test]
    fn high_heart_rate_is_the_top_reason_for_energy_in_relax() {
        let mut x = [0.0; INPUTS];
        x[MODE_RELAX] = 1.0;
        x[TOD_COS] = -1.0; // noon
        x[HR_PRESENT] = 1.0;
        x[HR_REL] = 0.9;
        let why = explain(&x, teach, 0.01);
        let top = why.iter().find(|i| i.control == Control::Energy).unwrap();
        assert_eq!(top.input, "hr_rel");
        assert!(top.delta > 0.1, "{top:?}");
    }
}
