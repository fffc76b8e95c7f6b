//! The control model: an ONNX MLP run with tract, checked against the contract at load and
//! at every step.
//!
//! Loading refuses, with a message naming the file: unreadable or corrupt files, a missing
//! or different `attuned.contract_version`, an input or output shape other than the
//! contract's, and a model that yields NaN/inf on the neutral input of any mode. A model of
//! contract version 1 (14 inputs, before the breathing inputs were appended) is still loaded
//! and runs on the first 14 inputs: it simply does not hear the breathing.

use super::contract::*;
use crate::tract_session::PlanSession;
use std::path::{Path, PathBuf};
use tract_onnx::pb::tensor_shape_proto::dimension;
use tract_onnx::pb::type_proto;
use tract_onnx::prelude::*;

/// Why a model was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: cannot read the control model: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a valid ONNX model: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "{path}: control model contract version {found} does not match this build's {expected} (metadata key `{VERSION_KEY}`)"
    )]
    Version {
        path: PathBuf,
        found: String,
        expected: &'static str,
    },
    #[error("{path}: control model {what} shape is {found}, the contract needs {expected}")]
    Shape {
        path: PathBuf,
        what: &'static str,
        found: String,
        expected: String,
    },
    #[error("{path}: control model yields non-finite outputs ({detail})")]
    NonFinite { path: PathBuf, detail: String },
    #[error("{path}: control model failed to run: {reason}")]
    Run { path: PathBuf, reason: String },
}

/// A loaded, checked model ready to run.
#[derive(Debug, Clone)]
pub struct ControlModel {
    plan: PlanSession,
    path: PathBuf,
    /// How many of the contract's inputs the model takes (fewer for a version 1 model).
    inputs: usize,
    /// The model also answers what the clock alone asks for (a second output named
    /// [`CLOCK_OUTPUT`]; models from before it have one output).
    clock_output: bool,
}

/// The name of the optional second output: the controls the clock alone gives (the model's
/// clock part, which hears none of the heart's inputs).
pub const CLOCK_OUTPUT: &str = "clock_controls";

impl ControlModel {
    /// Load and check the model at `path`.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let bytes =
            crate::input_file::read(path, crate::input_file::MODEL_LIMIT).map_err(|source| {
                ModelError::Io {
                    path: path.to_owned(),
                    source,
                }
            })?;
        Self::from_bytes(&bytes, path)
    }

    /// Load and check a model from memory; `path` names it in messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, ModelError> {
        let corrupt = |e: &dyn std::fmt::Display| ModelError::Corrupt {
            path: path.to_owned(),
            reason: format!("{e:#}"),
        };
        crate::tract_session::same_kernels_everywhere();
        let proto = tract_onnx::onnx()
            .proto_model_for_read(&mut &bytes[..])
            .map_err(|e| corrupt(&e))?;
        let version = proto
            .metadata_props
            .iter()
            .find(|p| p.key == VERSION_KEY)
            .map(|p| p.value.clone());
        let inputs_used = match version.as_deref() {
            Some(CONTRACT_VERSION) => INPUTS,
            Some(V1_VERSION) => V1_INPUTS,
            _ => {
                return Err(ModelError::Version {
                    path: path.to_owned(),
                    found: version.map_or_else(|| "(none)".into(), |v| format!("\"{v}\"")),
                    expected: CONTRACT_VERSION,
                });
            }
        };
        let graph = proto.graph.as_ref().ok_or_else(|| corrupt(&"no graph"))?;
        let declared = |values: &[tract_onnx::pb::ValueInfoProto]| -> Option<Vec<i64>> {
            let value = values.first()?;
            let Some(type_proto::Value::TensorType(t)) = value.r#type.as_ref()?.value.as_ref()
            else {
                return None;
            };
            t.shape
                .as_ref()?
                .dim
                .iter()
                .map(|d| match d.value {
                    Some(dimension::Value::DimValue(v)) => Some(v),
                    _ => Some(1), // a symbolic batch dimension is pinned to 1 below
                })
                .collect()
        };
        let shape_error = |what, found: Vec<i64>, expected: usize| ModelError::Shape {
            path: path.to_owned(),
            what,
            found: format!("{found:?}"),
            expected: format!("[1, {expected}]"),
        };
        // Initialisers may be listed among the inputs in old files; the real input is the
        // one without an initialiser.
        let inputs: Vec<_> = graph
            .input
            .iter()
            .filter(|i| !graph.initializer.iter().any(|t| t.name == i.name))
            .cloned()
            .collect();
        if let Some(shape) = declared(&inputs)
            && shape.last() != Some(&(inputs_used as i64))
        {
            return Err(shape_error("input", shape, inputs_used));
        }
        if let Some(shape) = declared(&graph.output)
            && shape.last() != Some(&(OUTPUTS as i64))
        {
            return Err(shape_error("output", shape, OUTPUTS));
        }
        let plan = tract_onnx::onnx()
            .model_for_proto_model(&proto)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, inputs_used]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .and_then(PlanSession::new)
            .map_err(|e| ModelError::Shape {
                path: path.to_owned(),
                what: "input",
                found: format!("incompatible ({e:#})"),
                expected: format!("[1, {inputs_used}]"),
            })?;
        let clock_output = graph.output.get(1).is_some_and(|o| o.name == CLOCK_OUTPUT);
        let model = ControlModel {
            plan,
            path: path.to_owned(),
            inputs: inputs_used,
            clock_output,
        };
        // The output shape is only known for certain after a run: check it, and that the
        // neutral input of every mode gives finite values.
        for mode in [MODE_SLEEP, MODE_FOCUS, MODE_RELAX, MODE_WORKOUT] {
            let mut x: [f32; INPUTS] = std::array::from_fn(|i| INPUT_SPECS[i].neutral);
            x[mode] = 1.0;
            let (y, clock) = model.run_with_clock(&x)?;
            if y.iter()
                .chain(clock.iter().flatten())
                .any(|v| !v.is_finite())
            {
                return Err(ModelError::NonFinite {
                    path: path.to_owned(),
                    detail: format!("{y:?} for the neutral {} input", INPUT_SPECS[mode].name),
                });
            }
        }
        Ok(model)
    }

    /// The file the model came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The contract version the model was written for ("1" hears no breathing).
    pub fn contract_version(&self) -> &'static str {
        if self.inputs == INPUTS {
            CONTRACT_VERSION
        } else {
            V1_VERSION
        }
    }

    /// The model answers what the clock alone gives in the same run
    /// ([`ControlModel::run_with_clock`]).
    pub fn answers_the_clock(&self) -> bool {
        self.clock_output
    }

    /// Run the model on `x` as it is (no clamping of the outputs).
    pub fn run(&self, x: &[f32; INPUTS]) -> Result<[f32; OUTPUTS], ModelError> {
        Ok(self.run_with_clock(x)?.0)
    }

    /// Run the model on `x`: the controls, and (a model that has the output) the controls
    /// the clock alone gives, as they are (no clamping).
    pub fn run_with_clock(
        &self,
        x: &[f32; INPUTS],
    ) -> Result<([f32; OUTPUTS], Option<[f32; OUTPUTS]>), ModelError> {
        let failed = |reason: String| ModelError::Run {
            path: self.path.clone(),
            reason,
        };
        let input =
            tract_ndarray::Array2::from_shape_vec((1, self.inputs), x[..self.inputs].to_vec())
                .map_err(|e| failed(e.to_string()))?;
        let out = self
            .plan
            .run(tvec!(Tensor::from(input).into()))
            .map_err(|e| failed(format!("{e:#}")))?;
        let read = |value: &TValue| -> Result<[f32; OUTPUTS], ModelError> {
            let view = value
                .to_plain_array_view::<f32>()
                .map_err(|e| failed(format!("{e:#}")))?;
            if view.len() != OUTPUTS {
                return Err(ModelError::Shape {
                    path: self.path.clone(),
                    what: "output",
                    found: format!("{:?}", view.shape()),
                    expected: format!("[1, {OUTPUTS}]"),
                });
            }
            let mut y = [0.0f32; OUTPUTS];
            for (o, v) in y.iter_mut().zip(view.iter()) {
                *o = *v;
            }
            Ok(y)
        };
        let clock = match out.get(1) {
            Some(value) if self.clock_output => Some(read(value)?),
            _ => None,
        };
        Ok((read(&out[0])?, clock))
    }
}
