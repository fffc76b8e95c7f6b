//! The workout's drum kit, synthesised: kick and toms ([`drum`]), snare, clap, hats,
//! shaker and crash ([`noise_hit`]) and a riser ([`riser`]), struck by the planner's
//! General MIDI keys ([`crate::music::drums`]). Each piece sits at its own place in the
//! stereo field and sends its own share to the reverb; pieces at rest cost nothing.

mod drum;
mod noise_hit;
mod riser;

use super::{Bus, MAX_BLOCK};
use crate::music::drums;
use drum::Drum;
use noise_hit::{HitShape, NoiseHit};
use riser::Riser;

/// A piece's sound source.
#[derive(Clone)]
enum Source {
    Drum(Drum),
    Noise(NoiseHit),
    Riser(Riser),
}

/// One piece: its source, the key that strikes it, its level, pan and reverb send.
#[derive(Clone)]
struct Piece {
    key: i32,
    source: Source,
    gain: f32,
    /// Left and right gains (equal power).
    pan: (f32, f32),
    send: f32,
}

/// A noise hit's shape with the fields most pieces leave alone filled in.
const fn shape(band_hz: f32, band_q: f32, band_share: f32, high_hz: f32, decay_s: f32) -> HitShape {
    HitShape {
        band_hz,
        band_q,
        band_share,
        high_hz,
        decay_s,
        attack_s: 0.0,
        strikes: 1,
        modes: [0.0; 2],
        mode_share: 0.0,
    }
}

const SNARE: HitShape = HitShape {
    modes: [185.0, 330.0],
    mode_share: 0.6,
    ..shape(3500.0, 0.7, 0.5, 1500.0, 0.09)
};
const ROLL: HitShape = HitShape {
    decay_s: 0.06,
    ..SNARE
};
const CLAP: HitShape = HitShape {
    strikes: 3,
    ..shape(1200.0, 1.4, 0.8, 800.0, 0.12)
};
const CLOSED_HAT: HitShape = shape(10_000.0, 1.0, 0.4, 7000.0, 0.035);
const OPEN_HAT: HitShape = shape(10_000.0, 1.0, 0.4, 7000.0, 0.2);
const SHAKER: HitShape = HitShape {
    attack_s: 0.006,
    ..shape(6000.0, 1.2, 0.7, 4000.0, 0.045)
};
/// A crash blooms over its first 2 ms (the stick's contact spreading over the cymbal).
const CRASH: HitShape = HitShape {
    attack_s: 0.002,
    ..shape(7000.0, 0.8, 0.4, 4000.0, 0.9)
};

/// The kit.
#[derive(Clone)]
pub struct Kit {
    pieces: Vec<Piece>,
}

fn pan(p: f32) -> (f32, f32) {
    ((0.5 * (1.0 - p)).sqrt(), (0.5 * (1.0 + p)).sqrt())
}

impl Kit {
    pub fn new(seed: u64, sr: f32) -> Kit {
        let noise = |shape, k: u64| Source::Noise(NoiseHit::new(shape, seed ^ (k << 20), sr));
        let tom = |hz| Source::Drum(Drum::tom(hz, seed, sr));
        let kick = Source::Drum(Drum::kick(seed, sr));
        let riser = Source::Riser(Riser::new(seed ^ 0x415E, sr));
        // (key, source, gain, pan, reverb send): the kick and snare in the middle, hats
        // right, shaker and crash left, the toms across.
        let pieces = [
            (drums::KICK, kick, 0.85, 0.0, 0.0),
            (drums::SNARE, noise(SNARE, 1), 1.0, 0.0, 0.15),
            (drums::ROLL, noise(ROLL, 2), 0.5, 0.05, 0.15),
            (drums::CLAP, noise(CLAP, 3), 0.8, 0.05, 0.3),
            (drums::CLOSED_HAT, noise(CLOSED_HAT, 4), 1.0, 0.3, 0.05),
            (drums::OPEN_HAT, noise(OPEN_HAT, 5), 0.6, 0.3, 0.1),
            (drums::SHAKER, noise(SHAKER, 6), 0.6, -0.35, 0.05),
            (drums::CRASH, noise(CRASH, 7), 0.3, -0.25, 0.3),
            (drums::HIGH_TOM, tom(185.0), 0.7, 0.3, 0.15),
            (drums::MID_TOM, tom(140.0), 0.7, 0.0, 0.15),
            (drums::LOW_TOM, tom(105.0), 0.7, -0.3, 0.15),
            (drums::RISER, riser, 0.3, 0.0, 0.4),
        ];
        let pieces = pieces
            .into_iter()
            .map(|(key, source, gain, p, send)| Piece {
                key,
                source,
                gain,
                pan: pan(p),
                send,
            })
            .collect();
        Kit { pieces }
    }

    /// Strike the piece General MIDI `key` names (a riser rises over `samples`); a key
    /// the kit does not have is ignored.
    pub fn strike(&mut self, key: i32, velocity: f32, samples: u64) {
        if key == drums::CLOSED_HAT {
            // A closed hat closes the open one.
            for p in &mut self.pieces {
                if let (drums::OPEN_HAT, Source::Noise(open)) = (p.key, &mut p.source) {
                    open.choke();
                }
            }
        }
        let Some(piece) = self.pieces.iter_mut().find(|p| p.key == key) else {
            return;
        };
        match &mut piece.source {
            Source::Drum(d) => d.strike(velocity),
            Source::Noise(n) => n.strike(velocity),
            Source::Riser(r) => r.strike(velocity, samples),
        }
    }

    /// Mix `len` samples of every sounding piece at `level` into `bus` from `start`.
    pub fn render(&mut self, level: f32, bus: &mut Bus, start: usize, len: usize) {
        for p in &mut self.pieces {
            let sounding = match &p.source {
                Source::Drum(d) => d.sounding(),
                Source::Noise(n) => n.sounding(),
                Source::Riser(r) => r.sounding(),
            };
            if !sounding {
                continue;
            }
            let mut mono = [0.0f32; MAX_BLOCK];
            match &mut p.source {
                Source::Drum(d) => d.render(&mut mono[..len]),
                Source::Noise(n) => n.render(&mut mono[..len]),
                Source::Riser(r) => r.render(&mut mono[..len]),
            }
            let (gl, gr) = (p.pan.0 * p.gain * level, p.pan.1 * p.gain * level);
            let (mut l, mut r) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);
            for k in 0..len {
                l[k] = mono[k] * gl;
                r[k] = mono[k] * gr;
            }
            bus.mix(start, &l[..len], &r[..len], p.send);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::voices::render_blocks;

    const SR: f32 = 48_000.0;

    /// `seconds` of the kit after striking `keys` at once.
    fn struck(keys: &[i32], seconds: f32) -> Vec<f32> {
        let mut kit = Kit::new(3, SR);
        for &k in keys {
            kit.strike(k, 0.9, (0.5 * SR) as u64);
        }
        render_blocks(seconds, SR, |bus| kit.render(1.0, bus, 0, MAX_BLOCK)).0
    }

    fn energy(x: &[f32]) -> f32 {
        x.iter().map(|v| v * v).sum()
    }

    /// The share of `x`'s energy above `hz`, from a DFT of its first 4096 samples at log-
    /// spaced bins (enough to tell a kick from a hat).
    fn share_above(x: &[f32], hz: f32) -> f32 {
        let bins: Vec<f32> = (0..40).map(|i| 40.0 * 1.2f32.powi(i)).collect();
        let power = |f: f32| {
            let w = std::f32::consts::TAU * f / SR;
            let (mut re, mut im) = (0.0f32, 0.0f32);
            for (n, v) in x.iter().enumerate().take(4096) {
                re += v * (w * n as f32).cos();
                im += v * (w * n as f32).sin();
            }
            (re * re + im * im) * f // per-octave weighting: log-spaced bins
        };
        let (above, all) = bins
            .iter()
            .filter(|f| **f < 20_000.0)
            .fold((0.0, 0.0), |(a, t), &f| {
                let p = power(f);
                (a + if f > hz { p } else { 0.0 }, t + p)
            });
        above / all
    }

    #[test]
    fn every_piece_sounds_and_unknown_keys_are_ignored() {
        for key in drums::PIECES {
            let out = struck(&[key], 0.3);
            assert!(energy(&out) > 1e-3, "key {key} is silent");
            assert!(
                out.iter().all(|v| v.is_finite() && v.abs() < 2.0),
                "key {key}"
            );
        }
        assert_eq!(energy(&struck(&[60, -1, 1000], 0.3)), 0.0);
    }

    #[test]
    fn the_kick_is_low_the_hats_are_high_the_snare_between() {
        let kick = share_above(&struck(&[drums::KICK], 0.1), 500.0);
        let hat = share_above(&struck(&[drums::CLOSED_HAT], 0.1), 5000.0);
        let snare = share_above(&struck(&[drums::SNARE], 0.1), 1000.0);
        assert!(kick < 0.1, "kick above 500 Hz: {kick}");
        assert!(hat > 0.8, "hat above 5 kHz: {hat}");
        assert!((0.3..0.95).contains(&snare), "snare above 1 kHz: {snare}");
    }

    #[test]
    fn a_closed_hat_chokes_the_open_one() {
        let mut kit = Kit::new(3, SR);
        kit.strike(drums::OPEN_HAT, 0.9, 0);
        let ringing = render_blocks(0.3, SR, |bus| kit.render(1.0, bus, 0, MAX_BLOCK)).0;
        let mut kit = Kit::new(3, SR);
        kit.strike(drums::OPEN_HAT, 0.9, 0);
        kit.strike(drums::CLOSED_HAT, 0.01, 0);
        let choked = render_blocks(0.3, SR, |bus| kit.render(1.0, bus, 0, MAX_BLOCK)).0;
        let tail = |x: &[f32]| energy(&x[(0.1 * SR) as usize..]);
        assert!(tail(&choked) < 0.01 * tail(&ringing));
    }

    #[test]
    fn the_riser_climbs_and_stops_at_its_end() {
        let mut kit = Kit::new(3, SR);
        kit.strike(drums::RISER, 0.9, SR as u64);
        let out = render_blocks(1.2, SR, |bus| kit.render(1.0, bus, 0, MAX_BLOCK)).0;
        let quarter = |q: usize| energy(&out[q * 12_000..(q + 1) * 12_000]);
        assert!(quarter(0) < quarter(1) && quarter(1) < quarter(2) && quarter(2) < quarter(3));
        assert!(energy(&out[52_000..]) < 1e-6 * quarter(3));
        assert!(share_above(&out[..4096], 2000.0) < share_above(&out[40_000..44_096], 2000.0));
    }
}
