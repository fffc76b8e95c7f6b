//! Mallets (marimba, kalimba): modal synthesis. A struck bar rings at a few inharmonic
//! modes — a tuned marimba bar at 1, 4 and 10 times its fundamental, a kalimba tine at 1,
//! 5.4 and 13.3 — each a decaying sine whose upper modes die sooner, started by a short
//! felt-softened click. Modes are lanes of a [`RingBank`]: decaying phasors, no sine a sample.

use super::{Bus, MAX_BLOCK, StrikeParams, pan_gains};
use crate::synth::rings::RingBank;

/// Notes ringing at once.
const NOTES: usize = 6;
/// Modes per note.
const MODES: usize = 3;
const LANES: usize = NOTES * MODES;

/// Which struck instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalletKind {
    Marimba,
    Kalimba,
}

impl MalletKind {
    /// Mode frequencies as multiples of the fundamental.
    pub fn ratios(self) -> [f32; MODES] {
        match self {
            // A marimba bar's undercut tunes its first overtones to two octaves and about
            // two octaves and a major third above (Rossing, The Science of Percussion).
            MalletKind::Marimba => [1.0, 4.0, 10.0],
            // A clamped tine: the free-bar modes 1 : 6.27 : 17.55, lowered by the clamp.
            MalletKind::Kalimba => [1.0, 5.4, 13.3],
        }
    }
    fn amplitudes(self) -> [f32; MODES] {
        match self {
            MalletKind::Marimba => [1.0, 0.35, 0.12],
            MalletKind::Kalimba => [1.0, 0.25, 0.1],
        }
    }
    /// How much faster each mode dies than the fundamental.
    fn damping(self) -> [f32; MODES] {
        match self {
            MalletKind::Marimba => [1.0, 3.5, 8.0],
            MalletKind::Kalimba => [1.0, 4.0, 8.0],
        }
    }
}

/// The mallet bank.
#[derive(Clone)]
pub struct Mallet {
    kind: MalletKind,
    /// Every note's modes, lanes `n * MODES ..`: decaying phasors.
    modes: RingBank<{ LANES.div_ceil(4) }>,
    /// The click: samples left and its level.
    click_left: [u32; NOTES],
    click_amp: [f32; NOTES],
    noise: u32,
    next: usize,
    sr: f32,
}

impl Mallet {
    pub fn new(kind: MalletKind, sr: f32, seed: u64) -> Self {
        Mallet {
            kind,
            modes: RingBank::default(),
            click_left: [0; NOTES],
            click_amp: [0.0; NOTES],
            noise: (seed as u32) | 1,
            next: 0,
            sr,
        }
    }

    /// Strike a bar at `freq`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, pan: f32, p: &StrikeParams) {
        let n = self.next;
        self.next = (self.next + 1) % NOTES;
        let (ratios, amps, damping) = (
            self.kind.ratios(),
            self.kind.amplitudes(),
            self.kind.damping(),
        );
        let t60 = (p.decay_s * (262.0 / freq).powf(0.6)).clamp(0.1, 8.0);
        let bright = p.brightness.clamp(0.0, 1.0);
        let pan = pan_gains(pan);
        for m in 0..MODES {
            let k = n * MODES + m;
            let f = freq * ratios[m];
            let share = if m == 0 { 1.0 } else { 0.3 + 0.7 * bright };
            // Modes above Nyquist's safe range stay silent.
            let amp = if f < 0.45 * self.sr {
                velocity * amps[m] * share
            } else {
                0.0
            };
            self.modes
                .strike_lane(k, f, amp, t60 / damping[m], pan, self.sr);
            self.modes.start_from_zero(k);
        }
        self.click_left[n] = (0.003 * self.sr) as u32;
        self.click_amp[n] = velocity * 0.15 * bright;
    }

    /// Mix `len` samples from `start` into `bus`.
    pub fn render(&mut self, p: &StrikeParams, bus: &mut Bus, start: usize, len: usize) {
        let clicking = self.click_left.iter().any(|&c| c > 0);
        if !clicking && self.modes.quiet() {
            return;
        }
        let level = p.level * 0.22;
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        self.modes.render(&mut l[..len], &mut r[..len], level);
        for n in 0..NOTES {
            if self.click_left[n] == 0 {
                continue;
            }
            let (pl, pr) = self.modes.pan(n * MODES);
            let samples = (self.click_left[n] as usize).min(len);
            self.click_left[n] -= samples as u32;
            for (yl, yr) in l[..samples].iter_mut().zip(&mut r[..samples]) {
                self.noise ^= self.noise << 13;
                self.noise ^= self.noise >> 17;
                self.noise ^= self.noise << 5;
                let y = ((self.noise >> 8) as f32 / 8_388_608.0 - 1.0) * self.click_amp[n] * level;
                *yl += y * pl;
                *yr += y * pr;
            }
        }
        bus.mix(start, &l[..len], &r[..len], p.send);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::voices::render_blocks;

    const SR: f32 = 48_000.0;

    fn at(x: &[f32], hz: f32) -> f32 {
        crate::synth::dsp::amplitude_at(x, hz, SR)
    }

    fn strike(kind: MalletKind, freq: f32, seconds: f32) -> Vec<f32> {
        let p = StrikeParams {
            level: 1.0,
            brightness: 0.8,
            decay_s: 1.5,
            send: 0.0,
        };
        let mut m = Mallet::new(kind, SR, 3);
        m.note_on(freq, 1.0, 0.0, &p);
        render_blocks(seconds, SR, |bus| m.render(&p, bus, 0, MAX_BLOCK)).0
    }

    #[test]
    fn the_bars_ring_at_their_modes_and_the_upper_ones_die_first() {
        for kind in [MalletKind::Marimba, MalletKind::Kalimba] {
            let f = 220.0;
            let x = strike(kind, f, 1.0);
            let [_, r2, r3] = kind.ratios();
            let early = &x[240..2_640];
            // Each mode stands well above the spectrum between them.
            for r in [1.0, r2, r3] {
                let between = at(early, f * (r + 0.5));
                assert!(at(early, f * r) > 10.0 * between, "{kind:?} mode {r}");
            }
            // Later, the fundamental holds more of what is left than at the strike.
            let late = &x[33_600..38_400];
            let share = |y: &[f32]| at(y, f * r2) / at(y, f);
            assert!(share(late) < 0.5 * share(early), "{kind:?}");
        }
    }
}
