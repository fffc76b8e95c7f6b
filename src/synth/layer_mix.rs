//! Folding a preset's layers into its bus at the listener's levels, without moving the
//! overall loudness: each layer is rendered on its own bus and metered (K-weighted, as
//! BS.1770 weighs loudness, over ~8 s), both what it plays dry and what it sends to the
//! reverb, the latter times that layer's own reverb power gain. The output is then scaled
//! by `sqrt(Σ Pᵢ / Σ gᵢ² Pᵢ)`, the ratio of the loudness at the preset's balance to the
//! loudness at the listener's, so muting the rain or doubling the birds changes the
//! balance and not the level. Layers are nearly uncorrelated (different sources), so their
//! powers add. All levels glide (~0.3 s), so a slider makes no zipper noise.
//!
//! A layer's reverb gain depends on the layer (a sustained dark pad fills the room to
//! five times its input's power, short bright notes half that), so it is measured per
//! layer: a second reverb, set like the real one, takes each layer's send in turn for
//! [`PROBE_S`] (cleared between) and the ratio of its output's power to its input's is
//! that layer's gain. Until a layer has been probed, the real reverb's gain over the whole
//! mix stands in. The meters read every [`DECIMATE`]th sample (a power estimate survives
//! the aliasing), a quarter of the cost.

use super::dsp::OnePole;
use super::layers::{LAYER_COUNT, Layer, SharedMix};
use super::voices::reverb::Reverb;
use super::voices::{Bus, MAX_BLOCK};

/// Seconds over which a layer's loudness is averaged.
const METER_S: f32 = 8.0;
/// BS.1770's gating block, seconds, and its relative gate: blocks of the whole mix more
/// than 10 LU under its mean do not count toward loudness, so they do not count here
/// (a pad swelling deeply has troughs the gate drops; its share is that of its swells).
const GATE_BLOCK_S: f32 = 0.4;
const RELATIVE_GATE: f32 = 0.1;
/// Seconds a level change glides over.
const GLIDE_S: f32 = 0.3;
/// The most the loudness compensation lifts (+18 dB: a sparse melody alone, the strings
/// muted; beyond that a nearly silent layer would only lift its noise).
const MAX_LIFT: f32 = 8.0;
/// The meters read one sample in this many.
pub const DECIMATE: usize = 4;
/// Seconds the probe reverb listens to one layer, the last [`PROBE_TAIL_S`] of them to
/// the room ringing out (so the ratio counts all the reverb its input made).
pub const PROBE_S: f32 = 8.0;
const PROBE_TAIL_S: f32 = 2.0;

/// A biquad in direct form I, for the K-weighting.
#[derive(Clone, Copy, Default)]
struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    x: [f32; 2],
    y: [f32; 2],
}

impl Biquad {
    #[inline]
    fn tick(&mut self, x: f32) -> f32 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// BS.1770's K-weighting (its high shelf and its high-pass) at any sample rate, from the
/// analogue prototypes' published parameters.
fn k_weighting(sr: f64) -> [Biquad; 2] {
    let (g_db, f0, q) = (
        3.999_843_853_973_347,
        1_681.974_450_955_533,
        0.707_175_236_955_419_6,
    );
    let k = (std::f64::consts::PI * f0 / sr).tan();
    let vh = 10f64.powf(g_db / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [
            ((vh + vb * k / q + k * k) / a0) as f32,
            (2.0 * (k * k - vh) / a0) as f32,
            ((vh - vb * k / q + k * k) / a0) as f32,
        ],
        a: [
            (2.0 * (k * k - 1.0) / a0) as f32,
            ((1.0 - k / q + k * k) / a0) as f32,
        ],
        ..Biquad::default()
    };
    let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
    let k = (std::f64::consts::PI * f0 / sr).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Biquad {
        b: [1.0, -2.0, 1.0],
        a: [
            (2.0 * (k * k - 1.0) / a0) as f32,
            ((1.0 - k / q + k * k) / a0) as f32,
        ],
        ..Biquad::default()
    };
    [shelf, high_pass]
}

/// A K-weighted power meter on every [`DECIMATE`]th sample of a stereo signal: the sum of
/// the two channels' powers, as BS.1770 sums channels (a mono sum would under-read a wide
/// pad by 3 dB against a centred bass).
#[derive(Clone)]
struct Meter {
    left: [Biquad; 2],
    right: [Biquad; 2],
    power: OnePole,
}

impl Meter {
    fn new(sr: f32) -> Self {
        let mut power = OnePole::default();
        power.set_time(METER_S * sr / MAX_BLOCK as f32);
        let weighting = k_weighting((sr / DECIMATE as f32) as f64);
        Meter {
            left: weighting,
            right: weighting,
            power,
        }
    }

    /// The block's mean K-weighted power.
    fn block(&mut self, l: &[f32], r: &[f32]) -> f32 {
        let mut energy = 0.0f32;
        let mut n = 0;
        for (&a, &b) in l.iter().zip(r).step_by(DECIMATE) {
            let (shelved_l, shelved_r) = (self.left[0].tick(a), self.right[0].tick(b));
            let (wl, wr) = (self.left[1].tick(shelved_l), self.right[1].tick(shelved_r));
            energy += wl * wl + wr * wr;
            n += 1;
        }
        energy / n.max(1) as f32
    }

    /// Meter a block; returns the mean power so far.
    fn push(&mut self, l: &[f32], r: &[f32]) -> f32 {
        let p = self.block(l, r);
        self.power.tick(p)
    }
}

/// One layer's meters, level and reverb gain.
#[derive(Clone)]
struct Strip {
    dry: Meter,
    send: Meter,
    /// Its power at the preset's balance in the gating block so far (summed over the
    /// block's runs), and averaged over the gated blocks.
    block_energy: f32,
    power: OnePole,
    level: OnePole,
    /// Its reverb power gain, once probed.
    reverb_gain: Option<f32>,
}

/// The second reverb that measures each layer's reverb gain in turn.
#[derive(Clone)]
struct Probe {
    reverb: Reverb,
    input: Meter,
    output: Meter,
    /// The layer listened to (index into [`Layer::ALL`]), samples into its turn, and the
    /// energy in and out so far.
    layer: usize,
    elapsed: usize,
    energy_in: f64,
    energy_out: f64,
    turn: usize,
    tail: usize,
}

impl Probe {
    /// Listen to one block of the current layer's send; returns `Some((layer, gain))` when
    /// its turn ends.
    fn listen(&mut self, bus: &Bus, size: usize, mix: f32) -> Option<(usize, f32)> {
        let (mut wet_l, mut wet_r) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);
        let n = size as f64;
        if self.elapsed + self.tail < self.turn {
            self.reverb.process(
                &bus.send_l,
                &bus.send_r,
                &mut wet_l[..size],
                &mut wet_r[..size],
                mix,
            );
            self.energy_in += self.input.block(&bus.send_l[..size], &bus.send_r[..size]) as f64 * n;
        } else {
            let silence = [0.0f32; MAX_BLOCK];
            self.reverb.process(
                &silence,
                &silence,
                &mut wet_l[..size],
                &mut wet_r[..size],
                mix,
            );
        }
        self.energy_out += self.output.block(&wet_l[..size], &wet_r[..size]) as f64 * n;
        self.elapsed += size;
        if self.elapsed < self.turn {
            return None;
        }
        let gain = (self.energy_in > 1e-12).then(|| (self.energy_out / self.energy_in) as f32);
        let layer = self.layer;
        (self.elapsed, self.energy_in, self.energy_out) = (0, 0.0, 0.0);
        self.reverb.clear();
        gain.map(|g| (layer, g))
    }
}

/// The buses of a preset's layers and their folding into one.
#[derive(Clone)]
pub struct LayerMixer {
    /// One bus per layer, indexed by [`Layer`]; voices render into their layer's.
    pub buses: [Bus; LAYER_COUNT],
    strips: [Strip; LAYER_COUNT],
    present: [bool; LAYER_COUNT],
    probe: Probe,
    /// The real reverb's output over its input, as powers, over the whole mix.
    reverb_in: Meter,
    reverb_out: Meter,
    mix_reverb_gain: f32,
    /// The real reverb's send gain (what `Reverb::process` scales by).
    reverb_mix: f32,
    /// Samples into the gating block, its length, and the mix's mean block power.
    block_elapsed: usize,
    block_len: usize,
    mean_block: OnePole,
    lift: OnePole,
    levels: SharedMix,
}

impl LayerMixer {
    /// The mixer of a preset playing `layers`, reading the listener's `levels`.
    pub fn new(layers: &[Layer], levels: SharedMix, sr: f32) -> Self {
        let blocks = |s: f32| s * sr / MAX_BLOCK as f32;
        let strip = |layer: Layer| {
            let mut level = OnePole::default();
            level.set_time(blocks(GLIDE_S));
            level.y = levels.get(layer);
            let mut power = OnePole::default();
            power.set_time(METER_S / GATE_BLOCK_S);
            Strip {
                dry: Meter::new(sr),
                send: Meter::new(sr),
                block_energy: 0.0,
                power,
                level,
                reverb_gain: None,
            }
        };
        let mut lift = OnePole::default();
        lift.set_time(blocks(1.0));
        lift.y = 1.0;
        let present: [bool; LAYER_COUNT] = std::array::from_fn(|i| layers.contains(&Layer::ALL[i]));
        LayerMixer {
            buses: std::array::from_fn(|_| Bus::default()),
            strips: std::array::from_fn(|i| strip(Layer::ALL[i])),
            present,
            probe: Probe {
                reverb: Reverb::new(sr),
                input: Meter::new(sr),
                output: Meter::new(sr),
                layer: present.iter().position(|&p| p).unwrap_or(0),
                elapsed: 0,
                energy_in: 0.0,
                energy_out: 0.0,
                turn: (PROBE_S * sr) as usize,
                tail: (PROBE_TAIL_S * sr) as usize,
            },
            reverb_in: Meter::new(sr),
            reverb_out: Meter::new(sr),
            mix_reverb_gain: 0.0,
            reverb_mix: 0.0,
            block_elapsed: 0,
            block_len: (GATE_BLOCK_S * sr) as usize,
            mean_block: {
                let mut m = OnePole::default();
                m.set_time(METER_S / GATE_BLOCK_S);
                m
            },
            lift,
            levels,
        }
    }

    /// Zero every layer's bus for a new block.
    pub fn clear(&mut self) {
        for (bus, _) in self.buses.iter_mut().zip(self.present).filter(|(_, p)| *p) {
            bus.clear();
        }
    }

    /// Set the probe like the real reverb (its decay, and the gain its wet output gets).
    pub fn set_reverb(&mut self, decay_s: f32, mix: f32) {
        self.probe.reverb.set_decay(decay_s);
        self.reverb_mix = mix;
    }

    /// Add the first `size` samples of every layer into `out` at its level, meter them,
    /// and return the gain that keeps the loudness at the preset's balance.
    pub fn fold(&mut self, out: &mut Bus, size: usize) -> f32 {
        if let Some((layer, gain)) =
            self.probe
                .listen(&self.buses[self.probe.layer], size, self.reverb_mix)
        {
            let known = &mut self.strips[layer].reverb_gain;
            *known = Some(known.map_or(gain, |g| 0.5 * (g + gain)));
        }
        if self.probe.elapsed == 0 {
            // The next layer's turn.
            let next = (1..=LAYER_COUNT)
                .map(|k| (self.probe.layer + k) % LAYER_COUNT)
                .find(|&i| self.present[i]);
            self.probe.layer = next.unwrap_or(self.probe.layer);
        }
        let (mut at_balance, mut at_levels) = (0.0f32, 0.0f32);
        for (i, &layer) in Layer::ALL.iter().enumerate() {
            if !self.present[i] {
                continue;
            }
            let strip = &mut self.strips[i];
            let bus = &self.buses[i];
            let dry = strip.dry.block(&bus.l[..size], &bus.r[..size]);
            let sent = strip.send.block(&bus.send_l[..size], &bus.send_r[..size]);
            let power = dry + strip.reverb_gain.unwrap_or(self.mix_reverb_gain) * sent;
            strip.block_energy += power * size as f32;
            let power = strip.power.y;
            let g = strip.level.tick(self.levels.get(layer));
            at_balance += power;
            at_levels += g * g * power;
            // The sends at the layer's level too, so its reverb goes with it.
            for k in 0..size {
                out.l[k] += g * bus.l[k];
                out.r[k] += g * bus.r[k];
                out.send_l[k] += g * bus.send_l[k];
                out.send_r[k] += g * bus.send_r[k];
            }
        }
        self.block_elapsed += size;
        if self.block_elapsed >= self.block_len {
            self.end_gating_block();
        }
        let lift = if at_levels > 1e-12 {
            (at_balance / at_levels).sqrt().min(MAX_LIFT)
        } else {
            1.0
        };
        self.lift.tick(lift)
    }

    /// A gating block is over: the layers' powers count toward their averages if the
    /// whole mix at the balance was loud enough for BS.1770 to count the block.
    fn end_gating_block(&mut self) {
        let n = self.block_elapsed as f32;
        let total: f32 = self.strips.iter().map(|s| s.block_energy).sum::<f32>() / n;
        if total > RELATIVE_GATE * self.mean_block.y {
            for strip in &mut self.strips {
                strip.power.tick(strip.block_energy / n);
            }
        }
        self.mean_block.tick(total);
        for strip in &mut self.strips {
            strip.block_energy = 0.0;
        }
        self.block_elapsed = 0;
    }

    /// Meter the real reverb over the whole mix (what stands in for a layer's own gain
    /// until the probe has measured it).
    pub fn meter_reverb(&mut self, send: (&[f32], &[f32]), wet: (&[f32], &[f32])) {
        let input = self.reverb_in.push(send.0, send.1);
        let output = self.reverb_out.push(wet.0, wet.1);
        if input > 1e-10 {
            self.mix_reverb_gain = output / input;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine_power(sr: f32, hz: f32) -> f32 {
        let mut k = k_weighting(sr as f64);
        let n = sr as usize;
        let mut e = 0.0;
        for i in 0..2 * n {
            let x = (std::f32::consts::TAU * hz * i as f32 / sr).sin();
            let shelved = k[0].tick(x);
            let y = k[1].tick(shelved);
            if i >= n {
                e += y * y;
            }
        }
        e / n as f32
    }

    #[test]
    fn k_weighting_matches_bs1770_at_its_reference_points() {
        // BS.1770: 0 dB near 1 kHz (+0.7 dB there in fact), about +4 dB above 2 kHz,
        // strongly cut toward 20 Hz; the same at 44.1 and 48 kHz.
        for sr in [44_100.0, 48_000.0] {
            let db = |hz| 10.0 * (sine_power(sr, hz) / 0.5).log10();
            assert!((db(1000.0) - 0.7).abs() < 0.3, "{}", db(1000.0));
            assert!((db(8000.0) - 4.0).abs() < 0.5, "{}", db(8000.0));
            assert!(db(20.0) < -10.0, "{}", db(20.0));
        }
    }
}
