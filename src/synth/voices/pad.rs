//! Evolving pad: per note two detuned band-limited saws spread left/right, slow
//! attack and release, through a lowpass whose cutoff breathes with a slow LFO, with
//! an optional ~0.1 Hz swell (Mayer-wave rate) on the level.

use super::{ArEnv, Bus, MAX_BLOCK};
use crate::synth::dsp::{BlepSaw, Svf, sin_turns};

const NOTES: usize = 8;

#[derive(Clone, Default)]
struct PadNote {
    freq: f32,
    a: BlepSaw,
    b: BlepSaw,
    env: ArEnv,
    remaining: u64,
    gain: f32,
}

/// The pad voice.
#[derive(Clone)]
pub struct Pad {
    notes: [PadNote; NOTES],
    next: usize,
    filt_l: Svf,
    filt_r: Svf,
    lfo: f32,
    swell: f32,
    sr: f32,
}

/// Control-rate settings for the pad.
#[derive(Clone, Copy)]
pub struct PadParams {
    pub level: f32,
    pub cutoff: f32,
    pub swell: f32,
    pub detune_cents: f32,
    pub send: f32,
}

impl Pad {
    pub fn new(sr: f32) -> Self {
        let notes = std::array::from_fn(|i| PadNote {
            a: BlepSaw::with_phase(i as f32 * 0.37),
            b: BlepSaw::with_phase(i as f32 * 0.61 + 0.2),
            ..PadNote::default()
        });
        Pad {
            notes,
            next: 0,
            filt_l: Svf::default(),
            filt_r: Svf::default(),
            lfo: 0.0,
            swell: 0.0,
            sr,
        }
    }

    /// Start a chord tone lasting `samples`.
    pub fn note_on(&mut self, freq: f32, velocity: f32, samples: u64) {
        let n = &mut self.notes[self.next];
        self.next = (self.next + 1) % NOTES;
        n.freq = freq;
        n.gain = velocity;
        n.remaining = samples;
        n.env.go(1.0, 1.5 * self.sr);
    }

    /// Mix `len` samples from `start` into the bus.
    pub fn render(&mut self, p: &PadParams, bus: &mut Bus, start: usize, len: usize) {
        // Cutoff moves with a slow LFO (0.05 Hz) so the timbre keeps evolving.
        let lfo = sin_turns(self.lfo);
        let cutoff = p.cutoff * (1.0 + 0.25 * lfo);
        self.filt_l.set(cutoff, 0.7, self.sr);
        self.filt_r.set(cutoff * 1.03, 0.7, self.sr);
        self.lfo = (self.lfo + 0.05 * len as f32 / self.sr).fract();
        let detune = 2f32.powf(p.detune_cents / 1200.0);
        // The swell is 0.1 Hz: evaluating it once per block (≤ 1.3 ms) is smooth enough.
        self.swell = (self.swell + 0.1 * len as f32 / self.sr).fract();
        let amp = p.level * 0.12 * (1.0 - p.swell * 0.5 * (1.0 + sin_turns(self.swell)));
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        for n in self.notes.iter_mut() {
            if n.env.idle() {
                continue;
            }
            let (dta, dtb) = (n.freq / self.sr * detune, n.freq / self.sr / detune);
            for (yl, yr) in l[..len].iter_mut().zip(r[..len].iter_mut()) {
                if n.remaining == 0 {
                    n.env.go(0.0, 2.5 * self.sr);
                    n.remaining = u64::MAX; // release once
                } else if n.remaining != u64::MAX {
                    n.remaining -= 1;
                }
                let e = n.env.tick() * n.gain;
                *yl += n.a.next(dta) * e;
                *yr += n.b.next(dtb) * e;
            }
        }
        for k in 0..len {
            let lo_l = self.filt_l.tick(l[k]).0;
            let lo_r = self.filt_r.tick(r[k]).0;
            bus.add(start + k, lo_l * amp, lo_r * amp, p.send);
        }
    }
}
