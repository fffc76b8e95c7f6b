//! The control model's contract: its inputs (the feature vector of
//! [`crate::features::vector`], whose order it pins), its outputs (the controls) and the
//! contract version a model file must carry.
//!
//! `models/README.md` (the model card) restates this table for people; a test keeps the
//! two in step. A model whose metadata `attuned.contract_version` differs, or whose input
//! or output shape differs, is refused.

use crate::controls::Control;

/// Version of this contract. Bump on any change to the tables below.
pub const CONTRACT_VERSION: &str = "2";
/// The previous contract version, still loaded: its inputs are the first [`V1_INPUTS`] of
/// this one (version 2 appended the breathing inputs), so a v1 model runs on them.
pub const V1_VERSION: &str = "1";
/// Number of inputs of a version 1 model.
pub const V1_INPUTS: usize = 14;
/// ONNX metadata key holding the contract version.
pub const VERSION_KEY: &str = "attuned.contract_version";
/// Name of the model's input tensor (shape `[1, INPUTS]`, f32).
pub const INPUT_NAME: &str = "features";
/// Name of the model's output tensor (shape `[1, OUTPUTS]`, f32, each in `0..=1`).
pub const OUTPUT_NAME: &str = "controls";

pub use crate::features::vector::{INPUT_SPECS, INPUTS, InputSpec, clamp_inputs};
// The inputs' indices, by name, as the model and its card know them.
pub use crate::features::vector::{
    BREATHING_CONFIDENCE, BREATHING_RATE, CADENCE, CADENCE_PRESENT, HR_PRESENT, HR_REL, HR_TREND,
    MODE_FOCUS, MODE_RELAX, MODE_SLEEP, MODE_WORKOUT, RMSSD, SESSION, SUN, TOD_COS, TOD_SIN,
};

/// Number of outputs: the engine's controls, in [`Control::ALL`] order, each in `0..=1`.
pub const OUTPUTS: usize = Control::COUNT;

const _: () = assert!(V1_INPUTS == MODE_WORKOUT + 1 && V1_INPUTS < INPUTS);
