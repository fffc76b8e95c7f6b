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

/// The nature layers of one preset graph, each built only if the preset has it.
#[derive(Clone)]
pub struct Nature {
    mix: NatureMix,
    wind: Option<wind::Wind>,
    rain: Option<rain::Rain>,
    ocean: Option<ocean::Ocean>,
    stream: Option<stream::Stream>,
    fire: Option<fire::Fire>,
    insects: Option<insects::Insects>,
    birds: Option<birds::Birds>,
}

impl Nature {
    pub fn new(mix: NatureMix, seed: u64, sr: f32, report: NatureReport) -> Self {
        let has = |l: Layer| mix.level(l) > 0.0;
        Nature {
            mix,
            wind: has(Layer::Wind).then(|| wind::Wind::new(seed ^ 0x57, sr)),
            rain: has(Layer::Rain).then(|| rain::Rain::new(mix.rain_surface, seed ^ 0x2A, sr)),
            ocean: has(Layer::Ocean).then(|| ocean::Ocean::new(seed ^ 0x0C, sr)),
            stream: has(Layer::Stream).then(|| stream::Stream::new(seed ^ 0x57E, sr)),
            fire: has(Layer::Fire).then(|| fire::Fire::new(seed ^ 0xF1, sr)),
            insects: has(Layer::Insects).then(|| insects::Insects::new(seed ^ 0x1A, sr)),
            birds: has(Layer::Birds).then(|| birds::Birds::new(seed ^ 0xB1, sr, report)),
        }
    }

    /// Render `len` samples from `start` of every layer onto its bus.
    pub fn render(
        &mut self,
        p: &NatureParams,
        buses: &mut [Bus; LAYER_COUNT],
        start: usize,
        len: usize,
    ) {
        let level = |l: Layer| self.mix.level(l);
        if let Some(v) = &mut self.wind {
            v.render(
                level(Layer::Wind),
                p,
                &mut buses[Layer::Wind as usize],
                start,
                len,
            );
        }
        if let Some(v) = &mut self.rain {
            v.render(
                level(Layer::Rain),
                p,
                &mut buses[Layer::Rain as usize],
                start,
                len,
            );
        }
        if let Some(v) = &mut self.ocean {
            v.render(
                level(Layer::Ocean),
                p,
                &mut buses[Layer::Ocean as usize],
                start,
                len,
            );
        }
        if let Some(v) = &mut self.stream {
            v.render(
                level(Layer::Stream),
                p,
                &mut buses[Layer::Stream as usize],
                start,
                len,
            );
        }
        if let Some(v) = &mut self.fire {
            v.render(
                level(Layer::Fire),
                p,
                &mut buses[Layer::Fire as usize],
                start,
                len,
            );
        }
        if let Some(v) = &mut self.insects {
            v.render(
                level(Layer::Insects),
                p,
                &mut buses[Layer::Insects as usize],
                start,
                len,
            );
        }
        if let Some(v) = &mut self.birds {
            v.render(
                level(Layer::Birds),
                p,
                &mut buses[Layer::Birds as usize],
                start,
                len,
            );
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
