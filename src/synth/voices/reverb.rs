//! Stereo space: an 8-line feedback delay network with a Householder mix and
//! per-line damping. Much cheaper than a Freeverb (8 delay reads per sample, no
//! allpass chains) while dense enough for pads.

use crate::synth::voices::MAX_BLOCK;
use wide::f32x4;

const LINES: usize = 8;
// Mutually prime delay lengths in samples at 48 kHz (≈ 29–79 ms).
const LENGTHS_48K: [usize; LINES] = [1423, 1777, 2137, 2411, 2753, 3109, 3467, 3797];

/// The FDN reverb.
#[derive(Clone)]
pub struct Reverb {
    /// The lines interleaved, one frame a sample: frame `t` holds what every line was fed
    /// at `t`, and line `k` reads it back `delays[k]` frames later. A block's frames are
    /// written in one copy (the lines' own buffers took a scattered store a line a sample).
    frames: Vec<[f32; LINES]>,
    write: usize,
    delays: [usize; LINES],
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
        // Longer than a block: see `process`.
        let delays = LENGTHS_48K.map(|n| ((n as f32 * scale) as usize).max(MAX_BLOCK + 1));
        let longest = delays.iter().copied().max().unwrap_or(MAX_BLOCK + 1);
        Reverb {
            frames: vec![[0.0; LINES]; longest + MAX_BLOCK],
            write: 0,
            delays,
            damp: [0.0; LINES],
            gains: [0.0; LINES],
            rt60: f32::NAN,
            sr,
        }
    }

    /// Silence the room (no allocation): for a measurement that starts afresh.
    pub fn clear(&mut self) {
        self.frames.fill([0.0; LINES]);
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
        for (g, &delay) in self.gains.iter_mut().zip(&self.delays) {
            let delay_s = delay as f32 / self.sr;
            *g = 10f32.powf(-3.0 * delay_s / rt60.max(0.1));
        }
    }

    /// Add the reverb of `in_l`/`in_r` (the first `out_l.len()` samples) into the outputs,
    /// scaled by `mix`.
    ///
    /// Every line is longer than a block, so no sample written in this block is read back
    /// within it: the block's taps are read up front, the mixing runs with the lines as
    /// lanes (vectorised), and the new frames are written back in one copy.
    pub fn process(
        &mut self,
        in_l: &[f32; MAX_BLOCK],
        in_r: &[f32; MAX_BLOCK],
        out_l: &mut [f32],
        out_r: &mut [f32],
        mix: f32,
    ) {
        let n = out_l.len().min(MAX_BLOCK);
        let size = self.frames.len();
        let mut frames = [[0.0f32; LINES]; MAX_BLOCK];
        for k in 0..LINES {
            let from = (self.write + size - self.delays[k]) % size;
            let (before_wrap, after_wrap) = wrapped_run(&self.frames, from, n);
            for (frame, tap) in frames[..n]
                .iter_mut()
                .zip(before_wrap.iter().chain(after_wrap))
            {
                frame[k] = tap[k];
            }
        }
        // The eight lines are eight lanes, two vectors of four (lines 0–3 and 4–7): the
        // damping, the gains and the Householder mix run across them at once; only the
        // damping is carried from sample to sample. Even lines are heard and fed on the
        // left, odd ones on the right.
        let lanes = |a: [f32; LINES]| {
            (
                f32x4::new([a[0], a[1], a[2], a[3]]),
                f32x4::new([a[4], a[5], a[6], a[7]]),
            )
        };
        let (gain_lo, gain_hi) = lanes(self.gains);
        let (mut damp_lo, mut damp_hi) = lanes(self.damp);
        let coef = f32x4::splat(0.45);
        let half_mix = 0.5 * mix;
        for (i, frame) in frames[..n].iter_mut().enumerate() {
            let (x_lo, x_hi) = lanes(*frame);
            damp_lo += (x_lo - damp_lo) * coef;
            damp_hi += (x_hi - damp_hi) * coef;
            let (y_lo, y_hi) = (damp_lo * gain_lo, damp_hi * gain_hi);
            let [a, b, c, d] = (y_lo + y_hi).to_array();
            let (left, right) = (a + c, b + d);
            // Householder feedback: each line gets itself minus 2/N of the sum.
            let fed = f32x4::new([in_l[i], in_r[i], in_l[i], in_r[i]])
                - f32x4::splat((left + right) * (2.0 / LINES as f32));
            let (lo, hi) = ((y_lo + fed).to_array(), (y_hi + fed).to_array());
            *frame = [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1], hi[2], hi[3]];
            out_l[i] += half_mix * left;
            out_r[i] += half_mix * right;
        }
        let (lo, hi) = (damp_lo.to_array(), damp_hi.to_array());
        self.damp = [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1], hi[2], hi[3]];
        let first = n.min(size - self.write);
        self.frames[self.write..self.write + first].copy_from_slice(&frames[..first]);
        self.frames[..n - first].copy_from_slice(&frames[first..n]);
        self.write = (self.write + n) % size;
    }
}

/// The `n` frames of a circular buffer from `pos`, as the run before the wrap and the
/// run after it.
fn wrapped_run<T>(buffer: &[T], pos: usize, n: usize) -> (&[T], &[T]) {
    let first = n.min(buffer.len() - pos);
    (&buffer[pos..pos + first], &buffer[..n - first])
}
