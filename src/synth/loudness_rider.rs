//! Riding a preset's loudness over minutes, as a broadcast loudness normaliser does: the
//! output is metered as BS.1770 meters it (K-weighted, gated 0.4 s blocks) over about
//! half a minute, and a gain within [`MAX_CUT_DB`]..[`MAX_LIFT_DB`] glides (at most
//! [`SLEW_DB_PER_S`]) to bring it to −23 LUFS plus the offset the form declares (sleep's
//! descent). The preset's `level_db` sets where the rider starts; the rider takes out what
//! the seed and the moment add: a generative piece at one seed plays more notes in its
//! first minutes than at another (relax: 51 bell notes against 32, 2.2 LU apart), and a
//! sleeping piece had its loudest minute at minute 51. Swells, phrases and accents are
//! seconds long and pass under it untouched (a 1 dB correction takes 10 s).
//!
//! It is open-loop: it meters the signal before its own gain, so it cannot ring.
//!
//! Where the form asks for it (sleep, as its descent deepens), it also hushes, as a
//! player's night mode does: a moment (K-weighted, about 50 ms) more than
//! [`HUSH_THRESHOLD_DB`] above the bed it stands on is brought down, at full hush by
//! three quarters of the excess ([`HUSH_RATIO`]), within tens of milliseconds, and let go
//! over a second and a half. The bed is the level the music keeps coming back to: it
//! follows the gated blocks down within seconds and up over half a minute (the loudness
//! itself, a mean of powers, sits 3–4 dB above it in sleep's sparse late texture, lifted
//! by the very moments to be held). Measured in sleep's deep half hour: a pad chord, a
//! bell or a breaking wave stood 6–8 dB above the 20 s around it.

use super::dsp::db_to_gain;
use super::meter_bank::{MeterBank, MeterId};

/// The loudness every preset plays at before its declared offset, LUFS.
pub const TARGET_LUFS: f32 = -23.0;
/// BS.1770's gating block (s), relative gate (power ratio: −10 LU) and absolute gate.
const GATE_BLOCK_S: f32 = 0.4;
const RELATIVE_GATE: f32 = 0.1;
const ABSOLUTE_GATE_LUFS: f32 = -70.0;
/// Seconds the loudness is averaged over (the time constant of the gated blocks' mean).
const AVERAGE_S: f32 = 30.0;
/// ... and at full hush.
const HUSHED_AVERAGE_S: f32 = 8.0;
/// The most the rider lifts and cuts, dB: enough for a seed's or a section's excess and
/// sleep's descent, not to make a silence loud.
const MAX_LIFT_DB: f32 = 3.0;
const MAX_CUT_DB: f32 = -8.0;
const HUSHED_MAX_LIFT_DB: f32 = 6.0;
/// How fast its gain moves, dB a second: a tenth of a dB a second is not heard as a
/// movement (a fader ride takes a minute across 6 dB).
const SLEW_DB_PER_S: f32 = 0.1;

/// How far above the bed a moment may rise before the hush holds it down, dB.
const HUSH_THRESHOLD_DB: f32 = 3.0;
/// How fast the bed follows the music down and up, s.
const BED_FALL_S: f32 = 5.0;
const BED_RISE_S: f32 = 30.0;
/// The hush's ratio at full strength: 8 dB over the threshold come out as 2.
const HUSH_RATIO: f32 = 4.0;
/// The moment's time constant, and how fast the hush comes in and lets go, s.
const MOMENT_S: f32 = 0.05;
const HUSH_ATTACK_S: f32 = 0.03;
const HUSH_RELEASE_S: f32 = 1.5;

/// The rider's state.
#[derive(Clone)]
pub struct LoudnessRider {
    meters: MeterBank,
    meter: MeterId,
    /// Energy metered in the current gating block (before the rider's gain), samples
    /// into it and its length.
    block_energy: f32,
    /// ... and before the hush (the bed is that of the music itself).
    block_raw_energy: f32,
    block_elapsed: usize,
    block_len: usize,
    /// The gated blocks' mean power (K-weighted mean square summed over channels), that
    /// of every block above the absolute gate (which the relative gate is set from, as in
    /// BS.1770: a piece that falls by more than 10 LU for good is followed), and each
    /// block's weight in them.
    mean_power: f32,
    ungated_power: f32,
    weight: f32,
    /// The blocks' weight at full hush, and the hush the form asks for now.
    hushed_weight: f32,
    hush: f32,
    gain_db: f32,
    slew_per_sample: f32,
    /// The moment's power (before any gain), the hush's reduction now (dB, ≤ 0), and the
    /// per-second rates the moment and the hush move at.
    moment_power: f32,
    bed_lufs: f32,
    hush_db: f32,
    sr: f32,
}

impl LoudnessRider {
    /// A rider at sample rate `sr` that starts believing the piece plays at the target
    /// (so it moves only once it has heard otherwise).
    pub fn new(sr: f32) -> Self {
        let mut meters = MeterBank::new(sr);
        let meter = meters.add();
        LoudnessRider {
            meters,
            meter,
            block_energy: 0.0,
            block_raw_energy: 0.0,
            block_elapsed: 0,
            block_len: (GATE_BLOCK_S * sr) as usize,
            mean_power: lufs_to_power(TARGET_LUFS),
            ungated_power: lufs_to_power(TARGET_LUFS),
            weight: 1.0 - (-GATE_BLOCK_S / AVERAGE_S).exp(),
            hushed_weight: 1.0 - (-GATE_BLOCK_S / HUSHED_AVERAGE_S).exp(),
            hush: 0.0,
            gain_db: 0.0,
            slew_per_sample: SLEW_DB_PER_S / sr,
            moment_power: lufs_to_power(TARGET_LUFS),
            bed_lufs: TARGET_LUFS,
            hush_db: 0.0,
            sr,
        }
    }

    /// The gain (linear) for the block about to play, moved toward what brings the
    /// loudness heard so far to the target plus `offset_db`, over `size` samples, and
    /// hushing moments that stand out by `hush` (0..1).
    pub fn gain(&mut self, offset_db: f32, hush: f32, size: usize) -> f32 {
        let measured = power_to_lufs(self.mean_power);
        self.hush = hush.clamp(0.0, 1.0);
        // Hushed, its moments held down, the bed may come up further (a night mode's
        // make-up gain): sleep's texture thins by more than its declared descent.
        let lift = MAX_LIFT_DB + (HUSHED_MAX_LIFT_DB - MAX_LIFT_DB) * self.hush;
        let wanted = (TARGET_LUFS + offset_db - measured).clamp(MAX_CUT_DB, lift);
        let step = self.slew_per_sample * size as f32 * (1.0 + self.hush);
        self.gain_db += (wanted - self.gain_db).clamp(-step, step);
        let excess = power_to_lufs(self.moment_power) - self.bed_lufs - HUSH_THRESHOLD_DB;
        let held = -excess.max(0.0) * (1.0 - 1.0 / HUSH_RATIO) * self.hush;
        let time = if held < self.hush_db {
            HUSH_ATTACK_S
        } else {
            HUSH_RELEASE_S
        };
        self.hush_db += (held - self.hush_db) * (1.0 - (-(size as f32) / (time * self.sr)).exp());
        db_to_gain(self.gain_db + self.hush_db)
    }

    /// Meter the block just played (`left`/`right`, after the rider's `gain`). While
    /// `settling` (the layer mixer's compensation finding its new level after the
    /// listener moved one: it overshoots for some seconds), nothing is counted, so the
    /// rider does not answer a transient with a cut it would hold for half a minute.
    pub fn meter(&mut self, left: &[f32], right: &[f32], gain: f32, settling: bool) {
        if settling {
            self.block_energy = 0.0;
            self.block_raw_energy = 0.0;
            self.block_elapsed = 0;
            return;
        }
        self.meters.feed(self.meter, left, right);
        self.meters.run();
        // The moments are metered before any gain (the hush must not hear itself); the
        // loudness after the hush, before the slow gain, so the rider makes up what the
        // hush takes.
        let before_gain = self.meters.power(self.meter) / (gain * gain).max(1e-12);
        let follow = 1.0 - (-(left.len() as f32) / (MOMENT_S * self.sr)).exp();
        self.moment_power += follow * (before_gain - self.moment_power);
        let hushed = before_gain * db_to_gain(2.0 * self.hush_db);
        self.block_energy += hushed * left.len() as f32;
        self.block_raw_energy += before_gain * left.len() as f32;
        self.block_elapsed += left.len();
        if self.block_elapsed >= self.block_len {
            let power = self.block_energy / self.block_elapsed as f32;
            let raw = power_to_lufs(self.block_raw_energy / self.block_elapsed as f32);
            if raw > ABSOLUTE_GATE_LUFS {
                let time = if raw < self.bed_lufs {
                    BED_FALL_S
                } else {
                    BED_RISE_S
                };
                self.bed_lufs += (raw - self.bed_lufs) * (1.0 - (-GATE_BLOCK_S / time).exp());
            }
            if power_to_lufs(power) > ABSOLUTE_GATE_LUFS {
                // Hushed, the loudness is followed over a shorter time (a night's minutes
                // stay on the descent, a thinner stretch of texture lifted within it).
                let weight = self.weight + (self.hushed_weight - self.weight) * self.hush;
                self.ungated_power += weight * (power - self.ungated_power);
                if power > RELATIVE_GATE * self.ungated_power {
                    self.mean_power += weight * (power - self.mean_power);
                }
            }
            self.block_energy = 0.0;
            self.block_raw_energy = 0.0;
            self.block_elapsed = 0;
        }
    }

    /// The rider's gain now, dB.
    pub fn gain_db(&self) -> f32 {
        self.gain_db
    }
}

fn lufs_to_power(lufs: f32) -> f32 {
    10f32.powf((lufs + 0.691) / 10.0)
}

fn power_to_lufs(power: f32) -> f32 {
    -0.691 + 10.0 * power.max(1e-20).log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::voices::MAX_BLOCK;

    const SR: f32 = 48_000.0;

    /// Play `seconds` of a 1 kHz sine at `amplitude` through the rider (with `offset_db`)
    /// and return the rider's gain at the end, dB.
    fn ride(rider: &mut LoudnessRider, amplitude: f32, seconds: f32, offset_db: f32) -> f32 {
        let blocks = (seconds * SR) as usize / MAX_BLOCK;
        let mut t = 0usize;
        for _ in 0..blocks {
            let gain = rider.gain(offset_db, 0.0, MAX_BLOCK);
            let x: [f32; MAX_BLOCK] = std::array::from_fn(|k| {
                gain * amplitude * (std::f32::consts::TAU * 1000.0 * (t + k) as f32 / SR).sin()
            });
            t += MAX_BLOCK;
            rider.meter(&x, &x, gain, false);
        }
        rider.gain_db()
    }

    /// A stereo 1 kHz sine's loudness (K-weighting adds ~0.7 dB at 1 kHz).
    fn sine_lufs(amplitude: f32) -> f32 {
        power_to_lufs(2.0 * 0.5 * amplitude * amplitude) + 0.69
    }

    #[test]
    fn a_piece_too_loud_is_brought_to_the_target_slowly() {
        // 2 dB too loud: after 10 s the rider has moved at most 1 dB; after 3 minutes it
        // has taken out the 2 dB to within 0.3.
        let amplitude = 10f32.powf((TARGET_LUFS + 2.0 - sine_lufs(1.0)) / 20.0);
        let mut rider = LoudnessRider::new(SR);
        let early = ride(&mut rider, amplitude, 10.0, 0.0);
        assert!((-1.01..0.0).contains(&early), "{early:.2} dB after 10 s");
        let late = ride(&mut rider, amplitude, 170.0, 0.0);
        assert!((late + 2.0).abs() < 0.3, "{late:.2} dB after 3 min");
    }

    #[test]
    fn a_declared_offset_is_followed_and_a_silence_not_lifted() {
        let amplitude = 10f32.powf((TARGET_LUFS - sine_lufs(1.0)) / 20.0);
        let mut rider = LoudnessRider::new(SR);
        ride(&mut rider, amplitude, 60.0, 0.0);
        let descended = ride(&mut rider, amplitude, 180.0, -4.0);
        assert!((descended + 4.0).abs() < 0.3, "{descended:.2} dB");
        // Near silence (−80 dB) is below the gate: the gain stays where it was.
        let silent = ride(&mut rider, amplitude * 1e-4, 60.0, -4.0);
        assert!(
            (silent - descended).abs() < 0.1,
            "{silent:.2} dB in silence"
        );
        // And whatever it hears, it never goes beyond its limits.
        let quiet = ride(&mut rider, amplitude * 0.1, 300.0, 0.0);
        assert!((quiet - MAX_LIFT_DB).abs() < 1e-3, "{quiet:.2} dB");
    }

    /// A bed (1 kHz at `bed`) with a 0.4 s moment 8 dB louder every 5 s, through the rider
    /// at `hush`: the last moment's loudness (its mean power) over the bed just before it,
    /// dB.
    fn moment_over_bed(hush: f32) -> f32 {
        let mut rider = LoudnessRider::new(SR);
        let bed = 0.05;
        let (mut t, mut moment, mut n, mut before) = (0usize, 0.0f32, 0usize, 0.0f32);
        let seconds = 60.0;
        let blocks = (seconds * SR) as usize / MAX_BLOCK;
        for b in 0..blocks {
            let gain = rider.gain(0.0, hush, MAX_BLOCK);
            let s = t as f32 / SR;
            let loud = (s % 5.0) < 0.4;
            let a = if loud { bed * 2.512 } else { bed };
            let x: [f32; MAX_BLOCK] = std::array::from_fn(|k| {
                gain * a * (std::f32::consts::TAU * 1000.0 * (t + k) as f32 / SR).sin()
            });
            t += MAX_BLOCK;
            rider.meter(&x, &x, gain, false);
            if b * MAX_BLOCK >= ((seconds - 5.0) * SR) as usize {
                let power = x.iter().map(|v| v * v).sum::<f32>() / MAX_BLOCK as f32;
                if loud {
                    moment += power;
                    n += 1;
                } else if s % 5.0 > 4.5 {
                    before = power;
                }
            }
        }
        10.0 * (moment / n as f32 / before).log10()
    }

    #[test]
    fn the_hush_holds_moments_down_only_when_asked() {
        let free = moment_over_bed(0.0);
        let hushed = moment_over_bed(1.0);
        assert!(
            (free - 8.0).abs() < 0.5,
            "unhushed, a moment stands {free:.2} dB out"
        );
        // 3 dB free, then a quarter of the rest, once the moment has been heard (the
        // hush follows a 50 ms measure of it).
        assert!(
            hushed < free - 2.0 && hushed > 3.0,
            "hushed, a moment stands {hushed:.2} dB out"
        );
    }
}
