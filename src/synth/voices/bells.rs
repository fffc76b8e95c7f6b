//! Soft bells and plucks for melody: two-operator FM with an inharmonic ratio and an
//! exponential decay whose modulation index falls faster than the level, so each note
//! starts bright and mellows.
//!
//! The bank's eight voices are two vectors of four lanes; a struck note takes the first
//! silent lane, so a melody with four notes or fewer ringing plays on the first vector
//! and the second, all silent, is not computed (a silent lane otherwise costs what a
//! ringing one does).
//!
//! The modulator is a sine of fixed frequency, so it is a phasor turned by a fixed angle
//! each sample (four multiplies and two adds, where a sine is thirteen operations), set
//! afresh from its phase in closed form at each run so no rounding is carried; only the
//! carrier, whose phase the modulator moves, needs a sine a sample.

use super::{Bus, MAX_BLOCK, StrikeParams, pan_gains};
use crate::synth::dsp::sin_turns_x4;
use wide::f32x4;

/// Vectors of four voices.
const HALVES: usize = 2;
const VOICES: usize = 4 * HALVES;
/// Modulator frequency as a multiple of the carrier: inharmonic, bell-like.
const MOD_RATIO: f32 = 3.5;
/// Depth of the phase modulation in turns per unit of index (the stored index includes it).
const MOD_DEPTH: f32 = 0.16;
/// −60 dB below the strike (~−85 dBFS after the level) is inaudible: the lane falls silent.
const SILENT: f32 = 1e-3;
/// Sidebands above this stay 60 dB under the note (they would fold back below Nyquist, or
/// crowd the top octave a listener hears as hiss).
const SIDEBAND_CEILING_HZ: f32 = 18_000.0;

/// The largest modulation index (turns of phase swing) at which a note of `freq` keeps
/// every sideband above [`SIDEBAND_CEILING_HZ`] (or 0.45 of `sr`) 60 dB under its carrier.
/// Sidebands of order k sit at `freq · (1 ± k·MOD_RATIO)` with amplitude J_k(β) ≈ (β/2)^k/k!
/// for the swing β ≤ 1.3 rad used here; the first order above the ceiling sets the cap.
pub fn index_limit(freq: f32, sr: f32) -> f32 {
    let ceiling = SIDEBAND_CEILING_HZ.min(0.45 * sr);
    let first = (1..=12)
        .find(|&k| freq * (1.0 + k as f32 * MOD_RATIO) > ceiling)
        .unwrap_or(13);
    let factorial: f32 = (1..=first).map(|i| i as f32).product();
    let beta = 2.0 * (1e-3 * factorial).powf(1.0 / first as f32);
    beta / std::f32::consts::TAU
}

/// The bell voice bank: each field a lane per voice, voice `v` in lane `v % 4` of vector
/// `v / 4`.
#[derive(Clone)]
pub struct Bells {
    car: [f32x4; HALVES],
    modu: [f32x4; HALVES],
    car_step: [f32x4; HALVES],
    /// The modulator's turn a sample, as the sine and cosine of its angle.
    mod_turn_sin: [f32x4; HALVES],
    mod_turn_cos: [f32x4; HALVES],
    amp: [f32x4; HALVES],
    /// The modulation index times [`MOD_DEPTH`]: the carrier's phase swing in turns.
    index: [f32x4; HALVES],
    decay: [f32x4; HALVES],
    pan_l: [f32x4; HALVES],
    pan_r: [f32x4; HALVES],
    /// Each ringing vector's voices for a run (kept here: zeroing it on the stack each
    /// run cost more than the pan and fold).
    voices: [[f32x4; MAX_BLOCK]; HALVES],
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
            mod_turn_sin: [f32x4::ZERO; HALVES],
            mod_turn_cos: [f32x4::ONE; HALVES],
            amp: [f32x4::ZERO; HALVES],
            index: [f32x4::ZERO; HALVES],
            decay: [f32x4::ONE; HALVES],
            pan_l: [f32x4::ZERO; HALVES],
            pan_r: [f32x4::ZERO; HALVES],
            voices: [[f32x4::ZERO; MAX_BLOCK]; HALVES],
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
        let car_step = (freq / self.sr).min(0.14);
        *lane(&mut self.car_step, v) = car_step;
        // The angle the modulator's phase advances by in `render` (the same f32 step).
        let angle = std::f64::consts::TAU * (car_step * MOD_RATIO) as f64;
        *lane(&mut self.mod_turn_sin, v) = angle.sin() as f32;
        *lane(&mut self.mod_turn_cos, v) = angle.cos() as f32;
        *lane(&mut self.amp, v) = velocity;
        // As bright as asked, but never so bright that a high note's sidebands alias.
        let index = (p.brightness * velocity * MOD_DEPTH).min(index_limit(freq, self.sr));
        *lane(&mut self.index, v) = index;
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
        let mut ringing = [false; HALVES];
        let quarter = f32x4::splat(0.25);
        for (h, out) in self.voices.iter_mut().enumerate() {
            if !self.amp[h].simd_ne(f32x4::ZERO).any() {
                continue;
            }
            ringing[h] = true;
            let (car_step, mod_step) = (self.car_step[h], self.car_step[h] * MOD_RATIO);
            let (turn_sin, turn_cos) = (self.mod_turn_sin[h], self.mod_turn_cos[h]);
            let (decay, index_decay) = (self.decay[h], self.decay[h] * self.decay[h]);
            let (start_car, start_modu) = (self.car[h], self.modu[h]);
            let mut car = start_car;
            let (mut mod_sin, mut mod_cos) =
                (sin_turns_x4(start_modu), sin_turns_x4(start_modu + quarter));
            let (mut amp, mut index) = (self.amp[h], self.index[h]);
            for y in &mut out[..len] {
                *y = sin_turns_x4(car + mod_sin * index) * amp;
                (mod_sin, mod_cos) = (
                    mod_sin * turn_cos + mod_cos * turn_sin,
                    mod_cos * turn_cos - mod_sin * turn_sin,
                );
                car += car_step;
                amp *= decay;
                index *= index_decay;
            }
            // The next run starts from the phases in closed form: the running sums'
            // rounding (≤ 6e-5 turn by a block's end) and the phasor's are not carried.
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
        let ([pan_l0, pan_l1], [pan_r0, pan_r1]) = (self.pan_l, self.pan_r);
        let voices = &self.voices;
        // Sample `i`'s voices panned: a lane a voice, summed across lanes after.
        let panned = |i: usize| match ringing {
            [true, true] => (
                voices[0][i] * pan_l0 + voices[1][i] * pan_l1,
                voices[0][i] * pan_r0 + voices[1][i] * pan_r1,
            ),
            [true, false] => (voices[0][i] * pan_l0, voices[0][i] * pan_r0),
            _ => (voices[1][i] * pan_l1, voices[1][i] * pan_r1),
        };
        // The lanes are added in a fixed order (bit-reproducible whatever rings where),
        // four samples at a time: transposed, lane k of four samples is one vector.
        let fold = |[a, b, c, d]: [f32x4; 4]| (a + c) + (b + d);
        let whole = len - len % 4;
        let level4 = f32x4::splat(level);
        for i in (0..whole).step_by(4) {
            let [(l0, r0), (l1, r1), (l2, r2), (l3, r3)] = std::array::from_fn(|k| panned(i + k));
            let sum_l = fold(f32x4::transpose([l0, l1, l2, l3])) * level4;
            let sum_r = fold(f32x4::transpose([r0, r1, r2, r3])) * level4;
            l[i..i + 4].copy_from_slice(sum_l.as_array());
            r[i..i + 4].copy_from_slice(sum_r.as_array());
        }
        for i in whole..len {
            let (sum_l, sum_r) = panned(i);
            let fold1 = |v: f32x4| {
                let [a, b, c, d] = v.to_array();
                (a + c) + (b + d)
            };
            l[i] = fold1(sum_l) * level;
            r[i] = fold1(sum_r) * level;
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
    use crate::synth::voices::render_blocks;

    const SR: f32 = 48_000.0;

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
    fn the_phasor_modulator_renders_the_two_sine_fm_it_stands_for() {
        // A bright bell against the textbook form, a sine of a sine, in f64.
        let sr = 48_000.0;
        let mut bells = Bells::new(sr);
        let p = strike();
        let (freq, velocity) = (523.25, 0.9);
        bells.note_on(freq, velocity, 0.0, &p);
        let mut out = Vec::new();
        // Runs of uneven length, as notes due mid-block cut them.
        for len in [64, 17, 47, 64, 3, 61].into_iter().cycle().take(300) {
            let mut bus = Bus::default();
            bells.render(&p, &mut bus, 0, len);
            out.extend_from_slice(&bus.l[..len]);
        }
        let (pan_l, _) = pan_gains(0.0);
        // The voice's own f32 constants (over 19 000 samples a decay rounded to f32
        // drifts 1e-3 from its f64 value: that is not what is tested).
        let car_step = (freq / sr) as f64;
        let decay32 = (-1.0 / (p.decay_s * sr)).exp();
        let (decay, index_decay) = (decay32 as f64, (decay32 * decay32) as f64);
        let tau = std::f64::consts::TAU;
        let mut worst = 0.0f64;
        for (k, &y) in out.iter().enumerate() {
            let k = k as f64;
            let index = (p.brightness * velocity) as f64 * index_decay.powf(k);
            let m = (tau * car_step * MOD_RATIO as f64 * k).sin() * index;
            let phase = car_step * k + m * MOD_DEPTH as f64;
            let want = (tau * phase).sin() * velocity as f64 * decay.powf(k);
            let want = want * pan_l as f64 * (p.level * 0.25) as f64;
            worst = worst.max((y as f64 - want).abs());
        }
        // The level here is ~0.16: 1e-5 is −84 dB under it.
        assert!(worst < 1e-5, "{worst}");
    }

    /// The power outside the partials a bell of `freq` means to have (|freq·(1 ± 3.5k)|
    /// below Nyquist), against the power in them, in dB: what folded back from above
    /// Nyquist.
    fn aliasing_db(freq: f32, p: &StrikeParams) -> f64 {
        use crate::synth::voices::band_limits::{Partial, outside_db};
        let mut bells = Bells::new(SR);
        bells.note_on(freq, 1.0, 0.0, p);
        let (l, _) = render_blocks(0.4, SR, |bus| bells.render(p, bus, 0, MAX_BLOCK));
        let sidebands: Vec<Partial> = (0..=24)
            .flat_map(|k| [1.0, -1.0].map(|side| side * k as f64 * MOD_RATIO as f64))
            .map(|shift| Partial {
                hz: (freq as f64 * (1.0 + shift)).abs(),
                spread_hz: 0.0,
            })
            .collect();
        outside_db(&l, 0, &sidebands)
    }

    #[test]
    fn no_note_of_the_compass_folds_a_sideband_back_at_full_brightness() {
        let p = StrikeParams {
            brightness: 1.0,
            ..strike()
        };
        let mut worst = (f64::NEG_INFINITY, 0);
        for midi in 60..=108 {
            let freq = 440.0 * 2f32.powf((midi as f32 - 69.0) / 12.0);
            let db = aliasing_db(freq, &p);
            if db > worst.0 {
                worst = (db, midi);
            }
        }
        eprintln!("worst: MIDI {} folds {:.1} dB back", worst.1, worst.0);
        assert!(
            worst.0 <= -60.0,
            "MIDI {} folds {:.1} dB back (C4–C8, one note per semitone)",
            worst.1,
            worst.0
        );
        // Low notes keep their full brightness: the cap only touches the top.
        assert!(index_limit(262.0, SR) >= MOD_DEPTH);
        assert!(index_limit(2093.0, SR) < MOD_DEPTH);
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
