//! Sound that must not move: every shipped preset's 60 s render at seed 5, and adaptive
//! renders (a replayed run through the workout's beat anchors, the breath lead, the sleep
//! mode at night, a preset switch mid-render), hashed and compared with the hashes recorded
//! in `tests/fixtures/render-hashes.txt`.
//!
//! A change that only moves code (the house re-laid, a faster loop) keeps every hash; a
//! change meant to be heard records new ones, deliberately:
//! `ATTUNED_RECORD_HASHES=1 cargo test --test render_hashes` (and says why in its commit).
//! The binary renders as a listener's `attuned render` does; the switch goes through the
//! library, which the CLI has no flag for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = "tests/fixtures/render-hashes.txt";

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum (coreutils) runs");
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// One render through the binary: its WAV's and MIDI file's hashes under `name`.
fn render_cli(dir: &Path, name: &str, args: &[&str]) -> Vec<(String, String)> {
    let wav = dir.join(format!("{name}.wav"));
    let midi = dir.join(format!("{name}.mid"));
    let out = Command::new(env!("CARGO_BIN_EXE_attuned"))
        .arg("render")
        .args(args)
        .args(["--duration", "60s", "--seed", "5", "--out"])
        .arg(&wav)
        .arg("--midi")
        .arg(&midi)
        .env_remove("RUST_LOG")
        .output()
        .expect("attuned render runs");
    assert!(
        out.status.success(),
        "attuned render {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hashes = vec![
        (format!("{name}.wav"), sha256(&wav)),
        (format!("{name}.mid"), sha256(&midi)),
    ];
    std::fs::remove_file(&wav).ok();
    std::fs::remove_file(&midi).ok();
    hashes
}

/// The cases: (name, arguments of `attuned render`).
fn cases() -> Vec<(String, Vec<String>)> {
    let run = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/sessions/interval-run.csv"
    );
    let mut cases: Vec<(String, Vec<String>)> = std::fs::read_dir("presets")
        .expect("the shipped presets")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .map(|name| (name.clone(), vec!["--preset".into(), name]))
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 12, "every shipped preset is covered");
    let adaptive: [(&str, &[&str]); 4] = [
        ("workout-replay", &["--preset", "workout", "--replay", run]),
        ("breathe-replay", &["--preset", "breathe", "--replay", run]),
        (
            "sleep-night",
            &["--preset", "sleep", "--mode", "sleep", "--start", "23:30"],
        ),
        (
            "focus-teacher",
            &[
                "--preset",
                "focus",
                "--teacher",
                "--replay",
                run,
                "--start",
                "07:10",
            ],
        ),
    ];
    for (name, args) in adaptive {
        cases.push((name.into(), args.iter().map(|s| s.to_string()).collect()));
    }
    cases
}

/// A preset switch at 20 s (focus → rain) through the library.
fn render_switch(dir: &Path) -> Vec<(String, String)> {
    use attuned::preset::Preset;
    use attuned::render::{RenderOptions, render};
    let wav = dir.join("switch.wav");
    let midi = dir.join("switch.mid");
    let mut opts = RenderOptions::new(Preset::builtin("focus").unwrap());
    opts.seed = 5;
    opts.out = Some(wav.clone());
    opts.midi = Some(midi.clone());
    opts.switch = Some((20.0, Preset::builtin("rain").unwrap()));
    render(&opts, false).unwrap();
    vec![
        ("switch.wav".into(), sha256(&wav)),
        ("switch.mid".into(), sha256(&midi)),
    ]
}

fn recorded() -> BTreeMap<String, String> {
    std::fs::read_to_string(FIXTURE)
        .unwrap_or_else(|e| panic!("{FIXTURE}: {e} (record with ATTUNED_RECORD_HASHES=1)"))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (hash, name) = l.split_once("  ").expect("`hash  name` lines");
            (name.to_string(), hash.to_string())
        })
        .collect()
}

#[test]
fn every_preset_renders_as_recorded() {
    let dir: PathBuf = std::env::temp_dir().join(format!("attuned-hashes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two renders at a time: CI has two cores.
    let cases = cases();
    let mut hashes: BTreeMap<String, String> = BTreeMap::new();
    for pair in cases.chunks(2) {
        std::thread::scope(|s| {
            let handles: Vec<_> = pair
                .iter()
                .map(|(name, args)| {
                    let dir = &dir;
                    s.spawn(move || {
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        render_cli(dir, name, &args)
                    })
                })
                .collect();
            for h in handles {
                hashes.extend(h.join().unwrap());
            }
        });
    }
    hashes.extend(render_switch(&dir));
    std::fs::remove_dir_all(&dir).ok();
    if std::env::var_os("ATTUNED_RECORD_HASHES").is_some() {
        let mut text = String::from(
            "# sha256 of 60 s renders at seed 5 (tests/render_hashes.rs); re-record only for a\n\
             # change meant to be heard: ATTUNED_RECORD_HASHES=1 cargo test --test render_hashes\n",
        );
        for (name, hash) in &hashes {
            text.push_str(&format!("{hash}  {name}\n"));
        }
        std::fs::write(FIXTURE, text).unwrap();
        return;
    }
    let want = recorded();
    let differ: Vec<&String> = hashes
        .iter()
        .filter(|(name, hash)| want.get(*name) != Some(hash))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        want.len(),
        hashes.len(),
        "the recorded cases are the rendered ones"
    );
    assert!(
        differ.is_empty(),
        "these renders no longer sound as recorded: {differ:?}"
    );
}
