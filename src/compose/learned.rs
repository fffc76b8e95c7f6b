//! The learned composer: a next-note model trained on real melodies (Bach's chorale tunes,
//! O'Neill's and Ryan's collections of dance tunes; `models/composer.md`), run with tract on
//! the control side while bars are planned, never on the audio thread.
//!
//! Its contract: input `context` `[1, 159]` — the last six notes (a diatonic step −7..7 and a
//! length of 1..8 eighths, one-hot each, most recent first, zeros before the start), the
//! next note's position in the bar (eighths, one-hot of 16) and the bar's length (one of
//! 4, 6, 8, 9, 12 eighths, one-hot); output `logits` `[1, 120]` over (step, length), step
//! major. The metadata `attuned.composer_contract` must be "1". Anything else is refused with
//! a message naming the file, and the rules compose instead.

use crate::tract_session::PlanSession;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tract_onnx::prelude::*;

pub const CONTRACT_VERSION: &str = "1";
pub const VERSION_KEY: &str = "attuned.composer_contract";
/// Notes of context.
pub const CONTEXT: usize = 6;
/// Diatonic steps −7..=7.
pub const STEPS: usize = 15;
/// Lengths 1..=8 eighths.
pub const LENGTHS: usize = 8;
pub const POSITIONS: usize = 16;
/// Bar lengths the model knows, in eighths.
pub const BARS: [u32; 5] = [4, 6, 8, 9, 12];
pub const INPUTS: usize = CONTEXT * (STEPS + LENGTHS) + POSITIONS + BARS.len();
pub const OUTPUTS: usize = STEPS * LENGTHS;

/// The model built into the binary.
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../models/composer.onnx");

/// Why a composer model was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: composer model refused: {reason}")]
pub struct ComposerError {
    pub path: PathBuf,
    pub reason: String,
}

/// One note as the model sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Diatonic steps from the previous note.
    pub step: i32,
    /// Length in eighths.
    pub eighths: u32,
}

/// A loaded, checked composer model.
#[derive(Debug, Clone)]
pub struct ComposerModel {
    plan: PlanSession,
    path: PathBuf,
}

impl ComposerModel {
    /// The built-in model, loaded once per process (shared by every planner).
    pub fn builtin() -> Result<Arc<ComposerModel>, ComposerError> {
        static MODEL: OnceLock<Result<Arc<ComposerModel>, ComposerError>> = OnceLock::new();
        MODEL
            .get_or_init(|| {
                ComposerModel::from_bytes(BUILTIN_MODEL, Path::new("(built-in) composer.onnx"))
                    .map(Arc::new)
            })
            .clone()
    }

    /// Load and check the model at `path`.
    pub fn load(path: &Path) -> Result<Self, ComposerError> {
        let bytes = crate::input_file::read(path, crate::input_file::MODEL_LIMIT).map_err(|e| {
            ComposerError {
                path: path.to_owned(),
                reason: format!("cannot read it: {e}"),
            }
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Load and check a model from memory; `path` names it in messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, ComposerError> {
        let refuse = |reason: String| ComposerError {
            path: path.to_owned(),
            reason,
        };
        let proto = crate::tract_session::contracted_proto(bytes, VERSION_KEY, CONTRACT_VERSION)
            .map_err(refuse)?;
        let plan = tract_onnx::onnx()
            .model_for_proto_model(&proto)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, INPUTS]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .and_then(PlanSession::new)
            .map_err(|e| refuse(format!("its input is not [1, {INPUTS}] ({e:#})")))?;
        let model = ComposerModel {
            plan,
            path: path.to_owned(),
        };
        let first = model.logits(&context(&[], 0, 8))?;
        if first.iter().any(|v| !v.is_finite()) {
            return Err(refuse("it gives non-finite logits".into()));
        }
        Ok(model)
    }

    /// The file the model came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The logits for `x` (see the module docs).
    pub fn logits(&self, x: &[f32; INPUTS]) -> Result<[f32; OUTPUTS], ComposerError> {
        let failed = |reason: String| ComposerError {
            path: self.path.clone(),
            reason,
        };
        let input = tract_ndarray::Array2::from_shape_vec((1, INPUTS), x.to_vec())
            .map_err(|e| failed(e.to_string()))?;
        let out = self
            .plan
            .run(tvec!(Tensor::from(input).into()))
            .map_err(|e| failed(format!("run failed: {e:#}")))?;
        let view = out[0]
            .to_plain_array_view::<f32>()
            .map_err(|e| failed(format!("{e:#}")))?;
        if view.len() != OUTPUTS {
            return Err(failed(format!(
                "its output has {} values, the contract needs {OUTPUTS}",
                view.len()
            )));
        }
        let mut y = [0.0f32; OUTPUTS];
        for (o, v) in y.iter_mut().zip(view.iter()) {
            *o = *v;
        }
        Ok(y)
    }
}

/// The model's input: `history` (oldest first; the last [`CONTEXT`] are used), the next
/// note's position in the bar and the bar's length, both in eighths.
pub fn context(history: &[Step], position: u32, bar_eighths: u32) -> [f32; INPUTS] {
    let mut x = [0.0f32; INPUTS];
    for (k, note) in history.iter().rev().take(CONTEXT).enumerate() {
        let base = k * (STEPS + LENGTHS);
        x[base + (note.step.clamp(-7, 7) + 7) as usize] = 1.0;
        x[base + STEPS + (note.eighths.clamp(1, 8) - 1) as usize] = 1.0;
    }
    let tail = CONTEXT * (STEPS + LENGTHS);
    x[tail + position as usize % POSITIONS] = 1.0;
    let bar = BARS
        .iter()
        .position(|&b| b == bar_eighths)
        .unwrap_or_else(|| BARS.iter().position(|&b| b >= bar_eighths).unwrap_or(4));
    x[tail + POSITIONS + bar] = 1.0;
    x
}

/// Re-weight the lengths: each note's probability times `eighths^longer` (0: as learned).
pub fn favour_longer(logits: &mut [f32; OUTPUTS], longer: f32) {
    for (i, l) in logits.iter_mut().enumerate() {
        *l += longer * (((i % LENGTHS) + 1) as f32).ln();
    }
}

/// Draw the next note from `logits` at `temperature`, among the notes `allowed` keeps
/// (register, bar end); `u` is a uniform draw in `0..1`. `None` if nothing is allowed.
pub fn sample(
    logits: &[f32; OUTPUTS],
    temperature: f32,
    allowed: impl Fn(Step) -> bool,
    u: f32,
) -> Option<Step> {
    let t = temperature.max(0.05);
    let note = |i: usize| Step {
        step: (i / LENGTHS) as i32 - 7,
        eighths: (i % LENGTHS) as u32 + 1,
    };
    let top = (0..OUTPUTS)
        .filter(|&i| allowed(note(i)))
        .map(|i| logits[i])
        .fold(f32::NEG_INFINITY, f32::max);
    if !top.is_finite() {
        return None;
    }
    let weight = |i: usize| {
        if allowed(note(i)) {
            ((logits[i] - top) / t).exp()
        } else {
            0.0
        }
    };
    let total: f32 = (0..OUTPUTS).map(weight).sum();
    let mut left = u.clamp(0.0, 0.999_999) * total;
    for i in 0..OUTPUTS {
        let w = weight(i);
        if left < w {
            return Some(note(i));
        }
        left -= w;
    }
    (0..OUTPUTS).rev().find(|&i| weight(i) > 0.0).map(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_one_hot_in_its_slots() {
        let h = [
            Step {
                step: 2,
                eighths: 1,
            },
            Step {
                step: -1,
                eighths: 2,
            },
        ];
        let x = context(&h, 3, 6);
        assert_eq!(x.iter().filter(|&&v| v == 1.0).count(), 6);
        // Most recent first: -1 for 2 eighths.
        assert_eq!(x[6], 1.0);
        assert_eq!(x[STEPS + 1], 1.0);
        assert_eq!(x[STEPS + LENGTHS + 9], 1.0);
    }

    #[test]
    fn sampling_respects_the_mask_and_the_temperature() {
        let mut logits = [0.0f32; OUTPUTS];
        logits[7 * LENGTHS] = 5.0; // step 0, one eighth: the favourite
        let only_up = |s: Step| s.step > 0;
        for k in 0..100 {
            let s = sample(&logits, 1.0, only_up, k as f32 / 100.0).unwrap();
            assert!(s.step > 0);
        }
        let cold = sample(&logits, 0.05, |_| true, 0.5).unwrap();
        assert_eq!(
            cold,
            Step {
                step: 0,
                eighths: 1
            }
        );
        assert_eq!(sample(&logits, 1.0, |_| false, 0.5), None);
    }
}
