//! Measuring a render as a listener hears it, streamed block by block (hours of audio are
//! never held): per window of the audio, the onsets (spectral flux of log magnitudes,
//! half-wave rectified, peaks over a moving median: Dixon 2006's detector) and the spectral
//! centroid (each frame's, averaged over the frames that are not near-silence, as Essentia's
//! SpectralCentroidTime over frames is). Written here, independent of the engine's own
//! analysis.

use attuned::engine::SAMPLE_RATE;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;
use std::sync::Arc;

const FRAME: usize = 2048;
const HOP: usize = 512;
/// Flux frames either side in the moving median, and the least gap between onsets.
const MEDIAN_FRAMES: usize = 16;
const MIN_GAP_S: f64 = 0.06;
/// Above the moving median by this (in the flux's units) a peak is an onset.
const DELTA: f32 = 0.04;

/// What one window of audio measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub onsets: u32,
    /// The mean of the frames' centroids (power-weighted mean frequency), Hz.
    pub centroid_hz: f64,
    frames: u32,
    sum: f64,
}

/// The streaming analyser.
pub struct Spectral {
    fft: Arc<dyn realfft::RealToComplex<f32>>,
    window_fn: Vec<f32>,
    input: Vec<f32>,
    scratch: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    last_log: Vec<f32>,
    flux: Vec<f32>,
    /// Frame index of the flux values kept (the first in `flux`).
    flux_start: usize,
    frames: usize,
    last_onset: Option<usize>,
    window_s: f64,
    pub windows: Vec<Window>,
    /// When each onset was found, s from the start.
    pub onset_times: Vec<f64>,
}

impl Spectral {
    pub fn new(window_s: f64) -> Spectral {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FRAME);
        let window_fn = (0..FRAME)
            .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / FRAME as f32).cos())
            .collect();
        Spectral {
            spectrum: fft.make_output_vec(),
            scratch: fft.make_input_vec(),
            fft,
            window_fn,
            input: Vec::new(),
            last_log: vec![0.0; FRAME / 2 + 1],
            flux: Vec::new(),
            flux_start: 0,
            frames: 0,
            last_onset: None,
            window_s,
            windows: Vec::new(),
            onset_times: Vec::new(),
        }
    }

    /// A block of stereo audio.
    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        self.input
            .extend(left.iter().zip(right).map(|(l, r)| 0.5 * (l + r)));
        while self.input.len() >= FRAME {
            self.frame();
            self.input.drain(..HOP);
        }
    }

    fn window_of(&mut self, frame: usize) -> &mut Window {
        let t = (frame * HOP) as f64 / SAMPLE_RATE as f64;
        let i = (t / self.window_s) as usize;
        if self.windows.len() <= i {
            self.windows.resize(i + 1, Window::default());
        }
        &mut self.windows[i]
    }

    fn frame(&mut self) {
        for ((s, x), w) in self
            .scratch
            .iter_mut()
            .zip(&self.input)
            .zip(&self.window_fn)
        {
            *s = x * w;
        }
        self.fft
            .process(&mut self.scratch, &mut self.spectrum)
            .expect("fft sizes");
        let mut flux = 0.0f32;
        let (mut power, mut weighted) = (0.0f64, 0.0f64);
        for (k, c) in self.spectrum.iter().enumerate() {
            let p = c.norm_sqr();
            let log = (1.0 + 1000.0 * p.sqrt()).ln();
            flux += (log - self.last_log[k]).max(0.0);
            self.last_log[k] = log;
            power += p as f64;
            weighted += p as f64 * (k * SAMPLE_RATE as usize) as f64 / FRAME as f64;
        }
        let frame = self.frames;
        self.frames += 1;
        // Near-silence (−70 dBFS a frame) says nothing of brightness.
        if power > 1e-7 * FRAME as f64 {
            let w = self.window_of(frame);
            w.frames += 1;
            w.sum += weighted / power;
            w.centroid_hz = w.sum / w.frames as f64;
        }
        self.flux.push(flux / (FRAME / 2) as f32);
        self.pick();
    }

    /// Judges the frame MEDIAN_FRAMES back, now that its neighbours are known.
    fn pick(&mut self) {
        let n = self.flux.len();
        if n < 2 * MEDIAN_FRAMES + 1 {
            return;
        }
        let mid = n - 1 - MEDIAN_FRAMES;
        let v = self.flux[mid];
        let mut around: Vec<f32> = self.flux[mid - MEDIAN_FRAMES..=mid + MEDIAN_FRAMES].to_vec();
        around.sort_by(f32::total_cmp);
        let median = around[MEDIAN_FRAMES];
        let peak = v >= self.flux[mid - 1] && v > self.flux[mid + 1];
        let frame = self.flux_start + mid;
        let gap = (MIN_GAP_S * SAMPLE_RATE as f64 / HOP as f64) as usize;
        if peak && v > median + DELTA && self.last_onset.is_none_or(|l| frame >= l + gap) {
            self.last_onset = Some(frame);
            self.window_of(frame).onsets += 1;
            self.onset_times
                .push((frame * HOP) as f64 / SAMPLE_RATE as f64);
        }
        // Keep only what the next frames look back at.
        if n > 4 * MEDIAN_FRAMES {
            let drop = n - (2 * MEDIAN_FRAMES + 1);
            self.flux.drain(..drop);
            self.flux_start += drop;
        }
    }
}

/// The tempo (bpm, within `lowest..highest`) whose eighth-note grid the intervals between
/// nearby onsets fit best: each interval (to the next three onsets, under 6 s) scores by
/// how near it lies to a whole number of eighths, within ~12 ms, less what an interval
/// scores against that grid by chance (a finer grid fits anything better; an
/// inter-onset-interval fit, phase-free, so rests and syncopation do not matter). Keep the
/// range under an octave, or a grid twice as fine fits as well.
pub fn tempo_from_onsets(times: &[f64], lowest: f64, highest: f64) -> f64 {
    const SIGMA_S: f64 = 0.012;
    const MAX_INTERVAL_S: f64 = 6.0;
    let mut intervals = Vec::new();
    for (i, a) in times.iter().enumerate() {
        for b in times.iter().skip(i + 1).take(3) {
            if b - a < MAX_INTERVAL_S {
                intervals.push(b - a);
            }
        }
    }
    let score = |bpm: f64| {
        let eighth = 30.0 / bpm;
        let chance = (2.0 * std::f64::consts::PI).sqrt() * SIGMA_S / eighth;
        intervals
            .iter()
            .map(|d| {
                let off = d - (d / eighth).round().max(1.0) * eighth;
                (-0.5 * (off / SIGMA_S).powi(2)).exp() - chance
            })
            .sum::<f64>()
    };
    let steps = ((highest - lowest) / 0.05) as usize;
    (0..=steps)
        .map(|k| lowest + 0.05 * k as f64)
        .max_by(|a, b| score(*a).total_cmp(&score(*b)))
        .unwrap_or(lowest)
}
