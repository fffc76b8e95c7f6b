//! The presets are each their own: the long-term 1/3-octave spectra (shape, level taken
//! out) of any two differ by at least 3 dB RMS over the bands from 50 Hz to 12.5 kHz.

mod common;

use attuned::preset::BUILTIN;
use attuned::synth::dsp::Svf;
use common::{preset, render_secs};

/// Band levels in dB of the mono sum, 1/3-octave bands centred from 50 Hz to 12.5 kHz
/// (fourth-order band-passes: two state-variable band-passes in cascade), minus their mean.
fn third_octave_shape(left: &[f32], right: &[f32]) -> Vec<f64> {
    let centres: Vec<f32> = (0..25).map(|k| 50.0 * 2f32.powf(k as f32 / 3.0)).collect();
    let levels: Vec<f64> = centres
        .iter()
        .map(|&f| {
            let mut a = Svf::default();
            let mut b = Svf::default();
            a.set(f, 4.3, 48_000.0);
            b.set(f, 4.3, 48_000.0);
            let energy: f64 = left
                .iter()
                .zip(right)
                .map(|(l, r)| {
                    let y = b.tick(a.tick(l + r).1).1;
                    (y * y) as f64
                })
                .sum();
            10.0 * (energy / left.len() as f64 + 1e-20).log10()
        })
        .collect();
    let mean = levels.iter().sum::<f64>() / levels.len() as f64;
    levels.iter().map(|l| l - mean).collect()
}

#[test]
fn every_two_presets_differ_in_their_spectra() {
    let shapes: Vec<(&str, Vec<f64>)> = BUILTIN
        .iter()
        .map(|(name, _)| {
            let r = render_secs(&preset(name), 45.0, 2);
            (*name, third_octave_shape(&r.left, &r.right))
        })
        .collect();
    let mut closest = (f64::INFINITY, "", "");
    let mut report = Vec::new();
    for (i, (a, sa)) in shapes.iter().enumerate() {
        for (b, sb) in &shapes[i + 1..] {
            let rms = (sa.iter().zip(sb).map(|(x, y)| (x - y).powi(2)).sum::<f64>()
                / sa.len() as f64)
                .sqrt();
            report.push(format!("{a} / {b}: {rms:.1} dB"));
            if rms < closest.0 {
                closest = (rms, a, b);
            }
        }
    }
    eprintln!("{}", report.join("\n"));
    eprintln!(
        "closest: {} / {} at {:.1} dB",
        closest.1, closest.2, closest.0
    );
    assert!(
        closest.0 >= 3.0,
        "{} and {} differ by {:.1} dB RMS",
        closest.1,
        closest.2,
        closest.0
    );
}
