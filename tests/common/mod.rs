//! Shared helpers for the integration tests: render a preset and measure it.
#![allow(dead_code)]

pub mod bands;
pub mod rsa;
pub mod spectral;

use attuned::controls::Control;
use attuned::engine::SAMPLE_RATE;
use attuned::preset::Preset;
use attuned::render::{RenderOptions, Rendered, render};
use ebur128::{EbuR128, Mode};
use std::time::Duration;

pub fn preset(name: &str) -> Preset {
    Preset::builtin(name).expect("built-in preset parses")
}

pub fn render_secs(p: &Preset, secs: f64, seed: u64) -> Rendered {
    let mut o = RenderOptions::new(p.clone());
    o.duration = Duration::from_secs_f64(secs);
    o.seed = seed;
    render(&o, true).expect("render")
}

/// The preset with one control fixed.
pub fn with_control(name: &str, c: Control, v: f32) -> Preset {
    let mut p = preset(name);
    p.controls.set(c, v);
    p
}

pub struct Loudness {
    pub integrated: f64,
    pub true_peak_db: f64,
}

pub fn loudness(l: &[f32], r: &[f32]) -> Loudness {
    let mut m = EbuR128::new(2, SAMPLE_RATE as u32, Mode::I | Mode::TRUE_PEAK).unwrap();
    m.add_frames_planar_f32(&[l, r]).unwrap();
    let tp = m.true_peak(0).unwrap().max(m.true_peak(1).unwrap());
    Loudness {
        integrated: m.loudness_global().unwrap(),
        true_peak_db: 20.0 * tp.log10(),
    }
}

/// Spectral centroid (Hz) of the mono sum, averaged over 4096-sample frames by a
/// Goertzel-free DFT on 64 log-spaced bins (enough to rank brightness).
pub fn centroid(l: &[f32], r: &[f32]) -> f64 {
    let n = 4096;
    let bins: Vec<f64> = (0..64)
        .map(|i| 60.0 * (16000.0f64 / 60.0).powf(i as f64 / 63.0))
        .collect();
    let (mut num, mut den) = (0.0, 0.0);
    let mut start = 0;
    while start + n <= l.len() {
        for &f in &bins {
            let w = 2.0 * std::f64::consts::PI * f / SAMPLE_RATE as f64;
            let (mut re, mut im) = (0.0, 0.0);
            for k in 0..n {
                let x = (l[start + k] + r[start + k]) as f64;
                let hann = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / n as f64).cos();
                re += x * hann * (w * k as f64).cos();
                im += x * hann * (w * k as f64).sin();
            }
            let mag = (re * re + im * im).sqrt() * f; // weight by bin density (log spacing)
            num += f * mag;
            den += mag;
        }
        start += n * 8;
    }
    num / den
}
