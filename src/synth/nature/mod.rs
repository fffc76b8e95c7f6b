//! Generated nature: wind, rain on a surface, ocean waves, a stream, a fire, night insects
//! and birdsong that follows the sun. All of it is parameterised noise and modal synthesis
//! driven by seeded random processes, so it never loops; each layer follows `texture`
//! (how much of it), `motion` (how lively) and `space` (how far away: its reverb send).
//! A preset asks for layers in `[nature]` with a level each; each layer renders onto its
//! own bus so the listener can mix it ([`crate::preset::layers`]).

pub mod birds;
pub mod fire;
pub mod insects;
pub mod ocean;
pub mod rain;
pub mod stream;
mod sun_link;
pub mod wind;

pub use sun_link::{NatureReport, SharedSun};

use super::voices::Bus;
use crate::preset::layers::{LAYER_COUNT, Layer};
pub use crate::preset::nature::{NatureFile, NatureMix};

/// What the nature layers read each block.
#[derive(Clone, Copy, Debug)]
pub struct NatureParams {
    pub texture: f32,
    pub motion: f32,
    pub space: f32,
    /// Solar elevation in degrees and whether the sun is rising.
    pub sun_elevation: f32,
    pub sun_rising: bool,
}

impl NatureParams {
    /// Reverb send for a layer at the distance `space` puts it.
    pub fn send(&self) -> f32 {
        0.15 + 0.5 * self.space
    }
}

/// One nature layer's sound; each renders onto its own bus.
// Sizes differ (a stream's bank of resonators, a bird's song) and do not matter: a handful,
// built with the graph, each rendered in place.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Sound {
    Wind(wind::Wind),
    Rain(rain::Rain),
    Ocean(ocean::Ocean),
    Stream(stream::Stream),
    Fire(fire::Fire),
    Insects(insects::Insects),
    Birds(birds::Birds),
}

/// The nature layers, in the order they render.
const NATURE: [Layer; 7] = [
    Layer::Wind,
    Layer::Rain,
    Layer::Ocean,
    Layer::Stream,
    Layer::Fire,
    Layer::Insects,
    Layer::Birds,
];

impl Sound {
    /// The sound of `layer` (`None` for a layer that is not nature), each on a seed of
    /// its own.
    fn of(
        layer: Layer,
        mix: &NatureMix,
        seed: u64,
        sr: f32,
        report: &NatureReport,
    ) -> Option<Self> {
        Some(match layer {
            Layer::Wind => Sound::Wind(wind::Wind::new(seed ^ 0x57, sr)),
            Layer::Rain => Sound::Rain(rain::Rain::new(mix.rain_surface, seed ^ 0x2A, sr)),
            Layer::Ocean => Sound::Ocean(ocean::Ocean::new(seed ^ 0x0C, sr)),
            Layer::Stream => Sound::Stream(stream::Stream::new(seed ^ 0x57E, sr)),
            Layer::Fire => Sound::Fire(fire::Fire::new(seed ^ 0xF1, sr)),
            Layer::Insects => Sound::Insects(insects::Insects::new(seed ^ 0x1A, sr)),
            Layer::Birds => Sound::Birds(birds::Birds::new(seed ^ 0xB1, sr, report.clone())),
            _ => return None,
        })
    }

    fn render(&mut self, level: f32, p: &NatureParams, bus: &mut Bus, start: usize, len: usize) {
        match self {
            Sound::Wind(v) => v.render(level, p, bus, start, len),
            Sound::Rain(v) => v.render(level, p, bus, start, len),
            Sound::Ocean(v) => v.render(level, p, bus, start, len),
            Sound::Stream(v) => v.render(level, p, bus, start, len),
            Sound::Fire(v) => v.render(level, p, bus, start, len),
            Sound::Insects(v) => v.render(level, p, bus, start, len),
            Sound::Birds(v) => v.render(level, p, bus, start, len),
        }
    }
}

/// The nature layers of one preset graph, each built only if the preset has it.
#[derive(Clone)]
pub struct Nature {
    mix: NatureMix,
    /// Built when the graph is (never on the audio thread).
    sounds: Vec<(Layer, Sound)>,
}

impl Nature {
    pub fn new(mix: NatureMix, seed: u64, sr: f32, report: NatureReport) -> Self {
        let sounds = NATURE
            .iter()
            .filter(|l| mix.level(**l) > 0.0)
            .filter_map(|&l| Some((l, Sound::of(l, &mix, seed, sr, &report)?)))
            .collect();
        Nature { mix, sounds }
    }

    /// Render `len` samples from `start` of every layer onto its bus.
    pub fn render(
        &mut self,
        p: &NatureParams,
        buses: &mut [Bus; LAYER_COUNT],
        start: usize,
        len: usize,
    ) {
        for (layer, sound) in &mut self.sounds {
            let level = self.mix.level(*layer);
            sound.render(level, p, &mut buses[*layer as usize], start, len);
        }
    }
}

/// A decaying sinusoid (a struck mode, a droplet, a bubble), as a rotating phasor: two
/// multiplies a sample, no trigonometry after the strike.
#[derive(Clone, Copy, Default, Debug)]
pub struct Ring {
    re: f32,
    im: f32,
    c: f32,
    s: f32,
}

impl Ring {
    /// Strike at `hz` with `amp`, falling by 60 dB in `t60` seconds.
    pub fn strike(&mut self, hz: f32, amp: f32, t60: f32, sr: f32) {
        let r = (-6.9078 / (t60.max(1e-4) * sr)).exp();
        let w = std::f32::consts::TAU * hz.min(0.45 * sr) / sr;
        (self.c, self.s) = (r * w.cos(), r * w.sin());
        (self.re, self.im) = (0.0, amp);
    }
    /// The next sample.
    #[inline]
    pub fn tick(&mut self) -> f32 {
        let re = self.re * self.c - self.im * self.s;
        let im = self.re * self.s + self.im * self.c;
        (self.re, self.im) = (re, im);
        im
    }
    /// Decayed below −100 dB of full scale.
    pub fn quiet(&self) -> bool {
        self.re.abs() + self.im.abs() < 1e-5
    }
}
