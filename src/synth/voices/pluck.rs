//! Plucked strings (harp, guitar, koto-like): Karplus–Strong. Each string is a delay line
//! one period long, filled with a burst of filtered noise at the pluck and fed back through
//! a two-point average (the string's losses, higher partials dying first) and a first-order
//! allpass that supplies the fractional part of the period, so every note is in tune (not
//! just those whose period is a whole number of samples).
//!
//! Lines are allocated when the voice is built, long enough for the lowest note; a pluck
//! writes one period of noise, so nothing allocates on the audio thread.

use super::{Bus, MAX_BLOCK, StrikeParams, pan_gains};

const STRINGS: usize = 6;
/// The lowest string: under the harp's C1 (32.7 Hz), at any sample rate.
const LOWEST_HZ: f32 = 30.0;

/// One string.
#[derive(Clone)]
struct Line {
    buf: Vec<f32>,
    len: usize,
    pos: usize,
    /// The previous sample through the averager.
    last: f32,
    /// The allpass: coefficient, and its previous input and output.
    coef: f32,
    ap_in: f32,
    ap_out: f32,
    /// Loop gain per pass (sets the ring time).
    gain: f32,
    /// The loss filter's weight on the previous sample (½: the two-point average).
    stretch: f32,
    pan: (f32, f32),
    level: f32,
}

impl Line {
    /// A string whose period may be up to `longest` samples.
    fn new(longest: usize) -> Self {
        Line {
            buf: vec![0.0; longest + 2],
            len: 2,
            pos: 0,
            last: 0.0,
            coef: 0.0,
            ap_in: 0.0,
            ap_out: 0.0,
            gain: 0.0,
            stretch: 0.5,
            pan: (0.7, 0.7),
            level: 0.0,
        }
    }

    #[inline]
    fn tick(&mut self) -> f32 {
        let y = self.buf[self.pos];
        // The string's losses: a two-point weighted average (the plain average, half a
        // sample of delay, unless a high note needs its top kept), a gentle lowpass.
        let avg = ((1.0 - self.stretch) * y + self.stretch * self.last) * self.gain;
        self.last = y;
        // Allpass for the fractional delay.
        let out = self.coef * (avg - self.ap_out) + self.ap_in;
        self.ap_in = avg;
        self.ap_out = out;
        self.buf[self.pos] = out;
        self.pos += 1;
        if self.pos >= self.len {
            self.pos = 0;
        }
        y
    }
}

/// White noise in −1..1 from a xorshift state.
fn white(state: &mut u32) -> f32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    (*state >> 8) as f32 / 8_388_608.0 - 1.0
}

/// The plucked-string bank.
#[derive(Clone)]
pub struct Pluck {
    lines: Vec<Line>,
    next: usize,
    noise: u32,
    sr: f32,
}

impl Pluck {
    pub fn new(sr: f32, seed: u64) -> Self {
        Pluck {
            lines: (0..STRINGS)
                .map(|_| Line::new((sr / LOWEST_HZ).ceil() as usize))
                .collect(),
            next: 0,
            noise: (seed as u32) | 1,
            sr,
        }
    }

    /// Pluck a string at `freq`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, pan: f32, p: &StrikeParams) {
        let v = self.next;
        self.next = (self.next + 1) % STRINGS;
        let freq = freq.max(LOWEST_HZ);
        let period = (self.sr / freq).max(4.0);
        let w = std::f32::consts::TAU * freq / self.sr;
        // Ring time falls with pitch as on real strings, ~decay_s at 262 Hz: the loop
        // keeps `per_pass` of the note each time round. The plain average alone loses
        // more than that at high notes (a G7 died in a tenth of a second): there its
        // weights lean toward one sample until its loss at the note is what the ring time
        // allows (Jaffe and Smith's decay stretching), and the gain makes up the rest.
        let t60 = (p.decay_s * (262.0 / freq).powf(0.5)).clamp(0.3, 12.0);
        let per_pass = 10f32.powf(-3.0 / (t60 * freq));
        let most = (1.0 - per_pass * per_pass) / (2.0 * (1.0 - w.cos()));
        let stretch = if most >= 0.25 {
            0.5
        } else {
            0.5 * (1.0 - (1.0 - 4.0 * most).sqrt())
        };
        let loss = (1.0 - 2.0 * stretch * (1.0 - stretch) * (1.0 - w.cos())).sqrt();
        let gain = (per_pass / loss).min(1.0);
        // The loop's delay at the note is the line, the average's delay and the allpass's
        // fraction (kept within 0.1..1.1 samples, where its delay is nearly flat).
        let averaged = (stretch * w.sin()).atan2(1.0 - stretch + stretch * w.cos()) / w;
        let whole = (period - averaged - 0.1).floor().max(2.0);
        let frac = period - averaged - whole;
        let len = whole as usize;
        // The pluck: one period of noise through a one-pole lowpass (brighter plucks let
        // more of the top through), its mean taken out so the string settles on zero.
        let a = 0.15 + 0.8 * p.brightness.clamp(0.0, 1.0);
        let mut y = 0.0;
        let mut noise = std::mem::take(&mut self.noise);
        let line = &mut self.lines[v];
        for s in &mut line.buf[..len] {
            y += a * (white(&mut noise) - y);
            *s = y;
        }
        self.noise = noise;
        let mean = line.buf[..len].iter().sum::<f32>() / len as f32;
        for s in &mut line.buf[..len] {
            *s = (*s - mean) * 2.0;
        }
        line.len = len;
        line.pos = 0;
        line.last = 0.0;
        // The allpass's delay is `frac` exactly at the note (its low-frequency value,
        // (1 − d)/(1 + d), runs long toward the top notes).
        line.coef = ((1.0 - frac) * w * 0.5).sin() / ((1.0 + frac) * w * 0.5).sin();
        line.ap_in = 0.0;
        line.ap_out = 0.0;
        line.gain = gain;
        line.stretch = stretch;
        line.pan = pan_gains(pan);
        line.level = velocity;
    }

    /// Mix `len` samples from `start` into `bus`.
    pub fn render(&mut self, p: &StrikeParams, bus: &mut Bus, start: usize, len: usize) {
        let level = p.level * 0.3;
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        let mut any = false;
        for line in self.lines.iter_mut().filter(|s| s.level > 0.0) {
            any = true;
            let (gl, gr) = (
                line.pan.0 * line.level * level,
                line.pan.1 * line.level * level,
            );
            let mut peak = 0.0f32;
            for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
                let y = line.tick();
                peak = peak.max(y.abs());
                *yl += y * gl;
                *yr += y * gr;
            }
            // Rung out (−80 dB): the string rests.
            if peak < 1e-4 {
                line.level = 0.0;
            }
        }
        if any {
            bus.mix(start, &l[..len], &r[..len], p.send);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::voices::render_blocks;

    const SR: f32 = 48_000.0;

    fn pluck(freq: f32, seconds: f32) -> Vec<f32> {
        let p = StrikeParams {
            level: 1.0,
            brightness: 0.6,
            decay_s: 3.0,
            send: 0.0,
        };
        let mut k = Pluck::new(SR, 7);
        k.note_on(freq, 1.0, 0.0, &p);
        render_blocks(seconds, SR, |bus| k.render(&p, bus, 0, MAX_BLOCK)).0
    }

    /// The period by autocorrelation around the expected one, refined by a parabola.
    fn pitch(x: &[f32], near: f32) -> f32 {
        let lag0 = (SR / near) as usize;
        let ac = |lag: usize| -> f64 {
            x.iter()
                .zip(&x[lag..])
                .map(|(a, b)| (*a as f64) * (*b as f64))
                .sum()
        };
        let lags = lag0 - lag0 / 20..=lag0 + lag0 / 20;
        let best = lags
            .clone()
            .max_by(|&a, &b| ac(a).total_cmp(&ac(b)))
            .unwrap();
        let (y0, y1, y2) = (ac(best - 1), ac(best), ac(best + 1));
        let shift = 0.5 * (y0 - y2) / (y0 - 2.0 * y1 + y2);
        SR / (best as f64 + shift) as f32
    }

    #[test]
    fn every_string_is_in_tune_within_five_cents() {
        // The harp's compass, C1 to G7 (the top notes had sounded far flat, C1 at 40 Hz).
        for freq in [
            32.70, 82.41, 110.0, 196.0, 261.63, 440.0, 659.26, 987.77, 1760.0, 2637.02, 3135.96,
        ] {
            let x = pluck(freq, 0.6);
            let got = pitch(&x[4_800..], freq);
            let cents = 1200.0 * (got / freq).log2();
            assert!(
                cents.abs() < 5.0,
                "{freq} Hz plays {got:.2} Hz ({cents:+.2} cents)"
            );
        }
    }

    #[test]
    fn a_pluck_decays_high_notes_sooner_and_rests() {
        let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
        let low = pluck(110.0, 3.0);
        let high = pluck(880.0, 3.0);
        let fall = |x: &[f32]| rms(&x[96_000..120_000]) / rms(&x[2_400..26_400]);
        assert!(
            fall(&high) < fall(&low),
            "{} vs {}",
            fall(&high),
            fall(&low)
        );
        assert!(low.iter().all(|v| v.is_finite()) && rms(&low[..4_800]) > 0.01);
        // The top of the harp rings for its ring time (0.9 s to −60 dB at G7): a third of a
        // second on it is within 30 dB of the pluck (it had died in a tenth of a second).
        let top = pluck(3135.96, 0.5);
        let held = rms(&top[14_400..19_200]) / rms(&top[960..5_760]);
        assert!(held > 0.03, "G7 after 0.3 s: {held}");
        let mut k = Pluck::new(SR, 1);
        let p = StrikeParams {
            level: 1.0,
            brightness: 0.5,
            decay_s: 0.4,
            send: 0.0,
        };
        k.note_on(1000.0, 1.0, 0.0, &p);
        for _ in 0..(4.0 * SR) as usize / MAX_BLOCK {
            k.render(&p, &mut Bus::default(), 0, MAX_BLOCK);
        }
        assert!(k.lines.iter().all(|l| l.level == 0.0), "rung out");
    }
}
