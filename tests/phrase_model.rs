//! The phrase composer's model: the committed network stepped note by note through a held-out
//! melody reproduces its golden logits and states (its memory carried by tract from one note
//! to the next), its held-out figures beat the first composer's and the bigram's, and models
//! that break the contract are refused naming the file.

use attuned::compose::phrase_model::{self, HIDDEN, INPUTS, PhraseModel};
use std::path::{Path, PathBuf};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(models().join(name)).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

#[test]
fn a_held_out_melody_stepped_note_by_note_gives_the_golden_logits_and_memory() {
    let model = PhraseModel::load(&models().join("phrases.onnx")).unwrap();
    let golden = json("phrases-golden.json");
    assert_eq!(golden["contract_version"], phrase_model::CONTRACT_VERSION);
    let tolerance = golden["tolerance"].as_f64().unwrap() as f32;
    let inputs = golden["inputs"].as_array().unwrap();
    let states = golden["states"].as_array().unwrap();
    let logits = golden["logits"].as_array().unwrap();
    assert!(inputs.len() >= 16 && states.len() == inputs.len() + 1);
    // The memory is tract's own from the second note on: errors would accumulate.
    let mut state: [f32; HIDDEN] = floats(&states[0]).try_into().unwrap();
    let mut worst = 0.0f32;
    for (i, x) in inputs.iter().enumerate() {
        let x: [f32; INPUTS] = floats(x).try_into().unwrap();
        let (got, next) = model.step(&x, &state).unwrap();
        for (g, w) in got.iter().zip(floats(&logits[i])) {
            worst = worst.max((g - w).abs());
        }
        for (g, w) in next.iter().zip(floats(&states[i + 1])) {
            worst = worst.max((g - w).abs());
        }
        state = next;
    }
    eprintln!(
        "{} notes: worst difference {worst:.2e} (tolerance {tolerance:.0e})",
        inputs.len()
    );
    assert!(worst <= tolerance, "{worst}");
}

#[test]
fn it_beats_the_first_composer_and_the_bigram_on_held_out_melodies() {
    let eval = json("phrases-eval.json");
    let bits = |k: &str| eval["bits_per_note"][k].as_f64().unwrap();
    eprintln!(
        "held-out bits/note: phrase model {:.3}, without the chord {:.3}, first composer {:.3}, bigram {:.3}, unigram {:.3}",
        bits("model"),
        bits("model_without_chords"),
        bits("first_composer"),
        bits("bigram"),
        bits("unigram")
    );
    assert!(bits("model") <= 2.75, "the issue's goal");
    assert!(bits("model_without_chords") < bits("first_composer"));
    assert!(bits("first_composer") < bits("bigram") && bits("bigram") < bits("unigram"));
}

#[test]
fn models_that_break_the_contract_are_refused_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("attuned-phrases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.onnx");
    std::fs::write(&garbage, b"\x00\x01 not a model").unwrap();
    let e = PhraseModel::load(&garbage).unwrap_err().to_string();
    assert!(
        e.contains("garbage.onnx") && e.contains("not a valid ONNX"),
        "{e}"
    );
    // The first composer is a real model with another contract.
    let e = PhraseModel::load(&models().join("composer.onnx"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("composer.onnx") && e.contains("contract version (none)"),
        "{e}"
    );
    let e = PhraseModel::load(&dir.join("missing.onnx"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing.onnx") && e.contains("cannot read"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
