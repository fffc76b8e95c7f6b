//! A granular texture that smears the current harmony: the chord voice's own sound is
//! written into a ring holding the last ~2.7 s, and short grains (smooth bell-shaped
//! windows) are read back from random points up to a second and a half behind, at the
//! same pitch, an octave down or an octave up (so the harmony stays the harmony and the
//! octaves shimmer above and below it), some backwards, each placed somewhere of its own
//! in the stereo field. The grains overlap into a haze that trails the chords by seconds.
//! Grains start as a Poisson process (never a loop); their length follows the rate so
//! that about [`OVERLAP`] sound at once, and the level is kept whatever the rate.
//!
//! Grains read at another speed are resampled, and resampling folds: an octave up reads
//! every other sample (what lay above 12 kHz would fold back), an octave down interpolates
//! between samples (leaving images near 24 kHz). So they read a second ring that holds the
//! source under [`SOFT_HZ`], and what they make passes a lowpass at [`SHIMMER_HZ`]: both
//! fourth-order, the folds and images 60 dB and more under the grains.

use super::{Bus, MAX_BLOCK, pan_gains};
use crate::synth::dsp::NoiseRng;
use crate::synth::dsp_x4::Svf4;
use crate::synth::rings::PoissonClock;
use wide::f32x4;

/// Samples the ring holds (a power of two: positions wrap with a mask).
const RING: usize = 1 << 17;
const MASK: usize = RING - 1;
/// The resampled grains' source is the chords under this, Hz (an octave up: under 10 kHz).
const SOFT_HZ: f32 = 5_000.0;
/// ... and what they make is kept under this, Hz.
const SHIMMER_HZ: f32 = 10_000.0;
/// A fourth-order Butterworth lowpass as two two-pole sections: their Qs.
const BUTTERWORTH_Q: [f32; 2] = [0.541_196_1, 1.306_563];
/// Grains sounding at most at once.
const MAX_GRAINS: usize = 8;
/// Grains sounding at once on average.
pub const OVERLAP: f32 = 3.0;
/// Shortest and longest grain, seconds.
const GRAIN_S: (f32, f32) = (0.08, 0.6);
/// How far behind the sound a grain starts reading, seconds (at most).
const BEHIND_S: f32 = 1.5;
/// Playback rates and how often each is drawn (an octave down, as recorded, an octave
/// up, backwards).
const RATES: [(f32, f32); 4] = [(0.5, 0.2), (1.0, 0.45), (2.0, 0.25), (-1.0, 0.1)];

/// Control-rate settings of the grains.
#[derive(Clone, Copy, Debug)]
pub struct GrainsParams {
    pub level: f32,
    /// Grains started a second, on average.
    pub rate: f32,
    pub send: f32,
}

/// A grain's mean length at `rate` grains a second: [`OVERLAP`] at once, within reason.
fn grain_seconds(rate: f32) -> f32 {
    (OVERLAP / rate.max(0.1)).clamp(GRAIN_S.0, GRAIN_S.1)
}

#[derive(Clone, Copy, Debug, Default)]
struct Grain {
    /// Read position in the ring, samples in 32.32 fixed point (the integer part masked
    /// into the ring when read, so it may wrap freely).
    at: u64,
    /// Samples read a sample of output, fixed point (negative: backwards).
    speed: i64,
    /// Through the window, 0..1, and its step a sample.
    phase: f32,
    step: f32,
    gain_l: f32,
    gain_r: f32,
}

impl Grain {
    fn sounding(&self) -> bool {
        self.phase < 1.0
    }
}

/// The grain cloud.
#[derive(Clone)]
pub struct Grains {
    ring: Box<[f32]>,
    /// The source under [`SOFT_HZ`], for the grains read at another speed.
    soft_ring: Box<[f32]>,
    /// The two sections of the fourth-order lowpasses, as lanes: what the resampled grains
    /// make, left (0) and right (1), kept under [`SHIMMER_HZ`], and the source (2) under
    /// [`SOFT_HZ`]; one vector step a section filters all three.
    lowpass: [Svf4; 2],
    write: usize,
    grains: [Grain; MAX_GRAINS],
    clock: PoissonClock,
    rng: NoiseRng,
    /// Samples since the source last made a sound (once past the ring, it holds silence).
    silent_for: usize,
    started: u64,
    sr: f32,
}

impl Grains {
    pub fn new(sr: f32, seed: u64) -> Self {
        let mut rng = NoiseRng::new(seed);
        Grains {
            ring: vec![0.0; RING].into_boxed_slice(),
            soft_ring: vec![0.0; RING].into_boxed_slice(),
            lowpass: BUTTERWORTH_Q.map(|q| {
                let mut section = Svf4::default();
                for (lane, hz) in [SHIMMER_HZ, SHIMMER_HZ, SOFT_HZ].into_iter().enumerate() {
                    section.set(lane, hz, q, sr);
                }
                section
            }),
            write: 0,
            grains: [Grain {
                phase: 1.0,
                ..Grain::default()
            }; MAX_GRAINS],
            clock: PoissonClock::new(&mut rng),
            rng,
            silent_for: RING,
            started: 0,
            sr,
        }
    }

    /// Grains started since the voice was built.
    pub fn started(&self) -> u64 {
        self.started
    }

    /// Take in `len` samples of the source (the chords, left and right) and mix the
    /// cloud's `len` samples from `start` into `bus`.
    pub fn render(
        &mut self,
        p: &GrainsParams,
        source: (&[f32], &[f32]),
        bus: &mut Bus,
        start: usize,
        len: usize,
    ) {
        let (src_l, src_r) = (&source.0[..len], &source.1[..len]);
        let mut loudest = 0.0f32;
        let mut fresh = [0.0f32; MAX_BLOCK];
        let written = self.write;
        for (k, (l, r)) in src_l.iter().zip(src_r).enumerate() {
            let x = 0.5 * (l + r);
            self.ring[(written + k) & MASK] = x;
            fresh[k] = x;
            loudest = loudest.max(x.abs());
        }
        self.write = (self.write + len) & MASK;
        self.silent_for = if loudest > 1e-6 {
            0
        } else {
            (self.silent_for + len).min(RING)
        };
        let mut starts = [0usize; MAX_BLOCK];
        let chance = p.rate.max(0.0) / self.sr;
        let count = self.clock.events(chance, &mut starts[..len], &mut self.rng);
        if self.silent_for >= RING && self.grains.iter().all(|g| !g.sounding()) {
            // Silent for the ring's length: the lowpasses have settled to exact silence.
            for k in 0..len {
                self.soft_ring[(written + k) & MASK] = 0.0;
            }
            return;
        }
        for _ in 0..count {
            self.start_grain(p.rate);
        }
        // The cloud's level stays put as the rate moves: grains add as unrelated sounds,
        // so the level goes as one over the root of how many overlap.
        let overlap = p.rate * grain_seconds(p.rate);
        let amp = p.level * 1.6 / overlap.max(0.5).sqrt();
        // As recorded (forwards or backwards) and resampled, apart.
        let mut l = [[0.0f32; MAX_BLOCK]; 2];
        let mut r = [[0.0f32; MAX_BLOCK]; 2];
        for g in self.grains.iter_mut().filter(|g| g.sounding()) {
            let (mut at, mut phase) = (g.at, g.phase);
            let (gl, gr) = (g.gain_l * amp, g.gain_r * amp);
            let shifted = g.speed.unsigned_abs() != 1 << 32;
            // Resampled grains read the soft ring only where it was written before this
            // block (they start a block and more behind the write head and never catch
            // it up): this block's soft samples are filtered below, with their sound.
            let ring = if shifted { &self.soft_ring } else { &self.ring };
            let (l, r) = (&mut l[shifted as usize], &mut r[shifted as usize]);
            for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
                let i = (at >> 32) as usize;
                let frac = (at as u32) as f32 * (1.0 / 4_294_967_296.0);
                let (a, b) = (ring[i & MASK], ring[(i + 1) & MASK]);
                let x = a + frac * (b - a);
                // A smooth bump (16 x² (1 − x)²): Hann-like, zero slope at both ends.
                let p = phase.min(1.0);
                let bump = 4.0 * p * (1.0 - p);
                let w = bump * bump * x;
                *yl += w * gl;
                *yr += w * gr;
                at = at.wrapping_add_signed(g.speed);
                phase += g.step;
            }
            (g.at, g.phase) = (at, phase);
        }
        let ([dry_l, moved_l], [dry_r, moved_r]) = (&mut l, &mut r);
        let [first, second] = &mut self.lowpass;
        let mut fed = 0.0f32;
        for k in 0..len {
            let x = f32x4::new([moved_l[k], moved_r[k], fresh[k], 0.0]);
            fed = fed.max(moved_l[k].abs().max(moved_r[k].abs()).max(fresh[k].abs()));
            let [yl, yr, soft, _] = second.tick(first.tick(x).0).0.to_array();
            dry_l[k] += yl;
            dry_r[k] += yr;
            self.soft_ring[(written + k) & MASK] = soft;
        }
        // Fed silence and rung out, the sections forget their state: what they give from
        // then on is exact silence, as the ring's is (their last tiny values would
        // otherwise linger for seconds).
        if fed <= 1e-6 && first.quiet() && second.quiet() {
            first.reset();
            second.reset();
        }
        bus.mix(start, &l[0][..len], &r[0][..len], p.send);
    }

    fn start_grain(&mut self, rate: f32) {
        let Some(slot) = self.grains.iter_mut().find(|g| !g.sounding()) else {
            return;
        };
        let rng = &mut self.rng;
        let seconds = grain_seconds(rate) * (0.7 + 0.6 * rng.unit());
        let samples = seconds * self.sr;
        let pick = rng.unit();
        let mut sum = 0.0;
        let speed = RATES
            .iter()
            .find(|&&(_, p)| {
                sum += p;
                pick < sum
            })
            .map_or(1.0, |&(s, _)| s);
        // Never overtake the write head: a grain reading faster than the sound is written
        // starts far enough behind it to stay behind for its whole length (a block's
        // writing and the interpolation's second sample to spare). Never fall off the
        // ring's far end either: a grain reading slower, or backwards, drifts further
        // behind as it goes and must end before the oldest sample is overwritten.
        let spare = MAX_BLOCK as f32 + 2.0;
        let least = (speed - 1.0).max(0.0) * samples + spare;
        let most = (RING as f32 - (1.0 - speed).max(0.0) * samples - spare).min(BEHIND_S * self.sr);
        let behind = least + rng.unit() * (most - least).max(0.0);
        let at = (self.write as f32 - behind).rem_euclid(RING as f32);
        let fixed = |x: f32| (x as f64 * 4_294_967_296.0) as i64;
        let (gain_l, gain_r) = pan_gains(rng.bipolar() * 0.8);
        // Octaves up are quieter (they shimmer above the chords rather than double them).
        let weight = if speed > 1.5 { 0.6 } else { 1.0 };
        *slot = Grain {
            at: fixed(at) as u64,
            speed: fixed(speed),
            phase: 0.0,
            step: 1.0 / samples,
            gain_l: gain_l * weight,
            gain_r: gain_r * weight,
        };
        self.started += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::dsp::amplitude_at;

    const SR: f32 = 48_000.0;

    fn params(rate: f32) -> GrainsParams {
        GrainsParams {
            level: 1.0,
            rate,
            send: 0.0,
        }
    }

    /// The cloud made from `source` (seconds of it given by its length), and then `extra`
    /// seconds of silence; left and right.
    fn cloud(grains: &mut Grains, rate: f32, source: &[f32], extra: f32) -> (Vec<f32>, Vec<f32>) {
        let total = source.len() + (extra * SR) as usize;
        let (mut l, mut r) = (Vec::new(), Vec::new());
        let mut block = [0.0f32; MAX_BLOCK];
        for from in (0..total).step_by(MAX_BLOCK) {
            for (k, x) in block.iter_mut().enumerate() {
                *x = source.get(from + k).copied().unwrap_or(0.0);
            }
            let mut bus = Bus::default();
            grains.render(&params(rate), (&block, &block), &mut bus, 0, MAX_BLOCK);
            l.extend_from_slice(&bus.l);
            r.extend_from_slice(&bus.r);
        }
        (l, r)
    }

    fn sine(hz: f32, seconds: f32) -> Vec<f32> {
        (0..(seconds * SR) as usize)
            .map(|i| 0.3 * (std::f32::consts::TAU * hz * i as f32 / SR).sin())
            .collect()
    }

    fn power(x: &[f32]) -> f32 {
        x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32
    }

    #[test]
    fn the_grains_keep_the_harmony_in_octaves() {
        let mut grains = Grains::new(SR, 3);
        let (l, _) = cloud(&mut grains, 8.0, &sine(220.0, 20.0), 0.0);
        let x = &l[(4.0 * SR) as usize..];
        let level = |hz: f32| {
            let windows = x.chunks_exact(9_600);
            let n = windows.len() as f32;
            windows.map(|w| amplitude_at(w, hz, SR)).sum::<f32>() / n
        };
        let tone = level(220.0);
        for octave in [110.0, 440.0] {
            assert!(level(octave) > 0.1 * tone, "no octave at {octave} Hz");
        }
        // A fifth, a fourth, a third or a tritone from any octave would be a new note.
        for other in [165.0, 275.0, 293.7, 311.1, 330.0, 550.0, 660.0] {
            assert!(
                level(other) < 0.02 * tone,
                "{other} Hz: {} of {tone}",
                level(other)
            );
        }
    }

    #[test]
    fn the_cloud_trails_the_sound_by_seconds_then_falls_silent() {
        let s = |t: f32| (t * SR) as usize;
        let (mut during, mut after) = (0.0, 0.0);
        // Over a few seeds: one cloud's grains may leave a gap of half a second.
        for seed in 1..=6 {
            let mut grains = Grains::new(SR, seed);
            let (l, r) = cloud(&mut grains, 10.0, &sine(220.0, 3.0), 4.0);
            during += power(&l[s(1.5)..s(3.0)]) + power(&r[s(1.5)..s(3.0)]);
            after += power(&l[s(3.3)..s(4.0)]) + power(&r[s(3.3)..s(4.0)]);
            assert!(l[s(6.0)..].iter().chain(&r[s(6.0)..]).all(|&v| v == 0.0));
        }
        assert!(after > 0.25 * during, "after {after}, during {during}");
    }

    #[test]
    fn every_grain_reads_only_what_the_ring_holds() {
        for rate in [0.5, 4.0, 40.0] {
            let mut grains = Grains::new(SR, 7);
            grains.write = 5_000;
            for _ in 0..3_000 {
                grains.grains[0].phase = 1.0;
                grains.start_grain(rate);
                let g = grains.grains[0];
                let (speed, samples) = (g.speed as f64 / 4_294_967_296.0, 1.0 / g.step as f64);
                let start = (grains.write as f64 - (g.at >> 32) as f64).rem_euclid(RING as f64);
                // How far behind the write head the grain reads at its start and its end
                // (the head moves on a sample a sample, up to a block ahead of the reading).
                let end = start + (1.0 - speed) * samples;
                for d in [start, end] {
                    assert!(d >= 2.0, "{d} behind at {rate}/s, speed {speed}: overtakes");
                    assert!(
                        d + MAX_BLOCK as f64 <= RING as f64,
                        "{d} behind at {rate}/s, speed {speed}: off the ring's end"
                    );
                }
            }
        }
    }

    #[test]
    fn grains_start_at_the_rate_and_the_level_holds_as_it_moves() {
        let source = sine(220.0, 60.0);
        let mut loudness = Vec::new();
        for rate in [4.0, 16.0] {
            let mut grains = Grains::new(SR, 3);
            let (l, r) = cloud(&mut grains, rate, &source, 0.0);
            let expected = rate * 60.0;
            let started = grains.started() as f32;
            assert!(
                (started - expected).abs() < 0.15 * expected,
                "{started} grains at {rate}/s"
            );
            loudness.push(10.0 * (power(&l[48_000..]) + power(&r[48_000..])).log10());
        }
        assert!(
            (loudness[0] - loudness[1]).abs() < 1.5,
            "{loudness:?} dB at 4 and 16 grains a second"
        );
    }
}
