//! The committed control model against its contract, its golden pairs and its teacher, and
//! every kind of broken model refused or survived with the documented message.

use attuned::control::contract::{
    HR_PRESENT, HR_REL, INPUT_SPECS, INPUTS, MODE_FOCUS, MODE_SLEEP, OUTPUTS, RMSSD, SESSION,
};
use attuned::control::dataset;
use attuned::control::teacher::teach;
use attuned::control::{
    BUILTIN_MODEL, ControlModel, Controller, MAX_BAD_STEPS, ModelError, RERUN_BEYOND, Source,
};
use std::path::{Path, PathBuf};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

#[derive(serde::Deserialize)]
struct Golden {
    contract_version: String,
    tolerance: f32,
    inputs: Vec<Vec<f32>>,
    outputs: Vec<Vec<f32>>,
}

/// Mean absolute error of `model` against the teacher on `n` random in-range inputs.
pub fn mae_against_teacher(model: &ControlModel, n: usize, seed: u64) -> f32 {
    let rows = dataset::sample(n, seed);
    let mut sum = 0.0;
    for (x, y) in &rows {
        let p = model.run(x).unwrap();
        sum += p.iter().zip(y).map(|(a, b)| (a - b).abs()).sum::<f32>();
    }
    sum / (rows.len() * OUTPUTS) as f32
}

#[test]
fn golden_pairs_are_reproduced_by_tract() {
    let golden: Golden =
        serde_json::from_str(&std::fs::read_to_string(models().join("golden.json")).unwrap())
            .unwrap();
    assert_eq!(
        golden.contract_version,
        attuned::control::contract::CONTRACT_VERSION
    );
    assert!(golden.tolerance <= 1e-4);
    assert!(golden.inputs.len() >= 16);
    let model = ControlModel::load(&models().join("control.onnx")).unwrap();
    for (x, want) in golden.inputs.iter().zip(&golden.outputs) {
        let x: [f32; INPUTS] = x.as_slice().try_into().unwrap();
        let got = model.run(&x).unwrap();
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-4, "{got:?} vs {want:?}");
        }
    }
}

#[test]
fn a_version_1_model_still_runs_on_its_14_inputs_and_hears_no_breathing() {
    use attuned::control::contract::{BREATHING_CONFIDENCE, BREATHING_RATE, V1_INPUTS};
    let model = ControlModel::load(&fixture("control_v1.onnx")).unwrap();
    assert_eq!(model.contract_version(), "1");
    let golden: Golden =
        serde_json::from_str(&std::fs::read_to_string(fixture("control_v1_golden.json")).unwrap())
            .unwrap();
    assert_eq!(golden.contract_version, "1");
    for (x1, want) in golden.inputs.iter().zip(&golden.outputs) {
        assert_eq!(x1.len(), V1_INPUTS);
        let mut x = [0.0f32; INPUTS];
        x[..V1_INPUTS].copy_from_slice(x1);
        let got = model.run(&x).unwrap();
        x[BREATHING_RATE] = 0.6;
        x[BREATHING_CONFIDENCE] = 0.9;
        assert_eq!(
            model.run(&x).unwrap(),
            got,
            "v1 ignores the breathing inputs"
        );
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-4, "{got:?} vs {want:?}");
        }
    }
    let current = ControlModel::load(&models().join("control.onnx")).unwrap();
    assert_eq!(current.contract_version(), "2");
}

#[test]
fn the_committed_model_hears_breathing_in_relax() {
    use attuned::control::contract::{BREATHING_CONFIDENCE, BREATHING_RATE, MODE_RELAX};
    let model = ControlModel::load(&models().join("control.onnx")).unwrap();
    let mut x = [0.0f32; INPUTS];
    x[MODE_RELAX] = 1.0;
    x[HR_PRESENT] = 1.0;
    x[HR_REL] = 0.1;
    x[RMSSD] = 0.4;
    // 22:00, twenty minutes in.
    let angle = 22.0 / 24.0 * std::f32::consts::TAU;
    x[attuned::control::contract::TOD_SIN] = angle.sin();
    x[attuned::control::contract::TOD_COS] = angle.cos();
    x[attuned::control::contract::SESSION] = 20.0 / 60.0;
    x[BREATHING_RATE] = 20.0 / 30.0;
    x[BREATHING_CONFIDENCE] = 0.9;
    let fast = model.run(&x).unwrap();
    x[BREATHING_RATE] = 7.0 / 30.0;
    let slow = model.run(&x).unwrap();
    let e = attuned::controls::Control::Energy.index();
    let (want_fast, want_slow) = (
        teach(&{
            let mut f = x;
            f[BREATHING_RATE] = 20.0 / 30.0;
            f
        })[e],
        teach(&x)[e],
    );
    assert!(fast[e] - slow[e] > 0.05, "{} vs {}", fast[e], slow[e]);
    assert!(
        (fast[e] - want_fast).abs() < 0.03 && (slow[e] - want_slow).abs() < 0.03,
        "model {fast:?} / {slow:?}, teacher energy {want_fast} / {want_slow}"
    );
}

#[test]
fn committed_model_agrees_with_the_teacher() {
    let model = ControlModel::load(&models().join("control.onnx")).unwrap();
    let mae = mae_against_teacher(&model, 3000, 0xC0FFEE);
    assert!(mae <= 0.03, "mean abs error {mae}");
}

fn refusal(path: &Path) -> String {
    let err = ControlModel::load(path).expect_err("must be refused");
    // The controller built from the same file falls back to the teacher with that message.
    let mut c = Controller::load_or_teacher(path);
    assert!(matches!(c.source(), Source::Teacher(m) if *m == err.to_string()));
    let mut x = [0.0; INPUTS];
    x[MODE_FOCUS] = 1.0;
    assert_eq!(c.step(&x), teach(&x));
    err.to_string()
}

#[test]
fn missing_and_corrupt_files_are_refused() {
    let dir = std::env::temp_dir().join(format!("attuned-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = refusal(&dir.join("nope.onnx"));
    assert!(
        missing.contains("nope.onnx: cannot read the control model"),
        "{missing}"
    );

    let garbage = dir.join("garbage.onnx");
    std::fs::write(&garbage, b"this is not protobuf \xff\xfe\x00\x01").unwrap();
    let msg = refusal(&garbage);
    assert!(
        msg.contains("garbage.onnx: not a valid ONNX model"),
        "{msg}"
    );

    let truncated = dir.join("truncated.onnx");
    let bytes = std::fs::read(models().join("control.onnx")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let msg = refusal(&truncated);
    assert!(
        msg.contains("truncated.onnx: not a valid ONNX model"),
        "{msg}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn contract_version_and_shapes_are_checked() {
    let msg = refusal(&fixture("wrong_version.onnx"));
    assert!(
        msg.contains("contract version \"0\" does not match this build's 2"),
        "{msg}"
    );
    let msg = refusal(&fixture("no_version.onnx"));
    assert!(msg.contains("contract version (none)"), "{msg}");
    let msg = refusal(&fixture("wrong_input.onnx"));
    assert!(
        msg.contains("input shape is [1, 10], the contract needs [1, 16]"),
        "{msg}"
    );
    // A version 1 model must have version 1's 14 inputs.
    let msg = refusal(&fixture("wrong_input_v1.onnx"));
    assert!(
        msg.contains("input shape is [1, 16], the contract needs [1, 14]"),
        "{msg}"
    );
    let msg = refusal(&fixture("wrong_output.onnx"));
    assert!(
        msg.contains("output shape is [1, 5], the contract needs [1, 8]"),
        "{msg}"
    );
    let msg = refusal(&fixture("nan_always.onnx"));
    assert!(msg.contains("yields non-finite outputs"), "{msg}");
}

#[test]
fn nan_outputs_at_run_time_are_replaced_counted_and_end_in_the_teacher() {
    let model = ControlModel::load(&fixture("nan_when_hr_high.onnx")).unwrap();
    let mut c = Controller::with_model(model);
    let mut x = [0.0; INPUTS];
    x[MODE_FOCUS] = 1.0;
    x[HR_PRESENT] = 1.0;
    x[HR_REL] = 0.36; // sqrt(1 − 0.36) = 0.8: finite
    assert!(c.step(&x).iter().all(|v| (v - 0.8).abs() < 1e-6));
    assert_eq!(c.clamped, 0);
    x[HR_REL] = 1.2; // NaN in every output: the teacher's values stand in
    for step in 1..=MAX_BAD_STEPS {
        let y = c.step(&x);
        assert_eq!(y, teach(&x));
        assert_eq!(c.clamped, (step * OUTPUTS as u32) as u64);
    }
    match c.source() {
        Source::Teacher(why) => assert!(
            why.contains("non-finite outputs 10 steps in a row"),
            "{why}"
        ),
        other => panic!("still on the model: {other:?}"),
    }
    // Back to plausible input: the teacher keeps control.
    x[HR_REL] = 0.36;
    assert_eq!(c.step(&x), teach(&x));
}

#[test]
fn model_error_messages_name_the_file() {
    let e = ModelError::Io {
        path: "/x/model.onnx".into(),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    };
    assert!(e.to_string().starts_with("/x/model.onnx: "));
}

#[test]
fn model_card_lists_the_contract_in_order() {
    let card = std::fs::read_to_string(models().join("README.md")).unwrap();
    assert!(card.contains(&format!(
        "## Contract, version {}",
        attuned::control::contract::CONTRACT_VERSION
    )));
    let mut from = 0;
    for (i, spec) in attuned::control::contract::INPUT_SPECS.iter().enumerate() {
        let row = format!(
            "| {i} | `{}` | {} | {} |",
            spec.name, spec.unit, spec.normalisation
        );
        let at = card[from..]
            .find(&row)
            .unwrap_or_else(|| panic!("model card lacks, in order: {row}"));
        from += at;
    }
    let outputs: Vec<&str> = attuned::controls::Control::ALL
        .iter()
        .map(|c| c.name())
        .collect();
    assert!(card.contains(&format!("`{}`", outputs.join(", "))));
}

/// An idle loop's inputs creep: the model's answer stands until one has moved by more than
/// `RERUN_BEYOND`, and the answer it stands in for is within a thousandth of it.
#[test]
fn the_model_reruns_only_once_an_input_has_moved() {
    let mut x: [f32; INPUTS] = std::array::from_fn(|i| INPUT_SPECS[i].neutral);
    x[MODE_SLEEP] = 1.0;
    x[SESSION] = 0.5;
    let model = ControlModel::from_bytes(BUILTIN_MODEL, Path::new("control.onnx")).unwrap();
    let mut c = Controller::with_model(model.clone());
    let first = c.step(&x);
    assert_eq!(c.model_runs, 1);
    // Ten minutes of an idle loop, a step every half second: the session input (minutes
    // / 60) creeps.
    for k in 1..=1200 {
        x[SESSION] = 0.5 + k as f32 * 0.5 / 3600.0;
        let kept = c.step(&x);
        let fresh = model.run(&x).unwrap();
        for (a, b) in kept.iter().zip(&fresh) {
            assert!((a - b.clamp(0.0, 1.0)).abs() < 1e-3, "step {k}: {a} vs {b}");
        }
    }
    // The session input moves by 1/3600 a second: a run every ~3.6 s, not every step.
    assert!((150..=180).contains(&c.model_runs), "{} runs", c.model_runs);
    // An input moved past the threshold runs it at once.
    let runs = c.model_runs;
    x[HR_REL] += 2.0 * RERUN_BEYOND;
    let moved = c.step(&x);
    assert_eq!(c.model_runs, runs + 1);
    assert_ne!(first, moved);
}

/// The committed model's clock part hears none of the heart's inputs, and its second output
/// says what it answers: the controls for the same hour and mode without a sensor, to the
/// bit, from the same run. So one run gives the daemon both the controls and the part the
/// body adds (`Step::body`), and the answer without a sensor is what it always was.
#[test]
fn one_run_answers_for_the_body_and_for_the_clock_alone() {
    use attuned::control::pipeline::clock_inputs;
    let model = ControlModel::from_bytes(BUILTIN_MODEL, Path::new("control.onnx")).unwrap();
    assert!(model.answers_the_clock());
    for (x, _) in dataset::sample(200, 0x5EED) {
        let (y, clock) = model.run_with_clock(&x).unwrap();
        let clock = clock.expect("the committed model answers for the clock");
        let alone = clock_inputs(&x);
        let (y_alone, clock_alone) = model.run_with_clock(&alone).unwrap();
        assert_eq!(
            clock, y_alone,
            "the clock's answer is the sensorless answer"
        );
        assert_eq!(clock_alone, Some(y_alone));
        if x[HR_PRESENT] < 0.5 {
            assert_eq!(y, clock, "without a heart nothing is added");
        }
    }
    // The controller asks the model once for both, and reuses the answer as `step` does.
    let mut c = Controller::with_model(model.clone());
    let mut x: [f32; INPUTS] = std::array::from_fn(|i| INPUT_SPECS[i].neutral);
    x[MODE_SLEEP] = 1.0;
    x[HR_PRESENT] = 1.0;
    x[HR_REL] = 0.6;
    let (y, clock) = c.step_with_clock(&x, &clock_inputs(&x));
    assert_eq!(c.model_runs, 1);
    assert_eq!(y, model.run(&x).unwrap().map(|v| v.clamp(0.0, 1.0)));
    assert_eq!(
        clock,
        model
            .run(&clock_inputs(&x))
            .unwrap()
            .map(|v| v.clamp(0.0, 1.0))
    );
    assert_ne!(y, clock, "a racing heart adds to the clock's answer");
    assert_eq!(c.step_with_clock(&x, &clock_inputs(&x)), (y, clock));
    assert_eq!(c.model_runs, 1);
    // A model without the second output (the version-1 fixture) is asked twice.
    let old = ControlModel::load(&fixture("control_v1.onnx")).unwrap();
    assert!(!old.answers_the_clock());
    let mut c = Controller::with_model(old.clone());
    let (_, clock) = c.step_with_clock(&x, &clock_inputs(&x));
    assert_eq!(c.model_runs, 2);
    assert_eq!(
        clock,
        old.run(&clock_inputs(&x))
            .unwrap()
            .map(|v| v.clamp(0.0, 1.0))
    );
}
