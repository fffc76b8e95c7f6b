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
const CRASH: HitShape = shape(7000.0, 0.8, 0.4, 4000.0, 0.9);

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
            (drums::ROLL, noise(ROLL, 2), 0.7, 0.05, 0.15),
            (drums::CLAP, noise(CLAP, 3), 0.8, 0.05, 0.3),
            (drums::CLOSED_HAT, noise(CLOSED_HAT, 4), 1.0, 0.3, 0.05),
            (drums::OPEN_HAT, noise(OPEN_HAT, 5), 0.6, 0.3, 0.1),
            (drums::SHAKER, noise(SHAKER, 6), 0.6, -0.35, 0.05),
            (drums::CRASH, noise(CRASH, 7), 0.4, -0.25, 0.3),
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
