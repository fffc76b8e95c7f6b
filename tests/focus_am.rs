//! Amplitude modulation for focus, measured on the rendered sound: the modulation spectrum
//! of `deep-focus`'s amplitude envelope peaks at the set rate (±0.5 Hz) with the set depth
//! (±20 %), and no other preset has such a peak.

mod common;

use attuned::synth::engine::SAMPLE_RATE;
use attuned::synth::preset::BUILTIN;
use common::{preset, render_secs};

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
