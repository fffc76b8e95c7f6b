//! Random in-range feature vectors with the teacher's controls: the training set for
//! `models/train/` (through `attuned teacher-dataset`) and the check set of the tests.
//! Sampling is seeded, so the same seed gives the same rows.

use super::contract::*;
use super::teacher::teach;
use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;
use std::io::Write;

/// `n` rows of (features, teacher controls) from `seed`.
pub fn sample(n: usize, seed: u64) -> Vec<([f32; INPUTS], [f32; OUTPUTS])> {
    let mut rng = Pcg32::seed_from_u64(seed);
    let mut unit = move || rng.next_u32() as f32 / u32::MAX as f32;
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let mut x = [0.0f32; INPUTS];
        let mode = [MODE_SLEEP, MODE_FOCUS, MODE_RELAX, MODE_WORKOUT][(unit() * 4.0) as usize % 4];
        x[mode] = 1.0;
        if unit() < 0.6 {
            x[HR_PRESENT] = 1.0;
            x[HR_REL] = -0.3 + 1.6 * unit();
            x[HR_TREND] = -1.0 + 2.0 * unit();
            x[RMSSD] = 1.5 * unit();
            if unit() < 0.6 {
                x[BREATHING_RATE] = (6.0 + 24.0 * unit()) / 30.0;
                x[BREATHING_CONFIDENCE] = unit();
            }
        }
        if unit() < 0.5 {
            x[CADENCE_PRESENT] = 1.0;
            x[CADENCE] = 1.2 * unit();
        }
        let angle = unit() * std::f32::consts::TAU;
        x[TOD_SIN] = angle.sin();
        x[TOD_COS] = angle.cos();
        x[SUN] = -0.8 + 1.6 * unit();
        // Sessions are mostly short, where the sleep and relax rules change fastest.
        let s = unit();
        x[SESSION] = 3.0 * s * s;
        clamp_inputs(&mut x);
        rows.push((x, teach(&x)));
    }
    rows
}

/// Write rows as CSV with a header of input then output names.
pub fn write_csv(
    rows: &[([f32; INPUTS], [f32; OUTPUTS])],
    mut out: impl Write,
) -> std::io::Result<()> {
    let mut header: Vec<&str> = INPUT_SPECS.iter().map(|s| s.name).collect();
    header.extend(crate::controls::Control::ALL.iter().map(|c| c.name()));
    writeln!(out, "{}", header.join(","))?;
    for (x, y) in rows {
        let cells: Vec<String> = x.iter().chain(y).map(|v| format!("{v:.7}")).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}
