//! The phrase composer's model: a recurrent next-note network with memory of the whole
//! melody so far, conditioned on the bar, the phrase and the chord (`models/composer.md`,
//! trained by `models/composer/train/train_phrases.py`). Run with tract on the control side
//! while phrases are planned, never on the audio thread.
//!
//! Its contract (`attuned.phrase_contract` = "1"): inputs `input` `[1, 79]` and `state`
//! `[1, 128]` (zeros at a melody's start), outputs `logits` `[1, 120]` over the next note's
//! (step, length), step major as the first composer's, and `next_state` `[1, 128]`. The
//! input, in order: the previous note's diatonic step (−7..7) and length (1..8 eighths) and
//! its scale degree (0..6), one-hot; the next note's position in the bar (eighths, 16) and
//! the bar's length (4, 6, 8, 9, 12 eighths); its bar within the phrase (0..7) and the bars
//! left to the phrase's end (0..7), one-hot, and 1 if it starts a phrase; the chord under it
//! (root degree 0..6; major, minor or diminished), one-hot; the phrase's notes per eighth.
//! Anything else is refused with a message naming the file.

use super::learned::{BARS, LENGTHS, OUTPUTS, POSITIONS, STEPS};
use crate::tract_session::PlanSession;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tract_onnx::prelude::*;

pub const CONTRACT_VERSION: &str = "1";
pub const VERSION_KEY: &str = "attuned.phrase_contract";
pub const DEGREES: usize = 7;
/// Bars a phrase position is told in (bar k of the phrase, bars left): 0..=7.
pub const PHRASE_BARS: usize = 8;
pub const QUALITIES: usize = 3;
pub const INPUTS: usize = STEPS
    + LENGTHS
    + DEGREES
    + POSITIONS
    + BARS.len()
    + 2 * PHRASE_BARS
    + 1
    + DEGREES
    + QUALITIES
    + 1;
pub const HIDDEN: usize = 128;

/// The model built into the binary.
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../models/phrases.onnx");

/// Why a phrase model was refused or failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: phrase model refused: {reason}")]
pub struct PhraseModelError {
    pub path: PathBuf,
    pub reason: String,
}

/// A chord's quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    Major = 0,
    Minor = 1,
    Diminished = 2,
}

/// What the model reads before one note.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteContext {
    /// The previous note: diatonic step from the one before it, length in eighths, scale
    /// degree 0..6.
    pub previous_step: i32,
    pub previous_eighths: u32,
    pub previous_degree: u32,
    /// Where the next note starts in its bar, in eighths, and the bar's length.
    pub position: u32,
    pub bar_eighths: u32,
    /// The next note's bar within its phrase (0: the first) and the bars after it to the
    /// phrase's end (0: the last bar).
    pub phrase_bar: u32,
    pub bars_left: u32,
    pub starts_phrase: bool,
    /// The chord under the next note: root degree 0..6 and quality.
    pub chord_root: u32,
    pub chord_quality: Quality,
    /// The phrase's notes per eighth (0..1).
    pub density: f32,
}

impl NoteContext {
    /// The model's input vector.
    pub fn input(&self) -> [f32; INPUTS] {
        let mut x = [0.0f32; INPUTS];
        let mut at = 0;
        let mut one_hot = |index: usize, width: usize| {
            x[at + index.min(width - 1)] = 1.0;
            at += width;
        };
        one_hot((self.previous_step.clamp(-7, 7) + 7) as usize, STEPS);
        one_hot(self.previous_eighths.clamp(1, 8) as usize - 1, LENGTHS);
        one_hot(self.previous_degree as usize % DEGREES, DEGREES);
        one_hot(self.position as usize % POSITIONS, POSITIONS);
        let bar = BARS
            .iter()
            .position(|&b| b == self.bar_eighths)
            .unwrap_or_else(|| {
                BARS.iter()
                    .position(|&b| b >= self.bar_eighths)
                    .unwrap_or(4)
            });
        one_hot(bar, BARS.len());
        one_hot(self.phrase_bar as usize, PHRASE_BARS);
        one_hot(self.bars_left as usize, PHRASE_BARS);
        let tail = STEPS + LENGTHS + DEGREES + POSITIONS + BARS.len() + 2 * PHRASE_BARS;
        x[tail] = if self.starts_phrase { 1.0 } else { 0.0 };
        x[tail + 1 + self.chord_root as usize % DEGREES] = 1.0;
        x[tail + 1 + DEGREES + self.chord_quality as usize] = 1.0;
        x[INPUTS - 1] = self.density.clamp(0.0, 1.0);
        x
    }
}

/// The network's memory of the melody so far.
pub type State = [f32; HIDDEN];

/// A loaded, checked phrase model.
#[derive(Debug, Clone)]
pub struct PhraseModel {
    plan: PlanSession,
    path: PathBuf,
}

impl PhraseModel {
    /// Load and check the model at `path`.
    pub fn load(path: &Path) -> Result<Self, PhraseModelError> {
        let bytes = crate::input_file::read(path, crate::input_file::MODEL_LIMIT).map_err(|e| {
            PhraseModelError {
                path: path.to_owned(),
                reason: format!("cannot read it: {e}"),
            }
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// The model built into the binary, loaded once per process (shared by every planner).
    pub fn builtin() -> Result<Arc<PhraseModel>, PhraseModelError> {
        static MODEL: OnceLock<Result<Arc<PhraseModel>, PhraseModelError>> = OnceLock::new();
        MODEL
            .get_or_init(|| {
                PhraseModel::from_bytes(BUILTIN_MODEL, Path::new("(built-in) phrases.onnx"))
                    .map(Arc::new)
            })
            .clone()
    }

    /// Load and check a model from memory; `path` names it in messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, PhraseModelError> {
        let refuse = |reason: String| PhraseModelError {
            path: path.to_owned(),
            reason,
        };
        let proto = crate::tract_session::contracted_proto(bytes, VERSION_KEY, CONTRACT_VERSION)
            .map_err(refuse)?;
        let plan = tract_onnx::onnx()
            .model_for_proto_model(&proto)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, INPUTS]).into()))
            .and_then(|m| m.with_input_fact(1, f32::fact([1, HIDDEN]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .and_then(PlanSession::new)
            .map_err(|e| {
                refuse(format!(
                    "its inputs are not [1, {INPUTS}] and [1, {HIDDEN}] ({e:#})"
                ))
            })?;
        let model = PhraseModel {
            plan,
            path: path.to_owned(),
        };
        let (logits, state) = model.step(&[0.0; INPUTS], &[0.0; HIDDEN])?;
        if logits.iter().chain(state.iter()).any(|v| !v.is_finite()) {
            return Err(refuse("it gives non-finite values".into()));
        }
        Ok(model)
    }

    /// The file the model came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One note: the logits of the next and the memory after it.
    pub fn step(
        &self,
        input: &[f32; INPUTS],
        state: &State,
    ) -> Result<([f32; OUTPUTS], State), PhraseModelError> {
        let failed = |reason: String| PhraseModelError {
            path: self.path.clone(),
            reason,
        };
        let x = tract_ndarray::Array2::from_shape_vec((1, INPUTS), input.to_vec())
            .map_err(|e| failed(e.to_string()))?;
        let h = tract_ndarray::Array2::from_shape_vec((1, HIDDEN), state.to_vec())
            .map_err(|e| failed(e.to_string()))?;
        let out = self
            .plan
            .run(tvec!(Tensor::from(x).into(), Tensor::from(h).into()))
            .map_err(|e| failed(format!("run failed: {e:#}")))?;
        if out.len() != 2 {
            return Err(failed(format!(
                "it has {} outputs, the contract needs logits and next_state",
                out.len()
            )));
        }
        let copy = |i: usize, into: &mut [f32]| -> Result<(), PhraseModelError> {
            let view = out[i]
                .to_plain_array_view::<f32>()
                .map_err(|e| failed(format!("{e:#}")))?;
            if view.len() != into.len() {
                return Err(failed(format!(
                    "output {i} has {} values, the contract needs {}",
                    view.len(),
                    into.len()
                )));
            }
            for (o, v) in into.iter_mut().zip(view.iter()) {
                *o = *v;
            }
            Ok(())
        };
        let mut logits = [0.0f32; OUTPUTS];
        let mut next = [0.0f32; HIDDEN];
        copy(0, &mut logits)?;
        copy(1, &mut next)?;
        Ok((logits, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_has_one_hot_slots_and_the_density_last() {
        let c = NoteContext {
            previous_step: -2,
            previous_eighths: 3,
            previous_degree: 4,
            position: 6,
            bar_eighths: 8,
            phrase_bar: 3,
            bars_left: 0,
            starts_phrase: false,
            chord_root: 4,
            chord_quality: Quality::Major,
            density: 0.5,
        };
        let x = c.input();
        assert_eq!(x.iter().filter(|&&v| v == 1.0).count(), 9);
        assert_eq!(x[5], 1.0); // step −2
        assert_eq!(x[STEPS + 2], 1.0); // three eighths
        assert_eq!(x[STEPS + LENGTHS + 4], 1.0); // degree 4
        assert_eq!(x[INPUTS - 1], 0.5);
        assert_eq!(INPUTS, 79);
    }
}
