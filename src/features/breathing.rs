//! Breathing rate read from the heart: the heart speeds up on every in-breath and slows on
//! the out-breath (respiratory sinus arrhythmia), so the RR tachogram swings at the
//! breathing rate.
//!
//! Over the last [`WINDOW_S`] seconds the artifact-filtered RR series is resampled at
//! [`RESAMPLE_HZ`], detrended, Hann-windowed and zero-padded, and its spectrum searched for
//! the strongest peak between 6 and 30 breaths a minute (refined between bins by a parabola).
//! The confidence is the share of the band's power in that peak's main lobe. Too few beats,
//! too many artifacts, a gap, or a peak that does not stand [`MIN_PROMINENCE`] times above
//! the band's median give `None`: unknown, never a guess.
//! Buffers and the FFT plan are made once; an update allocates nothing.

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use std::collections::VecDeque;
use std::sync::Arc;

/// Seconds of RR intervals one estimate looks at.
pub const WINDOW_S: f64 = 60.0;
/// The tachogram's resampling rate.
pub const RESAMPLE_HZ: f64 = 4.0;
/// Breathing rates searched, breaths per minute.
pub const RATE_RANGE: (f32, f32) = (6.0, 30.0);
/// A peak must stand this far above the band's median power (13 dB) to be a breathing
/// rhythm: beat-to-beat noise alone reached 16× in 12 one-minute trials, real swings 23–800×.
pub const MIN_PROMINENCE: f32 = 20.0;
/// Peaks slower than this (breaths/min) compete with the Mayer waves at ~6/min ...
pub const SLOW_PER_MIN: f32 = 8.0;
/// ... and win over a faster peak only with this many times its power.
pub const SLOW_DOMINANCE: f32 = 4.0;
/// Fewest accepted beats in the window (a minute at 40 bpm).
const MIN_BEATS: usize = 40;
/// Largest share of rejected intervals (ectopic beats, motion) in the window: each
/// premature beat costs up to three (itself, the pause after it, the beat after that).
const MAX_REJECTED_SHARE: f32 = 0.2;
/// Longest gap between accepted beats that is bridged (a few missed beats).
const MAX_GAP_S: f64 = 4.0;
/// FFT length: 240 samples zero-padded to 1024 (0.23 breaths/min a bin).
const FFT_LEN: usize = 1024;
const SAMPLES: usize = (WINDOW_S * RESAMPLE_HZ) as usize;

/// A breathing rate and how sure the estimate is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breathing {
    /// Breaths per minute.
    pub per_minute: f32,
    /// Share of the band's power in the peak, 0..1.
    pub confidence: f32,
}

/// Keeps the last minute of RR intervals and estimates the breathing rate from them.
#[derive(Clone)]
pub struct BreathingEstimator {
    /// (time the interval ended, s; RR ms; accepted by the artifact filter).
    beats: VecDeque<(f64, f32, bool)>,
    fft: Arc<dyn RealToComplex<f32>>,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    window: Vec<f32>,
    /// The last accepted intervals, for the local median each new one is checked against.
    recent: [f32; RECENT],
    recent_len: usize,
    /// The previous interval was short and rejected: a premature beat, whose compensatory
    /// pause comes next.
    after_premature: bool,
}

/// Intervals in the local median.
const RECENT: usize = 9;
/// How far an interval may stray from the local median. Wider than the successive-interval
/// limit: breathing at six a minute swings a young heart by 20–30 bpm (Vaschillo et al.
/// 2002), and a median of nine beats lags such a swing by up to a quarter of the interval.
const LOCAL_MAX_CHANGE: f32 = 0.3;

impl std::fmt::Debug for BreathingEstimator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BreathingEstimator")
            .field("beats", &self.beats.len())
            .finish_non_exhaustive()
    }
}

impl Default for BreathingEstimator {
    fn default() -> Self {
        Self::new()
    }
}

impl BreathingEstimator {
    pub fn new() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_LEN);
        let spectrum = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        let window = (0..SAMPLES)
            .map(|i| {
                let x = std::f32::consts::PI * i as f32 / (SAMPLES - 1) as f32;
                x.sin().powi(2)
            })
            .collect();
        BreathingEstimator {
            // A minute at 200 bpm, with room.
            beats: VecDeque::with_capacity(256),
            fft,
            input: vec![0.0; FFT_LEN],
            spectrum,
            scratch,
            window,
            recent: [0.0; RECENT],
            recent_len: 0,
            after_premature: false,
        }
    }

    /// Whether an interval the upstream filter `accepted` is also within 30 % of the median
    /// of the last accepted intervals and is not the compensatory pause after a premature
    /// beat. The upstream filter compares with the previous interval only and starts afresh
    /// after a rejection, so it passes those pauses; one such spike is broadband power that
    /// hides the breathing peak.
    fn near_local_median(&mut self, rr_ms: f32, accepted: bool) -> bool {
        let Some(median) = self.local_median() else {
            if accepted {
                self.remember(rr_ms);
            }
            return accepted;
        };
        let change = (rr_ms - median) / median;
        // After a premature beat, a long interval is its compensatory pause even when it
        // stays within the limit.
        let pause = self.after_premature && change > 0.1;
        self.after_premature = !accepted && change < -0.1;
        let ok = accepted && !pause && change.abs() <= LOCAL_MAX_CHANGE;
        if ok {
            self.remember(rr_ms);
        }
        ok
    }

    fn local_median(&self) -> Option<f32> {
        if self.recent_len < 3 {
            return None;
        }
        let mut sorted = [0.0f32; RECENT];
        let n = self.recent_len.min(RECENT);
        sorted[..n].copy_from_slice(&self.recent[..n]);
        sorted[..n].sort_unstable_by(f32::total_cmp);
        Some(sorted[n / 2])
    }

    fn remember(&mut self, rr_ms: f32) {
        self.recent[self.recent_len % RECENT] = rr_ms;
        self.recent_len += 1;
    }

    /// One RR interval that ended at `at` seconds, and whether the artifact filter took it.
    pub fn push(&mut self, at: f64, rr_ms: f32, accepted: bool) {
        let accepted = self.near_local_median(rr_ms, accepted);
        if self.beats.len() == self.beats.capacity() {
            self.beats.pop_front();
        }
        self.beats.push_back((at, rr_ms, accepted));
    }

    /// The breathing rate over the minute up to `now`, or `None` when it cannot be told.
    pub fn estimate(&mut self, now: f64) -> Option<Breathing> {
        let start = now - WINDOW_S;
        while self.beats.front().is_some_and(|b| b.0 < start - MAX_GAP_S) {
            self.beats.pop_front();
        }
        let in_window = self.beats.iter().filter(|b| b.0 >= start && b.0 <= now);
        let (total, rejected) =
            in_window.fold((0usize, 0usize), |(t, r), b| (t + 1, r + usize::from(!b.2)));
        let accepted = total - rejected;
        if accepted < MIN_BEATS || rejected as f32 > MAX_REJECTED_SHARE * total as f32 {
            return None;
        }
        if !self.resample(start) {
            return None;
        }
        self.detrend_and_window();
        self.input[SAMPLES..].fill(0.0);
        self.fft
            .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
            .ok()?;
        self.peak()
    }

    /// Linear interpolation of the accepted beats onto the 4 Hz grid from `start`; false if
    /// the beats do not cover the window or leave a gap too long to bridge.
    fn resample(&mut self, start: f64) -> bool {
        let mut accepted = self.beats.iter().filter(|b| b.2);
        let Some(mut prev) = accepted.next().copied() else {
            return false;
        };
        let first_time = start + 0.5 / RESAMPLE_HZ;
        if prev.0 > first_time + MAX_GAP_S {
            return false;
        }
        let mut next = accepted.next().copied();
        for i in 0..SAMPLES {
            let t = first_time + i as f64 / RESAMPLE_HZ;
            while let Some(n) = next {
                if n.0 >= t {
                    break;
                }
                prev = n;
                next = accepted.next().copied();
            }
            self.input[i] = match next {
                Some(n) if t >= prev.0 => {
                    if n.0 - prev.0 > MAX_GAP_S {
                        return false;
                    }
                    let w = ((t - prev.0) / (n.0 - prev.0)) as f32;
                    prev.1 + w * (n.1 - prev.1)
                }
                // Before the first accepted beat: hold its value.
                Some(_) => prev.1,
                // After the last one: hold it, if it is recent.
                None if t - prev.0 <= MAX_GAP_S => prev.1,
                None => return false,
            };
        }
        true
    }

    /// Remove the least-squares line (slow heart-rate drift is not breathing), then taper.
    fn detrend_and_window(&mut self) {
        let n = SAMPLES as f32;
        let mean_i = (n - 1.0) / 2.0;
        let mean_y = self.input[..SAMPLES].iter().sum::<f32>() / n;
        let (mut sxy, mut sxx) = (0.0f32, 0.0f32);
        for (i, y) in self.input[..SAMPLES].iter().enumerate() {
            let dx = i as f32 - mean_i;
            sxy += dx * (y - mean_y);
            sxx += dx * dx;
        }
        let slope = sxy / sxx;
        for (i, y) in self.input[..SAMPLES].iter_mut().enumerate() {
            *y = (*y - mean_y - slope * (i as f32 - mean_i)) * self.window[i];
        }
    }

    /// The strongest peak in the breathing band, refined by a parabola, with its share of
    /// the band's power.
    fn peak(&self) -> Option<Breathing> {
        let hz_per_bin = RESAMPLE_HZ as f32 / FFT_LEN as f32;
        let bin = |per_minute: f32| (per_minute / 60.0 / hz_per_bin).round() as usize;
        // The band as searched, with a margin so an edge peak is seen as one.
        let (lo, hi) = (bin(RATE_RANGE.0 * 0.8), bin(RATE_RANGE.1 * 1.1));
        let power = |k: usize| self.spectrum[k].norm_sqr();
        let band_power: f32 = (lo..=hi).map(power).sum();
        if !band_power.is_normal() {
            return None;
        }
        // True local maxima only: the rising tail of slower (VLF/LF) heart-rate swings at
        // the band's lower edge is not a breathing peak. A slow peak (under 8/min) is also
        // what the baroreflex's ~0.1 Hz Mayer waves make whatever the breathing, so it wins
        // over a faster one only when it is clearly stronger; breathing that slow drives a
        // resonant, much larger swing (Vaschillo et al. 2002).
        let floor = bin(3.0);
        let strongest = |from: f32, to: f32| {
            (bin(from).max(floor + 1)..bin(to).min(hi))
                .filter(|&k| power(k) > power(k - 1) && power(k) >= power(k + 1))
                .map(|k| (k, power(k)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
        };
        let slow = strongest(RATE_RANGE.0 - 0.5, SLOW_PER_MIN);
        let fast = strongest(SLOW_PER_MIN, RATE_RANGE.1 * 1.1);
        let (k, _) = match (slow, fast) {
            (Some(s), Some(f)) if s.1 < SLOW_DOMINANCE * f.1 => f,
            (Some(s), _) => s,
            (None, f) => f?,
        };
        // The main lobe of a 60 s Hann window is ±2/60 Hz: its power belongs to the peak.
        let half_lobe = (2.0 / WINDOW_S as f32 / hz_per_bin).ceil() as usize;
        let peak_power: f32 = (k.saturating_sub(half_lobe)..=(k + half_lobe).min(hi))
            .map(power)
            .sum();
        let (a, b, c) = (power(k - 1).sqrt(), power(k).sqrt(), power(k + 1).sqrt());
        let offset = 0.5 * (a - c) / (a - 2.0 * b + c);
        let per_minute = (k as f32 + offset.clamp(-0.5, 0.5)) * hz_per_bin * 60.0;
        let confidence = peak_power / band_power;
        // The median of the band's bins, without allocating (the band is ≤ 160 bins).
        let mut bins = [0.0f32; 160];
        let n = (hi - lo + 1).min(bins.len());
        for (i, b) in bins[..n].iter_mut().enumerate() {
            *b = power(lo + i);
        }
        let (_, median, _) = bins[..n].select_nth_unstable_by(n / 2, f32::total_cmp);
        let prominence = power(k) / median.max(f32::MIN_POSITIVE);
        let in_range = (RATE_RANGE.0 - 0.5..=RATE_RANGE.1).contains(&per_minute);
        (in_range && prominence >= MIN_PROMINENCE).then_some(Breathing {
            per_minute: per_minute.max(RATE_RANGE.0),
            confidence,
        })
    }
}
