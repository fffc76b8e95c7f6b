//! Evolving pad: per note two detuned band-limited saws spread left/right
//! ([`super::saw_ensemble`]), slow attack and release, through a lowpass whose cutoff
//! breathes with a slow LFO, with the slow swell ([`crate::synth::swell`]) on its level,
//! brightness and detune.

use super::saw_ensemble::SawEnsemble;
use super::{Bus, MAX_BLOCK};
use crate::synth::dsp::{advance_phase, exp_fast, sin_turns};
use crate::synth::dsp_x4::Svf4;
use wide::f32x4;

/// Attack and release of a chord tone, in seconds.
const ATTACK_S: f32 = 1.5;
const RELEASE_S: f32 = 2.5;

/// The pad voice.
#[derive(Clone)]
pub struct Pad {
    saws: SawEnsemble,
    /// The left and right lowpasses, lanes 0 and 1 (one vector step filters both).
    filter: Svf4,
    lfo: f32,
    sr: f32,
}

/// Control-rate settings for the pad.
#[derive(Clone, Copy)]
pub struct PadParams {
    pub level: f32,
    pub cutoff: f32,
    /// Swell depth, 0..1.
    pub swell: f32,
    /// Where the swell is: −1 loudest, brightest and widest … +1 quietest.
    pub swell_value: f32,
    pub detune_cents: f32,
    pub send: f32,
}

impl Pad {
    pub fn new(sr: f32) -> Self {
        Pad {
            saws: SawEnsemble::new(ATTACK_S, RELEASE_S, sr),
            filter: Svf4::default(),
            lfo: 0.0,
            sr,
        }
    }

    /// Start a chord tone lasting `samples`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        self.saws.note_on(freq, velocity, samples);
    }

    /// Mix `len` samples from `start` into the bus.
    pub fn render(&mut self, p: &PadParams, bus: &mut Bus, start: usize, len: usize) {
        // Cutoff moves with a slow LFO (0.05 Hz) so the timbre keeps evolving.
        let lfo = sin_turns(self.lfo);
        // The swell opens the filter as it rises (brightness goes with loudness).
        let swell = p.swell * p.swell_value;
        let cutoff = p.cutoff * (1.0 + 0.25 * lfo) * (1.0 - 0.35 * swell);
        self.filter.set(0, cutoff, 0.7, self.sr);
        self.filter.set(1, cutoff * 1.03, 0.7, self.sr);
        self.lfo = advance_phase(self.lfo, 0.05 * len as f32 / self.sr);
        let amp = p.level * 0.12 * (1.0 - p.swell * 0.5 * (1.0 + p.swell_value));

        let sounding = self.saws.advance(len);
        if !sounding && self.filter.quiet() {
            return;
        }
        // ... and widens the detune (the pad moves more at the top of the swell).
        let detune =
            exp_fast(p.detune_cents * (1.0 - 0.4 * swell) * (std::f32::consts::LN_2 / 1200.0));
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        self.saws.render(detune, len, &mut l, &mut r);
        let amp = f32x4::splat(amp);
        for (yl, yr) in l[..len].iter_mut().zip(&mut r[..len]) {
            let y = self.filter.tick(f32x4::new([*yl, *yr, 0.0, 0.0])).0 * amp;
            [*yl, *yr, _, _] = y.to_array();
        }
        bus.mix(start, &l[..len], &r[..len], p.send);
    }
}
