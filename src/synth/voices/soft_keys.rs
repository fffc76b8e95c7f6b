//! The soft keys: what a musician plays on a MIDI keyboard, heard at once over the music.
//! A mellow two-operator FM tone (modulator at the carrier's frequency, as in an electric
//! piano, its index falling after the strike), held while the key is, released over
//! ~1 s (−60 dB). Quiet against the preset (it is an invitation to play along, not a solo) and
//! sent to the preset's reverb so it sits in the same room.

use super::{Bus, MAX_BLOCK, pan_gains};
use crate::synth::dsp::{advance_phase, sin_turns, sum8};

const VOICES: usize = 8;
/// Peak level of a full-velocity note, before the preset's gain.
const LEVEL: f32 = 0.16;
/// Attack, decay toward the held level, and release time constants, seconds.
const ATTACK_S: f32 = 0.004;
const DECAY_S: f32 = 1.6;
const RELEASE_S: f32 = 0.15;
/// The held level, as a share of the strike's peak.
const SUSTAIN: f32 = 0.45;
/// Phase-modulation depth (turns) at the strike and its time constant.
const INDEX: f32 = 0.22;
const INDEX_DECAY_S: f32 = 0.5;
/// Reverb send.
const SEND: f32 = 0.6;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum Stage {
    #[default]
    Idle,
    Attack,
    Held,
    Released,
}

/// The soft keys' voice bank (one lane per held or ringing note).
#[derive(Clone)]
pub struct SoftKeys {
    car: [f32; VOICES],
    modu: [f32; VOICES],
    step: [f32; VOICES],
    env: [f32; VOICES],
    peak: [f32; VOICES],
    index: [f32; VOICES],
    pan_l: [f32; VOICES],
    pan_r: [f32; VOICES],
    note: [u8; VOICES],
    stage: [Stage; VOICES],
    attack: f32,
    decay: f32,
    release: f32,
    index_decay: f32,
    sr: f32,
}

fn coefficient(seconds: f32, sr: f32) -> f32 {
    1.0 - (-1.0 / (seconds * sr)).exp()
}

impl SoftKeys {
    pub fn new(sr: f32) -> Self {
        SoftKeys {
            car: [0.0; VOICES],
            modu: [0.0; VOICES],
            step: [0.0; VOICES],
            env: [0.0; VOICES],
            peak: [0.0; VOICES],
            index: [0.0; VOICES],
            pan_l: [0.0; VOICES],
            pan_r: [0.0; VOICES],
            note: [0; VOICES],
            stage: [Stage::Idle; VOICES],
            attack: coefficient(ATTACK_S, sr),
            decay: coefficient(DECAY_S, sr),
            release: coefficient(RELEASE_S, sr),
            index_decay: (-1.0 / (INDEX_DECAY_S * sr)).exp(),
            sr,
        }
    }

    /// Key `note` struck (velocity 1..=127): a free lane, else the quietest one.
    pub fn strike(&mut self, note: u8, velocity: u8) {
        let v = (0..VOICES)
            .find(|&v| self.stage[v] == Stage::Idle)
            .unwrap_or_else(|| {
                (0..VOICES)
                    .min_by(|&a, &b| self.env[a].total_cmp(&self.env[b]))
                    .unwrap_or(0)
            });
        let freq = 440.0 * 2f32.powf((note as f32 - 69.0) / 12.0);
        let gain = velocity.min(127) as f32 / 127.0;
        self.step[v] = (freq / self.sr).min(0.45);
        if self.stage[v] == Stage::Idle {
            self.car[v] = 0.0;
            self.modu[v] = 0.0;
        }
        self.peak[v] = gain * gain;
        self.index[v] = INDEX * (0.5 + 0.5 * gain);
        (self.pan_l[v], self.pan_r[v]) = pan_gains((note as f32 - 64.0) / 48.0);
        self.note[v] = note;
        self.stage[v] = Stage::Attack;
    }

    /// Key `note` let go: every lane holding it rings out.
    pub fn release(&mut self, note: u8) {
        for v in 0..VOICES {
            if self.note[v] == note && matches!(self.stage[v], Stage::Attack | Stage::Held) {
                self.stage[v] = Stage::Released;
            }
        }
    }

    /// Notes sounding (held or ringing out).
    pub fn sounding(&self) -> usize {
        self.stage.iter().filter(|&&s| s != Stage::Idle).count()
    }

    /// Mix `len` samples into `bus` from `start`; `brightness` (0..1) scales the FM index.
    pub fn render(&mut self, brightness: f32, bus: &mut Bus, start: usize, len: usize) {
        if self.stage.iter().all(|&s| s == Stage::Idle) {
            return;
        }
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        let bright = 0.4 + 0.6 * brightness.clamp(0.0, 1.0);
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            let mut lane_l = [0.0f32; VOICES];
            let mut lane_r = [0.0f32; VOICES];
            for v in 0..VOICES {
                let (target, rate) = match self.stage[v] {
                    Stage::Idle => continue,
                    Stage::Attack => (self.peak[v], self.attack),
                    Stage::Held => (self.peak[v] * SUSTAIN, self.decay),
                    Stage::Released => (0.0, self.release),
                };
                self.env[v] += (target - self.env[v]) * rate;
                if self.stage[v] == Stage::Attack && self.env[v] >= 0.99 * self.peak[v] {
                    self.stage[v] = Stage::Held;
                }
                if self.stage[v] == Stage::Released && self.env[v] < 1e-4 {
                    self.stage[v] = Stage::Idle;
                    self.env[v] = 0.0;
                }
                let m = sin_turns(self.modu[v]) * self.index[v] * bright;
                let y = sin_turns(self.car[v] + m) * self.env[v];
                self.car[v] = advance_phase(self.car[v], self.step[v]);
                self.modu[v] = advance_phase(self.modu[v], self.step[v]);
                self.index[v] *= self.index_decay;
                lane_l[v] = y * self.pan_l[v];
                lane_r[v] = y * self.pan_r[v];
            }
            *yl = sum8(&lane_l) * LEVEL;
            *yr = sum8(&lane_r) * LEVEL;
        }
        bus.mix(start, &l[..len], &r[..len], SEND);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(k: &mut SoftKeys, seconds: f32) -> Vec<f32> {
        let mut out = Vec::new();
        let n = (seconds * 48_000.0) as usize / MAX_BLOCK;
        for _ in 0..n {
            let mut bus = Bus::default();
            k.render(1.0, &mut bus, 0, MAX_BLOCK);
            out.extend(bus.l.iter().zip(&bus.r).map(|(l, r)| l + r));
        }
        out
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
    }

    #[test]
    fn a_held_key_sounds_its_pitch_and_rings_out_when_let_go() {
        let mut k = SoftKeys::new(48_000.0);
        k.strike(69, 127);
        let held = run(&mut k, 1.0);
        // Pitch: upward zero crossings over the last half second (the FM index has fallen).
        let tail = &held[24_000..];
        let ups = tail
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        assert!(
            (218..=222).contains(&ups),
            "{ups} crossings in 0.5 s, A4 has 220"
        );
        // Held: still sounding after a second.
        assert!(rms(tail) > 0.02, "{}", rms(tail));
        assert_eq!(k.sounding(), 1);
        k.release(69);
        let after = run(&mut k, 2.0);
        assert!(
            rms(&after[48_000..]) < 1e-3 * rms(tail),
            "rings out within a second"
        );
        assert_eq!(k.sounding(), 0, "released lanes go idle");
        // No click at the strike: the first samples rise smoothly.
        let mut k = SoftKeys::new(48_000.0);
        k.strike(60, 127);
        let start = run(&mut k, 0.01);
        assert!(start[0].abs() < 0.01 && start.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn more_keys_than_lanes_take_the_quietest() {
        let mut k = SoftKeys::new(48_000.0);
        for n in 0..12 {
            k.strike(48 + n, 40 + 5 * n);
            run(&mut k, 0.05);
        }
        assert_eq!(k.sounding(), VOICES);
        // The loudest (latest) notes keep their lanes.
        assert!(k.note.contains(&59) && k.note.contains(&58));
    }
}
