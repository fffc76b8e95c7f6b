//! A stream over stones: a babble of bubbles (Minnaert resonances: each a short sine whose
//! pitch rises as it decays, van den Doel's model of running water), hundreds a second at
//! random pitches and places, over a low gurgle of band-passed noise whose level wanders.
//! Texture sets how much water runs; motion, how fast the babble changes.

use super::NatureParams;
use crate::synth::dsp::{NoiseRng, OnePole, sin_turns};
use crate::synth::dsp_x4::{NoiseRng4, Svf4};
use crate::synth::rings::{PoissonClock, RingBank};
use crate::synth::voices::{Bus, MAX_BLOCK, pan_gains};
use wide::f32x4;

const BUBBLES: usize = 12;

/// The bubbles' pitches: radians a sample, its growth a block, and the decay a sample
/// (their phasors are a [`RingBank`], whose rotations are set from these once a block).
#[derive(Clone, Copy, Default)]
struct Pitches {
    w: [f32; BUBBLES],
    rise: [f32; BUBBLES],
    decay: [f32; BUBBLES],
}

#[derive(Clone)]
pub struct Stream {
    rng: NoiseRng,
    bubbles: RingBank<{ BUBBLES / 4 }>,
    pitches: Pitches,
    next: usize,
    clock: PoissonClock,
    /// The gurgle, left and right, in the first two lanes.
    noise: NoiseRng4,
    gurgle: Svf4,
    flow: OnePole,
    sr: f32,
}

impl Stream {
    pub fn new(seed: u64, sr: f32) -> Self {
        let mut gurgle = Svf4::default();
        gurgle.set(0, 420.0, 1.2, sr);
        gurgle.set(1, 470.0, 1.2, sr);
        let mut rng = NoiseRng::new(seed);
        Stream {
            bubbles: RingBank::default(),
            pitches: Pitches::default(),
            next: 0,
            clock: PoissonClock::new(&mut rng),
            rng,
            noise: NoiseRng4::new(seed ^ 0x5EA3),
            gurgle,
            flow: OnePole::default(),
            sr,
        }
    }

    fn bubble(&mut self) {
        // Log-uniform pitch, weighted low (more large bubbles sound than small ones).
        let u = self.rng.unit();
        let hz = 350.0 * (3000.0f32 / 350.0).powf(u * u);
        // Smaller bubbles ring shorter (radius ∝ 1/f; damping grows with f).
        let t60 = (0.012 + 0.05 * (1.0 - u)) * (0.7 + 0.6 * self.rng.unit());
        let amp = 0.2 + 0.8 * self.rng.unit();
        let k = self.next;
        let p = &mut self.pitches;
        p.w[k] = std::f32::consts::TAU * hz / self.sr;
        // The pitch rises by about a quarter over the bubble's life.
        p.rise[k] = (0.35f32 * MAX_BLOCK as f32 / (t60 * self.sr)).exp();
        p.decay[k] = (-6.9078 / (t60 * self.sr)).exp();
        let pan = pan_gains(0.85 * self.rng.bipolar());
        self.bubbles
            .strike_lane(k, hz, amp * amp, t60, pan, self.sr);
        self.bubbles.start_from_zero(k);
        let (c, s) = rotation(p.w[k], p.decay[k]);
        self.bubbles.set_rotation(k, c, s);
        self.next = (self.next + 1) % BUBBLES;
    }

    pub fn render(
        &mut self,
        level: f32,
        p: &NatureParams,
        bus: &mut Bus,
        start: usize,
        len: usize,
    ) {
        let block_rate = self.sr / MAX_BLOCK as f32;
        self.flow.set_cutoff(0.05 + 0.3 * p.motion, block_rate);
        let wander = self.flow.tick(self.rng.bipolar()) * (block_rate / 0.2).sqrt();
        let flow = ((0.4 + 0.6 * p.texture) * (1.0 + 0.35 * wander)).clamp(0.15, 1.4);
        let chance = 320.0 * flow / self.sr;
        let (babble_gain, gurgle) = (level * 0.16, level * 0.09 * flow);
        // The bubbles' pitch rises once a block (the sine and cosine of each, not of each
        // sample; polynomial ones, so the lanes vectorise; a silent bubble's rotation is
        // left alone).
        let pitches = &mut self.pitches;
        for k in 0..BUBBLES {
            if !self.bubbles.silent(k) {
                pitches.w[k] = (pitches.w[k] * pitches.rise[k]).min(1.2);
                let (c, s) = rotation(pitches.w[k], pitches.decay[k]);
                self.bubbles.set_rotation(k, c, s);
            }
        }
        let send = p.send();
        // Where new bubbles start in this block, then one pass: the bubbles' phasors ring
        // beside the gurgle's filter, whose samples wait on each other (the ringing fills
        // that wait).
        let mut starts = [0usize; MAX_BLOCK];
        let count = self.clock.events(chance, &mut starts[..len], &mut self.rng);
        let mut next = 0;
        let gurgle = f32x4::new([gurgle, gurgle, 0.0, 0.0]);
        for (j, i) in (start..start + len).enumerate() {
            if next < count && starts[next] == j {
                self.bubble();
                next += 1;
            }
            let (bl, br) = self.bubbles.tick();
            let [l, r, _, _] = (self.gurgle.tick(self.noise.bipolar()).1 * gurgle).to_array();
            bus.add(i, l + bl * babble_gain, r + br * babble_gain, send);
        }
    }
}

/// A phasor's rotation a sample at `w` radians, shrinking by `decay`: (c, s).
#[inline]
fn rotation(w: f32, decay: f32) -> (f32, f32) {
    let turns = w * (0.5 * std::f32::consts::FRAC_1_PI);
    (decay * sin_turns(turns + 0.25), decay * sin_turns(turns))
}
