//! Stereo space: an 8-line feedback delay network with a Householder mix and
//! per-line damping. Much cheaper than a Freeverb (8 delay reads per sample, no
//! allpass chains) while dense enough for pads.
//!
//! Each line's length wavers slowly (by up to [`WAVER_48K`] samples, at its own rate
//! near one hertz, read with linear interpolation), as in Csound's `reverbsc`: with
//! fixed lengths the network's modes are narrower than their spacing at long decays, so a
//! pure tone that lands on one rang 30× its input's power and one between two barely
//! 1× (a bell melody had notes that boomed and notes that were dry). The waver moves
//! every mode by more than its width, so a tone's reverb hardly depends on where it
//! falls (±1.3 dB, from ±6.4); the tail's pitch moves by under 8 cents, a slow chorus.

use crate::synth::dsp::{advance_phase, sin_turns};
use crate::synth::dsp_x4::Svf4;
use crate::synth::voices::MAX_BLOCK;
use wide::f32x4;

const LINES: usize = 8;
// Mutually prime delay lengths in samples at 48 kHz (≈ 29–79 ms).
const LENGTHS_48K: [usize; LINES] = [1423, 1777, 2137, 2411, 2753, 3109, 3467, 3797];
/// How far each line's length wavers, samples at 48 kHz (~1.3 ms, peak to peak). Swept
/// sines (200–1000 Hz, 6 s each, RT60 6 s) get reverb power gains of 5.7 ± 1.3 dB with it,
/// 4.9 ± 6.4 dB (−3.5 to +22) with fixed lines; 16 samples left ±3.9 dB.
const WAVER_48K: f32 = 64.0;
/// Each line's waver rate, Hz: different for every line and not in simple ratios, so the
/// lines never waver together. The fastest bends a line's pitch by under 8 cents.
const WAVER_HZ: [f32; LINES] = [0.46, 0.58, 0.62, 0.74, 0.82, 0.86, 0.94, 1.06];
/// The samples a line's read needs beyond the block: the waver and the interpolation's one.
const READ_SPARE: usize = 96;
/// The waver moves a mode by the line's change in length times the mode's frequency: too
/// little under ~150 Hz to blur the modes a long room rings there, narrow and far apart
/// (at RT60 6 s a C2 rang +15 dB and the E2 above it +3, so a low chord stood 12 dB over
/// the next). The lows are treated as engineers treat a long reverb's return: what is
/// sent is cut below [`SEND_CUT_HZ`] (a low note is heard dry), and what rings decays
/// within [`LOW_RT60_S`] below [`LOW_HZ`] (a reverb's bass multiplier), so the modes left
/// widen into each other.
const SEND_CUT_HZ: f32 = 120.0;
const LOW_RT60_S: f32 = 1.0;
/// Where the loop's low shelf turns (a one-pole's corner), Hz.
const LOW_HZ: f32 = 150.0;

/// The FDN reverb.
#[derive(Clone)]
pub struct Reverb {
    /// The eight lines, one after another, each exactly its delay long: a line's next
    /// samples are the ones it was fed `delay` samples ago, and what it is fed this block
    /// takes their place. A block reads and writes one contiguous run a line (interleaved
    /// frames had each line's run touch eight times the cache lines).
    storage: Vec<f32>,
    /// Each line's read/write position in its ring.
    positions: [usize; LINES],
    /// Where a line's run that wraps round its ring is read into and written from. Kept
    /// here: zeroing 2 KB on the stack twice a block, for the one block in twenty that
    /// needs it, was a memset worth ~1 % of the instructions.
    wrap_copies: Box<[[f32; MAX_BLOCK]; LINES]>,
    /// The block's samples with the lines as lanes (lines 0–3, then 4–7). Kept here too:
    /// built on the stack and returned, the two moved 2 KB a block through memcpy.
    frames: Box<[[f32x4; MAX_BLOCK]; 2]>,
    /// Each line's wavering read for the block, and the stretch of its ring it is read
    /// from (gathered into one run first, so a read that wraps round the ring is no case
    /// of its own).
    reads: Box<[[f32; MAX_BLOCK]; LINES]>,
    gathered: Box<[f32; MAX_BLOCK + READ_SPARE]>,
    /// Each line's waver: its phase (turns), its step a sample, how far its read lies
    /// ahead of the fixed length at the block's start (samples), and the depth.
    waver_phase: [f32; LINES],
    waver_step: [f32; LINES],
    waver_ahead: [f32; LINES],
    waver_depth: f32,
    delays: [usize; LINES],
    damp: [f32; LINES],
    gains: [f32; LINES],
    /// Each line's loop lowpass at [`LOW_HZ`] (what the shelf takes from), its
    /// coefficient, and the share of it taken each pass (`1 −` the lows' extra decay).
    low: [f32; LINES],
    low_coef: f32,
    low_cut: [f32; LINES],
    /// The send's highpass at [`SEND_CUT_HZ`], left and right in lanes 0 and 1.
    send_cut: Svf4,
    /// The decay the gains are set for (recomputed only when it moves).
    rt60: f32,
    sr: f32,
}

impl Reverb {
    /// Allocates its delay lines here, before audio starts.
    pub fn new(sr: f32) -> Self {
        let scale = sr / 48_000.0;
        // Longer than a block: see `process`.
        let delays = LENGTHS_48K.map(|n| ((n as f32 * scale) as usize).max(MAX_BLOCK + READ_SPARE));
        let waver_depth = (WAVER_48K * scale).min((READ_SPARE - 2) as f32);
        // Phases spread round the circle: a deterministic start, every line elsewhere.
        let waver_phase: [f32; LINES] = std::array::from_fn(|k| k as f32 / LINES as f32);
        Reverb {
            reads: Box::new([[0.0; MAX_BLOCK]; LINES]),
            gathered: Box::new([0.0; MAX_BLOCK + READ_SPARE]),
            waver_ahead: waver_phase.map(|p| waver_depth * 0.5 * (1.0 + sin_turns(p))),
            waver_phase,
            waver_step: WAVER_HZ.map(|hz| hz / sr),
            waver_depth,
            storage: vec![0.0; delays.iter().sum()],
            positions: [0; LINES],
            wrap_copies: Box::new([[0.0; MAX_BLOCK]; LINES]),
            frames: Box::new([[f32x4::ZERO; MAX_BLOCK]; 2]),
            delays,
            damp: [0.0; LINES],
            gains: [0.0; LINES],
            low: [0.0; LINES],
            low_coef: 1.0 - (-std::f32::consts::TAU * LOW_HZ / sr).exp(),
            low_cut: [0.0; LINES],
            send_cut: {
                let mut svf = Svf4::default();
                for lane in 0..2 {
                    svf.set(lane, SEND_CUT_HZ, std::f32::consts::FRAC_1_SQRT_2, sr);
                }
                svf
            },
            rt60: f32::NAN,
            sr,
        }
    }

    /// Silence the room (no allocation): for a measurement that starts afresh.
    pub fn clear(&mut self) {
        self.storage.fill(0.0);
        self.damp = [0.0; LINES];
        self.low = [0.0; LINES];
        self.send_cut.reset();
    }

    /// Set the RT60 decay time (control rate).
    pub fn set_decay(&mut self, rt60: f32) {
        // Called every block with a smoothed value that mostly stands still or creeps: a
        // change under 0.1 % is inaudible and not worth eight `powf`s.
        if (rt60 - self.rt60).abs() <= 1e-3 * self.rt60 {
            return;
        }
        self.rt60 = rt60;
        let rt60 = rt60.max(0.1);
        let low_rt60 = rt60.min(LOW_RT60_S);
        for k in 0..LINES {
            let delay_s = self.delays[k] as f32 / self.sr;
            self.gains[k] = 10f32.powf(-3.0 * delay_s / rt60);
            self.low_cut[k] = 1.0 - 10f32.powf(-3.0 * delay_s * (1.0 / low_rt60 - 1.0 / rt60));
        }
    }

    /// Add the reverb of `in_l`/`in_r` (the first `out_l.len()` samples) into the outputs,
    /// scaled by `mix`.
    ///
    /// Every line is longer than a block, so no sample written in this block is read back
    /// within it: the block's taps are read up front, the mixing runs with the lines as
    /// lanes (vectorised), and the new samples are written back a line at a time.
    pub fn process(
        &mut self,
        in_l: &[f32; MAX_BLOCK],
        in_r: &[f32; MAX_BLOCK],
        out_l: &mut [f32],
        out_r: &mut [f32],
        mix: f32,
    ) {
        let n = out_l.len().min(MAX_BLOCK);
        let positions = self.positions;
        let mut lines = split_lines(&mut self.storage, &self.delays);
        // Each line's run for the block, read where it lies in its ring, ahead of the fixed
        // length by the waver (which glides across the block from where it was to where
        // it is at the block's end).
        for k in 0..LINES {
            self.waver_phase[k] = advance_phase(self.waver_phase[k], self.waver_step[k] * n as f32);
            let ahead = self.waver_depth * 0.5 * (1.0 + sin_turns(self.waver_phase[k]));
            read_wavering(
                &*lines[k],
                positions[k],
                (self.waver_ahead[k], ahead),
                &mut self.gathered,
                &mut self.reads[k][..n],
            );
            self.waver_ahead[k] = ahead;
        }
        let runs: [&[f32]; LINES] = std::array::from_fn(|k| &self.reads[k][..n]);
        // The eight lines are eight lanes, two vectors of four (lines 0–3 and 4–7): the
        // damping, the gains and the Householder mix run across them at once; only the
        // damping is carried from sample to sample. Even lines are heard and fed on the
        // left, odd ones on the right.
        let [frames_lo, frames_hi] = &mut *self.frames;
        lanes_of(&runs, 0, n, frames_lo);
        lanes_of(&runs, 4, n, frames_hi);
        let lanes = |a: [f32; LINES]| {
            (
                f32x4::new([a[0], a[1], a[2], a[3]]),
                f32x4::new([a[4], a[5], a[6], a[7]]),
            )
        };
        let (gain_lo, gain_hi) = lanes(self.gains);
        let (mut damp_lo, mut damp_hi) = lanes(self.damp);
        let (mut low_lo, mut low_hi) = lanes(self.low);
        let (cut_lo, cut_hi) = lanes(self.low_cut);
        let (coef, low_coef) = (f32x4::splat(0.45), f32x4::splat(self.low_coef));
        // The damping (the highs' lowpass, the lows' shelf) is the only thing carried from
        // sample to sample: it runs first, a sample at a time, leaving each line's damped
        // and decayed output in its lane.
        let frames = frames_lo[..n].iter_mut().zip(&mut frames_hi[..n]);
        for (frame_lo, frame_hi) in frames {
            damp_lo += (*frame_lo - damp_lo) * coef;
            damp_hi += (*frame_hi - damp_hi) * coef;
            low_lo += (damp_lo - low_lo) * low_coef;
            low_hi += (damp_hi - low_hi) * low_coef;
            *frame_lo = (damp_lo - low_lo * cut_lo) * gain_lo;
            *frame_hi = (damp_hi - low_hi * cut_hi) * gain_hi;
        }
        // The send, its lows cut.
        let (mut sent_l, mut sent_r) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);
        let k = f32x4::splat(std::f32::consts::SQRT_2);
        for i in 0..n {
            let x = f32x4::new([in_l[i], in_r[i], 0.0, 0.0]);
            let (low, band) = self.send_cut.tick(x);
            [sent_l[i], sent_r[i], _, _] = (x - k * band - low).to_array();
        }
        let (in_l, in_r) = (&sent_l, &sent_r);
        // The sums across lines (what is heard) and the Householder feedback (each line gets
        // itself minus 2/N of the sum) then go four samples at a time: one transpose turns
        // four samples' lanes into four vectors of samples, so no sum waits on a shuffle.
        let half_mix = 0.5 * mix;
        let quads = n - n % 4;
        for i in (0..quads).step_by(4) {
            let sums = std::array::from_fn(|j| frames_lo[i + j] + frames_hi[i + j]);
            let [a, b, c, d] = f32x4::transpose(sums);
            let (left, right) = (a + c, b + d);
            let back = (left + right) * f32x4::splat(2.0 / LINES as f32);
            let quad = |x: &[f32]| f32x4::new([x[i], x[i + 1], x[i + 2], x[i + 3]]);
            let (fed_l, fed_r) = (quad(in_l) - back, quad(in_r) - back);
            let fed = f32x4::transpose([fed_l, fed_r, fed_l, fed_r]);
            for (j, fed) in fed.iter().enumerate() {
                frames_lo[i + j] += *fed;
                frames_hi[i + j] += *fed;
            }
            let heard_l = quad(out_l) + f32x4::splat(half_mix) * left;
            let heard_r = quad(out_r) + f32x4::splat(half_mix) * right;
            out_l[i..i + 4].copy_from_slice(&heard_l.to_array());
            out_r[i..i + 4].copy_from_slice(&heard_r.to_array());
        }
        for i in quads..n {
            let [a, b, c, d] = (frames_lo[i] + frames_hi[i]).to_array();
            let (left, right) = (a + c, b + d);
            let fed = f32x4::new([in_l[i], in_r[i], in_l[i], in_r[i]])
                - f32x4::splat((left + right) * (2.0 / LINES as f32));
            frames_lo[i] += fed;
            frames_hi[i] += fed;
            out_l[i] += half_mix * left;
            out_r[i] += half_mix * right;
        }
        let (lo, hi) = (damp_lo.to_array(), damp_hi.to_array());
        self.damp = [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1], hi[2], hi[3]];
        let (lo, hi) = (low_lo.to_array(), low_hi.to_array());
        self.low = [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1], hi[2], hi[3]];
        // The new samples go back where the runs were read (a wrapped run through its
        // copy).
        let fed = &mut *self.wrap_copies;
        {
            let mut targets: [&mut [f32]; LINES] = {
                let mut fed = fed.iter_mut();
                std::array::from_fn(|k| {
                    let copy = fed.next().expect("a copy a line");
                    let line = std::mem::take(&mut lines[k]);
                    if positions[k] + n <= line.len() {
                        &mut line[positions[k]..positions[k] + n]
                    } else {
                        lines[k] = line;
                        &mut copy[..n]
                    }
                })
            };
            runs_of(frames_lo, n, &mut targets, 0);
            runs_of(frames_hi, n, &mut targets, 4);
        }
        for (k, line) in split_lines(&mut self.storage, &self.delays)
            .into_iter()
            .enumerate()
        {
            let position = positions[k];
            if position + n > line.len() {
                let first = line.len() - position;
                line[position..].copy_from_slice(&fed[k][..first]);
                line[..n - first].copy_from_slice(&fed[k][first..n]);
            }
            self.positions[k] = (position + n) % line.len();
        }
    }
}

/// `storage` cut into the eight lines, `delays` long each.
fn split_lines<'a>(mut storage: &'a mut [f32], delays: &[usize; LINES]) -> [&'a mut [f32]; LINES] {
    std::array::from_fn(|k| {
        let (line, rest) = std::mem::take(&mut storage).split_at_mut(delays[k]);
        storage = rest;
        line
    })
}

/// Lines `first..first + 4` of `runs` as lanes, one vector a sample (the first `n`, into
/// `frames`), transposed four samples at a time (a block need not be a multiple of four
/// long: hosts hand the callback any number of frames, and the last samples go one at a
/// time).
fn lanes_of(runs: &[&[f32]; LINES], first: usize, n: usize, frames: &mut [f32x4; MAX_BLOCK]) {
    let quads = n - n % 4;
    // Whole quads as chunks (one bounds check a run, not one a sample).
    let [a, b, c, d]: [_; 4] = std::array::from_fn(|k| runs[first + k][..quads].chunks_exact(4));
    let lines = a.zip(b).zip(c).zip(d);
    for (out, (((a, b), c), d)) in frames[..quads].chunks_exact_mut(4).zip(lines) {
        let quad = |x: &[f32]| f32x4::new([x[0], x[1], x[2], x[3]]);
        out.copy_from_slice(&f32x4::transpose([quad(a), quad(b), quad(c), quad(d)]));
    }
    for (i, frame) in frames.iter_mut().enumerate().take(n).skip(quads) {
        *frame = f32x4::new(std::array::from_fn(|k| runs[first + k][i]));
    }
}

/// The inverse of [`lanes_of`]: the lanes of the first `n` vectors back into lines
/// `first..first + 4` of `runs`.
fn runs_of(frames: &[f32x4; MAX_BLOCK], n: usize, runs: &mut [&mut [f32]; LINES], first: usize) {
    let quads = n - n % 4;
    let [a, b, c, d] = &mut runs[first..first + 4] else {
        unreachable!("four lines from `first`")
    };
    let lines = a[..quads]
        .chunks_exact_mut(4)
        .zip(b[..quads].chunks_exact_mut(4));
    let lines = lines.zip(
        c[..quads]
            .chunks_exact_mut(4)
            .zip(d[..quads].chunks_exact_mut(4)),
    );
    for (quad, ((a, b), (c, d))) in frames[..quads].chunks_exact(4).zip(lines) {
        let [ta, tb, tc, td] = f32x4::transpose([quad[0], quad[1], quad[2], quad[3]]);
        a.copy_from_slice(&ta.to_array());
        b.copy_from_slice(&tb.to_array());
        c.copy_from_slice(&tc.to_array());
        d.copy_from_slice(&td.to_array());
    }
    for (i, frame) in frames.iter().enumerate().take(n).skip(quads) {
        for (k, &sample) in frame.as_array().iter().enumerate() {
            runs[first + k][i] = sample;
        }
    }
}

/// Read `out.len()` samples of the ring `line` from `pos`, each `ahead` samples further on
/// (fractional, gliding from `ahead.0` at the first sample to `ahead.1` after the last),
/// interpolating linearly. Reading ahead of the fixed length shortens the line: the
/// samples read were written less than its length ago, but never this block (the line is
/// longer than a block and the spare).
fn read_wavering(
    line: &[f32],
    pos: usize,
    ahead: (f32, f32),
    gathered: &mut [f32; MAX_BLOCK + READ_SPARE],
    out: &mut [f32],
) {
    let n = out.len();
    let base = ahead.0.min(ahead.1) as usize;
    let span = (n + ahead.0.max(ahead.1) as usize - base + 2).min(gathered.len());
    let (before_wrap, after_wrap) = wrapped_run(line, (pos + base) % line.len(), span);
    gathered[..before_wrap.len()].copy_from_slice(before_wrap);
    gathered[before_wrap.len()..span].copy_from_slice(after_wrap);
    let start = ahead.0 - base as f32;
    let slope = (ahead.1 - ahead.0) / n as f32;
    // The read lies `i + offset(i)` into the gathered run, the offset gliding by under two
    // samples a block: in each stretch where its whole part stands still the read is a
    // plain run of the gathered samples and the interpolation vectorises (read a sample at
    // a time, with its index converted and clamped, it was four fifths of the reverb).
    let offset = |i: usize| start + slope * i as f32;
    let last_whole = span - 1 - n;
    let mut from = 0;
    while from < n {
        let whole = (offset(from).max(0.0) as usize).min(last_whole);
        // Where the whole part next moves (to `whole ± 1`), at least a sample on.
        let to = if slope > 0.0 {
            ((whole as f32 + 1.0 - start) / slope).ceil()
        } else if slope < 0.0 {
            ((whole as f32 - start) / slope).ceil()
        } else {
            n as f32
        };
        let to = (to.max(0.0) as usize).clamp(from + 1, n);
        let (base_frac, run) = (whole as f32, &gathered[from + whole..to + whole + 1]);
        for (k, (y, pair)) in out[from..to].iter_mut().zip(run.windows(2)).enumerate() {
            let frac = offset(from + k) - base_frac;
            *y = pair[0] + frac * (pair[1] - pair[0]);
        }
        from = to;
    }
}

/// The `n` samples of a circular buffer from `pos`, as the run before the wrap and the
/// run after it.
fn wrapped_run<T>(buffer: &[T], pos: usize, n: usize) -> (&[T], &[T]) {
    let first = n.min(buffer.len() - pos);
    (&buffer[pos..pos + first], &buffer[..n - first])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reverb's power gain (out over in, both channels) for a sine at `hz` played 6 s
    /// into a room of decay `rt60`, then 2 s of its tail.
    fn sine_gain_db(hz: f32, rt60: f32) -> f64 {
        let sr = 48_000.0;
        let mut reverb = Reverb::new(sr);
        reverb.set_decay(rt60);
        let (mut energy_in, mut energy_out) = (0.0f64, 0.0f64);
        let blocks = (8.0 * sr) as usize / MAX_BLOCK;
        for block in 0..blocks {
            let start = block * MAX_BLOCK;
            let sounding = start < (6.0 * sr) as usize;
            let x: [f32; MAX_BLOCK] = std::array::from_fn(|k| {
                let t = (start + k) as f32 / sr;
                if sounding {
                    (std::f32::consts::TAU * hz * t).sin()
                } else {
                    0.0
                }
            });
            let (mut l, mut r) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);
            reverb.process(&x, &x, &mut l, &mut r, 0.8);
            energy_in += x.iter().map(|v| 2.0 * (v * v) as f64).sum::<f64>();
            energy_out += l
                .iter()
                .zip(&r)
                .map(|(a, b)| (a * a + b * b) as f64)
                .sum::<f64>();
        }
        10.0 * (energy_out / energy_in).log10()
    }

    #[test]
    fn no_note_booms_in_a_long_room() {
        // Quarter tones over 200–1000 Hz (where melodies live), in sleep's 6 s room: with
        // fixed line lengths they spread over 25 dB (one note rang 30× its power, the next
        // one barely once); wavering lines keep every one near the rest.
        let gains: Vec<f64> = (0..56)
            .map(|q| sine_gain_db(200.0 * 2f32.powf(q as f32 / 24.0), 6.0))
            .collect();
        let mean = gains.iter().sum::<f64>() / gains.len() as f64;
        let spread =
            (gains.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gains.len() as f64).sqrt();
        let loudest = gains.iter().cloned().fold(f64::MIN, f64::max);
        assert!(spread < 2.0, "gains {mean:.1} ± {spread:.1} dB");
        assert!(
            loudest - mean < 6.0,
            "a note {:.1} dB above the mean",
            loudest - mean
        );
        // Quarter tones from E1 to C4 (a low pad's tones): none rings more than 6 dB over
        // what the melodies' notes get. Without the send's low cut and the lows' shorter
        // decay, C2 and C3 rang 10 dB over it and the E2 between them 3 dB under.
        for q in 0..49 {
            let hz = 41.2 * 2f32.powf(q as f32 / 24.0);
            let gain = sine_gain_db(hz, 6.0);
            assert!(
                gain - mean < 6.0,
                "{hz:.1} Hz rings {:.1} dB over the melodies' mean",
                gain - mean
            );
        }
    }

    #[test]
    fn a_wavering_read_is_the_interpolation_at_every_sample() {
        // Against the read a sample at a time (each index taken from the fractional
        // position), for glides up, down and none, across whole parts, at block sizes
        // a host may hand over.
        let line: Vec<f32> = (0..997).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
        let mut gathered = Box::new([0.0f32; MAX_BLOCK + READ_SPARE]);
        for (n, ahead) in [
            (MAX_BLOCK, (10.3, 11.9)),
            (MAX_BLOCK, (11.9, 10.3)),
            (MAX_BLOCK, (40.0, 40.0)),
            (MAX_BLOCK, (0.0, 0.7)),
            (77, (93.2, 92.1)),
            (3, (5.5, 5.51)),
        ] {
            let mut out = vec![0.0f32; n];
            read_wavering(&line, 990, ahead, &mut gathered, &mut out);
            let slope = (ahead.1 - ahead.0) / n as f32;
            for (i, &y) in out.iter().enumerate() {
                let at = 990.0 + ahead.0 + slope * i as f32 + i as f32;
                let j = at.floor();
                let (a, b) = (line[j as usize % 997], line[(j as usize + 1) % 997]);
                let want = a + (at - j) * (b - a);
                assert!(
                    (y - want).abs() < 0.02,
                    "n {n} ahead {ahead:?} i {i}: {y} {want}"
                );
            }
        }
    }

    #[test]
    fn a_wavering_read_follows_the_line() {
        // A ramp read through the waver: each output lies between the samples it is read
        // from, and gliding by 0.5 over 8 samples moves the read by that much.
        let line: Vec<f32> = (0..200).map(|i| i as f32).collect();
        let mut gathered = Box::new([0.0f32; MAX_BLOCK + READ_SPARE]);
        let mut out = [0.0f32; 8];
        read_wavering(&line, 190, (3.0, 3.5), &mut gathered, &mut out);
        // From 193 (wrapping at 200 to 0: the ramp's values drop there).
        assert_eq!(out[0], 193.0);
        assert!((out[4] - (197.0 + 0.25)).abs() < 1e-4, "{out:?}");
        assert_eq!(out[7].floor(), 0.0, "{out:?}");
    }
}
