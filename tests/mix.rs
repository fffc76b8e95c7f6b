//! The listener's mix: each layer at 0 removes its band's energy (its share of the whole,
//! measured on renders);
//! `SetLayerLevel` and `Layers` through a real session bus, `attunectl mix`, bad names and
//! levels refused with the preset's layers, the mix kept per preset across a restart, and
//! `render --mix` checked the same way; a level moved after a long while at the preset's own
//! mix (the probe reverb resting) is compensated as if it had been moved at the start.

mod common;
mod services;

use attuned::controls::SharedControls;
use attuned::engine::{Engine, SAMPLE_RATE};
use attuned::preset::layers::Layer;
use attuned::render::{RenderOptions, render};
use common::{loudness, preset};
use services::{Session, ok};
use std::time::Duration;

/// Mean power of the stereo render between `lo` and `hi` Hz (fourth-order band-pass:
/// two state-variable high-passes, two low-passes).
fn band_power(left: &[f32], right: &[f32], lo: f32, hi: f32) -> f64 {
    use attuned::synth::dsp::Svf;
    let k = std::f32::consts::SQRT_2;
    let mut f: [Svf; 4] = std::array::from_fn(|_| Svf::default());
    for (i, filter) in f.iter_mut().enumerate() {
        filter.set(
            if i < 2 { lo } else { hi },
            std::f32::consts::FRAC_1_SQRT_2,
            48_000.0,
        );
    }
    let mut total = 0.0f64;
    for (a, b) in left.iter().zip(right) {
        let mut x = a + b;
        for filter in &mut f[..2] {
            let (l, band) = filter.tick(x);
            x = x - k * band - l;
        }
        for filter in &mut f[2..] {
            x = filter.tick(x).0;
        }
        total += (x * x) as f64;
    }
    total / left.len() as f64
}

fn render_mix(name: &str, mix: &[(&str, f64)], start_h: f64) -> (Vec<f32>, Vec<f32>) {
    let mut o = RenderOptions::new(preset(name));
    o.duration = Duration::from_secs(60);
    o.seed = 4;
    o.start_of_day = start_h * 3600.0;
    for (l, v) in mix {
        o.mix.insert((*l).to_owned(), *v);
    }
    let r = render(&o, true).expect("render");
    (r.left, r.right)
}

#[test]
fn a_layer_at_zero_takes_its_band_with_it() {
    // (preset, layer, its band in Hz, hour): each layer where it stands out of the rest.
    let cases = [
        ("rain", "rain", (5000.0, 9000.0), 12.0),
        ("forest", "birds", (3000.0, 7000.0), 3.6),
        ("ocean", "ocean", (8000.0, 16000.0), 12.0),
        ("sleep", "bass", (40.0, 90.0), 12.0),
        ("deep-focus", "beat", (8000.0, 16000.0), 12.0),
        ("night", "insects", (5500.0, 7500.0), 23.0),
        ("night", "fire", (20.0, 90.0), 23.0),
    ];
    for (name, layer, (lo, hi), hour) in cases {
        let (l, r) = render_mix(name, &[], hour);
        let (ml, mr) = render_mix(name, &[(layer, 0.0)], hour);
        // The band's share of the whole (the loudness compensation lifts the rest).
        let share =
            |l: &[f32], r: &[f32]| band_power(l, r, lo, hi) / band_power(l, r, 20.0, 20_000.0);
        let (full, muted) = (share(&l, &r), share(&ml, &mr));
        let drop_db = 10.0 * (full / muted.max(1e-30)).log10();
        eprintln!("{name} without {layer}: the {lo}-{hi} Hz share down {drop_db:.1} dB");
        assert!(drop_db > 6.0, "{name}: {layer} at 0 took {drop_db:.1} dB");
    }
}

/// `seconds` of `name` through the engine, `layer` muted from second `mute_at`; the last
/// `keep` seconds.
fn engine_render(
    name: &str,
    layer: Layer,
    mute_at: usize,
    seconds: usize,
    keep: usize,
) -> (Vec<f32>, Vec<f32>) {
    let p = preset(name);
    let mut engine = Engine::new(&p, SharedControls::new(p.controls), 6, SAMPLE_RATE);
    let second = SAMPLE_RATE as usize;
    let (mut l, mut r) = (vec![0.0; second], vec![0.0; second]);
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for s in 0..seconds {
        if s == mute_at {
            engine.mix().set(layer, 0.0);
        }
        engine.plan_ahead();
        engine.render(&mut l, &mut r);
        if s >= seconds - keep {
            left.extend_from_slice(&l);
            right.extend_from_slice(&r);
        }
    }
    (left, right)
}

#[test]
fn a_level_moved_late_is_compensated_as_if_moved_at_the_start() {
    // Four minutes at the preset's own mix (every layer probed, then the probe resting),
    // then a layer muted; its loudness over the next minute and a half, 15 s after the
    // change: within 1 LU of the target, as a mute from the start is, and of the same
    // music with the layer muted from the start (the probe never rested; the layers'
    // reverb gains then come from other windows of the music). The layers whose absence
    // the compensation lifts most.
    let mut report = Vec::new();
    for (name, layer) in [
        ("rain", Layer::Rain),
        ("forest", Layer::Birds),
        ("orchestral", Layer::Pad),
    ] {
        let late = engine_render(name, layer, 240, 345, 90);
        let early = engine_render(name, layer, 0, 345, 90);
        let (late, early) = (loudness(&late.0, &late.1), loudness(&early.0, &early.1));
        report.push(format!(
            "{name} without {layer}: muted late {:.2} LUFS, from the start {:.2}",
            late.integrated, early.integrated
        ));
        assert!(
            (late.integrated + 23.0).abs() <= 1.0
                && (late.integrated - early.integrated).abs() <= 1.0,
            "{}",
            report.join("\n")
        );
    }
    eprintln!("{}", report.join("\n"));
}

fn refused(out: std::process::Output, contains: &str) {
    assert!(!out.status.success(), "accepted");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(contains), "{err}");
}

#[test]
fn the_mix_over_dbus_and_attunectl_is_checked_and_kept_per_preset() {
    let s = Session::new("mix");
    let d = s.start_daemon(&[]);
    ok(s.call("SetPreset", &["s", "rain"]));
    let layers = s.property_json("Layers");
    assert_eq!(layers["rain"], 1.0, "{layers}");
    assert_eq!(layers["pad"], 1.0, "{layers}");
    assert!(layers.get("birds").is_none(), "{layers}");

    ok(s.call("SetLayerLevel", &["sd", "rain", "0.25"]));
    assert_eq!(s.property_json("Layers")["rain"], 0.25);
    refused(
        s.call("SetLayerLevel", &["sd", "birds", "0.5"]),
        "`birds` is not a layer of rain; its layers are: pad, melody, bass, noise, rain",
    );
    refused(
        s.call("SetLayerLevel", &["sd", "rain", "2.5"]),
        "outside 0..=2",
    );
    refused(s.call("SetLayerLevel", &["s", "rain"]), "");

    // attunectl reads and sets the same.
    let listed = s.ctl(&["mix"]);
    assert!(listed.contains("rain     0.25"), "{listed}");
    assert_eq!(s.ctl(&["mix", "rain"]).trim(), "0.25");
    s.ctl(&["mix", "noise", "0"]);
    assert_eq!(s.property_json("Layers")["noise"], 0.0);

    // Each preset has its own mix; the rain's comes back with it.
    ok(s.call("SetPreset", &["s", "forest"]));
    let forest = s.property_json("Layers");
    assert_eq!(forest["birds"], 1.0, "{forest}");
    assert!(forest.get("rain").is_none(), "{forest}");
    ok(s.call("SetLayerLevel", &["sd", "birds", "1.5"]));
    ok(s.call("SetPreset", &["s", "rain"]));
    assert_eq!(s.property_json("Layers")["rain"], 0.25);

    // Saved with the state and restored after a restart.
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.state_file()).unwrap()).unwrap();
    assert_eq!(saved["mix"]["rain"]["rain"], 0.25, "{saved}");
    assert_eq!(saved["mix"]["forest"]["birds"], 1.5, "{saved}");
    let _d = s.start_daemon(&[]);
    assert_eq!(s.property("Preset"), "s \"rain\"");
    let layers = s.property_json("Layers");
    assert_eq!(layers["rain"], 0.25, "{layers}");
    assert_eq!(layers["noise"], 0.0, "{layers}");
}

#[test]
fn render_mix_names_are_checked() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_attuned"))
        .args(["render", "--preset", "rain", "--duration", "1s", "--out"])
        .arg(std::env::temp_dir().join("attuned-mix-test.wav"))
        .args(["--mix", "birds=0.5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "`birds` is not a layer of rain; its layers are: pad, melody, bass, noise, rain"
        ),
        "{err}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_attuned"))
        .args(["render", "--preset", "rain", "--duration", "1s", "--out"])
        .arg(std::env::temp_dir().join("attuned-mix-test.wav"))
        .args(["--mix", "rain=0.5,beat"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("LAYER=LEVEL"),
        "{err}"
    );
}
