//! BS.1770 K-weighted power meters, many at once: every stereo signal the layer mixer
//! measures (each layer's dry output and reverb send, the reverbs' inputs and outputs) is
//! a pair of lanes of one bank, and the bank runs its filters lane by lane in one loop,
//! which the compiler turns into vector code. A meter on its own is a chain of two
//! biquads whose every sample waits on the last; side by side, four run for the price of
//! one. The meters read every [`DECIMATE`]th sample (a power estimate survives the
//! aliasing), a quarter of the cost again.

use super::voices::MAX_BLOCK;

/// The meters read one sample in this many.
pub const DECIMATE: usize = 4;
/// Lanes the bank can hold: two per stereo meter, up to 28 meters.
pub const LANES: usize = 56;
/// Decimated samples in the longest block.
const ROWS: usize = MAX_BLOCK.div_ceil(DECIMATE);

/// A biquad's coefficients (direct form I, `a0` = 1).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Coeffs {
    b: [f32; 3],
    a: [f32; 2],
}

/// BS.1770's K-weighting (its high shelf, then its high-pass) at any sample rate, from the
/// analogue prototypes' published parameters.
fn k_weighting(sr: f64) -> [Coeffs; 2] {
    let (g_db, f0, q) = (
        3.999_843_853_973_347,
        1_681.974_450_955_533,
        0.707_175_236_955_419_6,
    );
    let k = (std::f64::consts::PI * f0 / sr).tan();
    let vh = 10f64.powf(g_db / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Coeffs {
        b: [
            ((vh + vb * k / q + k * k) / a0) as f32,
            (2.0 * (k * k - vh) / a0) as f32,
            ((vh - vb * k / q + k * k) / a0) as f32,
        ],
        a: [
            (2.0 * (k * k - 1.0) / a0) as f32,
            ((1.0 - k / q + k * k) / a0) as f32,
        ],
    };
    let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
    let k = (std::f64::consts::PI * f0 / sr).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Coeffs {
        b: [1.0, -2.0, 1.0],
        a: [
            (2.0 * (k * k - 1.0) / a0) as f32,
            ((1.0 - k / q + k * k) / a0) as f32,
        ],
    };
    [shelf, high_pass]
}

/// One biquad stage's memory, a lane per meter channel.
#[derive(Clone)]
struct Stage {
    coeffs: Coeffs,
    x1: [f32; LANES],
    x2: [f32; LANES],
    y1: [f32; LANES],
    y2: [f32; LANES],
}

impl Stage {
    fn new(coeffs: Coeffs) -> Self {
        Stage {
            coeffs,
            x1: [0.0; LANES],
            x2: [0.0; LANES],
            y1: [0.0; LANES],
            y2: [0.0; LANES],
        }
    }

    /// Filter one row of `lanes` lanes in place.
    #[inline]
    fn tick(&mut self, row: &mut [f32; LANES], lanes: usize) {
        let Coeffs { b, a } = self.coeffs;
        for (k, x) in row[..lanes].iter_mut().enumerate() {
            let y = b[0] * *x + b[1] * self.x1[k] + b[2] * self.x2[k]
                - a[0] * self.y1[k]
                - a[1] * self.y2[k];
            (self.x2[k], self.x1[k]) = (self.x1[k], *x);
            (self.y2[k], self.y1[k]) = (self.y1[k], y);
            *x = y;
        }
    }
}

/// A bank of stereo K-weighted meters. Each block: [`MeterBank::feed`] every meter its
/// signal, [`MeterBank::run`], then read each meter's mean power with [`MeterBank::power`].
#[derive(Clone)]
pub struct MeterBank {
    stages: [Stage; 2],
    /// This block's decimated input, a row per sample read, a lane per channel; after
    /// `run`, each lane's energy.
    input: [[f32; LANES]; ROWS],
    energy: [f32; LANES],
    rows: usize,
    lanes: usize,
}

/// A stereo meter of a [`MeterBank`] (its first lane).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterId(usize);

impl MeterBank {
    /// A bank of meters for signals at `sr`.
    pub fn new(sr: f32) -> Self {
        let [shelf, high_pass] = k_weighting((sr / DECIMATE as f32) as f64);
        MeterBank {
            stages: [Stage::new(shelf), Stage::new(high_pass)],
            input: [[0.0; LANES]; ROWS],
            energy: [0.0; LANES],
            rows: 0,
            lanes: 0,
        }
    }

    /// Add a stereo meter (at set-up).
    ///
    /// # Panics
    /// Beyond [`LANES`]` / 2` meters.
    pub fn add(&mut self) -> MeterId {
        assert!(self.lanes + 2 <= LANES, "the meter bank is full");
        self.lanes += 2;
        MeterId(self.lanes - 2)
    }

    /// Give `meter` this block's signal (`l` and `r` of equal length, ≤ a block; every
    /// meter of the bank the same length each block).
    pub fn feed(&mut self, meter: MeterId, l: &[f32], r: &[f32]) {
        self.rows = l.len().div_ceil(DECIMATE);
        let rows = self.input.iter_mut();
        for (row, (&a, &b)) in rows.zip(l.iter().zip(r).step_by(DECIMATE)) {
            row[meter.0] = a;
            row[meter.0 + 1] = b;
        }
    }

    /// Every meter back to silence (its filters' memory cleared), to be taken up afresh.
    pub fn reset(&mut self) {
        self.stages = self.stages.clone().map(|s| Stage::new(s.coeffs));
    }

    /// Filter the block's input through every meter.
    pub fn run(&mut self) {
        // Lanes in use, rounded up to whole vectors (the spare lanes idle on zeros).
        let lanes = self.lanes.next_multiple_of(4).min(LANES);
        self.energy = [0.0; LANES];
        for row in &mut self.input[..self.rows] {
            for stage in &mut self.stages {
                stage.tick(row, lanes);
            }
            for (e, y) in self.energy[..lanes].iter_mut().zip(&row[..lanes]) {
                *e += y * y;
            }
        }
    }

    /// `meter`'s mean K-weighted power over the block just run (the sum of its two
    /// channels' powers, as BS.1770 sums channels: a mono sum would under-read a wide pad
    /// by 3 dB against a centred bass).
    pub fn power(&self, meter: MeterId) -> f32 {
        (self.energy[meter.0] + self.energy[meter.0 + 1]) / self.rows.max(1) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sine's K-weighted power through a bank at `sr` (meters alongside it fed other
    /// signals, which must not leak into it), in dB relative to the unweighted power.
    fn sine_db(sr: f32, hz: f32) -> f32 {
        let mut bank = MeterBank::new(sr);
        let noise = bank.add();
        let sine = bank.add();
        let (n, mut e, mut blocks) = (sr as usize, 0.0, 0);
        let mut rng = crate::synth::dsp::NoiseRng::new(3);
        for start in (0..2 * n).step_by(MAX_BLOCK) {
            let x: Vec<f32> = (start..start + MAX_BLOCK)
                .map(|i| (std::f32::consts::TAU * hz * i as f32 / sr).sin())
                .collect();
            let loud: Vec<f32> = (0..MAX_BLOCK).map(|_| 10.0 * rng.bipolar()).collect();
            bank.feed(noise, &loud, &loud);
            bank.feed(sine, &x, &vec![0.0; MAX_BLOCK]);
            bank.run();
            if start >= n {
                e += bank.power(sine);
                blocks += 1;
            }
        }
        10.0 * (e / blocks as f32 / 0.5).log10()
    }

    #[test]
    fn k_weighting_matches_bs1770_at_its_reference_points() {
        // BS.1770: 0 dB near 1 kHz (+0.7 dB there in fact), about +4 dB above 2 kHz,
        // strongly cut toward 20 Hz; the same at 44.1 and 48 kHz. The bank reads a quarter
        // of the samples, so its filters run at a quarter of the rate, and 8 kHz is read
        // as its alias, 4 kHz (48k) or 3.025 kHz (44.1k): still on the shelf.
        for sr in [44_100.0, 48_000.0] {
            let (at_1k, at_8k, at_20) =
                (sine_db(sr, 1000.0), sine_db(sr, 8000.0), sine_db(sr, 20.0));
            assert!((at_1k - 0.7).abs() < 0.3, "{sr}: 1 kHz {at_1k}");
            assert!((at_8k - 4.0).abs() < 0.6, "{sr}: 8 kHz {at_8k}");
            assert!(at_20 < -10.0, "{sr}: 20 Hz {at_20}");
        }
    }

    #[test]
    fn meters_are_independent_lanes_and_sum_their_channels() {
        let mut bank = MeterBank::new(48_000.0);
        let (a, b) = (bank.add(), bank.add());
        let x: Vec<f32> = (0..MAX_BLOCK)
            .map(|i| (std::f32::consts::TAU * 1000.0 * i as f32 / 48_000.0).sin())
            .collect();
        let silence = [0.0f32; MAX_BLOCK];
        let (mut both, mut one) = (0.0, 0.0);
        for _ in 0..400 {
            bank.feed(a, &x, &x);
            bank.feed(b, &x, &silence);
            bank.run();
            (both, one) = (bank.power(a), bank.power(b));
        }
        // Both channels: twice one channel's power; nothing leaked between them.
        assert!((both / one - 2.0).abs() < 0.05, "{both} vs {one}");
    }
}
