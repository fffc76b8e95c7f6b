//! Stereo space: an 8-line feedback delay network with a Householder mix and
//! per-line damping. Much cheaper than a Freeverb (8 delay reads per sample, no
//! allpass chains) while dense enough for pads.

use crate::synth::voices::MAX_BLOCK;

const LINES: usize = 8;
// Mutually prime delay lengths in samples at 48 kHz (≈ 29–79 ms).
const LENGTHS_48K: [usize; LINES] = [1423, 1777, 2137, 2411, 2753, 3109, 3467, 3797];

/// The FDN reverb.
#[derive(Clone)]
pub struct Reverb {
    lines: Vec<Vec<f32>>,
    pos: [usize; LINES],
    damp: [f32; LINES],
    gains: [f32; LINES],
    sr: f32,
}

impl Reverb {
    /// Allocates its delay lines here, before audio starts.
    pub fn new(sr: f32) -> Self {
        let scale = sr / 48_000.0;
        let lines = LENGTHS_48K
            .iter()
            .map(|&n| vec![0.0; ((n as f32 * scale) as usize).max(16)])
            .collect();
        Reverb {
            lines,
            pos: [0; LINES],
            damp: [0.0; LINES],
            gains: [0.0; LINES],
            sr,
        }
    }

    /// Set the RT60 decay time (control rate).
    pub fn set_decay(&mut self, rt60: f32) {
        for (g, line) in self.gains.iter_mut().zip(&self.lines) {
            let delay_s = line.len() as f32 / self.sr;
            *g = 10f32.powf(-3.0 * delay_s / rt60.max(0.1));
        }
    }

    /// Process sends into wet outputs added to `out_l`/`out_r`, scaled by `mix`.
    pub fn process(
        &mut self,
        in_l: &[f32; MAX_BLOCK],
        in_r: &[f32; MAX_BLOCK],
        out_l: &mut [f32],
        out_r: &mut [f32],
        mix: f32,
    ) {
        let n = out_l.len();
        for i in 0..n {
            let mut y = [0.0f32; LINES];
            for (k, yk) in y.iter_mut().enumerate() {
                let line = &self.lines[k];
                // damping: one-pole lowpass inside the loop darkens the tail over time.
                self.damp[k] += 0.45 * (line[self.pos[k]] - self.damp[k]);
                *yk = self.damp[k] * self.gains[k];
            }
            let sum: f32 = y.iter().sum::<f32>() * (2.0 / LINES as f32);
            let (il, ir) = (in_l[i], in_r[i]);
            for (k, yk) in y.iter().enumerate() {
                let input = if k % 2 == 0 { il } else { ir };
                let line = &mut self.lines[k];
                line[self.pos[k]] = yk - sum + input;
                self.pos[k] += 1;
                if self.pos[k] == line.len() {
                    self.pos[k] = 0;
                }
            }
            out_l[i] += mix * (y[0] + y[2] + y[4] + y[6]) * 0.5;
            out_r[i] += mix * (y[1] + y[3] + y[5] + y[7]) * 0.5;
        }
    }
}
