//! The control model: features → the engine's named controls.
//!
//! - [`contract`] — names, order, units and ranges of inputs and outputs; the version.
//! - [`teacher`] — the rule-based controller (training target and fallback).
//! - [`model`] — the ONNX model run with tract, checked at load.
//! - [`explain`] — which inputs moved which controls.
//! - [`heart_lead`] — in sleep and relax, meeting an aroused listener, then leading them down.
//! - [`dataset`] — random in-range inputs with the teacher's outputs, for training and checks.
//!
//! [`Controller`] is what the rest of the program uses: it runs the model when one is
//! loaded and the teacher otherwise, and never returns a value outside `0..=1`.

pub mod breath_lead;
pub mod contract;
pub mod dataset;
pub mod explain;
pub mod explain_text;
pub mod heart_lead;
pub mod model;
pub mod pipeline;
pub mod teacher;

use contract::{INPUTS, OUTPUTS};
pub use model::{ControlModel, ModelError};
use std::path::Path;

/// The committed model, built into the binary so it works wherever it is installed.
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../models/control.onnx");

/// After this many consecutive steps with a non-finite output the model is dropped and the
/// teacher takes over for good.
pub const MAX_BAD_STEPS: u32 = 10;

/// The model runs again once an input has moved by more than this (in the contract's
/// normalised units) from the inputs of its last answer; until then that answer stands.
/// Without a sensor the inputs creep (the session input by 1e-3 every 3.6 s, the time of
/// day slower still) and the controls they give are smoothed over seconds, so an idle loop
/// runs the model every few seconds instead of twice a second; a heart rate moves it by
/// 0.008 a beat per minute, so a sensor's every change still runs it.
pub const RERUN_BEYOND: f32 = 1e-3;

/// Which controller is producing the controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Model(String),
    /// The teacher, and why (no model configured, or the refusal message).
    Teacher(String),
}

/// Runs the model, or the teacher when there is none or it misbehaves.
#[derive(Debug, Clone)]
pub struct Controller {
    model: Option<ControlModel>,
    source: Source,
    /// Output values that were NaN/inf (replaced by the teacher's) or out of `0..=1`
    /// (clamped).
    pub clamped: u64,
    bad_steps: u32,
    /// Times the model ran (steps answered from [`Controller::answered`] do not count).
    pub model_runs: u64,
    /// The model's last answer, the (clamped) inputs it answers and, from a model that
    /// gives it, what the clock alone asks for at those inputs.
    answered: Option<Answer>,
}

type Answer = ([f32; INPUTS], [f32; OUTPUTS], Option<[f32; OUTPUTS]>);

impl Controller {
    /// The teacher alone.
    pub fn teacher(reason: &str) -> Self {
        Controller {
            model: None,
            source: Source::Teacher(reason.to_owned()),
            clamped: 0,
            bad_steps: 0,
            model_runs: 0,
            answered: None,
        }
    }

    /// A loaded model.
    pub fn with_model(model: ControlModel) -> Self {
        Controller {
            source: Source::Model(model.path().display().to_string()),
            model: Some(model),
            clamped: 0,
            bad_steps: 0,
            model_runs: 0,
            answered: None,
        }
    }

    /// The model at `path`, or the teacher (with the refusal logged and kept) if it
    /// cannot be used.
    pub fn load_or_teacher(path: &Path) -> Self {
        match ControlModel::load(path) {
            Ok(m) => Controller::with_model(m),
            Err(e) => {
                tracing::warn!("{e}; using the rule-based teacher instead");
                Controller::teacher(&e.to_string())
            }
        }
    }

    /// The built-in model (the teacher if it were ever refused).
    pub fn builtin() -> Self {
        match ControlModel::from_bytes(BUILTIN_MODEL, Path::new("(built-in) control.onnx")) {
            Ok(m) => Controller::with_model(m),
            Err(e) => {
                tracing::warn!("{e}; using the rule-based teacher instead");
                Controller::teacher(&e.to_string())
            }
        }
    }

    /// Who is producing the controls.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Controls for the features `x` (clamped to the contract first).
    pub fn step(&mut self, x: &[f32; INPUTS]) -> [f32; OUTPUTS] {
        let mut x = *x;
        contract::clamp_inputs(&mut x);
        self.answer(&x).0
    }

    /// Controls for the features `x`, and those the clock alone gives for `clock_x` (`x`
    /// with the heart's inputs as without a sensor, `pipeline::clock_inputs`): from the same
    /// run of a model that answers both (the committed one), else from a second run (or the
    /// teacher). The same inputs give the same answer twice, to the bit.
    pub fn step_with_clock(
        &mut self,
        x: &[f32; INPUTS],
        clock_x: &[f32; INPUTS],
    ) -> ([f32; OUTPUTS], [f32; OUTPUTS]) {
        let (mut x, mut clock_x) = (*x, *clock_x);
        contract::clamp_inputs(&mut x);
        contract::clamp_inputs(&mut clock_x);
        let (y, clock) = self.answer(&x);
        if clock_x == x {
            return (y, y);
        }
        let clock = match (clock, &self.model) {
            (Some(raw), Some(_)) => checked(raw, &teacher::teach(&clock_x), &mut self.clamped).0,
            (_, Some(model)) => match model.run(&clock_x) {
                Ok(raw) => {
                    self.model_runs += 1;
                    checked(raw, &teacher::teach(&clock_x), &mut self.clamped).0
                }
                Err(_) => teacher::teach(&clock_x),
            },
            (_, None) => teacher::teach(&clock_x),
        };
        (y, clock)
    }

    /// The controls for clamped `x` and, from a model that gives it, the clock's answer as
    /// the model gave it.
    fn answer(&mut self, x: &[f32; INPUTS]) -> ([f32; OUTPUTS], Option<[f32; OUTPUTS]>) {
        let taught = teacher::teach(x);
        let Some(model) = &self.model else {
            return (taught, None);
        };
        let near = |seen: &[f32; INPUTS]| {
            seen.iter()
                .zip(x)
                .all(|(a, b)| (a - b).abs() <= RERUN_BEYOND)
        };
        let raw = match self.answered {
            Some((seen, y, clock)) if near(&seen) => Ok((y, clock)),
            _ => {
                let raw = model.run_with_clock(x);
                // tract's kernels leave AVX state dirty: without this the SSE code that runs
                // next on this thread (the offline render) runs 2.3× slower.
                crate::cpu::clear_upper_simd_state();
                self.model_runs += 1;
                self.answered = raw.as_ref().ok().map(|(y, clock)| (*x, *y, *clock));
                raw
            }
        };
        let (raw, clock) = match raw {
            Ok(answer) => answer,
            Err(e) => {
                self.drop_model(e.to_string());
                return (taught, None);
            }
        };
        let (y, bad) = checked(raw, &taught, &mut self.clamped);
        self.bad_steps = if bad { self.bad_steps + 1 } else { 0 };
        if self.bad_steps >= MAX_BAD_STEPS {
            let path = model.path().display().to_string();
            self.drop_model(format!(
                "{path}: control model gave non-finite outputs {MAX_BAD_STEPS} steps in a row"
            ));
        }
        (y, clock)
    }

    fn drop_model(&mut self, reason: String) {
        tracing::warn!("{reason}; using the rule-based teacher instead");
        self.model = None;
        self.answered = None;
        self.source = Source::Teacher(reason);
    }
}

/// A model's raw answer made safe: non-finite values replaced by the teacher's, values out
/// of `0..=1` clamped (each counted in `clamped`); and whether any was non-finite.
fn checked(
    raw: [f32; OUTPUTS],
    taught: &[f32; OUTPUTS],
    clamped: &mut u64,
) -> ([f32; OUTPUTS], bool) {
    let mut bad = false;
    let mut y = [0.0; OUTPUTS];
    for ((o, &r), &t) in y.iter_mut().zip(&raw).zip(taught) {
        *o = if !r.is_finite() {
            bad = true;
            *clamped += 1;
            t
        } else if !(0.0..=1.0).contains(&r) {
            *clamped += 1;
            r.clamp(0.0, 1.0)
        } else {
            r
        };
    }
    (y, bad)
}
