//! Amplitude modulation for focus, measured on the rendered sound: the modulation spectrum
//! of `deep-focus`'s amplitude envelope peaks at the set rate (±0.5 Hz) with the set depth
//! (±20 %), and no other preset has such a peak. The listener's depth (render
//! `--modulation-depth`, D-Bus `SetModulationDepth`, `attunectl modulation`, config
//! `[focus] modulation_depth`) sets it, checked and kept across a restart.

mod common;
mod services;

use attuned::engine::SAMPLE_RATE;
use attuned::preset::BUILTIN;
use attuned::render::{RenderOptions, render};
use common::{preset, render_secs};
use services::Session;
use std::time::Duration;

/// The amplitude envelope: mean |x| of both channels over 1 ms frames (1 kHz).
fn envelope(l: &[f32], r: &[f32]) -> Vec<f32> {
    let frame = (SAMPLE_RATE / 1000.0) as usize;
    l.chunks_exact(frame)
        .zip(r.chunks_exact(frame))
        .map(|(a, b)| a.iter().chain(b).map(|x| x.abs()).sum::<f32>() / (2 * frame) as f32)
        .collect()
}

/// The envelope's modulation index at `hz`: twice the DFT amplitude over the mean.
fn index_at(env: &[f32], hz: f32) -> f32 {
    let mean = env.iter().sum::<f32>() / env.len() as f32;
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (i, e) in env.iter().enumerate() {
        let w = std::f64::consts::TAU * hz as f64 * i as f64 / 1000.0;
        re += ((e - mean) as f64) * w.cos();
        im += ((e - mean) as f64) * w.sin();
    }
    (2.0 * (re * re + im * im).sqrt() / env.len() as f64) as f32 / mean
}

/// (the strongest modulation's rate in 8..24 Hz at 0.1 Hz steps, its index).
fn strongest(env: &[f32]) -> (f32, f32) {
    (80..=240)
        .map(|k| k as f32 / 10.0)
        .map(|hz| (hz, index_at(env, hz)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap()
}

#[test]
fn deep_focus_is_modulated_at_its_rate_and_depth_and_nothing_else_is() {
    let p = preset("deep-focus");
    let am = p.am.expect("deep-focus modulates");
    // After the first 10 s (the pad's attack).
    let r = render_secs(&p, 40.0, 3);
    let env = envelope(&r.left[480_000..], &r.right[480_000..]);
    let (rate, index) = strongest(&env);
    eprintln!("deep-focus: strongest envelope modulation {index:.3} at {rate} Hz");
    assert!((rate - am.rate_hz).abs() <= 0.5, "{rate} Hz");
    assert!(
        (index - am.depth).abs() <= 0.2 * am.depth,
        "index {index:.3} for depth {}",
        am.depth
    );
    for (name, _) in BUILTIN.iter().filter(|(n, _)| *n != "deep-focus") {
        let p = preset(name);
        assert!(p.am.is_none(), "{name}");
        let r = render_secs(&p, 40.0, 3);
        let env = envelope(&r.left[480_000..], &r.right[480_000..]);
        let (rate, index) = strongest(&env);
        eprintln!("{name}: strongest envelope modulation {index:.3} at {rate} Hz");
        assert!(
            index < 0.25 * am.depth,
            "{name}: {index:.3} at {rate} Hz, like a modulation"
        );
    }
}

#[test]
fn the_listeners_depth_sets_the_modulation() {
    let depth_of = |name: &str, depth: f32| {
        let mut o = RenderOptions::new(preset(name));
        o.duration = Duration::from_secs(40);
        o.seed = 3;
        o.modulation_depth = Some(depth);
        let r = render(&o, true).expect("render");
        strongest(&envelope(&r.left[480_000..], &r.right[480_000..]))
    };
    for depth in [0.2, 0.8] {
        let (rate, index) = depth_of("deep-focus", depth);
        eprintln!("deep-focus at depth {depth}: {index:.3} at {rate} Hz");
        assert!((rate - 16.0).abs() <= 0.5, "{rate} Hz");
        assert!((index - depth).abs() <= 0.2 * depth, "index {index:.3}");
    }
    // Presets without the modulation stay unmodulated whatever the setting.
    let (rate, index) = depth_of("focus", 0.8);
    assert!(index < 0.1, "focus: {index:.3} at {rate} Hz");
}

fn ok(out: std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_depth_over_dbus_attunectl_and_config_is_checked_and_kept() {
    let s = Session::new("modulation");
    // The config's depth at first start.
    s.write_config("[focus]\nmodulation_depth = 0.3\n");
    let d = s.start_daemon(&[]);
    ok(s.call("SetPreset", &["s", "deep-focus"]));
    assert_eq!(s.property_json("ModulationDepth"), 0.3);
    ok(s.call("SetModulationDepth", &["d", "0.65"]));
    assert_eq!(s.property_json("ModulationDepth"), 0.65);
    for bad in ["1.5", "7", "nan"] {
        let out = s.call("SetModulationDepth", &["d", bad]);
        assert!(!out.status.success(), "{bad} accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("outside 0..1"), "{err}");
    }
    assert_eq!(s.property_json("ModulationDepth"), 0.65);
    // A preset without the modulation reports none; the setting waits for one that has it.
    ok(s.call("SetPreset", &["s", "focus"]));
    assert_eq!(s.property_json("ModulationDepth"), 0.0);
    assert_eq!(s.ctl(&["modulation"]).trim(), "0.00");
    ok(s.call("SetPreset", &["s", "deep-focus"]));
    assert_eq!(s.ctl(&["modulation"]).trim(), "0.65");
    s.ctl(&["modulation", "0.4"]);
    assert_eq!(s.property_json("ModulationDepth"), 0.4);
    let refused = s
        .command(env!("CARGO_BIN_EXE_attunectl"))
        .args(["modulation", "loud"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not a depth"),
        "{refused:?}"
    );

    // Kept across a restart, over the config's.
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.state_file()).unwrap()).unwrap();
    assert_eq!(saved["modulation_depth"], 0.4, "{saved}");
    let _d = s.start_daemon(&[]);
    assert_eq!(s.property_json("ModulationDepth"), 0.4);
    // `preset`: the preset's own depth again.
    s.ctl(&["modulation", "preset"]);
    let own = preset("deep-focus").am.unwrap().depth as f64;
    assert!((s.property_json("ModulationDepth").as_f64().unwrap() - own).abs() < 1e-6);
}
