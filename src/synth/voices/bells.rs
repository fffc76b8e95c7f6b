//! Soft bells and plucks for melody: two-operator FM with an inharmonic ratio and an
//! exponential decay whose modulation index falls faster than the level, so each note
//! starts bright and mellows.
//!
//! The bank's eight voices are two vectors of four lanes; a struck note takes the first
//! silent lane, so a melody with four notes or fewer ringing plays on the first vector
//! and the second, all silent, is not computed (a silent lane otherwise costs what a
//! ringing one does).

use super::{Bus, MAX_BLOCK, StrikeParams, pan_gains};
use crate::synth::dsp::sin_turns_x4;
use wide::f32x4;

/// Vectors of four voices.
const HALVES: usize = 2;
const VOICES: usize = 4 * HALVES;
/// Modulator frequency as a multiple of the carrier: inharmonic, bell-like.
const MOD_RATIO: f32 = 3.5;
/// Depth of the phase modulation in turns per unit of index.
const MOD_DEPTH: f32 = 0.16;
/// −60 dB below the strike (~−85 dBFS after the level) is inaudible: the lane falls silent.
const SILENT: f32 = 1e-3;

/// The bell voice bank: each field a lane per voice, voice `v` in lane `v % 4` of vector
/// `v / 4`.
#[derive(Clone)]
pub struct Bells {
    car: [f32x4; HALVES],
    modu: [f32x4; HALVES],
    car_step: [f32x4; HALVES],
    amp: [f32x4; HALVES],
    index: [f32x4; HALVES],
    decay: [f32x4; HALVES],
    pan_l: [f32x4; HALVES],
    pan_r: [f32x4; HALVES],
    sr: f32,
}

/// Lane `v`'s value in a field.
fn lane(field: &mut [f32x4; HALVES], v: usize) -> &mut f32 {
    &mut field[v / 4].as_mut_array()[v % 4]
}

impl Bells {
    pub fn new(sr: f32) -> Self {
        Bells {
            car: [f32x4::ZERO; HALVES],
            modu: [f32x4::ZERO; HALVES],
            car_step: [f32x4::ZERO; HALVES],
            amp: [f32x4::ZERO; HALVES],
            index: [f32x4::ZERO; HALVES],
            decay: [f32x4::ONE; HALVES],
            pan_l: [f32x4::ZERO; HALVES],
            pan_r: [f32x4::ZERO; HALVES],
            sr,
        }
    }

    /// The lane a new note takes: the first silent one, else the quietest (stolen).
    fn free_lane(&self) -> usize {
        let amps: [f32; VOICES] = std::array::from_fn(|v| self.amp[v / 4].to_array()[v % 4]);
        amps.iter().position(|&a| a < SILENT).unwrap_or_else(|| {
            (0..VOICES)
                .min_by(|&a, &b| amps[a].total_cmp(&amps[b]))
                .unwrap_or(0)
        })
    }

    /// Strike a note.
    pub fn note_on(&mut self, freq: f32, velocity: f32, pan: f32, p: &StrikeParams) {
        let v = self.free_lane();
        let (pl, pr) = pan_gains(pan);
        *lane(&mut self.car, v) = 0.0;
        *lane(&mut self.modu, v) = 0.0;
        // Keep the modulator (3.5× the carrier) below Nyquist.
        *lane(&mut self.car_step, v) = (freq / self.sr).min(0.14);
        *lane(&mut self.amp, v) = velocity;
        *lane(&mut self.index, v) = p.brightness * velocity;
        *lane(&mut self.decay, v) = (-1.0 / (p.decay_s * self.sr)).exp();
        *lane(&mut self.pan_l, v) = pl;
        *lane(&mut self.pan_r, v) = pr;
    }

    pub fn render(&mut self, p: &StrikeParams, bus: &mut Bus, start: usize, len: usize) {
        let silent = f32x4::splat(SILENT);
        for a in &mut self.amp {
            *a = a.simd_lt(silent).bitselect(f32x4::ZERO, *a);
        }
        if self.amp.iter().all(|a| !a.simd_ne(f32x4::ZERO).any()) {
            return;
        }
        // Each ringing vector's voices a sample, panned and summed after: the FM loop
        // keeps only what it needs in registers (with the pans in it, it spilled).
        let mut voices = [[f32x4::ZERO; MAX_BLOCK]; HALVES];
        let mut ringing = [false; HALVES];
        for (h, out) in voices.iter_mut().enumerate() {
            if !self.amp[h].simd_ne(f32x4::ZERO).any() {
                continue;
            }
            ringing[h] = true;
            let (car_step, mod_step) = (self.car_step[h], self.car_step[h] * MOD_RATIO);
            let (decay, index_decay) = (self.decay[h], self.decay[h] * self.decay[h]);
            let (start_car, start_modu) = (self.car[h], self.modu[h]);
            let (mut car, mut modu) = (start_car, start_modu);
            let (mut amp, mut index) = (self.amp[h], self.index[h]);
            let depth = f32x4::splat(MOD_DEPTH);
            for y in &mut out[..len] {
                let m = sin_turns_x4(modu) * index;
                *y = sin_turns_x4(car + m * depth) * amp;
                car += car_step;
                modu += mod_step;
                amp *= decay;
                index *= index_decay;
            }
            // The next block starts from the phases in closed form: the running sums'
            // rounding (≤ 6e-5 turn by a block's end) is not carried from block to block.
            let n = f32x4::splat(len as f32);
            (self.car[h], self.modu[h]) = (
                wrap(start_car + n * car_step),
                wrap(start_modu + n * mod_step),
            );
            (self.amp[h], self.index[h]) = (amp, index);
        }
        let level = p.level * 0.25;
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        // The lanes are added in a fixed order (bit-reproducible whatever rings where).
        let fold = |v: f32x4| {
            let [a, b, c, d] = v.to_array();
            (a + c) + (b + d)
        };
        let ([pan_l0, pan_l1], [pan_r0, pan_r1]) = (self.pan_l, self.pan_r);
        for i in 0..len {
            let (sum_l, sum_r) = match ringing {
                [true, true] => (
                    voices[0][i] * pan_l0 + voices[1][i] * pan_l1,
                    voices[0][i] * pan_r0 + voices[1][i] * pan_r1,
                ),
                [true, false] => (voices[0][i] * pan_l0, voices[0][i] * pan_r0),
                _ => (voices[1][i] * pan_l1, voices[1][i] * pan_r1),
            };
            l[i] = fold(sum_l) * level;
            r[i] = fold(sum_r) * level;
        }
        bus.mix(start, &l[..len], &r[..len], p.send);
    }
}

/// A phase brought back to −½..½ turn (the 1.5·2²³ rounding trick), so it keeps its
/// precision however long a note rings.
#[inline]
fn wrap(phase: f32x4) -> f32x4 {
    let round = f32x4::splat(12_582_912.0);
    phase - ((phase + round) - round)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strike() -> StrikeParams {
        StrikeParams {
            level: 1.0,
            brightness: 1.0,
            decay_s: 2.0,
            send: 0.0,
        }
    }

    fn ringing(bells: &Bells) -> [bool; VOICES] {
        std::array::from_fn(|v| bells.amp[v / 4].to_array()[v % 4] > 0.0)
    }

    #[test]
    fn notes_fill_the_first_vector_first_and_steal_the_quietest() {
        let mut bells = Bells::new(48_000.0);
        let (p, mut bus) = (strike(), Bus::default());
        for k in 0..4 {
            bells.note_on(440.0, 0.5 + 0.1 * k as f32, 0.0, &p);
            bells.render(&p, &mut bus, 0, MAX_BLOCK);
        }
        // Four ringing: all in the first vector, the second left silent (not computed).
        assert_eq!(
            ringing(&bells),
            [true, true, true, true, false, false, false, false]
        );
        for _ in 0..4 {
            bells.note_on(330.0, 0.9, 0.0, &p);
        }
        assert!(ringing(&bells).iter().all(|&r| r));
        // A ninth note takes the quietest lane: the first struck, which has decayed most.
        bells.note_on(550.0, 1.0, 0.0, &p);
        assert_eq!(bells.amp[0].to_array()[0], 1.0);
        // Rendered, a lane's note falls silent below the threshold and its lane is free.
        *lane(&mut bells.amp, 5) = SILENT * 0.5;
        bells.render(&p, &mut bus, 0, MAX_BLOCK);
        assert!(!ringing(&bells)[5]);
        assert_eq!(bells.free_lane(), 5);
    }

    #[test]
    fn a_bell_sounds_at_its_pitch_and_decays() {
        let sr = 48_000.0;
        let mut bells = Bells::new(sr);
        let p = StrikeParams {
            brightness: 0.0,
            ..strike()
        };
        bells.note_on(440.0, 1.0, 0.0, &p);
        let mut out = Vec::new();
        for _ in 0..(sr as usize / MAX_BLOCK) {
            let mut bus = Bus::default();
            bells.render(&p, &mut bus, 0, MAX_BLOCK);
            out.extend_from_slice(&bus.l);
        }
        let early = crate::synth::dsp::amplitude_at(&out[..12_000], 440.0, sr);
        let late = crate::synth::dsp::amplitude_at(&out[36_000..], 440.0, sr);
        let off = crate::synth::dsp::amplitude_at(&out[..12_000], 523.0, sr);
        assert!(early > 20.0 * off, "{early} vs {off} off pitch");
        // Two seconds' time constant: the windows' centres are 0.75 s apart.
        let ratio = late / early;
        assert!((ratio - (-0.75f32 / 2.0).exp()).abs() < 0.03, "{ratio}");
    }
}
