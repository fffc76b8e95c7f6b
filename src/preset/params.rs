//! Synthesis parameters addressed by stable string ids (`pad.cutoff`), and how a preset
//! drives each one from a control.

use crate::controls::{Control, ControlValues};
use serde::Deserialize;

macro_rules! params {
    ($( $variant:ident => $id:literal, [$lo:expr, $hi:expr], $default:expr; )*) => {
        /// A synthesis parameter. Presets name it by [`Param::id`], never by index.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Param { $( $variant, )* }

        impl Param {
            /// Every parameter, in table order.
            pub const ALL: &'static [Param] = &[ $( Param::$variant, )* ];
            /// Stable string id, `group.name`.
            pub fn id(self) -> &'static str { match self { $( Param::$variant => $id, )* } }
            /// The legal range of values.
            pub fn legal(self) -> (f32, f32) { match self { $( Param::$variant => ($lo, $hi), )* } }
            /// What a preset gets when it says nothing about this parameter.
            pub fn default_spec(self) -> ParamSpec { match self { $( Param::$variant => $default, )* } }
        }
    };
}

const fn map(control: Control, lo: f32, hi: f32, curve: Curve) -> ParamSpec {
    ParamSpec::Mapped(MappedSpec {
        control,
        range: [lo, hi],
        curve,
    })
}
use Control::*;
use Curve::{Exp, Lin};

params! {
    TempoBpm => "tempo.bpm", [30.0, 200.0], map(Tempo, 60.0, 90.0, Lin);
    MelodyDensity => "melody.density", [0.0, 1.0], map(Density, 0.15, 0.9, Lin);
    MelodyLeap => "melody.leap", [0.0, 1.0], map(Motion, 0.2, 0.8, Lin);
    MelodyRest => "melody.rest", [0.0, 1.0], map(Energy, 0.5, 0.1, Lin);
    HarmonyTension => "harmony.tension", [0.0, 1.0], map(Tension, 0.0, 1.0, Lin);
    PadLevel => "pad.level", [0.0, 1.0], ParamSpec::Const(0.5);
    PadCutoff => "pad.cutoff", [40.0, 16000.0], map(Brightness, 400.0, 3500.0, Exp);
    PadSwell => "pad.swell", [0.0, 1.0], map(Motion, 0.0, 0.5, Lin);
    PadDetune => "pad.detune", [0.0, 50.0], map(Texture, 3.0, 12.0, Lin);
    BellsLevel => "bells.level", [0.0, 1.0], ParamSpec::Const(0.35);
    BellsBrightness => "bells.brightness", [0.0, 8.0], map(Brightness, 0.3, 3.0, Lin);
    BellsDecay => "bells.decay", [0.1, 20.0], map(Space, 1.0, 4.0, Lin);
    BassLevel => "bass.level", [0.0, 1.0], ParamSpec::Const(0.3);
    PulseLevel => "pulse.level", [0.0, 1.0], map(Energy, 0.0, 0.3, Lin);
    NoiseLevel => "noise.level", [0.0, 1.0], map(Texture, 0.0, 0.15, Lin);
    NoiseCutoff => "noise.cutoff", [40.0, 16000.0], map(Brightness, 500.0, 6000.0, Exp);
    NoiseGust => "noise.gust", [0.0, 1.0], map(Motion, 0.0, 0.6, Lin);
    GrainsLevel => "grains.level", [0.0, 1.0], ParamSpec::Const(0.0);
    GrainsRate => "grains.rate", [0.5, 40.0], map(Texture, 4.0, 14.0, Lin);
    ReverbMix => "reverb.mix", [0.0, 1.0], map(Space, 0.15, 0.5, Lin);
    ReverbDecay => "reverb.decay", [0.3, 20.0], map(Space, 2.0, 8.0, Lin);
}

impl Param {
    /// Look a parameter up by its id.
    pub fn from_id(id: &str) -> Option<Param> {
        Param::ALL.iter().copied().find(|p| p.id() == id)
    }
}

/// How a control's `0..1` becomes a parameter value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Curve {
    /// Straight line from `range[0]` to `range[1]`.
    #[default]
    Lin,
    /// Geometric (equal ratios per step): right for frequencies and times.
    Exp,
}

/// A control-driven parameter: `control` swept over `range` along `curve`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappedSpec {
    pub control: Control,
    pub range: [f32; 2],
    #[serde(default)]
    pub curve: Curve,
}

/// A parameter in a preset: a constant or a mapping from a control.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(
    untagged,
    expecting = "a number, or a table { control = \"...\", range = [lo, hi], curve = \"lin\"|\"exp\" }"
)]
pub enum ParamSpec {
    Const(f32),
    Mapped(MappedSpec),
}

impl ParamSpec {
    /// Evaluate for the given controls.
    pub fn eval(&self, controls: &ControlValues) -> f32 {
        self.eval_with(controls, self.log_ratio())
    }

    /// `ln(hi / lo)` of an exponential mapping (0 otherwise): what [`ParamTable`] keeps so
    /// the audio thread's per-block evaluation takes no logarithm.
    fn log_ratio(&self) -> f32 {
        match *self {
            ParamSpec::Mapped(MappedSpec {
                range: [lo, hi],
                curve: Curve::Exp,
                ..
            }) => (hi / lo).ln(),
            _ => 0.0,
        }
    }

    #[inline]
    fn eval_with(&self, controls: &ControlValues, log_ratio: f32) -> f32 {
        match *self {
            ParamSpec::Const(v) => v,
            ParamSpec::Mapped(m) => {
                let x = controls.get(m.control);
                let [lo, hi] = m.range;
                match m.curve {
                    Curve::Lin => lo + (hi - lo) * x,
                    Curve::Exp => lo * crate::fast_math::exp_fast(x * log_ratio),
                }
            }
        }
    }

    /// The values this spec can produce.
    pub fn bounds(&self) -> (f32, f32) {
        match *self {
            ParamSpec::Const(v) => (v, v),
            ParamSpec::Mapped(m) => (m.range[0].min(m.range[1]), m.range[0].max(m.range[1])),
        }
    }
}

impl<'de> Deserialize<'de> for Control {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// All parameters of one preset, resolved, evaluated as a block.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamTable {
    specs: Vec<ParamSpec>,
    /// Each spec's [`ParamSpec::log_ratio`], kept beside it.
    log_ratios: Vec<f32>,
}

impl Default for ParamTable {
    fn default() -> Self {
        let specs: Vec<ParamSpec> = Param::ALL.iter().map(|p| p.default_spec()).collect();
        ParamTable {
            log_ratios: specs.iter().map(ParamSpec::log_ratio).collect(),
            specs,
        }
    }
}

impl ParamTable {
    /// Replace one parameter's spec.
    pub fn set(&mut self, p: Param, spec: ParamSpec) {
        self.specs[p as usize] = spec;
        self.log_ratios[p as usize] = spec.log_ratio();
    }
    /// One parameter's spec.
    pub fn spec(&self, p: Param) -> ParamSpec {
        self.specs[p as usize]
    }
    /// Evaluate every parameter into `out` (no allocation).
    pub fn eval_into(&self, controls: &ControlValues, out: &mut ParamValues) {
        let specs = self.specs.iter().zip(&self.log_ratios);
        for (o, (s, &log_ratio)) in out.0.iter_mut().zip(specs) {
            *o = s.eval_with(controls, log_ratio);
        }
    }
}

/// Evaluated parameter values, indexed by [`Param`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamValues(pub [f32; PARAM_COUNT]);

/// Number of parameters.
pub const PARAM_COUNT: usize = Param::ALL.len();

impl ParamValues {
    /// Value of one parameter.
    #[inline]
    pub fn get(&self, p: Param) -> f32 {
        self.0[p as usize]
    }
}
