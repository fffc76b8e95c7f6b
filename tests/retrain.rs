//! Re-running the training script reproduces a model that passes the same checks as the
//! committed one. Slow (about 20 s of numpy) and needs python3 with numpy and onnx, which
//! the README's test command installs: run with `--ignored`.

use attuned::control::ControlModel;
use attuned::control::contract::{INPUTS, OUTPUTS};
use attuned::control::dataset;
use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "slow: trains the model with numpy (run by scripts/test.sh)"]
fn training_script_reproduces_a_passing_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("attuned-retrain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (onnx, golden) = (dir.join("control.onnx"), dir.join("golden.json"));
    let out = Command::new("python3")
        .arg(root.join("models/train/train.py"))
        .arg("--attuned")
        .arg(env!("CARGO_BIN_EXE_attuned"))
        .arg("--out")
        .arg(&onnx)
        .arg("--golden")
        .arg(&golden)
        .output()
        .expect("python3 must be installed (scripts/test.sh installs it with numpy and onnx)");
    assert!(
        out.status.success(),
        "train.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model = ControlModel::load(&onnx).unwrap();
    // Its own golden pairs, through tract.
    let g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&golden).unwrap()).unwrap();
    for (x, y) in g["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(g["outputs"].as_array().unwrap())
    {
        let x: Vec<f32> = x
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let got = model
            .run(&<[f32; INPUTS]>::try_from(x.as_slice()).unwrap())
            .unwrap();
        for (a, b) in got.iter().zip(y.as_array().unwrap()) {
            assert!((a - b.as_f64().unwrap() as f32).abs() <= 1e-4);
        }
    }
    // And the teacher, on inputs it never saw.
    let rows = dataset::sample(3000, 0xBEEF);
    let mae: f32 = rows
        .iter()
        .map(|(x, y)| {
            let p = model.run(x).unwrap();
            p.iter().zip(y).map(|(a, b)| (a - b).abs()).sum::<f32>()
        })
        .sum::<f32>()
        / (rows.len() * OUTPUTS) as f32;
    assert!(mae <= 0.03, "mean abs error {mae}");
    std::fs::remove_dir_all(&dir).unwrap();
}
