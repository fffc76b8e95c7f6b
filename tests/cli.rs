//! The `attuned render` command end to end, and the control CSV.

use attuned::controls::{Control, ControlValues};
use attuned::render::ControlTrack;
use std::process::Command;

fn tmp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("attuned-cli-{}-{name}", std::process::id()))
}

#[test]
fn render_writes_wav_and_midi_with_controls_from_csv() {
    let (wav, mid, csv) = (tmp("a.wav"), tmp("a.mid"), tmp("c.csv"));
    std::fs::write(&csv, "time,brightness,density\n0,0.1,0.2\n2,0.9,0.8\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_attuned"))
        .args([
            "render",
            "--preset",
            "relax",
            "--duration",
            "3s",
            "--seed",
            "7",
            "--start",
            "22:30",
        ])
        .arg("--out")
        .arg(&wav)
        .arg("--midi")
        .arg(&mid)
        .arg("--controls")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reader = hound::WavReader::open(&wav).unwrap();
    assert_eq!(reader.spec().channels, 2);
    assert_eq!(reader.spec().sample_rate, 48_000);
    assert_eq!(reader.duration(), 3 * 48_000);
    assert!(midly::Smf::parse(&std::fs::read(&mid).unwrap()).is_ok());
    for f in [wav, mid, csv] {
        std::fs::remove_file(f).unwrap();
    }
}

#[test]
fn bad_input_gives_a_clear_error() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_attuned"))
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    assert!(
        run(&["render", "--preset", "nope", "--out", "/dev/null"])
            .contains("unknown preset `nope`")
    );
    assert!(run(&["render", "--duration", "10x"]).contains("invalid duration"));
    let dir = tmp("presets");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.toml"), "name = \"broken\"\ntitle = 3\n").unwrap();
    let e = run(&[
        "render",
        "--preset",
        "broken",
        "--preset-dir",
        dir.to_str().unwrap(),
        "--out",
        "/dev/null",
    ]);
    assert!(e.contains("broken.toml:2:9"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn control_track_interpolates_and_refuses_bad_rows() {
    let t = ControlTrack::parse("c.csv", "time,energy\n0,0.0\n10,1.0\n").unwrap();
    let base = ControlValues::default();
    assert!((t.at(5.0, &base).get(Control::Energy) - 0.5).abs() < 1e-6);
    assert_eq!(t.at(50.0, &base).get(Control::Energy), 1.0);
    assert_eq!(t.at(5.0, &base).get(Control::Tempo), 0.5);
    for (bad, what) in [
        ("energy\n0\n", "time"),
        ("time,loudness\n0,1\n", "unknown control"),
        ("time,energy\n0,2.0\n", "0..=1"),
        ("time,energy\n5,0.1\n1,0.2\n", "non-decreasing"),
        ("time,energy\n0,0.1,0.3\n", "expected 1"),
    ] {
        let e = ControlTrack::parse("c.csv", bad).unwrap_err().to_string();
        assert!(e.contains(what) && e.starts_with("c.csv:"), "{bad:?}: {e}");
    }
}
