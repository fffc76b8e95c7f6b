//! Stereo space: an 8-line feedback delay network with a Householder mix and
//! per-line damping. Much cheaper than a Freeverb (8 delay reads per sample, no
//! allpass chains) while dense enough for pads.

use crate::synth::dsp::sum8;
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
    /// The decay the gains are set for (recomputed only when it moves).
    rt60: f32,
    sr: f32,
}

impl Reverb {
    /// Allocates its delay lines here, before audio starts.
    pub fn new(sr: f32) -> Self {
        let scale = sr / 48_000.0;
        let lines = LENGTHS_48K
            .iter()
            .map(|&n| vec![0.0; ((n as f32 * scale) as usize).max(MAX_BLOCK + 1)]) // longer than a block: see `process`
            .collect();
        Reverb {
            lines,
            pos: [0; LINES],
            damp: [0.0; LINES],
            gains: [0.0; LINES],
            rt60: f32::NAN,
            sr,
        }
    }

    /// Silence the room (no allocation): for a measurement that starts afresh.
    pub fn clear(&mut self) {
        for line in &mut self.lines {
            line.fill(0.0);
        }
        self.damp = [0.0; LINES];
    }

    /// Set the RT60 decay time (control rate).
    pub fn set_decay(&mut self, rt60: f32) {
        // Called every block with a smoothed value that mostly stands still or creeps: a
        // change under 0.1 % is inaudible and not worth eight `powf`s.
        if (rt60 - self.rt60).abs() <= 1e-3 * self.rt60 {
            return;
        }
        self.rt60 = rt60;
        for (g, line) in self.gains.iter_mut().zip(&self.lines) {
            let delay_s = line.len() as f32 / self.sr;
            *g = 10f32.powf(-3.0 * delay_s / rt60.max(0.1));
        }
    }

    /// Process sends into wet outputs added to `out_l`/`out_r`, scaled by `mix`.
    /// Add the reverb of `in_l`/`in_r` (the first `out_l.len()` samples) into the outputs.
    ///
    /// Every line is longer than a block, so no sample written in this block is read back
    /// within it: the block's taps are read up front, the mixing runs with the lines as
    /// lanes (vectorised), and the new samples are written back in one pass per line.
    pub fn process(
        &mut self,
        in_l: &[f32; MAX_BLOCK],
        in_r: &[f32; MAX_BLOCK],
        out_l: &mut [f32],
        out_r: &mut [f32],
        mix: f32,
    ) {
        let n = out_l.len().min(MAX_BLOCK);
        let mut frames = [[0.0f32; LINES]; MAX_BLOCK];
        for (k, line) in self.lines.iter().enumerate() {
            let (before_wrap, after_wrap) = wrapped_run(line, self.pos[k], n);
            for (frame, &x) in frames[..n]
                .iter_mut()
                .zip(before_wrap.iter().chain(after_wrap))
            {
                frame[k] = x;
            }
        }
        for (i, frame) in frames[..n].iter_mut().enumerate() {
            let mut y = [0.0f32; LINES];
            for k in 0..LINES {
                self.damp[k] += 0.45 * (frame[k] - self.damp[k]);
                y[k] = self.damp[k] * self.gains[k];
            }
            // Householder feedback: each line gets itself minus 2/N of the sum.
            let sum = sum8(&y) * (2.0 / LINES as f32);
            let (il, ir) = (in_l[i], in_r[i]);
            for k in 0..LINES {
                let input = if k % 2 == 0 { il } else { ir };
                frame[k] = y[k] - sum + input;
            }
            out_l[i] += mix * (y[0] + y[2] + y[4] + y[6]) * 0.5;
            out_r[i] += mix * (y[1] + y[3] + y[5] + y[7]) * 0.5;
        }
        for (k, line) in self.lines.iter_mut().enumerate() {
            let pos = self.pos[k];
            let first = n.min(line.len() - pos);
            for (x, frame) in line[pos..pos + first].iter_mut().zip(&frames[..first]) {
                *x = frame[k];
            }
            for (x, frame) in line[..n - first].iter_mut().zip(&frames[first..n]) {
                *x = frame[k];
            }
            self.pos[k] = (pos + n) % line.len();
        }
    }
}

/// The `n` samples of a circular `line` from `pos`, as the run before the wrap and the
/// run after it.
fn wrapped_run(line: &[f32], pos: usize, n: usize) -> (&[f32], &[f32]) {
    let first = n.min(line.len() - pos);
    (&line[pos..pos + first], &line[..n - first])
}
