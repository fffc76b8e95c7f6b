//! The named controls: the only way the rest of the program steers sound.
//!
//! Every control is a value in `0..=1`. Presets decide what each control means for
//! their voices (see [`crate::preset`]); the control model, the CLI and the
//! D-Bus layer only ever speak in these names. Values travel to the audio thread
//! through fundsp [`Shared`] atomics and are smoothed there, so a 4–10 Hz control
//! rate makes no zipper noise.

use fundsp::prelude32::{Shared, shared};
use std::fmt;
use std::str::FromStr;

/// One named control. The order is the fixed order of control vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Control {
    /// Beat rate within the preset's tempo range.
    Tempo,
    /// Overall arousal: loudness of rhythmic voices, attack, activity.
    Energy,
    /// Spectral brightness: filter cutoffs, bell brilliance.
    Brightness,
    /// Note density: how many of the composed notes sound.
    Density,
    /// Harmonic colour: chord extensions, substitutions, melodic leaps.
    Tension,
    /// Movement: modulation depth and rate, swells, melodic motion.
    Motion,
    /// Room: reverb size and mix.
    Space,
    /// Grain: noise bed level and colour, detune.
    Texture,
}

impl Control {
    /// All controls in vector order.
    pub const ALL: [Control; 8] = [
        Control::Tempo,
        Control::Energy,
        Control::Brightness,
        Control::Density,
        Control::Tension,
        Control::Motion,
        Control::Space,
        Control::Texture,
    ];
    /// Number of controls.
    pub const COUNT: usize = Self::ALL.len();

    /// The stable string id used in presets, CSV headers and D-Bus.
    pub fn name(self) -> &'static str {
        match self {
            Control::Tempo => "tempo",
            Control::Energy => "energy",
            Control::Brightness => "brightness",
            Control::Density => "density",
            Control::Tension => "tension",
            Control::Motion => "motion",
            Control::Space => "space",
            Control::Texture => "texture",
        }
    }

    /// Position in a control vector.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for a control name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown control `{0}` (expected one of: tempo, energy, brightness, density, tension, motion, space, texture)"
)]
pub struct UnknownControl(pub String);

impl FromStr for Control {
    type Err = UnknownControl;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Control::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownControl(s.to_string()))
    }
}

/// A full set of control values, in [`Control::ALL`] order, each clamped to `0..=1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlValues(pub [f32; Control::COUNT]);

impl Default for ControlValues {
    fn default() -> Self {
        ControlValues([0.5; Control::COUNT])
    }
}

impl ControlValues {
    /// Value of one control.
    pub fn get(&self, c: Control) -> f32 {
        self.0[c.index()]
    }
    /// Set one control, clamped to `0..=1`; NaN becomes 0.5 so a bad value never reaches audio.
    pub fn set(&mut self, c: Control, v: f32) {
        self.0[c.index()] = sanitize(v);
    }
}

/// Clamp to `0..=1`, mapping NaN to the neutral 0.5.
pub fn sanitize(v: f32) -> f32 {
    if v.is_nan() { 0.5 } else { v.clamp(0.0, 1.0) }
}

/// The live control values shared with the audio thread (lock-free atomics).
///
/// Cloning shares the same atomics: every clone sees every write.
#[derive(Clone)]
pub struct SharedControls {
    values: [Shared; Control::COUNT],
}

impl SharedControls {
    /// Shared controls starting at `initial`.
    pub fn new(initial: ControlValues) -> Self {
        SharedControls {
            values: initial.0.map(shared),
        }
    }
    /// Publish one control value (clamped).
    pub fn set(&self, c: Control, v: f32) {
        self.values[c.index()].set_value(sanitize(v));
    }
    /// Publish all values.
    pub fn set_all(&self, v: &ControlValues) {
        for c in Control::ALL {
            self.set(c, v.get(c));
        }
    }
    /// Read the latest published values (real-time safe).
    pub fn load(&self) -> ControlValues {
        ControlValues(std::array::from_fn(|i| self.values[i].value()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_order() {
        for (i, c) in Control::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(c.name().parse::<Control>().unwrap(), *c);
        }
        assert!("loudness".parse::<Control>().is_err());
    }

    #[test]
    fn values_are_clamped_and_nan_is_neutral() {
        let shared = SharedControls::new(ControlValues::default());
        shared.set(Control::Energy, 3.0);
        shared.set(Control::Tempo, f32::NAN);
        let v = shared.load();
        assert_eq!(v.get(Control::Energy), 1.0);
        assert_eq!(v.get(Control::Tempo), 0.5);
    }
}
