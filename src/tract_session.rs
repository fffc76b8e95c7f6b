//! A tract plan run with one state kept between runs.
//!
//! `SimplePlan::run` builds a fresh `SimpleState` each call (a state per op, a slot per
//! node, a session) and drops it after; for the small models here (the control model twice
//! a second, the composer once per melody note) that building and dropping cost as much as
//! the arithmetic. The state is reset by tract at the end of every run, so keeping it
//! changes nothing in the results.

use std::sync::{Arc, Mutex, Once};
use tract_onnx::prelude::*;

/// The x86-64 instruction-set extensions tract may pick matrix kernels for, all taken out.
/// Which kernel it picks depends on the CPU's vendor and extensions, and each sums in its
/// own order: the models' outputs then differ in their last bits from one machine to the
/// next, and a control value or a sampled note that differs there makes a render that no
/// longer matches itself elsewhere (an AMD and an Intel machine rendered `sleep` at night
/// differently). tract's portable kernels give the same bits on every x86-64 machine; the
/// models are small (a run is tens of microseconds either way).
#[cfg(target_arch = "x86_64")]
const WITHOUT_EXTENSIONS: &str =
    "-avx,-avx2,-fma,-f16c,-avx512f,-avx512vnni,-avx512fp16,-avxvnni,-amx-int8,-amx-bf16";

/// Have tract run the same kernels on every machine (see [`WITHOUT_EXTENSIONS`]). Called
/// before any model is built; the first call sets it for the process.
pub fn same_kernels_everywhere() {
    static PINNED: Once = Once::new();
    PINNED.call_once(|| {
        #[cfg(target_arch = "x86_64")]
        tract_onnx::tract_core::tract_linalg::knobs::TRACT_CPU_ISA
            .set(Some(WITHOUT_EXTENSIONS.to_string()));
    });
}

/// Read an ONNX model from `bytes` (after pinning the kernels) and check that its metadata
/// property `key` is `version`: the model's proto, or why it is refused.
pub fn contracted_proto(
    bytes: &[u8],
    key: &str,
    version: &str,
) -> Result<tract_onnx::pb::ModelProto, String> {
    same_kernels_everywhere();
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .map_err(|e| format!("not a valid ONNX model ({e:#})"))?;
    let found = proto
        .metadata_props
        .iter()
        .find(|p| p.key == key)
        .map(|p| p.value.clone());
    if found.as_deref() != Some(version) {
        return Err(format!(
            "contract version {} is not this build's \"{version}\" (metadata key `{key}`)",
            found.map_or_else(|| "(none)".into(), |v| format!("\"{v}\""))
        ));
    }
    Ok(proto)
}

/// A runnable model and its kept state.
pub struct PlanSession {
    plan: Arc<TypedRunnableModel>,
    state: Mutex<TypedSimpleState>,
}

impl PlanSession {
    pub fn new(plan: Arc<TypedRunnableModel>) -> TractResult<Self> {
        let state = Mutex::new(plan.spawn()?);
        Ok(PlanSession { plan, state })
    }

    /// Run the model on `inputs`. A caller that finds the kept state busy (another thread
    /// running the same shared model) runs on a fresh state instead of waiting; a failed
    /// run leaves a fresh state behind.
    pub fn run(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let Ok(mut state) = self.state.try_lock() else {
            return self.plan.run(inputs);
        };
        let out = state.run(inputs);
        if out.is_err() {
            *state = self.plan.spawn()?;
        }
        out
    }
}

impl Clone for PlanSession {
    /// A clone runs on its own state.
    fn clone(&self) -> Self {
        let state = self
            .plan
            .spawn()
            .expect("a plan spawned a state once spawns another");
        PlanSession {
            plan: self.plan.clone(),
            state: Mutex::new(state),
        }
    }
}

impl std::fmt::Debug for PlanSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanSession")
            .field("nodes", &self.plan.model().nodes.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in control model's plan.
    fn plan() -> Arc<TypedRunnableModel> {
        let bytes = include_bytes!("../models/control.onnx");
        tract_onnx::onnx()
            .model_for_read(&mut &bytes[..])
            .and_then(|m| {
                m.with_input_fact(0, f32::fact([1, crate::features::vector::INPUTS]).into())
            })
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .unwrap()
    }

    fn input(seed: f32) -> TVec<TValue> {
        let n = crate::features::vector::INPUTS;
        let x: Vec<f32> = (0..n).map(|i| ((i as f32 + seed) * 0.37).fract()).collect();
        tvec!(Tensor::from_shape(&[1, n], &x).unwrap().into())
    }

    fn values(out: TVec<TValue>) -> Vec<f32> {
        out[0]
            .to_plain_array_view::<f32>()
            .unwrap()
            .iter()
            .copied()
            .collect()
    }

    #[test]
    fn a_kept_state_gives_what_a_fresh_one_gives_run_after_run() {
        let plan = plan();
        let session = PlanSession::new(plan.clone()).unwrap();
        let copy = session.clone();
        for seed in 0..20 {
            let fresh = values(plan.run(input(seed as f32)).unwrap());
            assert_eq!(values(session.run(input(seed as f32)).unwrap()), fresh);
            assert_eq!(values(copy.run(input(seed as f32)).unwrap()), fresh);
        }
    }

    #[test]
    fn a_failed_run_is_reported_and_the_next_one_works() {
        let session = PlanSession::new(plan()).unwrap();
        let wrong = tvec!(
            Tensor::from_shape(&[1, 3], &[1.0f32, 2.0, 3.0])
                .unwrap()
                .into()
        );
        assert!(session.run(wrong).is_err());
        let fresh = values(plan().run(input(1.0)).unwrap());
        assert_eq!(values(session.run(input(1.0)).unwrap()), fresh);
    }
}
