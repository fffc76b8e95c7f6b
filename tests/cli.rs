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

fn attuned(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_attuned"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn replayed_render_draws_a_plot() {
    let (wav, png, csv) = (tmp("r.wav"), tmp("r.png"), tmp("s.csv"));
    let mut session = String::from("time,hr,rr,contact,cadence\n");
    for t in 0..30 {
        session.push_str(&format!(
            "{t},{},{},1,{}\n",
            120 + t,
            60_000 / (120 + t),
            160
        ));
    }
    std::fs::write(&csv, session).unwrap();
    let out = attuned(&[
        "render",
        "--preset",
        "workout",
        "--duration",
        "30s",
        "--replay",
        csv.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
        "--out",
        wav.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        bytes.len() > 10_000,
        "a plot with lines, not an empty image"
    );
    for f in [wav, png, csv] {
        std::fs::remove_file(f).unwrap();
    }
}

/// `--trace` on a replayed strap that breathes: the breathing and swell columns, filled once
/// a minute of beats is in.
#[test]
fn the_trace_has_breathing_and_swell_columns() {
    let (wav, trace, csv) = (tmp("b.wav"), tmp("b-trace.csv"), tmp("b.csv"));
    let mut session = String::from("time,hr,rr,contact,cadence\n");
    let mut t = 0.0f64;
    while t < 90.0 {
        // 64 ± 5 bpm, breathing 10 times a minute: one beat per row.
        let hr = 64.0 + 5.0 * (std::f64::consts::TAU * 10.0 / 60.0 * t).sin();
        let rr = 60_000.0 / hr;
        t += rr / 1000.0;
        session.push_str(&format!("{t:.3},{hr:.0},{rr:.0},1,\n"));
    }
    std::fs::write(&csv, session).unwrap();
    let out = attuned(&[
        "render",
        "--preset",
        "breathe",
        "--duration",
        "90s",
        "--replay",
        csv.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
        "--out",
        wav.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[header.len() - 9..],
        [
            "breathing_rate",
            "breathing_confidence",
            "swell_rate",
            "sun_elevation",
            "bird_phrases",
            "heart_lead",
            "heart_expressed",
            "phrase",
            "cadence"
        ]
    );
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (breathing, swell_rate) = (col("breathing_rate"), col("swell_rate"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let first = &rows[10];
    assert_eq!((first[breathing], first[swell_rate]), ("", "6.000"));
    let last = rows.last().unwrap();
    let rate: f32 = last[breathing].parse().unwrap();
    let swell: f32 = last[swell_rate].parse().unwrap();
    assert!((rate - 10.0).abs() <= 1.0, "{last:?}");
    assert!((swell - 0.75 * rate).abs() <= 0.4, "{last:?}");
    // breathe is a relax preset: the heart lead is on (64 bpm: near rest), with the arousal
    // the music expresses.
    let (lead, expressed) = (col("heart_lead"), col("heart_expressed"));
    assert_eq!(last[lead], "resting", "{last:?}");
    assert!(
        last[expressed].parse::<f32>().unwrap().abs() < 0.08,
        "{last:?}"
    );
    for f in [wav, trace, csv] {
        std::fs::remove_file(f).unwrap();
    }
}

#[test]
fn bad_replay_and_bad_model_are_clear_errors() {
    let (csv, model) = (tmp("bad.csv"), tmp("bad.onnx"));
    std::fs::write(&csv, "time,hr\n0,60\n1,fast\n").unwrap();
    let out = attuned(&[
        "render",
        "--duration",
        "1s",
        "--replay",
        csv.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:3: heart rate `fast` is not a number"),
        "{err}"
    );

    std::fs::write(&model, b"not a model").unwrap();
    let out = attuned(&[
        "render",
        "--duration",
        "1s",
        "--mode",
        "focus",
        "--model",
        model.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.onnx: not a valid ONNX model"), "{err}");
    // Alone, without `--mode`, a model is still used (it had been ignored, even corrupt),
    // and what is not a file is refused at once.
    for (path, says) in [
        (model.to_str().unwrap(), "bad.onnx: not a valid ONNX model"),
        (
            "/dev/zero",
            "/dev/zero: cannot read the control model: a character device",
        ),
    ] {
        let out = attuned(&["render", "--duration", "1s", "--model", path]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    // A preset directory that is a file or missing is refused, not ignored.
    for (dir, says) in [
        (model.to_str().unwrap(), "bad.onnx: not a directory"),
        ("/nonexistent-presets", "/nonexistent-presets: No such file"),
    ] {
        let out = attuned(&["render", "--duration", "1s", "--preset-dir", dir]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    std::fs::remove_file(csv).unwrap();
    std::fs::remove_file(model).unwrap();
}

#[test]
fn teacher_dataset_has_the_contract_header() {
    let out = attuned(&["teacher-dataset", "--rows", "5", "--seed", "3"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("hr_rel,hr_trend,rmssd,cadence,"),
        "{header}"
    );
    assert!(header.ends_with(",motion,space,texture"), "{header}");
    assert_eq!(lines.count(), 5);
}
