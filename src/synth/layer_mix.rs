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
//! mix stands in. All the meters are lanes of one [`MeterBank`]. While the listener's mix is
//! the preset's own (where the gain is 1 whatever the powers), only one gating block in
//! [`RESTING_DUTY`] is metered.

use super::dsp::OnePole;
use super::meter_bank::{MeterBank, MeterId};
use super::voices::reverb::Reverb;
use super::voices::{Bus, MAX_BLOCK};
use crate::preset::layers::{LAYER_COUNT, Layer, SharedMix};

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
/// Seconds the probe reverb listens to one layer, the last [`PROBE_TAIL_S`] of them to
/// the room ringing out (so the ratio counts all the reverb its input made).
pub const PROBE_S: f32 = 8.0;
const PROBE_TAIL_S: f32 = 2.0;
/// While the listener's mix is the preset's own (every level 1, where the compensation is
/// 1 whatever the powers), the probe rests this many turns after each turn once every
/// layer has been measured: its reverb is a second reverb, as costly as the real one, and
/// the gains only need to be known, not fresh to the second, when a level first moves.
/// As soon as one does, the probe works without rest.
const PROBE_REST_TURNS: usize = 3;
/// While the listener's mix is the preset's own, the layers are metered (and the probe
/// listens) in one gating block of this many, the others only folded: the powers are
/// needed when a level first moves, as averages over many seconds, which a sample of the
/// blocks gives as well; the meters were a third of a preset's work (one block in four,
/// still 5 % of focus's instructions). As soon as a level moves, every block is metered.
/// While resting, the output does not depend on the powers at all (every level is 1, so
/// the compensation is exactly 1): only how fresh they are when a level first moves does.
const RESTING_DUTY: usize = 8;
/// Seconds after the listener last moved a level during which the compensation is
/// settling (its powers re-measured, its lift gliding; it can overshoot for some seconds).
const SETTLE_S: f32 = 20.0;

/// One layer's meters, level and reverb gain.
#[derive(Clone)]
struct Strip {
    /// Its dry output's meter and its reverb send's (the layers the preset plays only).
    meters: Option<(MeterId, MeterId)>,
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
    input: MeterId,
    output: MeterId,
    /// The layer listened to (index into [`Layer::ALL`]), samples into its turn, and the
    /// energy in and out so far.
    layer: usize,
    elapsed: usize,
    energy_in: f64,
    energy_out: f64,
    turn: usize,
    tail: usize,
    /// Samples of rest left, and whether it listened this block.
    resting: usize,
    listening: bool,
}

impl Probe {
    /// Play one block of the current layer's send through the probe reverb (silence once
    /// its turn is in the tail) and give both sides to the meters.
    fn listen(&mut self, bus: &Bus, size: usize, mix: f32, meters: &mut MeterBank) {
        let (mut wet_l, mut wet_r) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);
        let silence = [0.0f32; MAX_BLOCK];
        let (in_l, in_r) = if self.elapsed + self.tail < self.turn {
            (&bus.send_l, &bus.send_r)
        } else {
            (&silence, &silence)
        };
        self.reverb
            .process(in_l, in_r, &mut wet_l[..size], &mut wet_r[..size], mix);
        meters.feed(self.input, &in_l[..size], &in_r[..size]);
        meters.feed(self.output, &wet_l[..size], &wet_r[..size]);
    }

    /// Count the block just metered; returns `Some((layer, energy in, energy out))` when
    /// the turn ends.
    fn account(&mut self, meters: &MeterBank, size: usize) -> Option<(usize, f64, f64)> {
        let n = size as f64;
        self.energy_in += meters.power(self.input) as f64 * n;
        self.energy_out += meters.power(self.output) as f64 * n;
        self.elapsed += size;
        if self.elapsed < self.turn {
            return None;
        }
        let turn = (self.layer, self.energy_in, self.energy_out);
        (self.elapsed, self.energy_in, self.energy_out) = (0, 0.0, 0.0);
        self.reverb.clear();
        Some(turn)
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
    meters: MeterBank,
    /// The real reverb's output over its input, as powers, over the whole mix (~8 s).
    reverb_in: MeterId,
    reverb_out: MeterId,
    reverb_in_power: OnePole,
    reverb_out_power: OnePole,
    mix_reverb_gain: f32,
    /// The real reverb's send gain (what `Reverb::process` scales by).
    reverb_mix: f32,
    /// Samples into the gating block, its length, and the mix's mean block power.
    block_elapsed: usize,
    block_len: usize,
    mean_block: OnePole,
    lift: OnePole,
    levels: SharedMix,
    /// Whether this gating block is metered, and gating blocks so far.
    metering: bool,
    gating_blocks: usize,
    /// The levels last seen, and blocks left until the compensation has settled after
    /// one moved, of how many.
    last_levels: [f32; LAYER_COUNT],
    settling: usize,
    settle_blocks: usize,
}

impl LayerMixer {
    /// The mixer of a preset playing `layers`, reading the listener's `levels`.
    pub fn new(layers: &[Layer], levels: SharedMix, sr: f32) -> Self {
        let blocks = |s: f32| s * sr / MAX_BLOCK as f32;
        let mut meters = MeterBank::new(sr);
        let present: [bool; LAYER_COUNT] = std::array::from_fn(|i| layers.contains(&Layer::ALL[i]));
        let mut strip = |i: usize| {
            let layer = Layer::ALL[i];
            let mut level = OnePole::default();
            level.set_time(blocks(GLIDE_S));
            level.y = levels.get(layer);
            let mut power = OnePole::default();
            power.set_time(METER_S / GATE_BLOCK_S);
            Strip {
                // Only the layers present get meters (lanes of the bank cost time).
                meters: present[i].then(|| (meters.add(), meters.add())),
                block_energy: 0.0,
                power,
                level,
                reverb_gain: None,
            }
        };
        let mut lift = OnePole::default();
        lift.set_time(blocks(1.0));
        lift.y = 1.0;
        let strips = std::array::from_fn(&mut strip);
        let last_levels = std::array::from_fn(|i| levels.get(Layer::ALL[i]));
        let power = || {
            let mut p = OnePole::default();
            p.set_time(blocks(METER_S));
            p
        };
        LayerMixer {
            buses: std::array::from_fn(|_| Bus::default()),
            strips,
            present,
            probe: Probe {
                reverb: Reverb::new(sr),
                input: meters.add(),
                output: meters.add(),
                layer: present.iter().position(|&p| p).unwrap_or(0),
                elapsed: 0,
                energy_in: 0.0,
                energy_out: 0.0,
                turn: (PROBE_S * sr) as usize,
                tail: (PROBE_TAIL_S * sr) as usize,
                resting: 0,
                listening: false,
            },
            reverb_in: meters.add(),
            reverb_out: meters.add(),
            reverb_in_power: power(),
            reverb_out_power: power(),
            meters,
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
            metering: true,
            gating_blocks: 0,
            last_levels,
            settling: 0,
            settle_blocks: blocks(SETTLE_S) as usize,
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
        self.settling = self.settling.saturating_sub(1);
        for (last, &layer) in self.last_levels.iter_mut().zip(Layer::ALL) {
            let now = self.levels.get(layer);
            if now != *last {
                *last = now;
                self.settling = self.settle_blocks;
            }
        }
        let untouched = self.untouched();
        if !untouched {
            self.probe.resting = 0;
        }
        self.choose_metering(untouched);
        if !self.metering {
            self.probe.listening = false;
            return self.fold_unmetered(out, size);
        }
        self.probe.listening = self.probe.resting == 0;
        if self.probe.listening {
            self.probe.listen(
                &self.buses[self.probe.layer],
                size,
                self.reverb_mix,
                &mut self.meters,
            );
        } else {
            // Its meters hear silence (their filters settle, nothing stale stays in them).
            let silence = [0.0f32; MAX_BLOCK];
            self.meters
                .feed(self.probe.input, &silence[..size], &silence[..size]);
            self.meters
                .feed(self.probe.output, &silence[..size], &silence[..size]);
            self.probe.resting = self.probe.resting.saturating_sub(size);
        }
        let (mut at_balance, mut at_levels) = (0.0f32, 0.0f32);
        for (i, &layer) in Layer::ALL.iter().enumerate() {
            let strip = &mut self.strips[i];
            let Some((dry, send)) = strip.meters else {
                continue;
            };
            let bus = &self.buses[i];
            self.meters.feed(dry, &bus.l[..size], &bus.r[..size]);
            self.meters
                .feed(send, &bus.send_l[..size], &bus.send_r[..size]);
            let power = strip.power.y;
            let g = strip.level.tick(self.levels.get(layer));
            at_balance += power;
            at_levels += g * g * power;
            add_scaled(out, bus, g, size);
        }
        self.lift_for(at_balance, at_levels)
    }

    /// At a gating block's start (or when a level moves in an unmetered one, which then
    /// starts afresh): whether to meter it. Meters taken up again start from silence.
    fn choose_metering(&mut self, untouched: bool) {
        let due = !untouched || self.gating_blocks.is_multiple_of(RESTING_DUTY);
        if self.block_elapsed == 0 || (due && !self.metering) {
            if due && !self.metering {
                self.meters.reset();
                self.block_elapsed = 0;
                self.strips.iter_mut().for_each(|s| s.block_energy = 0.0);
            }
            self.metering = due;
        }
    }

    /// [`LayerMixer::fold`] in a block not metered: the layers at their levels, and the
    /// gain from the powers known.
    fn fold_unmetered(&mut self, out: &mut Bus, size: usize) -> f32 {
        let (mut at_balance, mut at_levels) = (0.0f32, 0.0f32);
        for (i, &layer) in Layer::ALL.iter().enumerate() {
            if !self.present[i] {
                continue;
            }
            let strip = &mut self.strips[i];
            let g = strip.level.tick(self.levels.get(layer));
            at_balance += strip.power.y;
            at_levels += g * g * strip.power.y;
            add_scaled(out, &self.buses[i], g, size);
        }
        self.lift_for(at_balance, at_levels)
    }

    fn lift_for(&mut self, at_balance: f32, at_levels: f32) -> f32 {
        let lift = if at_levels > 1e-12 {
            (at_balance / at_levels).sqrt().min(MAX_LIFT)
        } else {
            1.0
        };
        self.lift.tick(lift)
    }

    /// After [`LayerMixer::fold`] and the real reverb: meter the reverb's `send` and `wet`
    /// output (its gain over the whole mix stands in for a layer's own until the probe has
    /// measured it), run the meters, and count the block.
    pub fn end_block(&mut self, send: (&[f32], &[f32]), wet: (&[f32], &[f32])) {
        let size = send.0.len();
        if !self.metering {
            self.block_elapsed += size;
            if self.block_elapsed >= self.block_len {
                self.block_elapsed = 0;
                self.gating_blocks += 1;
            }
            return;
        }
        self.meters.feed(self.reverb_in, send.0, send.1);
        self.meters.feed(self.reverb_out, wet.0, wet.1);
        self.meters.run();
        let input = self.reverb_in_power.tick(self.meters.power(self.reverb_in));
        let output = self
            .reverb_out_power
            .tick(self.meters.power(self.reverb_out));
        if input > 1e-10 {
            self.mix_reverb_gain = output / input;
        }
        for strip in &mut self.strips {
            if let Some((dry, send)) = strip.meters {
                let gain = strip.reverb_gain.unwrap_or(self.mix_reverb_gain);
                let power = self.meters.power(dry) + gain * self.meters.power(send);
                strip.block_energy += power * size as f32;
            }
        }
        if !self.probe.listening {
            // Resting: nothing to count.
        } else if let Some((layer, energy_in, energy_out)) = self.probe.account(&self.meters, size)
        {
            if energy_in > 1e-12 {
                // Each turn's ratio, averaged with what was known.
                let gain = (energy_out / energy_in) as f32;
                let known = &mut self.strips[layer].reverb_gain;
                *known = Some(known.map_or(gain, |g| 0.5 * (g + gain)));
            }
            let all_known =
                (0..LAYER_COUNT).all(|i| !self.present[i] || self.strips[i].reverb_gain.is_some());
            if all_known && self.untouched() {
                self.probe.resting = PROBE_REST_TURNS * self.probe.turn;
            }
        }
        if self.probe.listening && self.probe.elapsed == 0 {
            // The next layer's turn.
            let next = (1..=LAYER_COUNT)
                .map(|k| (self.probe.layer + k) % LAYER_COUNT)
                .find(|&i| self.present[i]);
            self.probe.layer = next.unwrap_or(self.probe.layer);
        }
        self.block_elapsed += size;
        if self.block_elapsed >= self.block_len {
            self.end_gating_block();
        }
    }

    /// Whether the compensation is still finding its level after the listener last moved
    /// one (for [`SETTLE_S`]).
    pub fn settling(&self) -> bool {
        self.settling > 0
    }

    /// Whether the listener's mix is the preset's own (every layer at level 1).
    fn untouched(&self) -> bool {
        Layer::ALL
            .iter()
            .zip(self.present)
            .all(|(&layer, present)| !present || self.levels.get(layer) == 1.0)
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
        self.gating_blocks += 1;
    }
}

/// Add the first `size` samples of `bus` into `out` at gain `g`: the sends too, so a
/// layer's reverb goes with it.
fn add_scaled(out: &mut Bus, bus: &Bus, g: f32, size: usize) {
    // A channel at a time over slices: one bounds check, and the loop vectorises (indexed
    // four channels a sample, it ran a scalar at a time).
    let pairs = [
        (&mut out.l, &bus.l),
        (&mut out.r, &bus.r),
        (&mut out.send_l, &bus.send_l),
        (&mut out.send_r, &bus.send_r),
    ];
    for (to, from) in pairs {
        for (y, &x) in to[..size].iter_mut().zip(&from[..size]) {
            *y += g * x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fold and end `blocks` blocks of a steady signal on the pad's bus; how many were
    /// metered.
    fn run(mixer: &mut LayerMixer, blocks: usize) -> usize {
        let mut metered = 0;
        for _ in 0..blocks {
            mixer.clear();
            let bus = &mut mixer.buses[Layer::Pad as usize];
            // 750 Hz: a whole number of cycles a block.
            bus.l = std::array::from_fn(|k| 0.1 * (std::f32::consts::TAU * k as f32 / 64.0).sin());
            bus.r = bus.l;
            let mut out = Bus::default();
            mixer.fold(&mut out, MAX_BLOCK);
            metered += usize::from(mixer.metering);
            let silence = [0.0f32; MAX_BLOCK];
            mixer.end_block((&out.send_l, &out.send_r), (&silence, &silence));
        }
        metered
    }

    #[test]
    fn an_untouched_mix_is_metered_one_gating_block_in_a_few_and_a_moved_one_always() {
        let levels = SharedMix::default();
        let mut mixer = LayerMixer::new(&[Layer::Pad], levels.clone(), 48_000.0);
        let per_gating_block = mixer.block_len / MAX_BLOCK;
        let blocks = per_gating_block * RESTING_DUTY * 5;
        let metered = run(&mut mixer, blocks);
        assert!(
            metered.abs_diff(blocks / RESTING_DUTY) <= RESTING_DUTY,
            "{metered} of {blocks}"
        );
        let power = mixer.strips[Layer::Pad as usize].power.y;
        assert!(power > 1e-3, "the pad's power was measured: {power}");
        // A level moves in a block not metered: metering starts at once, and stays.
        while mixer.metering {
            run(&mut mixer, 1);
        }
        levels.set(Layer::Pad, 0.5);
        assert_eq!(run(&mut mixer, blocks), blocks);
    }
}
