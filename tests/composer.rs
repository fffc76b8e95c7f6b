//! The learned composer: the committed model against its golden pairs and its evaluation,
//! broken models refused, and renders whose melodies are measured against the held-out
//! corpus (step and length histograms), kept in the scale, seeded.

mod common;
use attuned::compose::key::Key;
use attuned::compose::learned::{self, ComposerModel};
use attuned::engine::SAMPLE_RATE;
use attuned::music::note::VoiceKind;
use attuned::preset::Composer;
use attuned::render::{RenderOptions, render};
use common::preset;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(models().join(name)).unwrap()).unwrap()
}

#[test]
fn golden_logits_are_reproduced_and_the_model_beats_the_bigram() {
    let model = ComposerModel::load(&models().join("composer.onnx")).unwrap();
    let golden = json("composer-golden.json");
    assert_eq!(golden["contract_version"], learned::CONTRACT_VERSION);
    let inputs = golden["inputs"].as_array().unwrap();
    assert!(inputs.len() >= 16);
    for (x, want) in inputs.iter().zip(golden["logits"].as_array().unwrap()) {
        let x: Vec<f32> = x
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let got = model.logits(&x.try_into().unwrap()).unwrap();
        for (g, w) in got.iter().zip(want.as_array().unwrap()) {
            assert!((g - w.as_f64().unwrap() as f32).abs() <= 1e-4, "{g} vs {w}");
        }
    }
    let eval = json("composer-eval.json");
    let bits = |k: &str| eval["bits_per_note"][k].as_f64().unwrap();
    eprintln!(
        "held-out bits/note: model {:.3}, bigram {:.3}, unigram {:.3}",
        bits("model"),
        bits("bigram"),
        bits("unigram")
    );
    assert!(bits("model") < bits("bigram") && bits("bigram") < bits("unigram"));
}

#[test]
fn broken_models_are_refused_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("attuned-composer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.onnx");
    std::fs::write(&garbage, b"\x00\x01 not a model").unwrap();
    let e = ComposerModel::load(&garbage).unwrap_err().to_string();
    assert!(
        e.contains("garbage.onnx: composer model refused: not a valid ONNX"),
        "{e}"
    );
    // The control model is a valid ONNX file with another contract.
    let e = ComposerModel::load(&models().join("control.onnx"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("control.onnx: composer model refused: contract version (none)"),
        "{e}"
    );
    let e = ComposerModel::load(&dir.join("missing.onnx"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing.onnx: composer model refused: cannot read it"),
        "{e}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// (steps between successive melody notes, lengths in eighths) of `minutes` of `name` at
/// `seed` written by `composer`; every melody note must be in the key of its moment.
fn melody(
    name: &str,
    composer: Composer,
    minutes: u64,
    seed: u64,
) -> (Vec<i32>, Vec<u32>, Vec<i32>) {
    let mut p = preset(name);
    p.composer = composer;
    let mut o = RenderOptions::new(p);
    o.duration = Duration::from_secs(minutes * 60);
    o.seed = seed;
    let r = render(&o, false).unwrap();
    // The trace has a row a second: a note in a bar that began within its second may be
    // in the next row's key.
    let key_of = |sample: u64, midi: i32| -> Option<(Key, i32)> {
        let s = (sample as f64 / SAMPLE_RATE as f64) as usize;
        [s, s + 1].iter().find_map(|&t| {
            let key = r.form[t.min(r.form.len() - 1)].key;
            key.step_of_pc(midi.rem_euclid(12)).map(|step| (key, step))
        })
    };
    let (mut steps, mut lengths, mut midis) = (Vec::new(), Vec::new(), Vec::new());
    let mut last: Option<(Key, i32)> = None;
    for e in r.events.iter().filter(|e| e.voice == VoiceKind::Bells) {
        let (key, step) = key_of(e.sample, e.midi).unwrap_or_else(|| {
            let s = (e.sample as f64 / SAMPLE_RATE as f64) as usize;
            panic!("{name}: midi {} at {s} s is not in its key", e.midi)
        });
        let n = key.scale.len();
        let abs = (e.midi - key.tonic_pc()).div_euclid(12) * n + step;
        if let Some((k, prev)) = last
            && k == key
        {
            steps.push(abs - prev);
        }
        last = Some((key, abs));
        lengths.push(((e.beats * 2.0).round() as u32).clamp(1, 8));
        midis.push(e.midi);
    }
    (steps, lengths, midis)
}

/// KL(held-out ‖ rendered) over the bins, with add-one smoothing of the rendered counts.
fn kl(held: &[f64], rendered: &[f64]) -> f64 {
    let (h, r): (f64, f64) = (
        held.iter().sum(),
        rendered.iter().sum::<f64>() + rendered.len() as f64,
    );
    held.iter()
        .zip(rendered)
        .filter(|(p, _)| **p > 0.0)
        .map(|(p, q)| {
            let (p, q) = (p / h, (q + 1.0) / r);
            p * (p / q).ln()
        })
        .sum()
}

fn histograms(steps: &[i32], lengths: &[u32]) -> (Vec<f64>, Vec<f64>) {
    let mut s = vec![0.0; 15];
    for &d in steps {
        s[(d.clamp(-7, 7) + 7) as usize] += 1.0;
    }
    let mut l = vec![0.0; 8];
    for &d in lengths {
        l[d as usize - 1] += 1.0;
    }
    (s, l)
}

#[test]
fn learned_melodies_are_closer_to_real_ones_stay_in_key_and_are_seeded() {
    let eval = json("composer-eval.json");
    let counts = |k: &str| -> Vec<f64> {
        eval[k]["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (held_steps, held_lengths) = (counts("held_out_steps"), counts("held_out_lengths"));
    // Heptatonic presets: their scale steps are the corpus's diatonic steps.
    for name in ["focus", "relax"] {
        let learned = melody(name, Composer::Learned, 20, 3);
        let rules = melody(name, Composer::Rules, 20, 3);
        assert_ne!(
            learned.2, rules.2,
            "{name}: learned and rules wrote the same notes"
        );
        let (ls, ll) = histograms(&learned.0, &learned.1);
        let (rs, rl) = histograms(&rules.0, &rules.1);
        let (kl_ls, kl_rs) = (kl(&held_steps, &ls), kl(&held_steps, &rs));
        let (kl_ll, kl_rl) = (kl(&held_lengths, &ll), kl(&held_lengths, &rl));
        eprintln!(
            "{name}: {} learned / {} rules notes; KL to held-out steps {kl_ls:.3} vs {kl_rs:.3}, lengths {kl_ll:.3} vs {kl_rl:.3}",
            learned.2.len(),
            rules.2.len()
        );
        assert!(kl_ls < kl_rs, "{name}: steps {kl_ls} vs rules {kl_rs}");
        assert!(kl_ll < kl_rl, "{name}: lengths {kl_ll} vs rules {kl_rl}");
    }
    assert_eq!(
        melody("focus", Composer::Learned, 2, 9),
        melody("focus", Composer::Learned, 2, 9),
        "same seed, same notes"
    );
    // Pentatonic presets stay in their scale too (checked inside `melody`).
    melody("sleep", Composer::Learned, 3, 4);
}
